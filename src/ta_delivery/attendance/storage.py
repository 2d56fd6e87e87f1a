"""Attendance in the state store: append-only raw segments, excuses, and reconciled statuses.

A raw segment is keyed by ``(course, session, source, raw_key)`` where ``raw_key`` is a hash of the raw row
(or event) it came from: inserting it again does nothing, so importing the same data twice changes nothing.
A row kept outside every session (session ``""``) that a later edit of the course brings into one is the same
row when imported again: it moves to that session instead of being stored twice (and the other way round).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import attrs
from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..records import AttendanceStatus, Segment
from ..store import Store, schema, to_text
from .replacing import now_placed, placed_before, unplaced_keys
from .windows import UNPLACED

__all__ = ["AttendanceStore", "RawRow", "RecordResult", "instant_text"]

#: (session_id, person_id, external_id, email, name, join, leave)
RawRow = tuple[str, str | None, str | None, str | None, str | None, datetime, datetime]

BATCH = 20_000
#: SQLite page cache for bulk recording (KiB): the unique index of a million rows fits.
CACHE_KIB = 131_072


def instant_text(value: datetime) -> str:
    """The same text as :func:`ta_delivery.store.to_text`, computed quickly for aware instants."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
    text = value.isoformat()[:-6]  # drop "+00:00"
    if value.microsecond:
        text = text.rstrip("0")
    return text + "Z"


SEGMENT_COLUMNS = (
    "course_id",
    "session_id",
    "source",
    "raw_key",
    "person_id",
    "external_id",
    "email",
    "name",
    "join_at",
    "leave_at",
    "imported_at",
)
STATUS_COLUMNS = ("course_id", "session_id", "participant_id", "status", "attended_seconds", "updated_at")


class _Bulk:
    """One INSERT compiled once for the connection's dialect, run with DBAPI ``executemany``.

    SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself; our values are
    plain strings and numbers, so they go to the driver as they are.
    """

    def __init__(self, conn: Connection, stmt: Any, columns: Sequence[str]) -> None:
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
        self.conn = conn
        self.sql = compiled.string
        self.columns = tuple(columns)
        self.positional = bool(compiled.positional)
        if self.positional:
            names = [str(n) for n in compiled.positiontup or ()]
            self.order = tuple(self.columns.index(n) for n in names)

    def run(self, rows: list[tuple[Any, ...]]) -> int:
        """Execute for ``rows`` (tuples in ``columns`` order); the number of rows changed."""
        if not rows:
            return 0
        if self.positional:
            if self.order != tuple(range(len(self.columns))):
                rows = [tuple(r[i] for i in self.order) for r in rows]
            params: Any = rows
        else:
            params = [dict(zip(self.columns, r, strict=True)) for r in rows]
        result = self.conn.exec_driver_sql(self.sql, params)
        return max(result.rowcount, 0)


def _values(course_id: str, s: Segment, stamp: str) -> tuple[Any, ...]:
    """One segment's row, in :data:`SEGMENT_COLUMNS` order."""
    return (
        course_id,
        s.session_id,
        s.source,
        s.raw_key,
        s.person_id,
        s.external_id,
        s.email,
        s.name,
        instant_text(s.join),
        instant_text(s.leave),
        stamp,
    )


@attrs.frozen
class RecordResult:
    """What one recording did."""

    total: int
    inserted: int
    sessions: frozenset[str]
    had_data: frozenset[str]

    @property
    def duplicates(self) -> int:
        """Segments that were already recorded."""
        return self.total - self.inserted


