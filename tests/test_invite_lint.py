"""The lint itself: it must catch each kind of fault it claims to check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ta_delivery.invites import build_invite, lint_calendar, lint_message, render_calendar
from ta_delivery.models import Course, Organizer, Participant, Session

STAMP = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
COURSE = Course(
    id="c",
    title="Course",
    timezone="UTC",
    organizer=Organizer("Org", "org@example.org"),
    participants=(Participant("p", "Pía", "p@example.org", "UTC"),),
    sessions=(Session("s", "Séance très longue " * 6, datetime(2027, 5, 1, 10, tzinfo=UTC), 60),),
)


def good(method: str = "REQUEST") -> bytes:
    data, _ = render_calendar(
        COURSE, COURSE.sessions[0], method=method, sequence=1, dtstamp=STAMP,  # type: ignore[arg-type]
        join_url="https://x.example/r", attendee=COURSE.participants[0],
    )  # fmt: skip
    return data


def test_generated_objects_are_clean() -> None:
    assert lint_calendar(good(), expect_method="REQUEST") == []
    assert lint_calendar(good("CANCEL"), expect_method="CANCEL") == []


def swap(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def unfolded(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.replace(b"\r\n", b"\n"), "bare CR or LF"),
        (lambda d: swap(d, b"\r\nSEQUENCE", b"\nSEQUENCE"), "bare CR or LF"),
        (lambda d: d[:-2], "does not end with CRLF"),
        (lambda d: unfolded(d), "octets (at most 75"),
        (
            lambda d: swap(
                d, b"SUMMARY;LANGUAGE=en:S\xc3\xa9ance", b"SUMMARY;LANGUAGE=en:S\xc3\r\n \xa9ance"
            ),
            "not UTF-8",
        ),
        (
            lambda d: swap(d, b"ORGANIZER;CN=Org:mailto:org@example.org", b"ORGANIZER:org@example.org"),
            "not a mailto",
        ),
        (lambda d: swap(d, b"DTSTAMP:20270301T093000Z", b"DTSTAMP:20270301T093000"), "DTSTAMP is not a UTC"),
        (
            lambda d: swap(d, b"DTSTART:20270501T100000Z", b"DTSTART;TZID=Europe/Paris:20270501T120000"),
            "DTSTART is not a UTC",
        ),
        (lambda d: swap(d, b"UID:", b"X-UID:"), "lacks UID"),
        (lambda d: swap(d, b"PRODID:", b"X-PRODID:"), "PRODID"),
        (lambda d: swap(d, b"VERSION:2.0", b"VERSION:1.0"), "not 2.0"),
        (lambda d: swap(d, b"METHOD:REQUEST", b"METHOD:PUBLISH"), "expected 'REQUEST'"),
        (lambda d: swap(d, b"DTEND:", b"DURATION:PT1H\r\nDTEND:"), "both DTEND and DURATION"),
        (lambda d: swap(d, b"SEQUENCE:1", b"SEQUENCE:1\r\nSEQUENCE:2"), "2 SEQUENCE"),
        (lambda d: swap(d, b"SEQUENCE:1", b"SEQUENCE:-1"), "SEQUENCE is not"),
        (lambda d: swap(d, b"FEATURE=AUDIO,VIDEO", b'FEATURE="AUDIO,VIDEO"'), "one quoted value"),
        (lambda d: swap(d, b"SEQUENCE:1", b"SEQUENCE:1\r\n\r\nX:1"), "empty line"),
        (lambda d: swap(d, b"SEQUENCE:1", b"SEQUENCE:1\x07"), "control character"),
        (lambda d: swap(d, b"END:VEVENT\r\n", b""), "never closed"),
        (lambda d: swap(d, b"SEQUENCE:1", b"SEQUENCE 1"), "malformed"),
    ],
)
def test_lint_catches(mutate: object, expected: str) -> None:
    problems = lint_calendar(mutate(good()), expect_method="REQUEST")  # type: ignore[operator]
    assert any(expected in p for p in problems), problems


def test_method_specific_rules() -> None:
    request = good()
    no_attendee = b"".join(
        ln + b"\r\n" for ln in unfolded(request).split(b"\r\n")[:-1] if not ln.startswith(b"ATTENDEE")
    )
    assert any("lacks ATTENDEE" in p for p in lint_calendar(no_attendee))
    publish = swap(request, b"METHOD:REQUEST", b"METHOD:PUBLISH")
    assert any("ATTENDEE, not allowed" in p for p in lint_calendar(publish))
    cancel = good("CANCEL")
    assert any(
        "STATUS:CONFIRMED" in p for p in lint_calendar(swap(cancel, b"STATUS:CANCELLED", b"STATUS:CONFIRMED"))
    )
    alarm = swap(
        cancel, b"END:VEVENT", b"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT"
    )
    assert any("VALARM" in p for p in lint_calendar(alarm))
    assert any("lacks SEQUENCE" in p for p in lint_calendar(swap(cancel, b"SEQUENCE:1\r\n", b"")))


def test_message_lint_catches_shape_faults() -> None:
    msg = build_invite(
        COURSE, COURSE.sessions[0], COURSE.participants[0], method="REQUEST", sequence=0,
        join_url=None, dtstamp=STAMP,
    )  # fmt: skip
    assert lint_message(msg) == []
    raw = msg.as_bytes()
    assert any("CRLF" in p for p in lint_message(raw.replace(b"\r\n", b"\n")))
    assert any("method parameter" in p for p in lint_message(raw.replace(b"; method=REQUEST", b"")))
    msg.replace_header("Subject", "x")
    del msg["Message-ID"]
    assert any("Message-ID appears 0 times" in p for p in lint_message(msg))
    msg["Bcc"] = "spy@example.org"
    assert any("unexpected header Bcc" in p for p in lint_message(msg))
