"""Plan, apply, invitations and the calendar feed, driven through the CLI.

Built-in Jitsi provider and outbox transport; "now" fixed by ``TA_DELIVERY_NOW``; no network.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import stat
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import T1, course_toml, person, session

NOW = "2027-08-01T08:00:00Z"

COURSE = course_toml(
    id="qa-2027",
    title="QA course",
    timezone="Europe/Berlin",
    trainers=[T1],
    participants=[
        person("p1", "Part One", language="fr"),
        person("p2", "Ana Pérez", "ana@example.org", "America/New_York", language="es"),
    ],
    sessions=[
        session("s01", "2027-08-10T14:00:00", 120, title="Opening", trainers=["t1"], description="Welcome"),
        session("s02", "2027-08-17T14:00:00", 90, title="Second", trainers=["t1"]),
    ],
)


class World:
    def __init__(self, tmp_path: Path, text: str = COURSE) -> None:
        self.dir = tmp_path
        self.course = tmp_path / "course.toml"
        self.course.write_text(text, encoding="utf-8")
        self.seen: set[str] = set()

    def write(self, text: str) -> None:
        self.course.write_text(text, encoding="utf-8")

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
        base: dict[str, str | None] = {
            "TA_DELIVERY_NOW": NOW,
            "TA_DELIVERY_STATE": None,
            "TA_DELIVERY_OUTBOX": None,
            "TA_DELIVERY_TRANSPORT": None,
            "COLUMNS": "200",
        }
        result = CliRunner().invoke(main, list(args), env={**base, **(env or {})})
        return result.exit_code, result.stdout, result.stderr

    def plan(self) -> dict[str, Any]:
        code, out, err = self.run("plan", str(self.course), "--json")
        assert code == 0, err
        data: dict[str, Any] = json.loads(out)
        return data

    def apply(self, env: dict[str, str | None] | None = None) -> list[tuple[EmailMessage, Any]]:
        """Run apply (expecting success); the new messages with their VEVENT."""
        code, out, err = self.run("apply", str(self.course), env=env)
        assert code == 0, (out, err)
        folder = self.dir / ".ta-delivery" / "outbox"
        found = []
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            if path.name in self.seen:
                continue
            self.seen.add(path.name)
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            cal = icalendar.Calendar.from_ical(payload)
            found.append((message, next(iter(cal.walk("VEVENT")))))
        return found


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def planned_invites(plan: dict[str, Any]) -> set[tuple[str, str, str, int]]:
    return {(i["session"], i["person"], i["method"], i["sequence"]) for i in plan["invites"]}


def test_plan_table_shows_sequence_zero(world: World) -> None:
    code, out, err = world.run("plan", str(world.course))
    assert code == 0, err
    rows = [line for line in out.splitlines() if "new invitation" in line]
    assert len(rows) == 6
    assert all(" 0 " in row for row in rows), rows


def test_plan_predicts_no_invite_for_a_change_that_apply_sends_none_for(world: World) -> None:
    """A description-only edit updates the classroom; no invitation changes, and plan says so."""
    world.apply()
    world.write(COURSE.replace('description = "Welcome"', 'description = "Welcome, everyone"'))
    plan = world.plan()
    assert [(c["session"], c["action"]) for c in plan["classrooms"]] == [("s01", "update")]
    assert plan["invites"] == []
    assert world.apply() == []


def test_plan_predicts_exactly_the_requests_of_a_moved_session(world: World) -> None:
    world.apply()
    world.write(COURSE.replace("start = 2027-08-17T14:00:00", "start = 2027-08-18T15:00:00"))
    plan = world.plan()
    expected = {("s02", p, "REQUEST", 1) for p in ("t1", "p1", "p2")}
    assert planned_invites(plan) == expected
    sent = world.apply()
    assert {(str(e["UID"]), int(e["SEQUENCE"]), str(e["DTSTART"].to_ical().decode())) for _, e in sent} == {
        (str(sent[0][1]["UID"]), 1, "20270818T130000Z")
    }
    assert len(sent) == 3


def test_a_new_address_gets_the_invitation(world: World) -> None:
    first = {(str(m["To"]), str(e["UID"])): int(e["SEQUENCE"]) for m, e in world.apply()}
    moved = COURSE.replace('email = "ana@example.org"', 'email = "ana.perez@example.net"')
    world.write(moved)
    plan = world.plan()
    # the old address's calendar holds the events: they are withdrawn there, then sent to the new one
    assert planned_invites(plan) == {
        ("s01", "p2", "CANCEL", 1),
        ("s02", "p2", "CANCEL", 1),
        ("s01", "p2", "REQUEST", 2),
        ("s02", "p2", "REQUEST", 2),
    }
    by_method = {(i["method"], i["email"]) for i in plan["invites"]}
    assert by_method == {("CANCEL", "ana@example.org"), ("REQUEST", "ana.perez@example.net")}
    sent = world.apply()
    assert sorted(str(e.get("STATUS")) for _m, e in sent) == [
        "CANCELLED",
        "CANCELLED",
        "CONFIRMED",
        "CONFIRMED",
    ]
    for message, event in sent:
        old_uid_seq = first[("Ana Pérez <ana@example.org>", str(event["UID"]))]
        assert old_uid_seq < int(event["SEQUENCE"])
        if str(event.get("STATUS")) == "CANCELLED":
            assert "ana@example.org" in str(message["To"])
            assert str(event["ATTENDEE"]) == "mailto:ana@example.org"
        else:
            assert "ana.perez@example.net" in str(message["To"])
            assert str(event["ATTENDEE"]) == "mailto:ana.perez@example.net"
    assert world.apply() == []
    # the same address written differently is not a new address
    world.write(moved.replace("ana.perez@example.net", "Ana.Perez@Example.NET"))
    assert world.plan()["invites"] == []


def with_status(status: str) -> str:
    return COURSE.replace('title = "QA course"\n', f'title = "QA course"\nstatus = "{status}"\n', 1)


@pytest.mark.parametrize("status", ["postponed", "planned"])
def test_a_postponed_course_is_not_said_to_be_cancelled(world: World, status: str) -> None:
    first = {(str(m["To"]), str(e["UID"])): int(e["SEQUENCE"]) for m, e in world.apply()}
    world.write(with_status(status))
    plan = world.plan()
    assert {i["reason"] for i in plan["invites"]} == {"course-postponed"}
    sent = world.apply()
    assert len(sent) == len(first) == 6
    for message, event in sent:
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) > first[(str(message["To"]), str(event["UID"]))]
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert "annulé" not in text and "cancelado" not in text and "has been cancelled" not in text
        assert any(word in text for word in ("postponed", "reporté", "aplazado")), text
    assert world.apply() == []


def test_a_cancelled_course_still_says_cancelled(world: World) -> None:
    world.apply()
    world.write(with_status("cancelled"))
    assert {i["reason"] for i in world.plan()["invites"]} == {"course-cancelled"}
    sent = world.apply()
    english = [m for m, _ in sent if "t1@example.org" in str(m["To"])]
    assert len(english) == 2
    for message in english:
        body = message.get_body(("plain",))
        assert body is not None and "has been cancelled" in body.get_content()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("scheduled", "CONFIRMED"),
        ("cancelled", "CANCELLED"),
        ("postponed", "CANCELLED"),
        ("planned", "TENTATIVE"),
    ],
)
def test_feed_status_follows_the_course_status(world: World, status: str, expected: str) -> None:
    world.write(with_status(status))
    code, out, err = world.run("calendar", str(world.course))
    assert code == 0, err
    events = list(icalendar.Calendar.from_ical(out).walk("VEVENT"))
    assert len(events) == 2
    assert {str(e["STATUS"]) for e in events} == {expected}


def test_a_session_moved_into_the_past_has_ended_and_is_left_alone(world: World) -> None:
    """Its classroom is not cancelled (it may hold attendance) and nobody gets a CANCEL or REQUEST."""
    world.apply()
    world.write(COURSE.replace("start = 2027-08-17T14:00:00", "start = 2027-07-20T14:00:00"))
    plan = world.plan()
    assert plan["classrooms"] == [] and plan["invites"] == []
    assert world.apply() == []
    code, out, err = world.run("calendar", str(world.course))
    assert code == 0, err
    second = [
        e for e in icalendar.Calendar.from_ical(out).walk("VEVENT") if str(e["SUMMARY"]).startswith("Second")
    ]
    assert len(second) == 1 and "URL" in second[0]  # its join link is kept


@pytest.mark.parametrize("inside", [False, True], ids=["file", "below-a-file"])
def test_an_outbox_that_is_a_file_is_an_input_error_changing_nothing(world: World, inside: bool) -> None:
    blocker = world.dir / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    outbox = blocker / "mail" if inside else blocker
    code, out, err = world.run("apply", str(world.course), env={"TA_DELIVERY_OUTBOX": str(outbox)})
    assert code == 2, (out, err)
    assert "TA_DELIVERY_OUTBOX" in err
    assert not (world.dir / ".ta-delivery").exists()


def test_apply_on_a_planned_course_says_why_it_does_nothing(world: World) -> None:
    world.write(with_status("planned"))
    code, out, err = world.run("apply", str(world.course), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["items"] == []
    assert any("planned" in note for note in result["notes"])
    code, out, err = world.run("apply", str(world.course))
    assert code == 0, err
    assert "nothing to do" in out and "planned" in out


def test_a_cancel_goes_to_the_address_the_invitation_went_to(world: World) -> None:
    world.apply()
    only_p1 = COURSE.replace(
        'minutes = 90\ntrainers = ["t1"]', 'minutes = 90\ntrainers = ["t1"]\nparticipants = ["p1"]'
    )
    world.write(only_p1.replace('email = "ana@example.org"', 'email = "ana.perez@example.net"'))
    plan = world.plan()
    cancels = [i for i in plan["invites"] if i["method"] == "CANCEL"]
    # s02, which she left, and s01 at the address she no longer uses
    assert sorted((i["session"], i["person"], i["email"]) for i in cancels) == [
        ("s01", "p2", "ana@example.org"),
        ("s02", "p2", "ana@example.org"),
    ]
    sent = world.apply()
    assert len(sent) == 3
    addressed = sorted(
        (str(e["STATUS"]), m["To"].addresses[0].addr_spec, str(e["ATTENDEE"])) for m, e in sent
    )
    assert addressed == [
        ("CANCELLED", "ana@example.org", "mailto:ana@example.org"),
        ("CANCELLED", "ana@example.org", "mailto:ana@example.org"),
        ("CONFIRMED", "ana.perez@example.net", "mailto:ana.perez@example.net"),  # s01
    ]
    assert world.apply() == []


def test_a_new_jitsi_server_moves_the_rooms_and_reinvites(world: World) -> None:
    first = {(str(m["To"]), str(e["UID"])): e for m, e in world.apply()}
    assert all(str(e["URL"]).startswith("https://meet.jit.si/") for e in first.values())
    env: dict[str, str | None] = {"TA_DELIVERY_JITSI_URL": "https://meet.example.org/"}
    code, out, err = world.run("plan", str(world.course), "--json", env=env)
    assert code == 0, err
    plan = json.loads(out)
    assert {(c["session"], c["action"]) for c in plan["classrooms"]} == {("s01", "update"), ("s02", "update")}
    assert planned_invites(plan) == {(s, p, "REQUEST", 1) for s in ("s01", "s02") for p in ("t1", "p1", "p2")}
    sent = world.apply(env=env)
    assert len(sent) == 6
    for message, event in sent:
        before = first[(str(message["To"]), str(event["UID"]))]
        room = str(before["URL"]).rsplit("/", 1)[1]
        assert str(event["URL"]) == f"https://meet.example.org/{room}"  # the same room on the new server
        assert int(event["SEQUENCE"]) == 1
    assert world.apply(env=env) == []


@pytest.mark.parametrize("url", ["https://meet.example.org/?tenant=a", "https://meet.example.org/#x"])
def test_a_jitsi_url_with_a_query_or_fragment_is_an_input_error(world: World, url: str) -> None:
    """The room name is appended to the URL's path: ``https://host/?q=1/Room`` is no room link."""
    code, _, err = world.run("apply", str(world.course), env={"TA_DELIVERY_JITSI_URL": url})
    assert code == 2 and "TA_DELIVERY_JITSI_URL" in err
    assert not (world.dir / ".ta-delivery").exists()


