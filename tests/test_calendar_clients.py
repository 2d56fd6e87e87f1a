"""What calendar clients (Outlook, Gmail, Apple Calendar, Thunderbird) rely on, end to end.

A course goes through the whole lifecycle with the real CLI (first REQUEST, reschedule, a person leaving and
coming back, the course cancelled) and every message written to the outbox is read back as a client
reads it: the ``text/calendar`` part's ``method`` and METHOD agree, ORGANIZER is the From address, the one
ATTENDEE is the To address, one UID per session for every message and the feed, SEQUENCE rising along
each recipient's messages, and a cancelled event that blocks no time.
"""

from __future__ import annotations

import email
import email.policy
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.invites import build_event, build_feed, build_invite, lint_message, session_uid
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer
from ta_delivery.testing.courses import Raw, course_toml, person, session

STAMP = datetime(2027, 8, 1, 8, tzinfo=UTC)

ANA = person("ana", "Ana Pérez", "ana@example.org", "America/Jamaica", language="es")
JO = person("jo", "Jo Martin", "jo@example.org", "Europe/Paris")


def write(
    path: Path, *, status: str = "scheduled", start: str = "2027-08-11T10:00:00", s02: str = '["ana", "jo"]'
) -> None:
    sessions = [
        session("s01", start, 120, title="Opening webinar"),
        session("s02", "2027-08-18T10:00:00", 90, title="Second webinar", participants=Raw(s02)),
    ]
    text = course_toml(
        id="cli-qa", title="Client QA course", status=status, participants=[ANA, JO], sessions=sessions
    )
    path.write_text(text, encoding="utf-8")


def apply(path: Path, now: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TA_DELIVERY_NOW", now)
    # the messages are the subject here, not the schedule (17:00-19:00 in Paris breaks working hours)
    result = CliRunner().invoke(main, ["apply", str(path), "--ignore-rules"])
    assert result.exit_code == 0, result.output


def read_outbox(path: Path) -> list[tuple[email.message.EmailMessage, icalendar.Event, str]]:
    """Each message, its one VEVENT, and the ``method`` parameter of its ``text/calendar`` part."""
    out = []
    for file in sorted((path.parent / ".ta-delivery" / "outbox").glob("*.eml")):
        msg = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, email.message.EmailMessage)
        assert lint_message(msg) == []
        parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1, "one inline calendar part, as Outlook and Gmail expect"
        cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
        assert str(cal["METHOD"]) == parts[0].get_param("method")
        (event,) = cal.events
        out.append((msg, event, str(cal["METHOD"])))
    return out


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "course.toml"
    write(path)
    return path


