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
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ta_delivery.errors import InputError
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

_LOCAL_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)
_ZONE_SUFFIX = re.compile(r"\s*(?:\(?\s*(GMT|UTC)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\s*\)?|Z)\s*$", re.I)


def decode(data: bytes, source: str) -> str:
    """The text of an export: UTF-16 (LE/BE, BOM or not) or UTF-8 (BOM or not)."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
        sample = data[:200]
        if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
            return data.decode("utf-16-le")
        if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
            return data.decode("utf-16-be")
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 or UTF-16 text", source=source) from None


def _header(lines: Sequence[str]) -> tuple[int, str]:
    """The index of the heading line and its delimiter."""
    join_names, leave_names = set(COLUMNS["join"]), set(COLUMNS["leave"])
    for index, line in enumerate(lines[:15]):
        delimiter = "\t" if line.count("\t") >= max(1, line.count(",")) else ","
        cells = {
            c.strip().strip('"').strip().lower() for c in next(csv.reader([line], delimiter=delimiter), [])
        }
        if cells & join_names and cells & leave_names:
            return index, delimiter
    raise InputError("no heading with join and leave time columns found", key="header")


def _columns(heading: Sequence[str], source: str) -> dict[str, int]:
    found: dict[str, int] = {}
    names = [h.strip().strip('"').strip().lower() for h in heading]
    for field, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[field] = names.index(alias)
                break
    for needed in ("join", "leave"):
        if needed not in found:
            raise InputError(f"no {needed} time column", source=source, key="header")
    if "email" not in found and "name" not in found:
        raise InputError("no name or e-mail column", source=source, key="header")
    return found


_SLASHED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")


def day_first(texts: Iterable[str], source: str) -> bool:
    """Whether slashed dates are day first: only if some first number exceeds 12 (Webex: month first)."""
    firsts = seconds = False
    for text in texts:
        match = _SLASHED.match(text)
        if match:
            firsts = firsts or int(match.group(1)) > 12
            seconds = seconds or int(match.group(2)) > 12
    if firsts and seconds:
        raise InputError("dates mix day-first and month-first order", source=source, key="rows")
    return firsts


def parse_time(
    text: str, zone: ZoneInfo | None, source: str, key: str, *, dayfirst: bool = False
) -> datetime:
    """A timestamp of the export as a UTC instant."""
    value = text.strip()
    offset: timezone | None = None
    match = _ZONE_SUFFIX.search(value)
    if match and match.group(0).strip():
        sign, hours, minutes = match.group(2), match.group(3), match.group(4)
        delta = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        offset = timezone(-delta if sign == "-" else delta)
        value = value[: match.start()].strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
        for fmt in _LOCAL_FORMATS:
            if dayfirst:
                fmt = fmt.replace("%m/%d/", "%d/%m/")
            try:
                when = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if when is None:
        raise InputError(f"{text!r} is not a date and time", source=source, key=key)
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    if offset is not None:
        return when.replace(tzinfo=offset).astimezone(UTC)
    if zone is None:
        raise InputError(
            f"{text!r} has no time zone; pass --timezone with the zone the report was exported in",
            source=source,
            key=key,
        )
    local = when.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != when:
        raise InputError(f"{text!r} does not exist in {zone.key} (a DST gap)", source=source, key=key)
    return local.astimezone(UTC)


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
    try:
        start, delimiter = _header(lines)
    except InputError as exc:
        raise exc.within(source) from None
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
            return f"rows[{number}].{heading[cols[field]].strip()}" if field in cols else f"rows[{number}]"

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
