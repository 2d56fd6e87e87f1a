"""The ``webex-csv`` import format: a Webex meeting attendee report as exported by Webex.

Webex exports reports as "Unicode tab-delimited text" (UTF-16LE with a byte-order mark); files saved
again by a spreadsheet are often UTF-8 (with or without a BOM) and comma-separated. All of these are read.
Columns are found by their heading, case-insensitively, among the names Webex's attendee report uses
(the same fields as ``GET /meetingReports/attendees``): name, e-mail, join time, leave time, duration.
A few title lines above the heading are skipped. Webex Webinars/Events attendee reports write times as
``="2021-06-14 16:58:50"`` so that spreadsheets keep them as text; the guard is dropped. Day/month order is
settled as :mod:`ta_delivery.attendance.formats.stamps` says (``--date-order``, the file, the sessions).

Times may carry an offset (``2026-11-26T10:02:13-05:00``, ``... GMT-05:00``, ``... UTC``); Webex usually
writes them without one, in the exporting user's zone (``11/26/2026 10:02:13 AM``), and then
``--timezone`` must say which zone that is.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ta_delivery.attendance.formats.columns import section_columns
from ta_delivery.attendance.formats.stamps import Stamp
from ta_delivery.attendance.formats.tabular import Row, segments
from ta_delivery.errors import InputError
from ta_delivery.importfiles import (
    LOCAL_FORMATS,
    Problems,
    decode_text,
    find_columns,
    read_time,
    row_key,
    sniff_delimiter,
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
        raise InputError(
            f"{text!r} is not a duration (minutes, or h:mm:ss)", source=source, key=key
        ) from None


def _cell_text(value: str) -> str:
    """A cell without the spreadsheet guard Webex Webinars/Events writes (``="2021-06-14 16:58:50"``)."""
    text = value.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1].strip()
    return text


def _heading_columns(heading: Sequence[str]) -> dict[str, int] | None:
    """Columns by their exact Webex names, else by words in any language (:mod:`...formats.columns`)."""
    found = find_columns(heading, COLUMNS)
    if "join" in found and "leave" in found:
        # Webinars/Events put the event's name first: the attendee's is the name column before the email
        sectioned = section_columns(heading)
        if sectioned is not None and "name" in sectioned:
            found["name"] = sectioned["name"]
        return found
    return section_columns(heading)


def parse(request: ImportRequest) -> list[Segment]:
    """Segments of a Webex attendee report; InputError (naming file, row and column) when malformed."""
    source = str(request.path)
    text = decode(request.data, source)
    lines = text.splitlines()
    start = delimiter = None
    cols: dict[str, int] | None = None
    for index, line in enumerate(lines[:40]):
        delimiter = sniff_delimiter(line)
        cells = [_cell_text(c) for c in next(csv.reader([line], delimiter=delimiter), [])]
        cols = _heading_columns(cells)
        if cols is not None:
            start = index
            break
    if start is None or cols is None or delimiter is None:
        raise InputError("no heading with join and leave time columns found", source=source, key="header")
    table = list(csv.reader(lines[start:], delimiter=delimiter))
    heading, body = table[0], table[1:]
    if "email" not in cols and "name" not in cols:
        raise InputError("no name or e-mail column", source=source, key="header")
    rows: list[Row] = []
    problems = Problems(source)  # every bad row is reported at once
    for offset, cells in enumerate(body):
        if not any(c.strip() for c in cells):
            continue
        number = start + offset + 2  # 1-based line number in the file

        def cell(field: str, cells: list[str] = cells) -> str:
            index = cols.get(field) if cols else None
            return _cell_text(cells[index]) if index is not None and index < len(cells) else ""

        def key(field: str, number: int = number) -> str:
            return row_key(number, heading[cols[field]].strip() if cols and field in cols else None)

        with problems.collecting():
            if not cell("join"):
                raise InputError("join time is empty: write when the person joined", key=key("join"))
            duration = None
            if not cell("leave"):
                if not cell("duration"):
                    raise InputError("leave time is empty: write it, or the duration", key=key("leave"))
                duration = _duration(cell("duration"), source, key("duration"))
            rows.append(
                Row(
                    key=row_key(number),
                    join=Stamp(cell("join"), key("join"), source),
                    leave=Stamp(cell("leave"), key("leave"), source) if cell("leave") else None,
                    duration=duration,
                    name=cell("name") or None,
                    email=cell("email") or None,
                    session=cell("session") or None,
                )
            )
    return segments(request, rows, "webex-csv", problems=problems)


FORMAT = ImportFormatSpec(
    name="webex-csv",
    parse=parse,
    description="Webex meeting attendee report (UTF-16 tab-separated export, or CSV)",
)
