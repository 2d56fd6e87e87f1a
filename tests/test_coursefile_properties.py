"""A series keeps its local wall time across DST, in every IANA zone."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.coursefile import local_to_utc, parse_course
from ta_delivery.errors import InputError
from ta_delivery.models import zone
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.testing.courses import ORG, Raw, course_head, series
from ta_delivery.testing.strategies import all_zone_names

PLUGINS = make_plugin_manager(entry_points=False)


def course_text(tz: str, first: datetime, every: int, count: int, skip: list[date]) -> str:
    skips = ", ".join(d.isoformat() for d in skip)
    weekly = series(
        "w", first.isoformat(), 60, count, title="Weekly", every_days=every, skip=Raw(f"[{skips}]")
    )
    return course_head(
        id="series-prop",
        title="Series",
        timezone=tz,
        organizer=ORG,
        series=[weekly],
    )


@settings(max_examples=80, deadline=None)
@given(
    tz=all_zone_names,
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


# --- robustness: any TOML-shaped data gives a Course or an InputError, never another exception ----------

from ta_delivery.coursefile import (  # noqa: E402
    ATTENDANCE_KEYS,
    COURSE_KEYS,
    LMS_KEYS,
    PARTICIPANT_KEYS,
    RULES_KEYS,
    SERIES_KEYS,
    SESSION_KEYS,
    _Reader,
)

scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["w", "rf", "p1", "Europe/Berlin", "UTC", "x@example.org", "08:00-18:00", "live", "jitsi"]
    ),
    st.integers(-5, 200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1960, 1, 1), max_value=date(2100, 1, 1)),
    st.times(),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)


def table(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(st.sampled_from([*keys, "bogus"]), values, max_size=len(keys))


documents = st.fixed_dictionaries(
    {
        "course": st.fixed_dictionaries(
            {
                "id": st.sampled_from(["demo", "Bad Id"]),
                "title": st.sampled_from(["T", ""]),
                "timezone": st.sampled_from(["Europe/Berlin", "Nowhere/Zone"]),
                "organizer": st.just({"name": "O", "email": "o@example.org"}),
            },
            optional={
                k: values for k in COURSE_KEYS if k not in ("id", "title", "timezone", "organizer", "roster")
            },
        )
    },
    optional={
        "rules": table(RULES_KEYS),
        "attendance": table(ATTENDANCE_KEYS),
        "trainers": st.lists(table(PARTICIPANT_KEYS), max_size=2),
        "participants": st.lists(table(PARTICIPANT_KEYS), max_size=2),
        "sessions": st.lists(table(SESSION_KEYS), max_size=2),
        "series": st.lists(table(SERIES_KEYS), max_size=2),
        "lms": table(LMS_KEYS),
        "jitsi": values,
    },
)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_any_data_reads_or_raises_input_error(data: dict[str, object]) -> None:
    reader = _Reader("fuzz.toml", Path("."), PLUGINS)
    error: InputError | None = None
    try:
        reader.read(data)  # type: ignore[arg-type]
    except InputError as exc:
        error = exc
    if error is not None:
        assert error.source == "fuzz.toml"
        assert error.key
