"""How local times are labelled for people: each end of a span with its own UTC offset where they differ.

A session that crosses a DST change (or Chatham's 45-minute shifts) has two offsets: ``01:30 (UTC+02:00) –
02:30 (UTC+01:00)``. One offset for both ends would put one of them an hour off.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["same_offset", "span_label", "utc_offset"]


def utc_offset(moment: datetime) -> str:
    """``UTC+05:45``, ``UTC-03:30``, ``UTC+00:00``: the offset of an aware ``moment``."""
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds) // 60, 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def same_offset(start: datetime, end: datetime, tz: ZoneInfo) -> bool:
    """Whether ``start`` and ``end`` have the same UTC offset in ``tz``."""
    return start.astimezone(tz).utcoffset() == end.astimezone(tz).utcoffset()


def span_label(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """``Mon 2027-09-27 07:30-09:30 Europe/Zurich``; with each end's offset (and the end's date when it
    differs) for a span that crosses an offset change or local midnight."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    if s.utcoffset() == e.utcoffset() and s.date() == e.date():
        return f"{s:%a %Y-%m-%d %H:%M}-{e:%H:%M} {tz.key}"
    end_text = f"{e:%H:%M}" if s.date() == e.date() else f"{e:%a %Y-%m-%d %H:%M}"
    return f"{s:%a %Y-%m-%d %H:%M} ({utc_offset(s)}) – {end_text} ({utc_offset(e)}) {tz.key}"
