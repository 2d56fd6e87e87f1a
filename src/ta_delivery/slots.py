"""The slot finder: rank start times on a 15-minute grid by how many people they suit.

A candidate start is kept when it falls on an allowed weekday (in the course's zone; by default the
course's ``rules.working_days``) between the first and last dates (course-zone dates, inclusive), and
when every trainer of the course is inside working hours for the whole session, on one of their working
days, with exactly the semantics of the ``outside-working-hours`` and ``outside-working-days`` rules (the
window on the person's local start date, edges inside). Kept starts are ranked by the number of
participants they suit, most first, then by earlier start.

Speed: nothing is evaluated per candidate and person. For each time zone the UTC offset over the
range is found once (it only changes at a transition), giving each grid point its local date; for
each (zone, working hours) pair the starts that fit are then an index interval per local date, and
interval counts are summed with a difference array.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from .errors import InputError
from .models import Course, Person, WorkingDays, WorkingHours, zone

__all__ = ["DAY_NAMES", "GRID_MINUTES", "WEEKDAYS", "Slot", "find_slots", "parse_days", "slots_json"]

GRID_MINUTES = 15
STEP = GRID_MINUTES * 60
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Weekdays allowed when none are given: Monday to Friday.
WEEKDAYS: frozenset[int] = frozenset(range(5))
_EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
#: People who share a zone, working hours and working days suit the same starts.
_Group = tuple[str, WorkingHours, WorkingDays]
_CHUNK = 32  # grid points between offset probes (8 hours)
#: The longest range searched (two years of 15-minute starts is ~70,000 candidates).
MAX_DAYS = 731


@attrs.frozen
class Slot:
    """A candidate start: ``suits`` of the ``of`` participants can attend; ``missing`` cannot."""

    start: datetime
    suits: int
    of: int
    missing: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The slot as in ``slots --json``."""
        return {
            "start": self.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "suits": self.suits,
            "of": self.of,
            "missing": list(self.missing),
        }


def slots_json(minutes: int, slots: Sequence[Slot]) -> dict[str, object]:
    """The ``slots --json`` document."""
    return {"minutes": minutes, "slots": [s.as_json() for s in slots]}


def parse_days(text: str) -> frozenset[int]:
    """Read ``mon,tue,...`` (or a range, ``sun-thu``) into weekday numbers (Monday 0); else ``InputError``."""
    if "-" in text:
        try:
            return WorkingDays.parse(text).days
        except ValueError as exc:
            raise InputError(str(exc), key="--session-days") from None
    days: set[int] = set()
    for part in text.split(","):
        name = part.strip().lower()[:3]
        if name not in DAY_NAMES or part.strip().lower() not in (name, _full(name)):
            raise InputError(
                f"{part.strip()!r} is not a weekday (use {','.join(DAY_NAMES)})", key="--session-days"
            )
        days.add(DAY_NAMES.index(name))
    return frozenset(days)


def _full(abbrev: str) -> str:
    return {
        "mon": "monday",
        "tue": "tuesday",
        "wed": "wednesday",
        "thu": "thursday",
        "fri": "friday",
        "sat": "saturday",
        "sun": "sunday",
    }[abbrev]


def _offset(tz: ZoneInfo, ts: int) -> int:
    off = datetime.fromtimestamp(ts, tz).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _segments(tz: ZoneInfo, g0: int, n: int) -> list[tuple[int, int, int]]:
    """Maximal index ranges ``(lo, hi, offset)`` of grid points ``g0 + i*STEP`` sharing a UTC offset.

    The offset is probed every ``_CHUNK`` points and bisected where it differs, so a zone costs a few
    hundred zoneinfo calls over a quarter, however many people live in it.
    """
    if n == 0:
        return []
    cuts: list[tuple[int, int]] = []  # (index where an offset starts, offset)

    def split(lo: int, hi: int, off_lo: int, off_hi: int) -> None:
        if off_lo == off_hi:
            return
        if hi - lo == 1:
            cuts.append((hi, off_hi))
            return
        mid = (lo + hi) // 2
        off_mid = _offset(tz, g0 + mid * STEP)
        split(lo, mid, off_lo, off_mid)
        split(mid, hi, off_mid, off_hi)

    off_first = _offset(tz, g0)
    cuts.append((0, off_first))
    lo, off_lo = 0, off_first
    while lo < n - 1:
        hi = min(lo + _CHUNK, n - 1)
        off_hi = _offset(tz, g0 + hi * STEP)
        split(lo, hi, off_lo, off_hi)
        lo, off_lo = hi, off_hi
    ends = [start - 1 for start, _off in cuts[1:]] + [n - 1]
    return [(start, end, off) for (start, off), end in zip(cuts, ends, strict=True)]


