"""Interval arithmetic on instants: the measure of a union of join-leave intervals inside a window.

Everything is exact: :class:`~datetime.timedelta` holds whole microseconds, so no float ever decides a
threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

__all__ = ["ZERO", "Coverage", "coverage", "micros"]

ZERO = timedelta(0)
_MICRO = timedelta(microseconds=1)

#: (attended time inside the window, first join among the intervals overlapping the window)
Coverage = tuple[timedelta, datetime | None]


def micros(value: timedelta) -> int:
    """``value`` in whole microseconds (exact)."""
    return value // _MICRO


def coverage(intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> Coverage:
    """The measure of the union of ``intervals`` clipped to ``[start, end)``, and the first join.

    An interval overlaps the window when it shares a positive length with it; the first join is the
    earliest (unclipped) join among those intervals, ``None`` when none overlaps.
    """
    clipped: list[tuple[datetime, datetime]] = []
    first: datetime | None = None
    for join, leave in intervals:
        lo = join if join > start else start
        hi = leave if leave < end else end
        if hi <= lo:
            continue
        clipped.append((lo, hi))
        if first is None or join < first:
            first = join
    if not clipped:
        return ZERO, None
    clipped.sort()
    total = ZERO
    cur_lo, cur_hi = clipped[0]
    for lo, hi in clipped[1:]:
        if lo > cur_hi:
            total += cur_hi - cur_lo
            cur_lo, cur_hi = lo, hi
        elif hi > cur_hi:
            cur_hi = hi
    total += cur_hi - cur_lo
    return total, first