@attrs.define
class AttendanceStore:
    """Attendance persistence over a :class:`~ta_delivery.store.Store`."""

    store: Store

    def _insert(self, table: Any) -> Any:
        return (sqlite_insert if self.store.sqlite else pg_insert)(table)

    # --- segments -----------------------------------------------------------------------------

    def record(
        self, course_id: str, segments: Iterable[Segment], now: datetime, *, batch: int = BATCH
    ) -> RecordResult:
        """Store ``segments`` in one transaction; any exception while iterating stores nothing.

        ``had_data`` names the sessions that already held segments before this call (read inside the
        same transaction), so a caller may reconcile the others from what it just saw.
        """
        stmt = self._insert(schema.segments).on_conflict_do_nothing(
            index_elements=["course_id", "session_id", "source", "raw_key"]
        )
        stamp = to_text(now)
        total = inserted = 0
        sessions: set[str] = set()
        iterator = iter(segments)
        with self.store.transaction() as conn:
            if self.store.sqlite:
                conn.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")
            had = self._sessions_with_data(conn, course_id)
            unplaced = unplaced_keys(conn, course_id) if UNPLACED in had else set()
            placed = had - {UNPLACED}  # sessions that held rows before: a row outside may be stored there
            bulk = _Bulk(conn, stmt, SEGMENT_COLUMNS)
            while True:
                chunk = list(islice(iterator, batch))
                if not chunk:
                    break
                total += len(chunk)
                sessions.update(s.session_id for s in chunk)
                if unplaced:
                    moved, chunk = now_placed(conn, course_id, chunk, unplaced)
                    bulk.run([_values(course_id, s, stamp) for s in moved])  # there if stored twice before
                if placed:
                    chunk = placed_before(conn, course_id, chunk, placed)
                inserted += bulk.run([_values(course_id, s, stamp) for s in chunk])
        return RecordResult(total, inserted, frozenset(sessions), frozenset(had & sessions))

    @staticmethod
    def _sessions_with_data(conn: Connection, course_id: str) -> set[str]:
        t = schema.segments
        rows = conn.execute(select(t.c.session_id).where(t.c.course_id == course_id).distinct())
        return {r[0] for r in rows}

    def count(self, course_id: str) -> int:
        """How many raw segments the course has."""
        t = schema.segments
        with self.store.engine.connect() as conn:
            value = conn.execute(select(func.count()).select_from(t).where(t.c.course_id == course_id))
            return int(value.scalar() or 0)

    def counts(self, course_id: str, session_ids: Iterable[str]) -> dict[str, int]:
        """How many segments each of ``session_ids`` holds (any source)."""
        wanted = sorted(set(session_ids))
        if not wanted:
            return {}
        t = schema.segments
        query = (
            select(t.c.session_id, func.count())
            .where(t.c.course_id == course_id, t.c.session_id.in_(wanted))
            .group_by(t.c.session_id)
        )
        with self.store.engine.connect() as conn:
            found = {str(sid): int(n) for sid, n in conn.execute(query)}
        return {sid: found.get(sid, 0) for sid in wanted}

    def rows(self, course_id: str, session_ids: Iterable[str] | None = None) -> Iterator[RawRow]:
        """Stored segments of a course (of ``session_ids`` only, when given)."""
        t = schema.segments
        base = select(
            t.c.session_id, t.c.person_id, t.c.external_id, t.c.email, t.c.name, t.c.join_at, t.c.leave_at
        ).where(t.c.course_id == course_id)
        if session_ids is None:
            queries = [base]
        else:
            queries = [base.where(t.c.session_id == sid) for sid in sorted(set(session_ids))]
        parse = datetime.fromisoformat
        with self.store.engine.connect() as conn:
            for query in queries:
                compiled = query.compile(dialect=conn.dialect)
                params: Any = compiled.params
                if compiled.positional:
                    params = tuple(compiled.params[str(n)] for n in compiled.positiontup or ())
                # straight to the driver: the values are plain text, SQLAlchemy's row processing is not needed
                result = conn.exec_driver_sql(compiled.string, params)
                while True:
                    part = result.fetchmany(BATCH)
                    if not part:
                        break
                    for sid, pid, ext, email, name, join, leave in part:
                        yield sid, pid, ext, email, name, parse(join), parse(leave)

    # --- excuses ------------------------------------------------------------------------------

    def excuse(
        self, course_id: str, session_id: str, participant_id: str, reason: str, now: datetime
    ) -> None:
        """Record (or replace the reason of) an excused absence."""
        t = schema.excuses
        stmt = self._insert(t).values(
            course_id=course_id,
            session_id=session_id,
            participant_id=participant_id,
            reason=reason,
            created_at=to_text(now),
        )
        with self.store.transaction() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["course_id", "session_id", "participant_id"],
                    set_={"reason": reason, "created_at": to_text(now)},
                )
            )

    def withdraw_excuse(self, course_id: str, session_id: str, participant_id: str) -> bool:
        """Remove an excuse; True when there was one."""
        t = schema.excuses
        with self.store.transaction() as conn:
            result = conn.execute(
                t.delete().where(
                    t.c.course_id == course_id,
                    t.c.session_id == session_id,
                    t.c.participant_id == participant_id,
                )
            )
            return bool(result.rowcount)

    def excuses(self, course_id: str) -> dict[tuple[str, str], str]:
        """Excuses of a course by (session id, participant id)."""
        t = schema.excuses
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.session_id, t.c.participant_id, t.c.reason).where(t.c.course_id == course_id)
            ).all()
        return {(sid, pid): reason for sid, pid, reason in rows}

    # --- statuses -----------------------------------------------------------------------------

    def save_statuses(
        self, course_id: str, statuses: Sequence[AttendanceStatus], now: datetime, *, batch: int = BATCH
    ) -> None:
        """Upsert reconciled statuses."""
        if not statuses:
            return
        ins = self._insert(schema.statuses)
        stmt = ins.on_conflict_do_update(
            index_elements=["course_id", "session_id", "participant_id"],
            set_={
                "status": ins.excluded.status,
                "attended_seconds": ins.excluded.attended_seconds,
                "updated_at": ins.excluded.updated_at,
            },
        )
        stamp = to_text(now)
        with self.store.transaction() as conn:
            bulk = _Bulk(conn, stmt, STATUS_COLUMNS)
            for i in range(0, len(statuses), batch):
                bulk.run(
                    [
                        (course_id, s.session_id, s.participant_id, s.status, s.attended_seconds, stamp)
                        for s in statuses[i : i + batch]
                    ]
                )

    def statuses(self, course_id: str) -> dict[tuple[str, str], tuple[str, float]]:
        """Stored statuses by (session id, participant id): (status, attended seconds)."""
        t = schema.statuses
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.session_id, t.c.participant_id, t.c.status, t.c.attended_seconds).where(
                    t.c.course_id == course_id
                )
            ).all()
        return {(sid, pid): (status, float(secs)) for sid, pid, status, secs in rows}


