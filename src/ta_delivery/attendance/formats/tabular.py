"""The shared second half of every export format: rows of cells in, segments out.

A format finds its rows and columns (:class:`Row`); :func:`segments` then settles the file's day/month order
(:mod:`.stamps`), reads naive times in ``--timezone``, and gives each row its session: the session column,
else ``--session``, else the live session whose window the row falls in (none: kept unplaced, see
:mod:`..windows`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from ...errors import InputError
from ...importfiles import Problems
from ...models import Course, Session
from ...records import ImportRequest, Segment
from ..windows import UNPLACED, Placer, overlaps
from .common import live_session, stranger_session
from .stamps import Stamp, instant, settle_order

__all__ = ["Row", "segments"]

#: A row read as lasting longer than this does not count as fitting a session when settling the date order.
_LONGEST_ROW = timedelta(hours=24)


@attrs.frozen
class Row:
    """One attendee row as written: its location for errors, who, when, and its session cell."""

    key: str
    join: Stamp
    leave: Stamp | None
    name: str | None = None
    email: str | None = None
    external_id: str | None = None
    duration: timedelta | None = None
    session: str | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1].strip()
    return text or None


def named_or(course: Course, session_id: str) -> Session:
    """The session ``session_id`` of ``course``."""
    return course.session(session_id)


def segments(
    request: ImportRequest,
    rows: Sequence[Row],
    fmt: str,
    *,
    one_meeting: bool = False,
    problems: Problems | None = None,
) -> list[Segment]:
    """The segments of ``rows`` (see the module docstring).

    Every problem is an :class:`InputError`, and all of them are raised together at the end (with those
    the format already put in ``problems`` while finding its rows): a bad row never hides the next one.

    ``one_meeting``: the file is about one meeting (a Teams report), so without ``--session`` every row
    goes to the session most of its rows fall in.
    """
    source = str(request.path)
    problems = problems if problems is not None else Problems(source)
    course = request.course
    named: dict[str, Session] = {}
    live = course.live_sessions
    ids = {s.id for s in live}
    if request.session_id is not None and request.session_id in ids:  # (the command checks --session)
        named[request.session_id] = live_session(course, request.session_id, source, "--session")
    for row in rows:  # a session named that is not a live session is left for the importer to refuse
        if row.session and row.session not in named and row.session in ids:
            named[row.session] = live_session(course, row.session, source, f"{row.key}, session")
    stamps = [s for row in rows for s in (row.join, row.leave) if s is not None]
    zone: ZoneInfo | None = None
    if any(s.naive for s in stamps):
        if request.timezone is None:
            problems.add(
                InputError(
                    f"times such as {next(s.text for s in stamps if s.naive)!r} carry no time zone: "
                    "pass --timezone with the zone the export was written in",
                    source=source,
                    key="--timezone",
                )
            )
            problems.check()  # no row's time can be read without it
        zone = request.timezone
    placer = Placer(live)

    def windows(row: Row) -> Sequence[Session]:
        target = row.session or request.session_id
        return (named[target],) if target in named else live

    def fits(order: str) -> int:
        count = 0
        for row in rows:
            try:
                join = instant(row.join, order, zone, source)
                leave = (
                    instant(row.leave, order, zone, source)
                    if row.leave is not None
                    else join + (row.duration or timedelta())
                )
            except InputError:
                continue
            if not timedelta() <= leave - join <= _LONGEST_ROW:
                continue  # a reading that makes a row end before it starts, or last for days, is no fit
            if any(overlaps(join, leave, s.start, s.end) for s in windows(row)):
                count += 1
        return count

    pairs = [(row.join, row.leave or row.join) for row in rows]
    explicit = request.date_order
    try:
        order = settle_order(stamps, pairs, explicit, fits, source)
    except InputError as exc:
        if explicit is None or exc.key in (None, "--date-order"):
            problems.add(exc)
            problems.check()  # no row's date can be read before the order is settled
            raise
        order = explicit  # some dates do not read in the order given: each of their rows is reported below
    read: list[tuple[Row, datetime, datetime]] = []
    for row in rows:
        try:
            join = instant(row.join, order, zone, source)
            leave: datetime
            if row.leave is not None:
                leave = instant(row.leave, order, zone, source)
            elif row.duration is not None:
                leave = join + row.duration
            else:
                raise InputError("the leave time is empty: write it, or the duration", key=row.key)
            if leave < join:
                where = row.leave.key if row.leave is not None else row.key
                raise InputError("the leave time is before the join time", key=where)
        except InputError as exc:
            problems.add(exc)
            continue
        read.append((row, join, leave))
    if problems:  # the file is refused anyway: add the rows naming sessions the importer would refuse
        strangers = Counter(row.session for row in rows if row.session and row.session not in ids)
        for sid, n in strangers.items():
            problems.add(stranger_session(sid, n, course, source))
        problems.check()
    meeting: str | None = None
    if one_meeting and request.session_id is None:
        votes: dict[str, int] = {}
        for _row, join, leave in read:
            placed = placer.place(join, leave)
            if placed != UNPLACED:
                votes[placed] = votes.get(placed, 0) + 1
        if votes:
            meeting = max(votes, key=lambda sid: (votes[sid], -placer.sessions.index(named_or(course, sid))))
    out: list[Segment] = []
    for row, join, leave in read:
        given = row.session or request.session_id or ""
        sid = given or meeting or placer.place(join, leave) or UNPLACED
        name, email, ext = _clean(row.name), _clean(row.email), _clean(row.external_id)
        if email is not None and "@" not in email:
            email = None  # an anonymised or blank address ("taro1…") identifies nobody
        out.append(
            Segment(
                session_id=sid,
                join=join,
                leave=leave,
                source=fmt,
                # the session the file or --session names, never the one found by the window: a row kept
                # outside every session and placed after an edit of the course is the same row
                raw_key=Segment.key_of(fmt, given, name, (email or "").casefold(), ext, join, leave),
                external_id=ext,
                email=email,
                name=name,
            )
        )
    return out
