"""Rows kept outside every session (session ``""``) and the same rows placed after an edit of the course.

A row's raw key does not hold the session its window found, so importing a file again after the course
changed finds the same rows: one kept outside and now in a session moves there, one stored in a session and
now outside stays where it is. Either way it is already stored, never stored twice (decision 0071).
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from ..records import Segment
from ..store import schema
from .windows import UNPLACED

__all__ = ["now_placed", "placed_before", "unplaced_keys"]


def unplaced_keys(conn: Connection, course_id: str) -> set[tuple[str, str]]:
    """``(source, raw_key)`` of the course's rows kept outside every session (usually few)."""
    t = schema.segments
    query = select(t.c.source, t.c.raw_key).where(t.c.course_id == course_id, t.c.session_id == UNPLACED)
    return {(source, key) for source, key in conn.execute(query)}


def now_placed(
    conn: Connection, course_id: str, chunk: list[Segment], unplaced: set[tuple[str, str]]
) -> tuple[list[Segment], list[Segment]]:
    """The segments of ``chunk`` kept outside every session (``unplaced``) and now placed in one, their
    stored copies outside deleted (the caller stores them in their session); and the rest of ``chunk``."""
    t = schema.segments
    placed = {(s.source, s.raw_key): s for s in chunk if s.session_id != UNPLACED}
    found = placed.keys() & unplaced
    if not found:
        return [], chunk
    moved = [placed[key] for key in sorted(found)]
    unplaced -= found
    for s in moved:
        conn.execute(
            delete(t).where(
                t.c.course_id == course_id,
                t.c.session_id == UNPLACED,
                t.c.source == s.source,
                t.c.raw_key == s.raw_key,
            )
        )
    gone = {id(s) for s in moved}
    return moved, [s for s in chunk if id(s) not in gone]


def placed_before(
    conn: Connection, course_id: str, chunk: list[Segment], sessions: set[str]
) -> list[Segment]:
    """``chunk`` without the segments outside every session that are stored in one of ``sessions`` already
    (the course was edited since): they stay where they are."""
    t = schema.segments
    outside = {(s.source, s.raw_key) for s in chunk if s.session_id == UNPLACED}
    if not outside:
        return chunk
    found = {
        (source, key)
        for src in sorted({source for source, _key in outside})
        for source, key in conn.execute(
            select(t.c.source, t.c.raw_key).where(
                t.c.course_id == course_id,
                t.c.session_id.in_(sorted(sessions)),
                t.c.source == src,
                t.c.raw_key.in_(sorted({key for s, key in outside if s == src})),
            )
        )
    }
    stored = found & outside
    if not stored:
        return chunk
    return [s for s in chunk if s.session_id != UNPLACED or (s.source, s.raw_key) not in stored]
