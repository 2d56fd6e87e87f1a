"""The ``webex-csv`` import format: a Webex meeting attendee report as exported by Webex.

Webex exports reports as "Unicode tab-delimited text" (UTF-16LE with a byte-order mark); files saved
again by a spreadsheet are often UTF-8 (with or without a BOM) and comma-separated. All of these are read.
Columns are found by their heading, case-insensitively, among the names Webex's attendee report uses
(the same fields as ``GET /meetingReports/attendees``): name, e-mail, join time, leave time, duration.
A few title lines above the heading are skipped.

Times may carry an offset (``2026-11-26T10:02:13-05:00``, ``... GMT-05:00``, ``... UTC``); Webex usually
writes them without one, in the exporting user's zone (``11/26/2026 10:02:13 AM``), and then
``--timezone`` must say which zone that is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ta_delivery.errors import InputError
from ta_delivery.exports import (
    LOCAL_FORMATS,
    day_first,
    decode_text,
    find_columns,
    find_heading,
    read_time,
    row_key,
)
from ta_delivery.records import ImportFormatSpec, ImportRequest, Segment

__all__ = ["COLUMNS", "FORMAT", "decode", "parse"]

#: Our field -> the headings Webex (and re-saved copies) use for it, lower-cased.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "name": ("name", "attendee name", "display name", "displayname", "participant name", "participant"),
    "email": ("email", "attendee email", "email address", "e-mail", "participant email"),
    "join": ("join time", "joined time", "joinedtime", "join date/time", "time joined", "join"),
    "leave": ("leave time", "left time", "lefttime", "leave date/time", "time left", "leave"),
    "duration": ("duration", "duration (minutes)", "duration(minutes)", "attendance duration", "minutes"),
    "session": ("session", "ta-delivery session"),
}

#: The local formats Webex writes: the common ones, and year-first with slashes.
_LOCAL_FORMATS = (*LOCAL_FORMATS, "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def decode(data: bytes, source: str) -> str:
    """The text of an export: UTF-16 (LE/BE, BOM or not) or UTF-8 (BOM or not)."""
    return decode_text(data, source)


def _is_heading(labels: set[str]) -> bool:
    return bool(labels & set(COLUMNS["join"]) and labels & set(COLUMNS["leave"]))


def _columns(heading: Sequence[str], source: str) -> dict[str, int]:
    found = find_columns(heading, COLUMNS)
    for needed in ("join", "leave"):
        if needed not in found:
            raise InputError(f"no {needed} time column", source=source, key="header")
    if "email" not in found and "name" not in found:
        raise InputError("no name or e-mail column", source=source, key="header")
    return found


def parse_time(
    text: str, zone: ZoneInfo | None, source: str, key: str, *, dayfirst: bool = False
) -> datetime:
    """A timestamp of the export as a UTC instant."""
    return read_time(
        text,
        zone,
        source,
        key,
        formats=_LOCAL_FORMATS,
        dayfirst=dayfirst,
        zone_hint="the report was exported in",
    )


def _duration(text: str, source: str, key: str) -> timedelta:
    value = text.strip().lower().replace("mins", "").replace("min", "").strip()
    try:
        if ":" in value:
            parts = [int(p) for p in value.split(":")]
            while len(parts) < 3:
                parts.insert(0, 0)
            return timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])
        return timedelta(minutes=float(value))
    except ValueError:
        raise InputError(f"{text!r} is not a duration", source=source, key=key) from None


def parse(request: ImportRequest) -> Iterable[Segment]:
    """Segments of a Webex attendee report; InputError (naming file, row and column) when malformed."""
    source = str(request.path)
    text = decode(request.data, source)
    lines = text.splitlines()
    found = find_heading(lines, _is_heading)
    if found is None:
        raise InputError("no heading with join and leave time columns found", source=source, key="header")
    start, delimiter = found
    rows = list(csv.reader(lines[start:], delimiter=delimiter))
    heading, body = rows[0], rows[1:]
    cols = _columns(heading, source)
    dayfirst = day_first(
        (row[cols[f]] for row in body for f in ("join", "leave") if cols[f] < len(row)), source
    )
    segments: list[Segment] = []
    for offset, row in enumerate(body):
        if not any(cell.strip() for cell in row):
            continue
        number = start + offset + 2  # 1-based line number in the file

        def cell(field: str, row: Sequence[str] = row) -> str:
            index = cols.get(field)
            return row[index].strip() if index is not None and index < len(row) else ""

        def key(field: str, number: int = number) -> str:
            return row_key(number, heading[cols[field]].strip() if field in cols else None)

        session = cell("session") or request.session_id
        if not session:
            raise InputError(
                "no session: pass --session or add a session column", source=source, key=key("join")
            )
        if not cell("join"):
            raise InputError("join time is empty", source=source, key=key("join"))
        join = parse_time(cell("join"), request.timezone, source, key("join"), dayfirst=dayfirst)
        if cell("leave"):
            leave = parse_time(cell("leave"), request.timezone, source, key("leave"), dayfirst=dayfirst)
        elif cell("duration"):
            leave = join + _duration(cell("duration"), source, key("duration"))
        else:
            raise InputError("leave time is empty", source=source, key=key("leave"))
        if leave < join:
            raise InputError("leaves before joining", source=source, key=key("leave"))
        email = cell("email") or None
        name = cell("name") or None
        segments.append(
            Segment(
                session_id=session,
                join=join,
                leave=leave,
                source="webex-csv",
                raw_key=Segment.key_of(
                    "webex-csv", session, (email or "").lower(), name, join.isoformat(), leave.isoformat()
                ),
                email=email if email and "@" in email else None,
                name=name,
            )
        )
    return segments


FORMAT = ImportFormatSpec(
    name="webex-csv",
    parse=parse,
    description="Webex meeting attendee report (UTF-16 tab-separated export, or CSV)",
)
