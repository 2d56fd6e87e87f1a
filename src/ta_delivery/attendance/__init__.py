"""Attendance: raw join/leave segments in, statuses a coordinator can trust and explain out.

- :mod:`.intervals`  exact union-of-intervals arithmetic
- :mod:`.identity`   who a segment is about (ids, then email; names are only suggested)
- :mod:`.accumulator` raw segments collected by session and person, links applied
- :mod:`.status`     one session's status under the policy (exact thresholds)
- :mod:`.reconcile`  statuses and completion for a course (PRODUCT.md section 4)
- :mod:`.results`    what reconciliation gives: results, unmatched attendees, the report
- :mod:`.storage`    append-only segments, excuses and statuses in the state store
- :mod:`.formats`    the built-in import formats (``register-csv``, ``teams-csv``, ``meet-csv``)
- :mod:`.intake`     the checks a file's segments pass on their way to the store (pure)
- :mod:`.pulling`    fetching the attendance of ended sessions from their providers
- :mod:`.outcome`    what an import or pull did
- :mod:`.service`    import, pull, excuse and report, with the ``attendance_recorded`` hook
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from ..lazy import lazy_names

if TYPE_CHECKING:
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

#: Names imported on first use: the built-in import formats are a plugin every command registers, and
#: loading them must load neither the state store nor the reconciliation (``check`` never needs them).
_LAZY = {
    "Identity": ".identity",
    "IdentityIndex": ".identity",
    "coverage": ".intervals",
    "Accumulator": ".reconcile",
    "AttendanceReport": ".reconcile",
    "NameSuggestion": ".reconcile",
    "ParticipantResult": ".reconcile",
    "SessionResult": ".reconcile",
    "Unmatched": ".reconcile",
    "classify": ".reconcile",
    "reconcile": ".reconcile",
    "Attendance": ".service",
    "Outcome": ".service",
    "SessionFailure": ".service",
    "AttendanceStore": ".storage",
    "RecordResult": ".storage",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())


class _Package(types.ModuleType):
    """This package: its ``reconcile`` stays the function when the ``reconcile`` submodule is imported.

    Importing a submodule sets the package attribute of its name to the module; with the function
    imported lazily, that would make ``from ta_delivery.attendance import reconcile`` return the module
    once anything had imported ``ta_delivery.attendance.reconcile`` first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "reconcile" and isinstance(value, types.ModuleType):
            value = value.reconcile
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
