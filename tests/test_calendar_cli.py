"""``ta-delivery calendar``: the feed printed or written, with links and sequences from the state store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.invites import lint_calendar, session_uid
from ta_delivery.records import Classroom
from ta_delivery.store import InviteRow, open_store, state_location
from ta_delivery.testing.courses import course_toml, person, session

COURSE_TOML = course_toml(
    id="rtpc-2027",
    title="Trade Policy Course",
    language="fr",
    participants=[
        person("ana", "Ana Pérez", "ana@example.org", "America/Jamaica", language="es"),
        person("bo", "Bo", "bo@example.org", "Asia/Tokyo"),
    ],
    sessions=[
        session("s01", "2027-08-10T10:00:00", 120, title="Opening webinar"),
        session("s02", "2027-08-12T10:00:00", 60, title="Clinic", trainers=None, participants=["bo"]),
        session("s03", "2027-08-11T10:00:00", 60, title="Recorded lecture", trainers=None, kind="recorded"),
    ],
)

NOW = "2027-01-02T03:04:05Z"


@pytest.fixture
def course_file(tmp_path: Path) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(COURSE_TOML, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, bytes, str]:
    runner = CliRunner()
    result = runner.invoke(main, ["calendar", *args], env={"TA_DELIVERY_NOW": NOW})
    return result.exit_code, result.stdout_bytes, result.stderr


def events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "PUBLISH"
    return {str(e["UID"]): e for e in cal.events}


def uid(sid: str) -> str:
    return session_uid("rtpc-2027", sid)


def test_course_feed_without_a_store(course_file: Path) -> None:
    code, out, err = run(str(course_file))
    assert code == 0, err
    assert lint_calendar(out, expect_method="PUBLISH") == []
    evs = events(out)
    assert list(evs) == [uid("s01"), uid("s03"), uid("s02")]  # every session, by start
    assert "séance enregistrée" in str(evs[uid("s03")]["DESCRIPTION"])  # recorded: no classroom
    assert b"ATTENDEE" not in out
    assert b"LOCATION" not in out
    assert b"DTSTAMP:20270102T030405Z" in out
    assert "Quand" in str(evs[uid("s01")]["DESCRIPTION"])  # the course's language
    assert not (course_file.parent / ".ta-delivery").exists()  # reading never creates a store


def test_personal_feed_and_out_file(course_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "feeds" / "ana.ics"
    code, out, err = run(str(course_file), "--person", "ana", "--out", str(target))
    assert code == 0, err
    assert out == b""
    data = target.read_bytes()
    assert lint_calendar(data, expect_method="PUBLISH") == []
    evs = events(data)
    assert list(evs) == [uid("s01"), uid("s03")]  # ana is not in s02
    assert "America/Jamaica" in str(evs[uid("s01")]["DESCRIPTION"])
    assert "Cuándo" in str(evs[uid("s01")]["DESCRIPTION"])


def test_unknown_person_is_an_input_error(course_file: Path) -> None:
    code, out, err = run(str(course_file), "--person", "nobody")
    assert code == 2
    assert "nobody" in err
    assert out == b""


def test_missing_course_file_is_an_input_error(tmp_path: Path) -> None:
    code, _out, _err = run(str(tmp_path / "missing.toml"))
    assert code == 2


def test_links_and_sequences_come_from_the_store(course_file: Path) -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    store = open_store(state_location(course_file))
    try:
        store.remember_course("rtpc-2027", "Trade Policy Course", "America/Port_of_Spain", now)
        room = Classroom(
            provider="zoom",
            key="k1",
            external_id="1",
            join_url="https://zoom.example/j/1",
            personal_links={"bo": "https://zoom.example/w/1?tk=bo"},
        )
        start = datetime(2027, 8, 10, 14, tzinfo=UTC)
        store.save_classroom(
            "rtpc-2027", "s01", room, fingerprint="f", state="active", start=start, end=start,
            title="Opening webinar", minutes=120, now=now,
        )  # fmt: skip
        for pid, seq in (("ana", 2), ("bo", 5), ("rf", 1)):
            store.save_invite(
                "rtpc-2027",
                InviteRow("s01", pid, f"{pid}@example.org", seq, "f", "REQUEST", "sent", start),
                now,
            )
    finally:
        store.close()
    code, out, err = run(str(course_file))
    assert code == 0, err
    s01 = events(out)[uid("s01")]
    assert str(s01["LOCATION"]) == "https://zoom.example/j/1"
    assert s01["SEQUENCE"] == 5  # the highest sent to anyone
    assert events(out)[uid("s02")]["SEQUENCE"] == 0
    code, out, err = run(str(course_file), "--person", "bo")
    assert code == 0, err
    bo = events(out)[uid("s01")]
    assert str(bo["URL"]) == "https://zoom.example/w/1?tk=bo"  # the personal link
    assert bo["SEQUENCE"] == 5
    code, out, err = run(str(course_file), "--person", "ana")
    assert events(out)[uid("s01")]["SEQUENCE"] == 2
