"""The checks a file's segments pass on their way to the store (pure: no store, no clock).

:func:`checked` is a generator the store's transaction consumes: a segment is collected for reconciliation
and counted as it passes, and every problem of the file is raised after the last one, so that nothing of a
bad file is stored (decision 0072).
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import attrs

from ..errors import InputError
from ..importfiles import Problems
from ..models import Course, Session
from ..records import Segment
from .accumulator import Accumulator
from .formats.common import stranger_session
from .windows import UNPLACED, Placer

__all__ = ["Tally", "check_segment", "checked", "gc_paused"]


@attrs.define
class Tally:
    """What :func:`checked` counted: rows, rows outside every live session's window, and the hashes of the
    file's row keys per session (a re-import is recognised by them)."""

    rows: int = 0
    outside: int = 0
    keys: dict[str, set[int]] = attrs.field(factory=dict)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around bulk work.

    Recording creates millions of small acyclic objects (tuples, datetimes); each collection of the oldest
    generation would walk all of them again. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_segment(seg: Segment, course: Course, live: Mapping[str, Session], source: str) -> None:
    """An input error when ``seg`` names a session that is not live, has a time without zone, or leaves
    before it joins."""
    if seg.session_id not in live and seg.session_id != UNPLACED:
        what = (
            "recorded, not live"
            if any(s.id == seg.session_id for s in course.sessions)
            else "not on the course"
        )
        raise InputError(f"a segment names session {seg.session_id!r}, which is {what}", source=source)
    for name in ("join", "leave"):
        value = getattr(seg, name)
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError(f"a segment's {name} time has no zone", source=source)
    if seg.leave < seg.join:
        raise InputError("a segment leaves before it joins", source=source)


def checked(
    segments: Iterable[Segment], course: Course, acc: Accumulator, source: str, tally: Tally
) -> Iterator[Segment]:
    """``segments`` checked and collected into ``acc`` on their way to the store; ``tally`` counts them.

    Every problem is raised together after the last segment (so the transaction storing them rolls back):
    the format's own, a segment without a zone or leaving before it joins, and one per session named that
    is not live. A file with rows but none in a live session's window is an input error too.
    """
    live = {s.id: s for s in course.live_sessions}
    placer = Placer(live.values())
    windows = {sid: (s.start, s.end) for sid, s in live.items()}
    add = acc.add
    keys = tally.keys
    rows = outside = 0
    problems = Problems(source)
    strangers: dict[str, int] = {}  # sessions named that are not live -> how many rows name them
    try:
        for seg in segments:
            join, leave = seg.join, seg.leave
            sid = seg.session_id
            if sid not in live and sid != UNPLACED:
                strangers[sid] = strangers.get(sid, 0) + 1
                continue
            if join.tzinfo is None or leave.tzinfo is None or leave < join:
                try:
                    check_segment(seg, course, live, source)
                except InputError as exc:
                    problems.add(exc)
                    continue
            rows += 1
            if problems.total:
                continue  # the file will be refused: only its problems matter now
            window = windows.get(sid)
            if (window is None or join > window[1] or leave < window[0]) and placer.place(
                join, leave
            ) == UNPLACED:
                outside += 1  # in no live session's window (closed intervals, see windows.py)
            if sid != UNPLACED:
                add(sid, seg.person_id, seg.external_id, seg.email, seg.name, join, leave)
            bucket = keys.get(sid)  # one source per file: its raw keys identify the rows
            if bucket is None:
                bucket = keys[sid] = set()
            bucket.add(hash(seg.raw_key))
            yield seg
    except InputError as exc:
        problems.add(exc)
    except (ValueError, KeyError, IndexError, OverflowError, UnicodeError, csv.Error) as exc:
        problems.add(InputError(f"malformed file: {exc}", source=source))
    for sid, n in strangers.items():
        problems.add(stranger_session(sid, n, course, source))
    problems.check()  # every problem of the file at once; the transaction storing its rows rolls back
    tally.rows, tally.outside = rows, outside
    if rows and outside == rows:
        raise InputError(
            f"none of the file's {rows} row(s) falls in a live session's window: check the course's "
            "dates, --timezone and --date-order (dmy, mdy or ymd); nothing was stored",
            source=source,
        )
