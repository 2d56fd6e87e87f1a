"""``teams-csv``: the attendance report Microsoft Teams lets a meeting organizer download.

The file is UTF-16 text, tab-separated, in numbered sections::

    1. Summary                 key<TAB>value rows: Meeting title, Start time, End time, ...
    2. Participants            Name, First Join, Last Leave, In-Meeting Duration, Email,
                               Participant ID (UPN), Role
    3. In-Meeting Activities   Name, Join Time, Leave Time, Duration, Email, Role   (one row per join)

Header case varies between versions ("In-Meeting activities"). Times are written in the organizer's locale
and zone (``11/15/22, 9:30:17 AM``, ``15/11/2022, 09:30:17``, ``2022-11-15 09:30:17``) with no offset, so
``--timezone`` is required, unless a header says ``(UTC)``. Day and month order is taken from the values
(a part above 12) or else from the session's date. Every row of section 3 is one segment; without
section 3, each participant's first join to last leave is used (which hides gaps).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...errors import InputError
from ...models import Session
from ...records import ImportRequest, Segment
from .common import decode, live_session, require_zone, to_utc

__all__ = ["NAME", "parse"]

NAME = "teams-csv"

_SECTION = re.compile(r"^\s*(\d+)\.\s+(\S.*?)\s*$")
_STAMP = re.compile(
    r"^\s*(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})[,\s]\s*(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*([AaPp])?\.?\s*(?:[Mm]\.?)?\s*$"
)
_ORDERS = ("ymd", "mdy", "dmy")


def _split_sections(text: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text, newline=""), delimiter="\t"):
        cells = [c.strip() for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        m = _SECTION.match(cells[0]) if len(cells) == 1 else None
        if m:
            current = sections.setdefault(m.group(2).casefold(), [])
            continue
        if current is not None:
            current.append(cells)
    return sections


class _Stamp:
    """A Teams time cell, read later once the day/month order and the zone are known."""

    def __init__(self, text: str, source: str, key: str) -> None:
        self.text = text
        self.iso: datetime | None = None
        self.parts: tuple[int, ...] = ()
        self.pm: str | None = None
        try:
            self.iso = datetime.fromisoformat(text)
            return
        except ValueError:
            pass
        m = _STAMP.match(text)
        if not m:
            raise InputError(f"{text!r} is not a date and time", source=source, key=key)
        a, b, c, hh, mm, ss, ampm = m.groups()
        self.year_first = len(a) == 4
        self.parts = (int(a), int(b), int(c), int(hh), int(mm), int(ss or 0))
        self.pm = ampm.lower() if ampm else None

    @property
    def naive(self) -> bool:
        return self.iso is None or self.iso.tzinfo is None

    def value(self, order: str) -> datetime | None:
        """The wall time under ``order``, ``None`` when it is not a valid date that way."""
        if self.iso is not None:
            return self.iso
        a, b, c, hh, mm, ss = self.parts
        if self.year_first:
            if order != "ymd":
                return None
            y, mo, d = a, b, c
        elif order == "mdy":
            mo, d, y = a, b, c
        elif order == "dmy":
            d, mo, y = a, b, c
        else:
            return None
        if y < 100:
            y += 2000
        if self.pm is not None:
            if not 1 <= hh <= 12:
                return None
            hh = hh % 12 + (12 if self.pm == "p" else 0)
        try:
            return datetime(y, mo, d, hh, mm, ss)
        except ValueError:
            return None


def _header(rows: list[list[str]], wanted: tuple[str, ...]) -> tuple[int, dict[str, int], bool]:
    for i, row in enumerate(rows):
        names = [c.casefold() for c in row]
        utc = any("(utc)" in n for n in names)
        clean = [n.replace("(utc)", "").strip() for n in names]
        if all(w in clean for w in wanted):
            return i, {n: j for j, n in enumerate(clean)}, utc
    raise ValueError("no header")


def _choose_order(stamps: list[_Stamp], anchor: date | None, source: str) -> str:
    feasible = [o for o in _ORDERS if all(s.value(o) is not None for s in stamps)]
    if not feasible:
        raise InputError("the times do not read as dates in one consistent order", source=source)
    if len(feasible) == 1 or anchor is None:
        return feasible[0]

    def distance(order: str) -> timedelta:
        # wall times: a cell with an offset is compared by its own clock, like the others
        first = min(v.replace(tzinfo=None) for s in stamps if (v := s.value(order)) is not None)
        return abs(first.date() - anchor)

    return min(feasible, key=distance)


def _infer_session(request: ImportRequest, start: datetime | None, source: str) -> Session:
    if start is not None:
        near = [s for s in request.course.live_sessions if s.start - timedelta(hours=1) <= start <= s.end]
        if len(near) == 1:
            return near[0]
    raise InputError(
        "cannot tell which session this report is about: --session is required",
        source=source,
        key="--session",
    )


def parse(request: ImportRequest) -> Iterator[Segment]:
    """The segments of a Teams attendance report."""
    source = str(request.path)
    sections = _split_sections(decode(request))
    activities = sections.get("in-meeting activities") or []
    participants = sections.get("participants") or []
    if not participants and not activities:
        raise InputError(
            "not a Teams attendance report: no '2. Participants' or '3. In-Meeting Activities' section",
            source=source,
        )
    section = "3. In-Meeting Activities" if activities else "2. Participants"
    rows = activities or participants
    cols = ("join time", "leave time") if activities else ("first join", "last leave")
    try:
        h, index, utc_header = _header(rows, ("name", *cols))
    except ValueError:
        raise InputError(
            f"section {section!r} has no header with Name, {cols[0].title()}, {cols[1].title()}",
            source=source,
        ) from None
    upn_by_name: dict[str, str] = {}
    try:
        ph, pindex, _ = _header(participants, ("name",))
        if "participant id (upn)" in pindex:
            for prow in participants[ph + 1 :]:
                if len(prow) > pindex["participant id (upn)"]:
                    upn_by_name.setdefault(prow[pindex["name"]], prow[pindex["participant id (upn)"]])
    except ValueError:
        pass
    summary = {r[0].casefold(): r[1] for r in sections.get("summary", []) if len(r) >= 2}
    stamps: list[tuple[int, _Stamp, _Stamp, list[str]]] = []
    for n, row in enumerate(rows[h + 1 :], start=1):
        key = f"{section} row {n}"
        if len(row) <= max(index[cols[0]], index[cols[1]]):
            raise InputError("the row is too short", source=source, key=key)
        join_st = _Stamp(row[index[cols[0]]], source, f"{key}, {cols[0]}")
        leave_st = _Stamp(row[index[cols[1]]], source, f"{key}, {cols[1]}")
        stamps.append((n, join_st, leave_st, row))
    meeting_start: _Stamp | None = None
    for label in ("start time", "meeting start time"):
        if label in summary:
            try:
                meeting_start = _Stamp(summary[label], source, "Summary, Start time")
            except InputError:
                meeting_start = None  # only a hint: an odd summary never stops the import
            break
    all_stamps = [st for _n, j, lv, _r in stamps for st in (j, lv)]
    zone: ZoneInfo | None = None
    if utc_header:
        zone = ZoneInfo("UTC")
    elif any(st.naive for st in all_stamps):
        zone = require_zone(request, "the report's times carry no time zone")
    anchor: date | None = None
    if request.session_id is not None:
        session = live_session(request.course, request.session_id, source, "--session")
        anchor = session.start.astimezone(zone or UTC).date()
    order = _choose_order(all_stamps + ([meeting_start] if meeting_start else []), anchor, source)
    if request.session_id is None:
        wall = meeting_start.value(order) if meeting_start else None
        start_at = to_utc(wall, zone, source, f"{section} start") if wall is not None else None
        session = _infer_session(request, start_at, source)
    sid = session.id
    i_name, i_email = index.get("name"), index.get("email")
    i_upn = index.get("participant id (upn)")
    for n, join_s, leave_s, row in stamps:
        jw, lw = join_s.value(order), leave_s.value(order)
        if jw is None or lw is None:  # pragma: no cover - _choose_order guarantees both
            raise InputError("unreadable time", source=source, key=f"{section} row {n}")
        where = f"{section} row {n}"
        join, leave = to_utc(jw, zone, source, where), to_utc(lw, zone, source, where)
        if leave < join:
            raise InputError("leave is before join", source=source, key=f"{section} row {n}")
        name = row[i_name] if i_name is not None and i_name < len(row) else ""
        email = row[i_email] if i_email is not None and i_email < len(row) else ""
        upn = row[i_upn] if i_upn is not None and i_upn < len(row) else upn_by_name.get(name, "")
        if not email and "@" in upn:
            email = upn
        yield Segment(
            session_id=sid,
            join=join,
            leave=leave,
            source=NAME,
            raw_key=Segment.key_of(sid, name, email, upn, join.isoformat(), leave.isoformat()),
            external_id=upn or None,
            email=email or None,
            name=name or None,
        )
