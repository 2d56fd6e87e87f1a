"""Schedule rules: the built-in virtual-delivery rules and the engine that applies every registered rule.

Plugins add rules through the ``ta_delivery_register_rules`` hook; the built-ins register the same way
(module :mod:`ta_delivery.rules.builtin`).
"""

from __future__ import annotations

from .builtin import (
    DOUBLE_BOOKED,
    OUTSIDE_WORKING_DAYS,
    OUTSIDE_WORKING_HOURS,
    TOO_LONG,
    TOO_MANY,
    inside_working_hours,
)
from .engine import check_course, has_errors, run_rules

__all__ = [
    "DOUBLE_BOOKED",
    "OUTSIDE_WORKING_DAYS",
    "OUTSIDE_WORKING_HOURS",
    "TOO_LONG",
    "TOO_MANY",
    "check_course",
    "has_errors",
    "inside_working_hours",
    "run_rules",
]
