"""``meet-csv``: the attendance report Google Meet writes for a meeting with attendance tracking.

Meet saves it as a sheet (downloaded as CSV): ``First name, Last name, Email, Duration, Time joined,
Time exited`` (some versions ``Name`` instead of the two name columns, or ``Joined at``/``Exited at``).
Times have no offset (the organizer's zone: ``--timezone``); a missing exit time is the join time plus the
duration (``1 hr 5 min``, ``42m``, ``01:05:00``). The day/month order is settled as :mod:`.stamps` says.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import timedelta

from ...errors import InputError
from ...importfiles import Problems, row_key, sniff_delimiter
from ...records import ImportRequest, Segment
from .columns import normalize, section_columns
from .common import decode
from .stamps import Stamp
from .tabular import Row, segments

__all__ = ["NAME", "parse", "parse_duration"]

NAME = "meet-csv"

_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes|s|sec|secs|seconds)\b"
)


def parse_duration(text: str) -> timedelta | None:
    """``1 hr 5 min``, ``42m``, ``1h 2m 3s``, ``01:05:00`` or a number of minutes; None when unreadable."""
    value = text.strip().lower()
    if not value:
        return None
    if re.fullmatch(r"\d+:\d{1,2}(:\d{1,2})?", value):
        parts = [int(p) for p in value.split(":")]
        while len(parts) < 3:
            parts.append(0)
        return timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])
    if re.fullmatch(r"\d+(?:[.,]\d+)?", value):
        return timedelta(minutes=float(value.replace(",", ".")))
    found = _PART.findall(value)
    if not found:
        return None
    total = timedelta()
    for number, unit in found:
        amount = float(number.replace(",", "."))
        if unit.startswith("h"):
            total += timedelta(hours=amount)
        elif unit.startswith("m"):
            total += timedelta(minutes=amount)
        else:
            total += timedelta(seconds=amount)
    return total


def parse(request: ImportRequest) -> Sequence[Segment]:
    """The segments of a Google Meet attendance report."""
    source = str(request.path)
    lines = decode(request).splitlines()
    start, cols, heading, delimiter = -1, None, [], ","
    for number, line in enumerate(lines[:20]):
        delimiter = sniff_delimiter(line)
        heading = next(csv.reader([line], delimiter=delimiter), [])
        cols = section_columns(heading)
        if cols is not None:
            start = number
            break
    if cols is None:
        raise InputError(
            "not a Google Meet attendance report: no heading with 'Time joined' and 'Time exited'",
            source=source,
            key="header",
        )
    labels = [normalize(c) for c in heading]
    first = labels.index("first name") if "first name" in labels else None
    last = labels.index("last name") if "last name" in labels else None
    rows: list[Row] = []
    problems = Problems(source)
    for number, cells in enumerate(csv.reader(lines[start + 1 :], delimiter=delimiter), start=1):
        if not any(c.strip() for c in cells):
            continue
        with problems.collecting():
            rows.append(_row(number, cells, heading, cols, (first, last), source))
    return segments(request, rows, NAME, problems=problems)


def _row(
    number: int,
    cells: list[str],
    heading: list[str],
    cols: dict[str, int],
    names: tuple[int | None, int | None],
    source: str,
) -> Row:
    """One attendee row; an :class:`InputError` naming its cell when it cannot be read."""

    def cell(i: int | None) -> str:
        return cells[i].strip() if i is not None and i < len(cells) else ""

    first, last = names
    if first is not None or last is not None:
        name = " ".join(p for p in (cell(first), cell(last)) if p)
    else:
        name = cell(cols.get("name"))
    join_key = row_key(number, heading[cols["join"]].strip())
    leave_key = row_key(number, heading[cols["leave"]].strip())
    if not cell(cols["join"]):
        raise InputError("the join time is empty: write when the person joined", source=source, key=join_key)
    duration = None
    if not cell(cols["leave"]):
        duration = parse_duration(cell(cols.get("duration")))
        if duration is None:
            raise InputError(
                "no exit time and no readable duration (such as '1 hr 5 min'): write one of them",
                source=source,
                key=leave_key,
            )
    return Row(
        key=row_key(number),
        join=Stamp(cell(cols["join"]), join_key, source),
        leave=Stamp(cell(cols["leave"]), leave_key, source) if cell(cols["leave"]) else None,
        duration=duration,
        name=name or None,
        email=cell(cols.get("email")) or None,
        session=cell(cols.get("session")) or None,
    )
