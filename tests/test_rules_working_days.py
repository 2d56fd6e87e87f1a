"""The ``outside-working-days`` rule: against a brute-force oracle, and its finding's shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.rules import course, participant, session, trainer, utc
from ta_delivery.models import Course, WorkingDays
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.rules import OUTSIDE_WORKING_DAYS, check_course
from ta_delivery.rules.builtin import outside_working_days
from ta_delivery.testing.strategies import courses

PLUGINS = make_plugin_manager(entry_points=False)

day_sets = st.sets(st.integers(0, 6), min_size=1)


def offset_weekday(instant: datetime, tz_name: str) -> int:
    """The local weekday by epoch arithmetic: seconds since 1970-01-01 (a Thursday) plus the offset."""
    offset = instant.astimezone(ZoneInfo(tz_name)).utcoffset() or timedelta(0)
    seconds = int((instant - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() + offset.total_seconds())
    return (seconds // 86400 + 3) % 7


def oracle(c: Course, course_days: set[int], own: dict[str, set[int] | None]) -> set[tuple[str, str]]:
    """Every (session, person) pair of a live session starting on a local non-working day."""
    out: set[tuple[str, str]] = set()
    everyone = [*c.trainers, *c.participants]
    for s in c.sessions:
        if s.kind != "live":
            continue
        people = [p for p in c.trainers if p.id in s.trainers]
        people += [p for p in c.participants if s.participants is None or p.id in s.participants]
        for p in people:
            assert p in everyone
            days = own[p.id] if own[p.id] is not None else course_days
            if offset_weekday(s.start, p.timezone) not in (days or set()):
                out.add((s.id, p.id))
    return out


@settings(max_examples=120, deadline=None)
@given(courses(), day_sets, st.data())
def test_rule_matches_the_oracle(c: Course, course_days: set[int], data: st.DataObject) -> None:
    own = {p.id: data.draw(st.none() | day_sets) for p in c.people}
    c = attrs.evolve(
        c,
        rules=attrs.evolve(c.rules, working_days=WorkingDays.of(course_days)),
        trainers=tuple(attrs.evolve(t, working_days=_wd(own[t.id])) for t in c.trainers),
        participants=tuple(attrs.evolve(p, working_days=_wd(own[p.id])) for p in c.participants),
    )
    found = [f for f in check_course(c, PLUGINS) if f.rule == OUTSIDE_WORKING_DAYS]
    assert {(f.session, f.person) for f in found} == oracle(c, course_days, own)
    assert len(found) == len({(f.session, f.person) for f in found})  # one per person and session


def _wd(days: set[int] | None) -> WorkingDays | None:
    return None if days is None else WorkingDays.of(days)


def test_sunday_to_thursday_week() -> None:
    """Friday 2027-08-13 10:00 UTC is Friday in Dubai (off) and in Zurich (on)."""
    dubai = attrs.evolve(trainer("t", "Asia/Dubai"), working_days=WorkingDays.parse("sun-thu"))
    zurich = participant("p", "Europe/Zurich")
    c = course(
        sessions=[session("s1", utc(2027, 8, 13, 10), trainers=["t"]), session("s2", utc(2027, 8, 15, 10))],
        trainers=[dubai],
        participants=[zurich],
    )
    found = [(f.session, f.person, f.severity) for f in outside_working_days(c)]
    assert found == [("s1", "t", "error"), ("s2", "p", "error")]
    message = next(iter(outside_working_days(c))).message
    assert "Friday" in message and "sun-thu" in message


def test_the_local_start_date_counts_even_past_midnight() -> None:
    """Friday 23:30 in Zurich running into Saturday is a Friday session there."""
    p = participant("p", "Europe/Zurich")
    c = course(sessions=[session("s", utc(2027, 8, 13, 21, 30), minutes=90)], participants=[p])
    assert list(outside_working_days(c)) == []
    c = course(sessions=[session("s", utc(2027, 8, 13, 22, 30), minutes=90)], participants=[p])
    assert [f.person for f in outside_working_days(c)] == ["p"]


def test_recorded_sessions_are_ignored() -> None:
    p = participant("p", "UTC")
    c = course(sessions=[session("s", utc(2027, 8, 14, 10), kind="recorded")], participants=[p])
    assert list(outside_working_days(c)) == []