def _day_runs(g0: int, segments: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Maximal runs ``(local day, first index, last index)``; days are counted from 1970-01-01."""
    runs: list[tuple[int, int, int]] = []
    for lo, hi, off in segments:
        i = lo
        while i <= hi:
            day = (g0 + i * STEP + off) // 86400
            last = min(hi, _ceil_div((day + 1) * 86400 - off - g0, STEP) - 1)
            if runs and runs[-1][0] == day and runs[-1][2] + 1 == i:
                runs[-1] = (day, runs[-1][1], last)
            else:
                runs.append((day, i, last))
            i = last + 1
    return runs


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class _Grid:
    """The candidate grid and, per zone, the local-date runs of its points."""

    def __init__(self, g0: int, n: int) -> None:
        self.g0 = g0
        self.n = n
        self._runs: dict[str, list[tuple[int, int, int]]] = {}
        self._zones: dict[str, ZoneInfo] = {}

    def zone(self, tzname: str) -> ZoneInfo:
        if tzname not in self._zones:
            self._zones[tzname] = zone(tzname)
        return self._zones[tzname]

    def runs(self, tzname: str) -> list[tuple[int, int, int]]:
        if tzname not in self._runs:
            self._runs[tzname] = _day_runs(self.g0, _segments(self.zone(tzname), self.g0, self.n))
        return self._runs[tzname]

    def fitting(
        self, tzname: str, hours: WorkingHours, days: WorkingDays, seconds: int
    ) -> list[tuple[int, int]]:
        """Index intervals [lo, hi] of starts where a session of ``seconds`` fits a working day's window."""
        tz = self.zone(tzname)
        out: list[tuple[int, int]] = []
        for day, first, last in self.runs(tzname):
            if (day + 3) % 7 not in days:  # 1970-01-01 was a Thursday
                continue
            local_midnight = datetime.combine(date.fromordinal(day + _EPOCH_ORDINAL), time(0), tz)
            ws, we = hours.window(local_midnight)
            lo = max(first, _ceil_div(int(ws.timestamp()) - self.g0, STEP))
            hi = min(last, (int(we.timestamp()) - seconds - self.g0) // STEP)
            if lo <= hi:
                if out and out[-1][1] + 1 == lo:
                    out[-1] = (out[-1][0], hi)
                else:
                    out.append((lo, hi))
        return out


def find_slots(
    course: Course,
    minutes: int,
    first: date,
    last: date,
    days: Collection[int] | None = None,
    limit: int | None = 20,
) -> list[Slot]:
    """The best starts for a ``minutes``-long live session, best first (at most ``limit``; None: all).

    :param first: first course-zone date of the range, inclusive.
    :param last: last course-zone date of the range, inclusive.
    :param days: allowed course-zone weekdays, Monday 0 (default the course's ``rules.working_days``).
    :raises InputError: for non-positive minutes, an empty range or no weekday.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise InputError(f"must be a positive whole number of minutes, got {minutes!r}", key="--minutes")
    if last < first:
        raise InputError(f"--to {last} is before --from {first}", key="--to")
    if (last - first).days >= MAX_DAYS:
        raise InputError(f"the range {first}..{last} is longer than {MAX_DAYS} days", key="--to")
    if first.year < 1970 or last.year > 9000:
        raise InputError(f"the range {first}..{last} is not between 1970 and 9000", key="--from")
    allowed_days = course.rules.working_days.days if days is None else frozenset(days)
    if not allowed_days:
        raise InputError("no weekday allowed", key="--session-days")
    if limit is not None and limit <= 0:
        raise InputError(f"must be positive, got {limit}", key="--limit")

    ctz = course.zone
    g0 = int(datetime.combine(first, time(0), ctz).timestamp())
    g_end = int(datetime.combine(last + timedelta(days=1), time(0), ctz).timestamp())
    n = max(0, _ceil_div(g_end - g0, STEP))
    grid = _Grid(g0, n)
    seconds = minutes * 60
    first_day = (first - _EPOCH).days
    last_day = (last - _EPOCH).days

    # allowed: course-zone local date within range and on an allowed weekday (1970-01-01 was a Thursday)
    allowed = bytearray(n)
    for day, lo, hi in grid.runs(course.timezone):
        if first_day <= day <= last_day and (day + 3) % 7 in allowed_days:
            allowed[lo : hi + 1] = b"\x01" * (hi - lo + 1)

    groups: dict[_Group, list[tuple[int, int]]] = {}

    def group(person: Person) -> _Group:
        return (person.timezone, course.hours_of(person), course.days_of(person))

    def fitting(person: Person) -> list[tuple[int, int]]:
        key = group(person)
        if key not in groups:
            groups[key] = grid.fitting(*key, seconds)
        return groups[key]

    def counts(people: Iterable[Person]) -> list[int]:
        weight: dict[_Group, int] = {}
        for p in people:
            fitting(p)
            key = group(p)
            weight[key] = weight.get(key, 0) + 1
        diff = [0] * (n + 1)
        for key, w in weight.items():
            for lo, hi in groups[key]:
                diff[lo] += w
                diff[hi + 1] -= w
        return list(itertools.accumulate(diff[:n]))

    n_trainers = len(course.trainers)
    trainer_counts = counts(course.trainers)
    participant_counts = counts(course.participants)
    candidates = [
        (-suits, i)
        for i, (ok, trainers_in, suits) in enumerate(
            zip(allowed, trainer_counts, participant_counts, strict=True)
        )
        if ok and trainers_in == n_trainers
    ]
    candidates.sort()
    if limit is not None:
        candidates = candidates[:limit]

    # membership of each (zone, hours) group, and the participants (by course position) in it
    members: dict[_Group, list[int]] = {}
    for pos, p in enumerate(course.participants):
        members.setdefault(group(p), []).append(pos)
    inside: list[tuple[bytearray, list[int]]] = []
    for key, positions in members.items():
        flags = bytearray(n)
        for lo, hi in groups[key]:
            flags[lo : hi + 1] = b"\x01" * (hi - lo + 1)
        inside.append((flags, positions))
    ids = [p.id for p in course.participants]
    total = len(ids)
    slots: list[Slot] = []
    for neg, i in candidates:
        out = sorted(pos for flags, positions in inside if not flags[i] for pos in positions)
        slots.append(
            Slot(
                start=datetime.fromtimestamp(g0 + i * STEP, UTC),
                suits=-neg,
                of=total,
                missing=tuple(ids[pos] for pos in out),
            )
        )
    return slots
