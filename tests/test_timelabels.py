"""Time labels (issue 19): a span that crosses a DST change shows each end's own offset.

In invitations (the plain-text "When:" line) and in ``check`` messages, for Berlin's autumn change and for a
three-hour session across Chatham's 45-minute-offset change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.cli import main
from ta_delivery.invites import build_invite
from ta_delivery.models import Course, Organizer, Participant, Session
from ta_delivery.testing.courses import ORG, course_toml, person, session
from ta_delivery.timelabels import span_label, utc_offset

BERLIN = ZoneInfo("Europe/Berlin")
CHATHAM = ZoneInfo("Pacific/Chatham")


def _plain(course: Course, session: Session, pid: str) -> str:
    message = build_invite(
        course, session, course.person(pid), method="REQUEST", sequence=0,
        join_url="https://meet.example/r", dtstamp=datetime(2026, 9, 1, tzinfo=UTC),
    )  # fmt: skip
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    text = part.get_content()
    assert isinstance(text, str)
    return text


def _course(zone: str, start: datetime, minutes: int) -> Course:
    return Course(
        id="dst",
        title="DST course",
        timezone=zone,
        organizer=Organizer("Org", "org@example.org"),
        participants=(Participant("p1", "Part One", "p1@example.org", zone),),
        sessions=(Session("s01", "Night session", start, minutes),),
    )


def test_an_invitation_across_the_autumn_change_shows_each_ends_offset() -> None:
    start = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN).astimezone(UTC)  # 01:30 CEST (UTC+02:00)
    course = _course("Europe/Berlin", start, 120)  # ends 02:30 CET (UTC+01:00), after the change
    text = _plain(course, course.sessions[0], "p1")
    when = next(line for line in text.splitlines() if line.startswith("When:"))
    assert "1:30" in when and "(UTC+02:00)" in when
    assert "2:30" in when and "(UTC+01:00)" in when
    assert when.index("UTC+02:00") < when.index("UTC+01:00")


def test_a_three_hour_chatham_session_across_its_change_shows_both_offsets() -> None:
    # Chatham leaves DST on 2027-04-04 at 03:45 (UTC+13:45) -> 02:45 (UTC+12:45)
    start = datetime(2027, 4, 4, 1, 0, tzinfo=CHATHAM).astimezone(UTC)
    course = _course("Pacific/Chatham", start, 180)
    text = _plain(course, course.sessions[0], "p1")
    when = next(line for line in text.splitlines() if line.startswith("When:"))
    assert "(UTC+13:45)" in when and "(UTC+12:45)" in when
    assert "1:00" in when and "3:00" in when  # 01:00 +13:45 is 11:15Z; +3 h is 14:15Z = 03:00 +12:45


def test_an_ordinary_chatham_session_keeps_one_offset() -> None:
    start = datetime(2027, 3, 1, 10, 0, tzinfo=CHATHAM).astimezone(UTC)
    course = _course("Pacific/Chatham", start, 180)
    when = next(
        line for line in _plain(course, course.sessions[0], "p1").splitlines() if line.startswith("When:")
    )
    assert "Pacific/Chatham, UTC+13:45" in when and "UTC+12:45" not in when


def course_text(zone: str, start: str, minutes: int) -> str:
    """One session ``s01`` for participant ``p1``, whose working hours are 09:00-10:00 in ``zone``."""
    return course_toml(
        id="dst",
        title="DST course",
        timezone="UTC",
        organizer=ORG,
        trainers=(),
        participants=[person("p1", "Part One", timezone=zone, working_hours="09:00-10:00")],
        sessions=[session("s01", start, minutes, title="Night", trainers=None)],
    )


def test_check_messages_show_each_ends_offset(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(course_text("Pacific/Chatham", "2027-04-03T12:00:00Z", 180), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(course), "--json"])
    findings = json.loads(result.stdout)["findings"]
    (hours,) = [f for f in findings if f["rule"] == "outside-working-hours"]
    # 12:00Z is 01:45 (UTC+13:45); the clocks go back at 14:00Z; 15:00Z is 03:45 (UTC+12:45)
    assert "01:45 (UTC+13:45) – 03:45 (UTC+12:45) Pacific/Chatham" in hours["message"]


@given(st.integers(min_value=0, max_value=3 * 365 * 24 * 4), st.integers(min_value=1, max_value=600))
def test_each_end_of_a_label_is_that_ends_wall_time(quarter: int, minutes: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * quarter)
    end = start + timedelta(minutes=minutes)
    for tz in (BERLIN, CHATHAM):
        label = span_label(start, end, tz)
        s, e = start.astimezone(tz), end.astimezone(tz)
        assert label.startswith(f"{s:%a %Y-%m-%d %H:%M}")
        assert f"{e:%H:%M}" in label and label.endswith(tz.key)
        if s.utcoffset() != e.utcoffset():
            assert f"({utc_offset(s)})" in label and f"({utc_offset(e)})" in label
