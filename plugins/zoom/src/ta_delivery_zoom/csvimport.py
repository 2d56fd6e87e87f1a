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
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ta_delivery.errors import InputError
from ta_delivery.records import ImportFormatSpec, ImportRequest, Segment

__all__ = ["FORMAT", "parse_zoom_csv"]

SOURCE = "zoom-csv"
_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
)
_NAME = ("name (original name)", "name", "participant", "user name")
_EMAIL = ("user email", "email", "participant email")


def _norm(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().lower().split())


def _column(header: Sequence[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _when(raw: str, zone: ZoneInfo | None, source: str, key: str) -> datetime:
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
        for fmt in _FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise InputError(f"{raw!r} is not a date-time", source=source, key=key)
    if moment.tzinfo is None:
        if zone is None:
            raise InputError(
                "the export's times have no zone: give --timezone (the zone of the Zoom portal user)",
                source=source,
                key=key,
            )
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def parse_zoom_csv(request: ImportRequest) -> Iterator[Segment]:
    """Segments from a Zoom portal participants export (see the module docstring for the layout)."""
    source = str(request.path)
    try:
        text = request.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", source=source) from None
    rows = list(csv.reader(io.StringIO(text)))
    start = None
    for index, row in enumerate(rows):
        header = [_norm(c) for c in row]
        if "join time" in header and "leave time" in header:
            start = index
            break
    if start is None:
        raise InputError("no participant table (a header with 'Join Time' and 'Leave Time')", source=source)
    if request.session_id is None:
        raise InputError("a Zoom export holds one meeting: name its session with --session", source=source)
    header = [_norm(c) for c in rows[start]]
    join_col, leave_col = header.index("join time"), header.index("leave time")
    name_col, email_col = _column(header, _NAME), _column(header, _EMAIL)
    waiting_col = _column(header, ("in waiting room",))
    for number, row in enumerate(rows[start + 1 :], start=1):
        if not any(cell.strip() for cell in row):
            continue
        key = f"rows[{number}]"
        if len(row) <= max(join_col, leave_col):
            raise InputError("too few columns", source=source, key=key)
        if waiting_col is not None and waiting_col < len(row) and _norm(row[waiting_col]) == "yes":
            continue
        join = _when(row[join_col], request.timezone, source, f"{key}.Join Time")
        leave = _when(row[leave_col], request.timezone, source, f"{key}.Leave Time")
        if leave < join:
            raise InputError("leaves before joining", source=source, key=f"{key}.Leave Time")
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


def _parse(request: ImportRequest) -> list[Segment]:
    return list(parse_zoom_csv(request))


FORMAT = ImportFormatSpec(
    name="zoom-csv",
    parse=_parse,
    description="Zoom web portal participants export (Reports > Usage > Participants > Export)",
)
