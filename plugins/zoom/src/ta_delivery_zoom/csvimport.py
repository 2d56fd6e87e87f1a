"""The ``zoom-csv`` import format: the participants export of Zoom's web portal.

Reports > Usage > (a meeting) > Participants > Export writes a CSV that may start with a meeting summary
(``Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants`` and a row of values,
then a blank line), followed by the participant table
``Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest[,Recording Consent]
[,In Waiting Room]``. Times are written in the portal user's zone without an offset (e.g.
``08/10/2020 10:02:14 AM``), so ``--timezone`` is required unless every time carries an offset.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from ta_delivery.errors import InputError
from ta_delivery.exports import LOCAL_FORMATS, decode_text, find_columns, normalize_label, read_time, row_key
from ta_delivery.records import ImportFormatSpec, ImportRequest, Segment

__all__ = ["FORMAT", "parse_zoom_csv"]

SOURCE = "zoom-csv"
#: The local formats the portal writes: the common ones, and with the month's name.
_FORMATS = (*LOCAL_FORMATS, "%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p")
_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "join": ("join time",),
    "leave": ("leave time",),
    "name": ("name (original name)", "name", "participant", "user name"),
    "email": ("user email", "email", "participant email"),
    "waiting": ("in waiting room",),
}
_ZONE_HINT = "of the Zoom portal user who exported it"


def parse_zoom_csv(request: ImportRequest) -> Iterator[Segment]:
    """Segments from a Zoom portal participants export (see the module docstring for the layout)."""
    source = str(request.path)
    rows = list(csv.reader(io.StringIO(decode_text(request.data, source))))
    start = None
    for index, row in enumerate(rows):
        header = {normalize_label(c) for c in row}
        if "join time" in header and "leave time" in header:
            start = index
            break
    if start is None:
        raise InputError("no participant table (a header with 'Join Time' and 'Leave Time')", source=source)
    if request.session_id is None:
        raise InputError("a Zoom export holds one meeting: name its session with --session", source=source)
    cols = find_columns(rows[start], _COLUMNS)
    join_col, leave_col = cols["join"], cols["leave"]
    name_col, email_col, waiting_col = cols.get("name"), cols.get("email"), cols.get("waiting")
    for number, row in enumerate(rows[start + 1 :], start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(join_col, leave_col):
            raise InputError("too few columns", source=source, key=row_key(number))
        if waiting_col is not None and waiting_col < len(row) and normalize_label(row[waiting_col]) == "yes":
            continue
        join = _when(row[join_col], request.timezone, source, row_key(number, "Join Time"))
        leave = _when(row[leave_col], request.timezone, source, row_key(number, "Leave Time"))
        if leave < join:
            raise InputError("leaves before joining", source=source, key=row_key(number, "Leave Time"))
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        email = row[email_col].strip() if email_col is not None and email_col < len(row) else ""
        yield Segment(
            session_id=request.session_id,
            join=join,
            leave=leave,
            source=SOURCE,
            raw_key=Segment.key_of(SOURCE, request.session_id, name, email.lower(), join, leave),
            email=email or None,
            name=name or None,
        )


def _when(raw: str, zone: ZoneInfo | None, source: str, key: str) -> datetime:
    return read_time(raw, zone, source, key, formats=_FORMATS, zone_hint=_ZONE_HINT)


def _parse(request: ImportRequest) -> list[Segment]:
    return list(parse_zoom_csv(request))


FORMAT = ImportFormatSpec(
    name="zoom-csv",
    parse=_parse,
    description="Zoom web portal participants export (Reports > Usage > Participants > Export)",
)
