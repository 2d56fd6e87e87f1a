"""Attendance: raw join/leave segments in, statuses a coordinator can trust and explain out.

- :mod:`.intervals`  exact union-of-intervals arithmetic
- :mod:`.identity`   who a segment is about (ids, then email; names are only suggested)
- :mod:`.reconcile`  statuses and completion (PRODUCT.md section 4)
- :mod:`.storage`    append-only segments, excuses and statuses in the state store
- :mod:`.formats`    the built-in import formats (``register-csv``, ``teams-csv``)
- :mod:`.service`    import, pull, excuse and report, with the ``attendance_recorded`` hook
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .service import Attendance, Outcome, SessionFailure
    from .storage import AttendanceStore, RecordResult

#: Names whose modules need the state store, imported on first use: the built-in import formats are a
#: plugin every command registers, and loading them must not load the store at start.
_LAZY = {
    "Attendance": ".service",
    "Outcome": ".service",
    "SessionFailure": ".service",
    "AttendanceStore": ".storage",
    "RecordResult": ".storage",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
