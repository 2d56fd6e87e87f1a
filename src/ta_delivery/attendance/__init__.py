"""Attendance: raw join/leave segments in, statuses a coordinator can trust and explain out.

- :mod:`.intervals`  exact union-of-intervals arithmetic
- :mod:`.identity`   who a segment is about (ids, then email; names are only suggested)
- :mod:`.reconcile`  statuses and completion (PRODUCT.md section 4)
- :mod:`.storage`    append-only segments, excuses and statuses in the state store
- :mod:`.formats`    the built-in import formats (``register-csv``, ``teams-csv``)
- :mod:`.service`    import, pull, excuse and report, with the ``attendance_recorded`` hook
"""

from __future__ import annotations

from .identity import Identity, IdentityIndex
from .intervals import coverage
from .reconcile import (
    Accumulator,
    AttendanceReport,
    NameSuggestion,
    ParticipantResult,
    SessionResult,
    Unmatched,
    classify,
    reconcile,
)
from .service import Attendance, Outcome, SessionFailure
from .storage import AttendanceStore, RecordResult

__all__ = [
    "Accumulator",
    "Attendance",
    "AttendanceReport",
    "AttendanceStore",
    "Identity",
    "IdentityIndex",
    "NameSuggestion",
    "Outcome",
    "ParticipantResult",
    "RecordResult",
    "SessionFailure",
    "SessionResult",
    "Unmatched",
    "classify",
    "coverage",
    "reconcile",
]
