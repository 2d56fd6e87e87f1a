"""The ``[rules]`` and ``[attendance]`` tables: the delivery rules and the attendance policy."""

from __future__ import annotations

import functools
from typing import Any

from ..models import SEVERITIES, AttendancePolicy, Rules
from .hints import did_you_mean
from .keys import ATTENDANCE_KEYS, RULES_KEYS
from .reader import Reader

__all__ = ["MAX_MINUTES", "read_attendance", "read_rules"]

MAX_MINUTES = 7 * 24 * 60  # a session lasts at most a week


def read_rules(r: Reader, value: object) -> Rules:
    """``[rules]``: limits, the default working window, and severities by rule id."""
    if value is None:
        return Rules()
    table = r.table(value, "rules")
    r.only(table, RULES_KEYS, "rules")
    default = Rules()
    mark = r.mark()
    max_minutes = r.get(
        lambda: r.positive_int(
            table.get("max_live_minutes", default.max_live_minutes), "rules.max_live_minutes"
        ),
        default.max_live_minutes,
    )
    max_per_day = r.get(
        lambda: r.positive_int(
            table.get("max_live_sessions_per_day", default.max_live_sessions_per_day),
            "rules.max_live_sessions_per_day",
        ),
        default.max_live_sessions_per_day,
    )
    hours = default.working_hours
    if "working_hours" in table:
        hours = r.get(lambda: r.hours(table["working_hours"], "rules.working_hours"), hours)
    days = default.working_days
    if "working_days" in table:
        days = r.get(lambda: r.days(table["working_days"], "rules.working_days"), days)
    severity: dict[str, Any] = {}
    no_table: dict[str, Any] = {}
    severities = r.get(lambda: r.table(table.get("severity", {}), "rules.severity"), no_table)
    for rule, sev in severities.items():
        key = f"rules.severity.{rule}"
        if rule not in r.rules:
            known = ", ".join(sorted(r.rules)) or "none"
            r.note(key, f"unknown rule {rule!r}{did_you_mean(rule, r.rules)} (known rules: {known})")
            continue
        severity[rule] = r.get(functools.partial(r.choice, sev, key, SEVERITIES), "error")
    r.since(mark)
    return r.build(
        "rules",
        lambda: Rules(
            max_live_minutes=max_minutes,
            max_live_sessions_per_day=max_per_day,
            working_hours=hours,
            working_days=days,
            severity=severity,
        ),
    )


def read_attendance(r: Reader, value: object) -> AttendancePolicy:
    """``[attendance]``: when a participant is late, present, partial or complete."""
    if value is None:
        return AttendancePolicy()
    table = r.table(value, "attendance")
    r.only(table, ATTENDANCE_KEYS, "attendance")
    mark = r.mark()
    values: dict[str, float] = {}
    for name in ATTENDANCE_KEYS:
        if name in table:
            number = r.get(functools.partial(_fraction, r, name, table[name]), None)
            if number is not None:
                values[name] = number
    if values.get("partial_fraction", 0.25) > values.get("present_fraction", 0.75):
        r.note("attendance.partial_fraction", "must not exceed attendance.present_fraction")
    r.since(mark)
    return r.build("attendance", lambda: AttendancePolicy(**values))


def _fraction(r: Reader, name: str, value: object) -> float:
    key = f"attendance.{name}"
    number = r.number(value, key)
    if name == "late_after_minutes":
        if number < 0:
            r.fail(key, f"must not be negative, got {value}")
        if number > MAX_MINUTES:
            r.fail(key, f"must be at most {MAX_MINUTES}, got {value}")
    elif not 0 <= number <= 1:
        r.fail(key, f"must be between 0 and 1, got {value}")
    return number