# --- recorded sessions and links (in the store's key-value table: no schema change) ----------------

RECORDED_NS = "attendance.recorded"
LINKS_NS = "attendance.links"


def _kv_rows(store: Store, namespace: str) -> list[tuple[str, str]]:
    t = schema.kv
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.c.key, t.c.value).where(t.c.namespace == namespace)).all()
    return [(str(k), str(v)) for k, v in rows]


def mark_recorded(store: Store, course_id: str, session_ids: Iterable[str], now: datetime) -> None:
    """Remember that an import (with ``--session``) or a pull covered these sessions."""
    for sid in sorted(set(session_ids)):
        store.kv_put(RECORDED_NS, f"{course_id}\x1f{sid}", to_text(now), now)


def recorded_sessions(store: Store, course_id: str) -> set[str]:
    """Sessions an import or pull covered explicitly (sessions with rows are recorded anyway)."""
    prefix = f"{course_id}\x1f"
    return {key[len(prefix) :] for key, _v in _kv_rows(store, RECORDED_NS) if key.startswith(prefix)}


def save_link(
    store: Store, course_id: str, session_id: str, who: str, participant_id: str, now: datetime
) -> None:
    """Record that the attendee ``who`` (``email:...`` or ``name:...``) of a session is ``participant_id``."""
    import hashlib
    import json

    key = hashlib.sha256(f"{course_id}\x1f{session_id}\x1f{who}".encode()).hexdigest()[:40]
    value = json.dumps(
        {"course": course_id, "session": session_id, "who": who, "participant": participant_id}
    )
    store.kv_put(LINKS_NS, key, value, now)


def links(store: Store, course_id: str) -> dict[tuple[str, str], str]:
    """(session id, ``email:...``/``name:...``) -> participant id, as ``attendance link`` recorded them."""
    import json

    out: dict[tuple[str, str], str] = {}
    for _key, value in _kv_rows(store, LINKS_NS):
        doc = json.loads(value)
        if doc.get("course") == course_id:
            out[(str(doc["session"]), str(doc["who"]))] = str(doc["participant"])
    return out
