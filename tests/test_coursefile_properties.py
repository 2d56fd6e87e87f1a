"""A series keeps its local wall time across DST, in every IANA zone."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.coursefile import local_to_utc, parse_course
from ta_delivery.errors import InputError
from ta_delivery.models import zone
from ta_delivery.plugins import make_plugin_manager

PLUGINS = make_plugin_manager(entry_points=False)


def course_text(tz: str, first: datetime, every: int, count: int, skip: list[date]) -> str:
    skips = ", ".join(d.isoformat() for d in skip)
    return f"""
[course]
id = "series-prop"
title = "Series"
timezone = "{tz}"
organizer = {{ name = "Org", email = "org@example.org" }}

[[series]]
id = "w"
title = "Weekly"
first_start = {first.isoformat()}
minutes = 60
every_days = {every}
count = {count}
skip = [{skips}]
"""


@settings(max_examples=80, deadline=None)
@given(
    tz=st.timezones().map(lambda z: z.key),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    every=st.integers(1, 14),
    count=st.integers(1, 30),
    data=st.data(),
)
def test_series_keeps_wall_time(
    tz: str, day: date, at: time, every: int, count: int, data: st.DataObject
) -> None:
    steps = sorted(
        data.draw(st.sets(st.integers(1, max(1, count - 1)), max_size=3)) - {count} if count > 1 else set()
    )
    skip = [day + timedelta(days=every * k) for k in steps]
    held = [d for d in (day + timedelta(days=every * k) for k in range(count + len(skip))) if d not in skip]
    assert len(held) == count
    impossible = []
    for d in held:
        try:
            local_to_utc(datetime.combine(d, at), zone(tz))
        except ValueError:
            impossible.append(d)
    text = course_text(tz, datetime.combine(day, at), every, count, skip)
    if impossible:
        with pytest.raises(InputError) as info:
            parse_course(text, source="c.toml", plugins=PLUGINS)
        assert info.value.key == "series[0].first_start"
        assert str(impossible[0]) in info.value.message
        return
    course = parse_course(text, source="c.toml", plugins=PLUGINS)
    sessions = course.sessions
    assert [s.id for s in sessions] == [f"w{n:02d}" for n in range(1, count + 1)]
    assert [s.title for s in sessions] == [f"Weekly ({n}/{count})" for n in range(1, count + 1)]
    local = [s.start.astimezone(course.zone) for s in sessions]
    assert [t.date() for t in local] == held
    assert all(t.time() == at for t in local)
    assert all(a.start < b.start for a, b in itertools.pairwise(sessions))
