"""The ``zoom-csv`` and ``zoom-json`` import formats: what Zoom's web portal and API give a coordinator.

``zoom-csv`` reads the portal's exports (decision 0071):

- Reports > Usage > Participants > Export: ``Name (Original Name),User Email,Join Time,Leave Time,
  Duration (Minutes),Guest[,Recording Consent][,In Waiting Room]``, optionally after the meeting summary
  block (``Meeting ID,Topic,Start Time,...``, its values, then a blank or ``,,,,,,`` row);
- the usage report "with meeting data": meeting columns (``Topic,...,User Name,User Email,...``) then the
  participant's on each row, so ``User Email`` repeats; each is mapped by its position within its section;
- headings in the portal's languages (``名前 (元の名前),ユーザーメール,参加時刻,退出時刻,...``) and its date
  layouts (``11/19/2021 09:54:15 AM``, ``19/11/2021 10:34:26``, ``2020/12/8 8:35``), settled as
  :mod:`ta_delivery.attendance.formats.stamps` says.

``zoom-json`` reads a saved response of ``GET /past_meetings/{id}/participants`` or
``GET /report/meetings/{id}/participants`` (one page, a list of pages, or an integration's ``{"data": ...}``
wrapper). Rows in the waiting room are skipped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from typing import Any

from ta_delivery.attendance.formats.columns import normalize, section_columns
from ta_delivery.attendance.formats.stamps import Stamp
from ta_delivery.attendance.formats.tabular import Row, segments
from ta_delivery.errors import InputError
from ta_delivery.importfiles import Problems, decode_text, row_key, sniff_delimiter
from ta_delivery.records import ImportFormatSpec, ImportRequest, Segment

__all__ = ["FORMAT", "JSON_FORMAT", "parse_zoom_csv", "parse_zoom_json"]

SOURCE = "zoom-csv"
JSON_SOURCE = "zoom-json"
_YES = {"yes", "oui", "si", "sí", "ja", "sim", "はい", "예"}


def _rows(request: ImportRequest, problems: Problems) -> list[Row]:
    source = str(request.path)
    lines = decode_text(request.data, source).splitlines()
    table: list[list[str]] = []
    cols: dict[str, int] | None = None
    for index, line in enumerate(lines):
        cells = next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
        cols = section_columns(cells)
        if cols is not None:
            delimiter = sniff_delimiter(line)
            table = list(csv.reader(lines[index:], delimiter=delimiter))
            break
    if cols is None:
        raise InputError(
            "no participant table: no heading with 'Join Time' and 'Leave Time' columns (in any portal "
            "language; export the meeting's participants without 'Show unique users')",
            source=source,
        )
    heading = [normalize(c) for c in table[0]]
    width = max(cols.values()) + 1
    labels = [c.strip() for c in table[0]]
    out: list[Row] = []
    for number, cells in enumerate(table[1:], start=1):
        line = row_key(number)
        if not any(c.strip() for c in cells):
            continue
        if [normalize(c) for c in cells] == heading:
            continue  # the heading again (exports pasted one after another)
        if len(cells) < width:
            problems.add(
                InputError(
                    f"the row has {len(cells)} cells, the heading {len(heading)} columns: "
                    "export the participants again, or complete the row",
                    source=source,
                    key=line,
                )
            )
            continue
        waiting = cols.get("waiting")
        if waiting is not None and normalize(cells[waiting]) in _YES:
            continue

        def cell(kind: str, cells: list[str] = cells) -> str | None:
            i = cols.get(kind) if cols else None
            return cells[i].strip() if i is not None and i < len(cells) else None

        join_text, leave_text = cell("join") or "", cell("leave") or ""
        join_key = row_key(number, labels[cols["join"]])
        leave_key = row_key(number, labels[cols["leave"]])
        if not join_text:
            problems.add(InputError("the join time is empty: write when the person joined", key=join_key))
            continue
        with problems.collecting():
            out.append(
                Row(
                    key=line,
                    join=Stamp(join_text, join_key, source),
                    leave=Stamp(leave_text, leave_key, source) if leave_text else None,
                    name=cell("name"),
                    email=cell("email"),
                    session=cell("session"),
                )
            )
    return out


def parse_zoom_csv(request: ImportRequest) -> list[Segment]:
    """Segments from a Zoom portal participants or usage export (see the module docstring).

    Every bad row is reported at once (:class:`~ta_delivery.importfiles.Problems`).
    """
    problems = Problems(str(request.path))
    return segments(request, _rows(request, problems), SOURCE, problems=problems)


def _participants(doc: Any, source: str) -> Iterator[Mapping[str, Any]]:
    if isinstance(doc, list):
        for item in doc:
            if isinstance(item, Mapping) and "join_time" in item:
                yield item
            else:
                yield from _participants(item, source)
        return
    if not isinstance(doc, Mapping):
        raise InputError("not a Zoom participants response: expected an object or a list", source=source)
    if "participants" in doc:
        items = doc["participants"]
        if not isinstance(items, list):
            raise InputError("'participants' is not a list", source=source, key="participants")
        for item in items:
            if not isinstance(item, Mapping):
                raise InputError("a participant is not an object", source=source, key="participants")
            yield item
        return
    if "data" in doc:
        yield from _participants(doc["data"], source)
        return
    raise InputError("not a Zoom participants response: no 'participants' list", source=source)


def parse_zoom_json(request: ImportRequest) -> list[Segment]:
    """Segments from a saved Zoom participants API response."""
    source = str(request.path)
    try:
        doc = json.loads(decode_text(request.data, source))
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg} (line {exc.lineno})", source=source) from None
    rows: list[Row] = []
    problems = Problems(source)
    for n, item in enumerate(_participants(doc, source)):
        key = f"participants[{n}]"
        if str(item.get("status", "")).lower() == "in_waiting_room":
            continue
        join, leave = item.get("join_time"), item.get("leave_time")
        if not isinstance(join, str) or not join.strip():
            problems.add(
                InputError("join_time is missing: save the API's response as is", key=f"{key}.join_time")
            )
            continue
        if leave is not None and not isinstance(leave, str):
            problems.add(
                InputError(
                    "leave_time is not a string: save the API's response as is", key=f"{key}.leave_time"
                )
            )
            continue

        def text(*names: str, item: Mapping[str, Any] = item) -> str | None:
            for name in names:
                value = item.get(name)
                if isinstance(value, str) and value.strip():
                    return value.strip()
            return None

        with problems.collecting():
            rows.append(
                Row(
                    key=key,
                    join=Stamp(join, f"{key}.join_time", source),
                    leave=Stamp(leave, f"{key}.leave_time", source) if leave else None,
                    name=text("name", "user_name"),
                    email=text("user_email", "email"),
                    external_id=None,
                )
            )
    return segments(request, rows, JSON_SOURCE, problems=problems)


FORMAT = ImportFormatSpec(
    name=SOURCE,
    parse=parse_zoom_csv,
    description="Zoom web portal participants or usage report (any portal language and date layout)",
)
JSON_FORMAT = ImportFormatSpec(
    name=JSON_SOURCE,
    parse=parse_zoom_json,
    description="Saved response of Zoom's past-meeting or report participants API",
)
