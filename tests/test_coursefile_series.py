"""``[[series]]``: weekday sets and every_days, skipped dates, the local time fixed across DST."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.coursefile import parse_course
from ta_delivery.coursefile.series import occurrences
from ta_delivery.errors import InputError, InputErrors
from ta_delivery.models import Course
from ta_delivery.plugins import Plugins, make_plugin_manager
from ta_delivery.testing.courses import ORG, course_head
from ta_delivery.weekdays import DAY_NAMES

PLUGINS = make_plugin_manager(entry_points=False)


def head(tz: str) -> str:
    """A course in ``tz`` with no people or sessions, every day a working day; a series is appended."""
    return course_head(
        id="series-2027",
        title="Series",
        timezone=tz,
        organizer=ORG,
        extra='[rules]\nworking_days = "mon-sun"\n',
    )


def read(tz: str, series: str, plugins: Plugins = PLUGINS) -> Course:
    text = head(tz) + "\n[[series]]\n" + textwrap.dedent(series)
    return parse_course(text, source="course.toml", plugins=plugins)


def test_weekdays_series_starts_on_the_first_listed_weekday_on_or_after_first_start() -> None:
    course = read(
        "America/Port_of_Spain",
        """\
        id = "w"
        title = "Workshop"
        first_start = 2027-08-10T10:00:00   # a Tuesday
        minutes = 90
        weekdays = ["mon", "WED", "fri"]
        count = 5
        skip = [2027-08-13]
        """,
    )
    local = [s.start.astimezone(ZoneInfo("America/Port_of_Spain")) for s in course.sessions]
    assert [d.date() for d in local] == [
        date(2027, 8, 11),
        date(2027, 8, 16),
        date(2027, 8, 18),
        date(2027, 8, 20),
        date(2027, 8, 23),
    ]
    assert {d.hour for d in local} == {10}
    assert [s.id for s in course.sessions] == ["w01", "w02", "w03", "w04", "w05"]
    assert course.sessions[0].title == "Workshop (1/5)"


def test_an_offset_first_start_on_a_listed_day_keeps_its_instant() -> None:
    course = read(
        "Europe/Berlin",
        """\
        id = "w"
        title = "W"
        first_start = 2027-10-31T02:30:00+02:00   # a Sunday, the first of the two 02:30s
        minutes = 30
        weekdays = ["sun"]
        count = 2
        """,
    )
    assert course.sessions[0].start.isoformat() == "2027-10-31T00:30:00+00:00"
    assert course.sessions[1].start.isoformat() == "2027-11-07T01:30:00+00:00"


@pytest.mark.parametrize(
    ("series", "key", "says"),
    [
        ('weekdays = ["mon"]\nevery_days = 7', "series[0].every_days", "either every_days or weekdays"),
        ('weekdays = ["mon", "wedn"]', "series[0].weekdays[1]", "did you mean 'wed'"),
        ('weekdays = "mon,wed"', "series[0].weekdays", "must be an array of day names"),
        ("weekdays = []", "series[0].weekdays", "at least one day"),
    ],
)
def test_weekday_mistakes(series: str, key: str, says: str) -> None:
    text = f'id = "w"\ntitle = "W"\nfirst_start = 2027-08-10T10:00:00\nminutes = 60\ncount = 3\n{series}\n'
    with pytest.raises(InputError) as info:
        read("UTC", text)
    assert isinstance(info.value, InputErrors)
    assert [(e.key, says in e.message) for e in info.value.errors] == [(key, True)]


# --- properties -------------------------------------------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Europe/Dublin",
    "Asia/Tokyo",
]
# near the changes of 2027 (March/April and September/October/November)
FIRST_DATES = st.sampled_from([date(2027, 3, 7), date(2027, 3, 24), date(2027, 9, 20), date(2027, 10, 27)])


def brute_force(
    first: date, count: int, every: int | None, weekdays: set[int] | None, skip: set[date]
) -> list[date]:
    """Walk day by day from ``first``: a day is held when it is in step (or listed) and not skipped."""
    out: list[date] = []
    day = first
    while len(out) < count:
        in_step = (day - first).days % every == 0 if every else day.weekday() in (weekdays or set())
        if in_step and day not in skip:
            out.append(day)
        day += timedelta(days=1)
    return out


@st.composite
def series_cases(draw: st.DrawFn) -> tuple[str, date, int, int, int | None, set[int] | None, set[date]]:
    tz = draw(st.sampled_from(ZONES))
    first = draw(FIRST_DATES) + timedelta(days=draw(st.integers(0, 6)))
    hour = draw(st.integers(0, 23))
    count = draw(st.integers(1, 12))
    if draw(st.booleans()):
        every, weekdays = draw(st.integers(1, 9)), None
    else:
        every, weekdays = None, draw(st.sets(st.integers(0, 6), min_size=1))
    skip = set(draw(st.lists(st.integers(0, 40).map(lambda n: first + timedelta(days=n)), max_size=6)))
    return tz, first, hour, count, every, weekdays, skip


def wall_time_problem(local: datetime, tz: ZoneInfo) -> bool:
    """Whether ``local`` falls in a DST gap or fold of ``tz``."""
    a, b = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    return a.utcoffset() != b.utcoffset()


@settings(max_examples=150, deadline=None)
@given(series_cases())
def test_series_expansion_matches_the_day_by_day_walk(
    case: tuple[str, date, int, int, int | None, set[int] | None, set[date]],
) -> None:
    tz, first, hour, count, every, weekdays, skip = case
    repeat = (
        f"every_days = {every}" if every else f"weekdays = {[DAY_NAMES[d] for d in sorted(weekdays or ())]}"
    )
    skips = ", ".join(d.isoformat() for d in sorted(skip))
    text = (
        f'id = "s"\ntitle = "S"\nfirst_start = {first.isoformat()}T{hour:02d}:30:00\nminutes = 45\n'
        f"count = {count}\n{repeat}\nskip = [{skips}]\n"
    ).replace("'", '"')
    expected = brute_force(first, count, every, weekdays, skip)
    assert occurrences(first, count, every_days=every, weekdays=weekdays, skip=skip) == expected
    zone = ZoneInfo(tz)
    walls = [datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=30) for day in expected]
    first_wall = datetime.combine(first, datetime.min.time()).replace(hour=hour, minute=30)
    # first_start itself must exist once, even when its date is skipped or not a listed weekday
    troubled = [wall for wall in sorted({first_wall, *walls}) if wall_time_problem(wall, zone)]
    if troubled:  # only a wall time that does not exist, or exists twice, is refused
        with pytest.raises(InputError) as info:
            read(tz, text)
        assert info.value.key == "series[0].first_start"
        assert str(troubled[0].date()) in info.value.message
        return
    course = read(tz, text)
    local = [s.start.astimezone(zone) for s in course.sessions]
    assert [d.replace(tzinfo=None) for d in local] == walls  # the wall time stays across DST
    assert [s.id for s in course.sessions] == [f"s{n:02d}" for n in range(1, count + 1)]
    assert all(a.start < b.start for a, b in zip(course.sessions, course.sessions[1:], strict=False))
