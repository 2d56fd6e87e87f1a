"""Which live session a row of attendance falls in, by the sessions' scheduled windows.

A row [join, leave] is in a window [start, end] when the two closed intervals meet (a row that ends exactly
at the start is in, with no time attended). A row in no live session's window is kept unplaced (session
``""``) and placed again against the course as it is when a report is made, so a later edit of the course
can bring it in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime

from ..models import Session

__all__ = ["UNPLACED", "Placer", "overlaps"]

#: The session id stored for a row that falls in no live session's window.
UNPLACED = ""


def overlaps(join: datetime, leave: datetime, start: datetime, end: datetime) -> bool:
    """True when the closed intervals [join, leave] and [start, end] meet."""
    return join <= end and leave >= start


class Placer:
    """Places rows among sessions: the one the row overlaps longest (the earlier on a tie)."""

    def __init__(self, sessions: Iterable[Session]) -> None:
        self.sessions = sorted(sessions, key=lambda s: (s.start, s.id))
        self._starts = [s.start for s in self.sessions]
        self._longest = max((s.end - s.start for s in self.sessions), default=None)

    def place(self, join: datetime, leave: datetime) -> str:
        """The id of the session the row falls in, or :data:`UNPLACED`."""
        if self._longest is None:
            return UNPLACED
        # candidates start no later than leave and no earlier than join - longest session
        hi = bisect_right(self._starts, leave)
        best: Session | None = None
        best_len = None
        lo_time = join - self._longest
        for i in range(hi - 1, -1, -1):
            s = self.sessions[i]
            if s.start < lo_time:
                break
            if not overlaps(join, leave, s.start, s.end):
                continue
            length = min(leave, s.end) - max(join, s.start)
            if best_len is None or length >= best_len:  # walking backwards: >= keeps the earlier
                best, best_len = s, length
        return best.id if best is not None else UNPLACED

    def within(self, session: Session, join: datetime, leave: datetime) -> bool:
        """True when the row falls in ``session``'s window."""
        return overlaps(join, leave, session.start, session.end)
