"""The working-days grammar (PRODUCT.md section 1): lists, forward ranges that wrap, any case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.weekdays import DAY_NAMES, WorkingDays, day_number

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {MON, TUE, WED, THU, FRI}),
        ("sun-thu", {SUN, MON, TUE, WED, THU}),
        ("fri-mon", {FRI, SAT, SUN, MON}),
        ("mon-sun", set(range(7))),
        ("mon,wed,fri", {MON, WED, FRI}),
        ("MON-Fri", {MON, TUE, WED, THU, FRI}),
        (" sat , sun ", {SAT, SUN}),
        ("wed", {WED}),
        ("wed-wed", {WED}),
    ],
)
def test_parse(text: str, days: set[int]) -> None:
    assert WorkingDays.parse(text).days == days


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mon-fry", "'fry' is not a day"),
        ("monday-friday", "write 'mon'"),
        ("", "must not be empty"),
        ("mon,,fri", "empty day"),
        ("mon-", "is not a day"),
    ],
)
def test_bad_days_say_why(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        WorkingDays.parse(text)


def oracle(first: int, last: int) -> set[int]:
    """Walk forward from ``first`` one day at a time until ``last``."""
    days = {first}
    day = first
    while day != last:
        day = (day + 1) % 7
        days.add(day)
    return days


@given(st.integers(0, 6), st.integers(0, 6), st.booleans())
def test_a_range_runs_forward_and_wraps(first: int, last: int, upper: bool) -> None:
    text = f"{DAY_NAMES[first]}-{DAY_NAMES[last]}"
    assert WorkingDays.parse(text.upper() if upper else text).days == oracle(first, last)


@given(st.sets(st.integers(0, 6), min_size=1))
def test_written_form_reads_back(days: set[int]) -> None:
    working = WorkingDays.of(days)
    assert WorkingDays.parse(str(working)) == working


def test_day_number() -> None:
    assert [day_number(name) for name in DAY_NAMES] == list(range(7))
    with pytest.raises(ValueError, match="did you mean 'thu'"):
        day_number("thur")