def test_lifecycle_messages_are_what_clients_match_on(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    apply(course, "2027-08-01T08:00:00Z", monkeypatch)
    write(course, start="2027-08-11T11:00:00")  # s01 rescheduled
    apply(course, "2027-08-01T09:00:00Z", monkeypatch)
    write(course, start="2027-08-11T11:00:00", s02='["ana"]')  # jo leaves s02
    apply(course, "2027-08-01T10:00:00Z", monkeypatch)
    write(course, start="2027-08-11T11:00:00", s02='["ana", "jo"]')  # ... and comes back
    apply(course, "2027-08-01T11:00:00Z", monkeypatch)
    write(course, status="cancelled", start="2027-08-11T11:00:00")
    apply(course, "2027-08-01T12:00:00Z", monkeypatch)

    uids = {session_uid("cli-qa", s) for s in ("s01", "s02")}
    history: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for msg, event, method in read_outbox(course):
        sender = msg["From"].addresses[0].addr_spec
        recipient = msg["To"].addresses[0].addr_spec
        # Gmail and Outlook: the organizer is who sent it; Apple Calendar and Thunderbird: the reader is
        # the one ATTENDEE (a CANCEL too, or the client cannot tell whose invitation is withdrawn).
        assert str(event["ORGANIZER"]) == f"mailto:{sender}"
        attendees = event.get("ATTENDEE")
        assert isinstance(attendees, str) and str(attendees) == f"mailto:{recipient}"
        assert str(event["UID"]) in uids
        assert str(event["DTSTART"].to_ical().decode()).endswith("Z")
        cancelled = method == "CANCEL"
        assert (str(event["STATUS"]) == "CANCELLED") is cancelled
        assert str(event["TRANSP"]) == ("TRANSPARENT" if cancelled else "OPAQUE")
        history[(recipient, str(event["UID"]))].append((msg["Date"], method, int(event["SEQUENCE"])))

    s01, s02 = session_uid("cli-qa", "s01"), session_uid("cli-qa", "s02")
    jo = [(m, s) for _, m, s in sorted(history[("jo@example.org", s02)])]
    assert jo == [("REQUEST", 0), ("CANCEL", 1), ("REQUEST", 2), ("CANCEL", 3)]
    ana = [(m, s) for _, m, s in sorted(history[("ana@example.org", s01)])]
    assert ana == [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]
    for messages in history.values():  # a client applies a message only when its SEQUENCE is higher
        seqs = [s for _, _, s in sorted(messages)]
        assert seqs == sorted(set(seqs))

    # The feed, imported into the calendar holding the invitations: the same UIDs, at the last SEQUENCE
    # sent, so the client sees the events it has (not new ones), and nothing blocks time.
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-08-01T13:00:00Z")
    result = CliRunner().invoke(main, ["calendar", str(course), "--person", "jo"])
    assert result.exit_code == 0, result.output
    feed = icalendar.Calendar.from_ical(result.stdout_bytes)
    assert str(feed["METHOD"]) == "PUBLISH"
    last = {uid: max(s for _, _, s in history[("jo@example.org", uid)]) for uid in (s01, s02)}
    assert {str(e["UID"]): int(e["SEQUENCE"]) for e in feed.events} == last
    for event in feed.events:
        assert "ATTENDEE" not in event
        assert (str(event["STATUS"]), str(event["TRANSP"])) == ("CANCELLED", "TRANSPARENT")


def make_course(status: str = "scheduled") -> Course:
    return Course(
        id="cli-qa",
        title="Client QA course",
        timezone="America/Port_of_Spain",
        status=status,  # type: ignore[arg-type]
        organizer=Organizer("Training Institute", "training@example.org"),
        trainers=(Trainer("rf", "Roberto F.", "rf@example.org", "Europe/Zurich"),),
        participants=(Participant("ana", "Ana Pérez", "ana@example.org", "America/Jamaica"),),
        sessions=(Session("s01", "Opening", datetime(2027, 8, 11, 14, tzinfo=UTC), 120, trainers=("rf",)),),
    )


def calendar_of(msg: email.message.EmailMessage) -> icalendar.Event:
    (part,) = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    (event,) = icalendar.Calendar.from_ical(part.get_payload(decode=True)).events
    return event


@pytest.mark.parametrize(
    ("status", "transp"),
    [
        ("scheduled", "OPAQUE"),
        ("planned", "OPAQUE"),
        ("cancelled", "TRANSPARENT"),
        ("postponed", "TRANSPARENT"),
    ],
)
def test_feed_events_of_a_stopped_course_block_no_time(status: str, transp: str) -> None:
    """Outlook imports free/busy from TRANSP (MS-OXCICAL): a cancelled course must not show as busy."""
    cal = icalendar.Calendar.from_ical(
        build_feed(make_course(status), person_id=None, join_urls={}, sequences={}, dtstamp=STAMP)
    )
    assert [str(e["TRANSP"]) for e in cal.events] == [transp]


def test_cancel_is_transparent_on_both_renderers() -> None:
    """The fast renderer and the icalendar build (used when a plugin decorates events) agree."""
    course = make_course()
    session, person = course.session("s01"), course.person("ana")
    for method, transp in (("REQUEST", "OPAQUE"), ("CANCEL", "TRANSPARENT")):
        kwargs: dict[str, Any] = {"method": method, "sequence": 1, "dtstamp": STAMP, "join_url": None}
        fast = calendar_of(build_invite(course, session, person, **kwargs))
        slow = build_event(course, session, attendee=person, **kwargs)
        assert str(fast["TRANSP"]) == str(slow["TRANSP"]) == transp
