"""Date-time cells of provider exports, read once the file's day/month order is settled.

Portals write times in the exporting user's locale: ``11/19/2021 09:54:15 AM``, ``19/11/2021 10:34:26``,
``14/11/22, 09:30:46``, ``14.11.2022, 09:29:07``, ``2020/12/8 8:35``, ``2021-06-14 17:00:00`` or ISO 8601
with an offset. A cell is parsed into its numbers first (:class:`Stamp`); the order of day and month is then
settled for the whole file (:func:`settle_order`): by ``--date-order``, else by the file itself (a day above
12 anywhere in it), else by the sessions' dates. If it still reads two ways it is an input error naming
``--date-order``; a date is never guessed silently (decision 0070).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from ...errors import InputError
from ...importfiles import localize, split_zone_suffix

__all__ = ["DATE_ORDERS", "Stamp", "feasible_orders", "instant", "settle_order"]

#: The orders ``--date-order`` accepts.
DATE_ORDERS = ("dmy", "mdy", "ymd")

_ORDER_WORDS = {
    "dmy": "day/month/year",
    "mdy": "month/day/year",
    "ymd": "year/month/day",
    "ydm": "year/day/month",
}
_NUMERIC = re.compile(
    r"^(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})\.?(?:\s*,\s*|\s+|T)"
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?"
    r"\s*(am|pm|a\.\s?m\.?|p\.\s?m\.?|午前|午後)?$",
    re.IGNORECASE,
)
_NAMED = (  # English month names, as the Zoom portal writes in some reports
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y %H:%M",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
)


class Stamp:
    """One date-time cell: exact when ISO 8601 or spelled out, else its numbers awaiting an order."""

    __slots__ = ("_parts", "exact", "key", "offset", "text", "year_first")

    def __init__(self, text: str, key: str, source: str) -> None:
        self.text = text.strip()
        self.key = key
        self.exact: datetime | None = None
        self.offset: tzinfo | None = None
        self.year_first = False
        self._parts: tuple[int, ...] = ()
        if self.text.startswith('="') and self.text.endswith('"'):
            self.text = self.text[2:-1].strip()  # a spreadsheet guard: ="2021-06-14 16:58:50"
        try:
            value, self.offset = split_zone_suffix(self.text)
        except ValueError as exc:
            raise InputError(f"{text!r}: {exc}", source=source, key=key) from None
        try:
            self.exact = datetime.fromisoformat(value)
            return
        except ValueError:
            pass
        m = _NUMERIC.match(value)
        if m is None:
            for fmt in _NAMED:
                try:
                    self.exact = datetime.strptime(value, fmt)
                    return
                except ValueError:
                    continue
            raise InputError(f"{text!r} is not a date-time", source=source, key=key)
        a, _sep, b, c, hh, mm, ss, frac, ampm = m.groups()
        self.year_first = len(a) == 4
        hour = int(hh)
        if ampm:
            pm = ampm.lower().startswith("p") or ampm == "午後"
            if not 1 <= hour <= 12:
                raise InputError(f"{text!r}: hour {hour} with AM/PM", source=source, key=key)
            hour = hour % 12 + (12 if pm else 0)
        micro = int((frac or "0").ljust(6, "0"))
        self._parts = (int(a), int(b), int(c), hour, int(mm), int(ss or 0), micro)

    @property
    def ambiguous(self) -> bool:
        """True when day and month could be swapped: two different numbers, both 12 or under."""
        if self.exact is not None:
            return False
        a, b, c = self._parts[:3]
        first, second = (b, c) if self.year_first else (a, b)
        return first != second and first <= 12 and second <= 12

    def wall(self, order: str) -> datetime | None:
        """The written date-time under ``order`` (naive unless the cell had an offset); None if invalid."""
        if self.exact is not None:
            value = self.exact
        else:
            a, b, c, hh, mm, ss, us = self._parts
            if self.year_first:
                y, mo, d = (a, c, b) if order == "ydm" else (a, b, c)
            elif order == "dmy":
                d, mo, y = a, b, c
            elif order == "mdy":
                mo, d, y = a, b, c
            else:
                return None
            if y < 100:
                y += 2000
            try:
                value = datetime(y, mo, d, hh, mm, ss, us)
            except ValueError:
                return None
        if value.tzinfo is None and self.offset is not None:
            value = value.replace(tzinfo=self.offset)
        return value

    @property
    def naive(self) -> bool:
        """True when the cell carries no offset (it is a wall time in ``--timezone``)."""
        if self.offset is not None:
            return False
        return self.exact is None or self.exact.tzinfo is None


def instant(stamp: Stamp, order: str, zone: ZoneInfo | None, source: str) -> datetime:
    """``stamp`` as a UTC instant under ``order``, naive cells read in ``zone``."""
    value = stamp.wall(order)
    if value is None:
        raise InputError(
            f"{stamp.text!r} is not a valid date read as {_ORDER_WORDS.get(order, order)} "
            f"(--date-order {order}): correct it, or pass --date-order with the file's order",
            source=source,
            key=stamp.key,
        )
    if value.tzinfo is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise InputError(f"{stamp.text!r} is out of range in UTC", source=source, key=stamp.key) from None
    if zone is None:
        raise InputError(
            f"{stamp.text!r} has no time zone: pass --timezone with the zone the export was written in",
            source=source,
            key="--timezone",
        )
    return localize(value, zone, source, stamp.key)


def feasible_orders(stamps: Sequence[Stamp]) -> tuple[list[str], list[str]]:
    """The orders that read every year-first stamp and every other stamp as valid dates."""
    year_first = [s for s in stamps if s.exact is None and s.year_first]
    others = [s for s in stamps if s.exact is None and not s.year_first]
    yf = [o for o in ("ymd", "ydm") if all(s.wall(o) is not None for s in year_first)]
    ot = [o for o in ("dmy", "mdy") if all(s.wall(o) is not None for s in others)]
    return yf, ot


def settle_order(
    stamps: Sequence[Stamp],
    rows: Sequence[tuple[Stamp, Stamp]],
    explicit: str | None,
    fits: Callable[[str], int],
    source: str,
) -> str:
    """The order to read ``stamps`` in: ``explicit``, else the only valid one, else the one under which
    more of ``rows`` fall in a session (``fits(order)`` counts them), else an input error.

    The returned order is a key of :meth:`Stamp.wall`: ``dmy``, ``mdy`` (or ``ymd``/``ydm`` for a file whose
    dates are all year-first).
    """
    yf, ot = feasible_orders(stamps)
    has_yf = any(s.exact is None and s.year_first for s in stamps)
    has_ot = any(s.exact is None and not s.year_first for s in stamps)
    if has_yf and has_ot:
        raise InputError("the file mixes year-first and year-last dates", source=source)
    if has_yf:
        if explicit in (None, "ymd") and "ymd" in yf:
            return "ymd"
        if explicit is None and yf == ["ydm"]:
            return "ydm"  # some middle number is above 12: year/day/month, as a few portals write
        raise InputError(
            f"the year-first dates do not read as {explicit or 'year/month/day'}",
            source=source,
            key="--date-order",
        )
    if not has_ot:
        return explicit or "ymd"  # only exact (ISO) times: the order does not matter
    if explicit is not None:
        if explicit not in ot:
            bad = next(s for s in stamps if s.exact is None and s.wall(explicit) is None)
            raise InputError(
                f"{bad.text!r} is not a valid date read as {explicit} (--date-order {explicit})",
                source=source,
                key=bad.key,
            )
        return explicit
    if not ot:
        raise InputError(
            "the dates mix day-first and month-first order (a first and a second number above 12)",
            source=source,
        )
    if len(ot) == 1 or not any(s.ambiguous for s in stamps):
        return ot[0]  # settled by the file: a day above 12, or no date that reads two ways
    counts = {order: fits(order) for order in ot}
    best = max(counts.values())
    winners = [o for o, n in counts.items() if n == best]
    if best > 0 and len(winners) == 1:
        return winners[0]
    sample = next(s.text for s in stamps if s.ambiguous)
    why = (
        "and the sessions' dates do not settle it"
        if best == 0
        else "and the sessions' dates fit both readings"
    )
    raise InputError(
        f"dates such as {sample!r} read both as day/month and as month/day, {why}: "
        "pass --date-order dmy or --date-order mdy",
        source=source,
        key="--date-order",
    )
