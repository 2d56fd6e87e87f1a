"""What an import or pull did: the rows stored, the statuses, what failed, and the counts of the summary."""

from __future__ import annotations

import attrs

from ..records import AttendanceStatus
from .storage import RecordResult
from .windows import UNPLACED

__all__ = ["Outcome", "SessionFailure"]


@attrs.frozen
class SessionFailure:
    """A session whose attendance could not be fetched, or a notification that failed."""

    session_id: str | None
    error: str


@attrs.frozen
class Outcome:
    """What an import or pull did."""

    recorded: tuple[RecordResult, ...] = ()
    statuses: tuple[AttendanceStatus, ...] = ()
    failures: tuple[SessionFailure, ...] = ()
    notes: tuple[str, ...] = ()
    unmatched: int = 0
    #: rows of the file in no live session's window (kept, not counted in any session)
    outside: int = 0
    #: unknown identifiers per session among this file's rows
    file_unmatched: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    @property
    def total(self) -> int:
        """Segments read."""
        return sum(r.total for r in self.recorded)

    @property
    def inserted(self) -> int:
        """Segments newly stored."""
        return sum(r.inserted for r in self.recorded)

    @property
    def sessions(self) -> tuple[str, ...]:
        """Sessions that received segments."""
        return tuple(sorted({s for r in self.recorded for s in r.sessions} - {UNPLACED}))

    def summary(self) -> dict[str, int]:
        """``attendance import --json``: exactly the keys of PRODUCT.md section 4."""
        return {
            "imported": self.inserted,
            "duplicates": self.total - self.inserted,
            "outside_sessions": self.outside,
            "unmatched": self.file_unmatched,
        }
