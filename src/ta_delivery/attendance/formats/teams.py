"""``teams-csv``: the attendance reports Microsoft Teams lets a meeting organizer download.

The current layout is UTF-16 (or UTF-8) text, tab- or comma-separated, in numbered sections::

    1. Summary                 key<TAB>value rows: Meeting title, Start time, End time, ...
    2. Participants            Name, First Join, Last Leave, In-Meeting Duration, Email,
                               Participant ID (UPN), Role
    3. In-Meeting Activities   Name, Join Time, Leave Time, Duration, Email, Role   (one row per join)

Every row of section 3 is one segment; without section 3, each participant's first join to last leave
(which hides gaps). The 2020 layout is one table of events, ``Full Name, User Action, Timestamp``, where the
action is ``Joined``, ``Joined before`` (already in when the organizer started the list) or ``Left``; each
join is paired with the person's next leave, and a join never left lasts until the file's last time.
That layout has names only: matches are suggested in the report and confirmed with ``attendance link``.

Times are written in the organizer's locale and zone (``11/15/22, 9:30:17 AM``, ``15/11/2022, 09:30:17``,
``14.11.2022, 09:29:07``) with no offset, so ``--timezone`` is required unless a header says ``(UTC)``; the
day/month order is settled as :mod:`.stamps` says.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence

from ...errors import InputError
from ...importfiles import Problems, sniff_delimiter
from ...records import ImportRequest, Segment
from .columns import normalize, section_columns
from .common import decode
from .stamps import Stamp
from .tabular import Row, segments

__all__ = ["NAME", "parse"]

NAME = "teams-csv"

_SECTION = re.compile(r"^\s*(\d+)\.\s+(\S.*?)\s*$")


def _table(text: str) -> list[list[str]]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    rows = []
    for row in csv.reader(lines, delimiter=sniff_delimiter(first) if "\t" not in text else "\t"):
        cells = [c.strip() for c in row]
        while cells and not cells[-1]:
            cells.pop()
        rows.append(cells)
    return rows


def _sections(rows: list[list[str]]) -> dict[str, list[tuple[int, list[str]]]]:
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: list[tuple[int, list[str]]] | None = None
    for number, cells in enumerate(rows, start=1):
        if not cells:
            continue
        m = _SECTION.match(cells[0]) if len(cells) == 1 else None
        if m:
            current = sections.setdefault(normalize(m.group(2)), [])
            continue
        if current is not None:
            current.append((number, cells))
    return sections


def _stamp(text: str, utc: bool, key: str, source: str) -> Stamp:
    return Stamp(f"{text} UTC" if utc and text else text, key, source)


def _upns(rows: list[tuple[int, list[str]]]) -> dict[str, str]:
    """Name -> Participant ID (UPN) from section 2, for the rows of section 3 (which lack it)."""
    for i, (_n, cells) in enumerate(rows):
        labels = [normalize(c) for c in cells]
        if "name" in labels and any("upn" in label for label in labels):
            i_name = labels.index("name")
            i_upn = next(j for j, label in enumerate(labels) if "upn" in label)
            return {
                r[i_name]: r[i_upn] for _m, r in rows[i + 1 :] if len(r) > max(i_name, i_upn) and r[i_upn]
            }
    return {}


def _sectioned(
    rows: list[tuple[int, list[str]]],
    title: str,
    source: str,
    problems: Problems,
    upns: dict[str, str] | None = None,
) -> list[Row]:
    for i, (_n, cells) in enumerate(rows):
        cols = section_columns(cells)
        if cols is None or "name" not in cols:
            continue
        labels = [normalize(c) for c in cells]
        utc = any("(utc)" in label for label in labels)
        upn = next((j for j, label in enumerate(labels) if "upn" in label), None)
        out: list[Row] = []
        for n, (_number, row) in enumerate(rows[i + 1 :], start=1):
            key = f"{title} row {n}"
            if len(row) <= max(cols["join"], cols["leave"]):
                problems.add(InputError("the row is too short: it has no join or leave time", key=key))
                continue

            def cell(j: int | None, row: list[str] = row) -> str | None:
                return row[j].strip() or None if j is not None and j < len(row) else None

            email = cell(cols.get("email"))
            ext = cell(upn) or (upns or {}).get(row[cols["name"]].strip() if "name" in cols else "")
            if not email and ext and "@" in ext:
                email = ext
            with problems.collecting():
                out.append(
                    Row(
                        key=key,
                        join=_stamp(row[cols["join"]], utc, f"{key}, {labels[cols['join']]}", source),
                        leave=_stamp(row[cols["leave"]], utc, f"{key}, {labels[cols['leave']]}", source),
                        name=cell(cols.get("name")),
                        email=email,
                        external_id=ext,
                    )
                )
        return out
    raise InputError(f"section {title!r} has no heading with Name, join and leave columns", source=source)


def _events(rows: list[list[str]], source: str, problems: Problems) -> list[Row]:
    """The 2020 layout: Full Name, User Action, Timestamp."""
    heading = [normalize(c) for c in rows[0]]
    try:
        i_name, i_action, i_time = (
            heading.index("full name"),
            heading.index("user action"),
            heading.index("timestamp"),
        )
    except ValueError:
        raise InputError(
            "expected the columns Full Name, User Action, Timestamp", source=source, key="line 1"
        ) from None
    events: list[tuple[str, str, Stamp, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        key = f"line {number}"
        with problems.collecting():
            if len(row) <= max(i_name, i_action, i_time):
                raise InputError("the row is too short: it needs a name, an action and a time", key=key)
            action = normalize(row[i_action])
            if action not in ("joined", "joined before", "left"):
                raise InputError(
                    f"unknown action {row[i_action]!r}: write Joined, Joined before or Left", key=key
                )
            stamp = Stamp(row[i_time], f"{key}, Timestamp", source)
            events.append((row[i_name].strip(), action, stamp, key))
    if not events:
        return []
    last = events[-1][2]  # the list is written in time order
    open_joins: dict[str, tuple[Stamp, str]] = {}
    out: list[Row] = []
    for name, action, stamp, key in events:
        if action == "left":
            joined = open_joins.pop(name, None)
            if joined is None:
                why = f"{name!r} leaves without having joined: add the Joined row"
                problems.add(InputError(why, key=key))
                continue
            out.append(Row(key=joined[1], join=joined[0], leave=stamp, name=name))
        elif name not in open_joins:
            open_joins[name] = (stamp, key)
    for name, (stamp, key) in open_joins.items():
        out.append(Row(key=key, join=stamp, leave=last, name=name))
    return out


def parse(request: ImportRequest) -> Sequence[Segment]:
    """The segments of a Teams attendance report (either layout)."""
    source = str(request.path)
    rows = _table(decode(request))
    first = next((r for r in rows if r), [])
    problems = Problems(source)
    if "user action" in [normalize(c) for c in first]:
        events = _events(rows[rows.index(first) :], source, problems)
        return segments(request, events, NAME, one_meeting=True, problems=problems)
    sections = _sections(rows)
    activities = sections.get("in-meeting activities")
    participants = sections.get("participants")
    if activities:
        found = _sectioned(
            activities, "3. In-Meeting Activities", source, problems, _upns(participants or [])
        )
    elif participants:
        found = _sectioned(participants, "2. Participants", source, problems)
    else:
        raise InputError(
            "not a Teams attendance report: no '2. Participants' or '3. In-Meeting Activities' section, "
            "and not the 2020 layout (Full Name, User Action, Timestamp)",
            source=source,
        )
    return segments(request, found, NAME, one_meeting=True, problems=problems)
