"""Property test: whatever text a course file or provider hands over, invitations stay well-formed."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import icalendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ta_delivery.invites import build_feed, build_invite, lint_calendar, lint_message
from ta_delivery.invites.text import clean_line, clean_param
from ta_delivery.models import Course, Organizer, Participant, Session

STAMP = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
NASTY = st.sampled_from(
    [
        *("\r", "\n", "\r\n", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\t", ";", ",", ":", '"', "\\", "^"),
        *("\u202e", "\u2066", "\u200f"),  # bidi override, isolate, right-to-left mark
    ]
)
TEXT = st.lists(
    st.one_of(st.text(max_size=8), NASTY, st.text("xyz", min_size=60, max_size=90)), min_size=1, max_size=12
).map("".join)
NAME = TEXT.filter(lambda t: t.strip() != "")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=NAME, name=NAME, organizer=NAME, description=TEXT, course_title=NAME, link_tail=TEXT)
def test_any_text_gives_a_clean_invite(
    title: str, name: str, organizer: str, description: str, course_title: str, link_tail: str
) -> None:
    course = Course(
        id="c",
        title=course_title,
        timezone="UTC",
        organizer=Organizer(organizer, "org@example.org"),
        participants=(Participant("p", name, "p@example.org", "Asia/Tokyo"),),
        sessions=(Session("s", title, datetime(2027, 5, 1, 10, tzinfo=UTC), 60, description=description),),
    )
    for method in ("REQUEST", "CANCEL"):
        msg = build_invite(
            course, course.sessions[0], course.participants[0], method=method, sequence=1,  # type: ignore[arg-type]
            join_url="https://x.example/" + link_tail, dtstamp=STAMP,
        )  # fmt: skip
        raw = msg.as_bytes()
        assert lint_message(raw) == []
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert head.isascii()
        assert all(len(line) <= 78 for line in head.split(b"\r\n"))
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert [a.addr_spec for a in parsed["To"].addresses] == ["p@example.org"]
        assert [a.addr_spec for a in parsed["From"].addresses] == ["org@example.org"]
        assert parsed.get_all("Bcc") is None and parsed.get_all("Cc") is None
        part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        (event,) = icalendar.Calendar.from_ical(data).events
        attendee = event["ATTENDEE"]
        assert not isinstance(attendee, list)
        assert str(attendee) == "mailto:p@example.org"
        assert attendee.params.get("CN", "") == clean_param(name)
        assert event["ORGANIZER"].params.get("CN", "") == clean_param(organizer)
        assert clean_line(title) in str(event["SUMMARY"])
    feed = build_feed(
        course, person_id=None, join_urls={"s": "https://x.example/" + link_tail}, sequences={}, dtstamp=STAMP
    )
    assert lint_calendar(feed, expect_method="PUBLISH") == []


def test_bidi_overrides_are_dropped_but_right_to_left_marks_kept() -> None:
    spoof = "Invoice \u202efdp.exe\u202c and \u2067isolate\u2069"
    assert clean_line(spoof) == "Invoice fdp.exe and isolate"
    assert clean_line("\u05e9\u05dc\u05d5\u05dd\u200f (1/3)") == "\u05e9\u05dc\u05d5\u05dd\u200f (1/3)"
    course = Course(
        id="c",
        title="Course",
        timezone="UTC",
        organizer=Organizer("Org", "org@example.org"),
        participants=(Participant("p", "P", "p@example.org", "UTC"),),
        sessions=(Session("s", spoof, datetime(2027, 5, 1, 10, tzinfo=UTC), 60),),
    )
    msg = build_invite(
        course, course.sessions[0], course.participants[0], method="REQUEST", sequence=0,
        join_url="https://x.example/r", dtstamp=STAMP,
    )  # fmt: skip
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert "\u202e" not in str(parsed["Subject"]) and "fdp.exe" in str(parsed["Subject"])
    assert "\u202e" not in msg.as_bytes().decode("utf-8", "replace")
