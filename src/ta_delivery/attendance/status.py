"""A session's status from the time attended, under the course's ``[attendance]`` policy (pure).

Thresholds compare exact times (whole microseconds against the fraction read as the decimal written in the
course file), never rounded minutes (PRODUCT.md section 4).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import attrs

from ..models import AttendancePolicy, Session
from ..records import Status
from .intervals import micros

__all__ = ["MINUTE_US", "PENDING", "Thresholds", "classify", "exact_fraction"]

MINUTE_US = 60_000_000
#: Statuses of a live session whose attendance is not recorded yet (PRODUCT.md section 4).
PENDING = ("upcoming", "unrecorded")


def exact_fraction(value: float) -> Fraction:
    """A policy fraction as the decimal the course file wrote (``0.7`` is exactly 7/10)."""
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _pct(value: float) -> str:
    return f"{float(value) * 100:g}%"


@attrs.frozen
class Thresholds:
    """One session's thresholds under a policy, as exact integers (microseconds)."""

    total: int
    present: Fraction
    partial: Fraction
    late_limit: datetime

    @classmethod
    def of(cls, session: Session, policy: AttendancePolicy) -> Thresholds:
        """The thresholds of ``session``."""
        return cls(
            total=micros(session.end - session.start),
            present=exact_fraction(policy.present_fraction),
            partial=exact_fraction(policy.partial_fraction),
            late_limit=session.start + timedelta(minutes=policy.late_after_minutes),
        )


def classify(
    attended: timedelta,
    first_join: datetime | None,
    session: Session,
    policy: AttendancePolicy,
    *,
    recorded: bool = True,
    thresholds: Thresholds | None = None,
) -> tuple[Status, str]:
    """The status of ``attended`` time in ``session`` and a sentence saying why.

    ``recorded`` is False when nothing at all was recorded for the person: that is ``absent`` whatever the
    policy says, and so is a recorded time of zero (PRODUCT.md: "a participant with no time in it is absent").
    """
    if not recorded:
        return "absent", "no attendance recorded"
    t = thresholds or Thresholds.of(session, policy)
    got = micros(attended)
    minutes, of = got // MINUTE_US, session.minutes
    if got == 0 and not t.partial:
        # no time in the session is absent even when partial_fraction (or present_fraction) is 0
        return "absent", f"attended no time of the {of} min"
    if got * t.present.denominator >= t.present.numerator * t.total:
        if first_join is not None and first_join > t.late_limit:
            late_by = (first_join - session.start) // timedelta(minutes=1)
            return "late", (
                f"first joined {late_by} min after the start "
                f"(late after {policy.late_after_minutes:g} min); attended {minutes} of {of} min"
            )
        return "present", f"attended {minutes} of {of} min"
    if got * t.partial.denominator >= t.partial.numerator * t.total:
        return "partial", (
            f"attended {minutes} of {of} min, under the {_pct(policy.present_fraction)} needed to be present"
        )
    return "absent", (
        f"attended {minutes} of {of} min, under the {_pct(policy.partial_fraction)} needed for partial"
    )
