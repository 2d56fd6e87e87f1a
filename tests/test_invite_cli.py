"""Invitations as ``ta-delivery apply`` writes them to the outbox, read back as a mail client reads them.

Each test drives the real command line on a course file from the builder and parses the ``*.eml`` files
with :mod:`email` and :mod:`icalendar`, as PRODUCT.md's "Invites" promises them.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest

from ta_delivery.invites import lint_message
from ta_delivery.testing.cli import cli_settings, run
from ta_delivery.testing.courses import PARTICIPANT, course_toml, person, series, session, write_course

#: Control characters a course file may hold (escaped in TOML); none may reach a message.
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x7f\x85"
HOSTILE = "A\x00B\x07C\x1b[31mD\x7fE\x85F\u2028G\r\nBcc: evil@example.net\tH\x0cI"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    cli_settings(monkeypatch, {})


def sent(folder: Path, seen: set[Path]) -> list[tuple[EmailMessage, icalendar.Calendar, bytes]]:
    """The messages written to the outbox beside the course file since ``seen`` (then updated)."""
    out = []
    for path in sorted((folder / ".ta-delivery" / "outbox").glob("*.eml")):
        if path in seen:
            continue
        seen.add(path)
        raw = path.read_bytes()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        out.append((message, icalendar.Calendar.from_ical(data), raw))
    return out


def apply(course: Path, *args: str) -> str:
    code, out, err = run("apply", str(course), *args)
    assert code == 0, err + out
    return out


def recipient(message: EmailMessage) -> tuple[str, str]:
    (address,) = message["To"].addresses
    return address.display_name, address.addr_spec


def test_control_characters_anywhere_neither_refuse_the_course_nor_reach_a_message(tmp_path: Path) -> None:
    course = write_course(
        tmp_path,
        course_toml(
            title="Course " + HOSTILE,
            organizer={"name": "Org " + HOSTILE, "email": "org@example.org"},
            trainers=(person("rf", "Trainer " + HOSTILE, timezone="Europe/Zurich"),),
            participants=(person("p1", "Part " + HOSTILE, timezone="America/Jamaica", language="fr"),),
            sessions=(session("s01", title="Session " + HOSTILE, description="About " + HOSTILE),),
            series=(series("w", "2027-09-07T10:00:00", count=1, title="Weekly " + HOSTILE, trainers=["rf"]),),
        ),
    )
    code, _out, err = run("check", str(course))
    assert code == 0, err
    apply(course)
    messages = sent(tmp_path, set())
    assert len(messages) == 4  # two sessions, two people each
    for message, calendar, raw in messages:
        assert lint_message(raw) == []
        assert message["Bcc"] is None
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        assert not any(chr(b) in CONTROL for b in head)
        texts: list[Any] = [str(v) for v in message.values()]
        texts += [
            p.get_content() for p in message.walk() if p.get_content_type() in ("text/plain", "text/html")
        ]
        (event,) = calendar.walk("VEVENT")
        texts += [str(event[k]) for k in ("SUMMARY", "DESCRIPTION")]
        texts += [str(event["ORGANIZER"].params["CN"]), str(event["ATTENDEE"].params["CN"])]
        for text in texts:
            assert not any(c in text for c in CONTROL), repr(text)
        assert "Weekly" in str(event["SUMMARY"]) or "Session" in str(event["SUMMARY"])
        assert "Course" in str(event["SUMMARY"])
    code, out, err = run("calendar", str(course))
    assert code == 0, err
    assert not any(c in out for c in CONTROL)


def test_a_person_removed_from_the_file_is_cancelled_in_their_language_under_their_name(
    tmp_path: Path,
) -> None:
    leaver = person("p2", "Zoé Martin", timezone="Europe/Paris", language="fr")
    course = write_course(tmp_path, course_toml(participants=(PARTICIPANT, leaver)))
    seen: set[Path] = set()
    apply(course)
    invited = {
        str(calendar.walk("VEVENT")[0]["UID"]): message
        for message, calendar, _ in sent(tmp_path, seen)
        if recipient(message)[1] == "p2@example.org"
    }
    assert len(invited) == 2
    assert {m["Content-Language"] for m in invited.values()} == {"fr"}

    write_course(tmp_path, course_toml())  # Zoé leaves the course
    apply(course)
    cancels = sent(tmp_path, seen)
    assert len(cancels) == 2
    for message, calendar, raw in cancels:
        assert lint_message(raw) == []
        assert recipient(message) == ("Zoé Martin", "p2@example.org")
        assert str(calendar["METHOD"]) == "CANCEL"
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) in invited
        assert str(event["SEQUENCE"]) == "1"
        assert message["Content-Language"] == "fr"
        assert str(event["SUMMARY"]).startswith("Annulée")
        assert event["ATTENDEE"].params["CN"] == "Zoé Martin"
    apply(course)
    assert sent(tmp_path, seen) == []


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("cancelled", "Le cours Demo course est annulé, et cette séance avec lui."),
        ("postponed", "Le cours Demo course est reporté"),
    ],
)
def test_the_feed_of_a_stopped_course_says_so_and_promises_no_join_link(
    tmp_path: Path, status: str, says: str
) -> None:
    zoe = person("p2", "Zoé Martin", timezone="Europe/Paris", language="fr")
    course = write_course(tmp_path, course_toml(participants=(PARTICIPANT, zoe)))
    apply(course)
    write_course(tmp_path, course_toml(participants=(PARTICIPANT, zoe), status=status))
    apply(course)  # the classrooms are cancelled: no join link to show any more
    code, out, err = run("calendar", str(course), "--person", "p2")
    assert code == 0, err
    calendar = icalendar.Calendar.from_ical(out)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    for event in events:
        assert str(event["STATUS"]) == "CANCELLED"
        description = str(event["DESCRIPTION"])
        assert description.startswith(says), description
        assert "suivra" not in description  # "the join link will follow in an updated invitation"
