"""A working window of the day: the ``working_hours`` grammar (``HH:MM-HH:MM``, ``24:00`` allowed as an end)
of PRODUCT.md section 1, and the window on a local date as UTC instants."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import attrs

from .values import Value

__all__ = ["EIGHT_TO_SIX", "WorkingHours"]

_HOURS = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@attrs.frozen(repr=False, eq=False)
class WorkingHours(Value):
    """A local daily window ``start``-``end`` (``end`` may be 24:00, written as ``time.max``)."""

    start: time
    end: time

    def __attrs_post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("working hours must start before they end")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Read ``HH:MM-HH:MM``."""
        m = _HOURS.match(text.strip()) if isinstance(text, str) else None
        if not m:
            raise ValueError(f"{text!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if (h1 == 24 and m1) or (h2 == 24 and m2) or h1 == 24:
            raise ValueError(f"{text!r} is not HH:MM-HH:MM")
        end = time.max if h2 == 24 else time(h2, m2)
        return cls(time(h1, m1), end)

    def window(self, day: datetime) -> tuple[datetime, datetime]:
        """The window on the local date of ``day`` (aware, in its zone) as UTC instants."""
        tz = day.tzinfo
        start = datetime.combine(day.date(), self.start, tz)
        if self.end == time.max:
            end = datetime.combine(day.date() + timedelta(days=1), time(0), tz)
        else:
            end = datetime.combine(day.date(), self.end, tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def __str__(self) -> str:
        end = "24:00" if self.end == time.max else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


#: The default working window (``[rules] working_hours``): 08:00-18:00.
EIGHT_TO_SIX = WorkingHours(time(8), time(18))
