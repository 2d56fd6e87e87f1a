"""The dates of a ``[[series]]``: pure date arithmetic, apart from reading and time zones.

A series with ``every_days`` holds a session every that many days from ``first_start``'s date; one with
``weekdays`` holds one on each listed weekday, the first on the first listed weekday on or after that
date. Skipped dates hold no session and do not count towards ``count``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, timedelta

__all__ = ["occurrences"]


def occurrences(
    first: date,
    count: int,
    *,
    every_days: int | None = None,
    weekdays: Collection[int] | None = None,
    skip: Collection[date] = frozenset(),
) -> list[date]:
    """The ``count`` local dates of a series, in order.

    Exactly one of ``every_days`` (> 0) and ``weekdays`` (weekday numbers, Monday 0, not empty) is given.
    """
    if (every_days is None) == (weekdays is None):
        raise ValueError("give either every_days or weekdays")
    out: list[date] = []
    for day in _candidates(first, every_days, weekdays):
        if len(out) == count:
            break
        if day not in skip:
            out.append(day)
    return out


def _candidates(first: date, every_days: int | None, weekdays: Collection[int] | None) -> Iterator[date]:
    if every_days is not None:
        if every_days <= 0:
            raise ValueError("every_days must be positive")
        step = timedelta(days=every_days)
        day = first
        while True:
            yield day
            day += step
    assert weekdays is not None
    days = frozenset(weekdays)
    if not days or not days <= frozenset(range(7)):
        raise ValueError("weekdays must name days of the week")
    day = first
    one = timedelta(days=1)
    while True:
        if day.weekday() in days:
            yield day
        day += one