def test_calendar_out_file_is_private_unless_its_owner_said_otherwise(world: World) -> None:
    """A feed names people: a new ``--out`` file is 0600 (issue 19); a mode its owner chose is kept."""
    old = os.umask(0o022)
    try:
        out = world.dir / "feed.ics"
        code, _, err = world.run("calendar", str(world.course), "--out", str(out))
        assert code == 0, err
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        out.chmod(0o640)  # a mode chosen by the user is kept when the feed is rewritten
        code, _, err = world.run("calendar", str(world.course), "--out", str(out))
        assert code == 0, err
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_a_session_turned_recorded_is_not_said_to_be_removed(world: World) -> None:
    world.apply()
    world.write(COURSE.replace("minutes = 90\n", 'minutes = 90\nkind = "recorded"\n'))
    plan = world.plan()
    assert [(c["session"], c["action"], c["reason"]) for c in plan["classrooms"]] == [
        ("s02", "cancel", "session no longer live")
    ]
    assert planned_invites(plan) == {("s02", p, "CANCEL", 1) for p in ("t1", "p1", "p2")}


def test_report_out_file_is_private(world: World) -> None:
    old = os.umask(0o022)
    try:
        out = world.dir / "report.html"
        code, _, err = world.run("report", str(world.course), "--format", "html", "--out", str(out))
        assert code == 0, err
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    finally:
        os.umask(old)
