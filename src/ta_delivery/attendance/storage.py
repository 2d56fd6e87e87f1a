"""Attendance in the state store: append-only raw segments, excuses, and reconciled statuses.

A raw segment is keyed by ``(course, session, source, raw_key)`` where ``raw_key`` is a hash of the raw row
(or event) it came from: inserting it again does nothing, so importing the same data twice changes nothing.
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

__all__ = ["AttendanceStore", "RawRow", "RecordResult", "instant_text"]

#: (session_id, person_id, external_id, email, name, join, leave)
RawRow = tuple[str, str | None, str | None, str | None, str | None, datetime, datetime]

BATCH = 20_000


def instant_text(value: datetime) -> str:
    """The same text as :func:`ta_delivery.store.to_text`, computed quickly for aware instants."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
    text = value.replace(tzinfo=None).isoformat()
    if value.microsecond:
        text = text.rstrip("0")
    return text + "Z"


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
        t = schema.segments
        stmt = self._insert(t).on_conflict_do_nothing(
            index_elements=["course_id", "session_id", "source", "raw_key"]
        )
        stamp = to_text(now)
        total = inserted = 0
        sessions: set[str] = set()
        iterator = iter(segments)
        with self.store.transaction() as conn:
            had = self._sessions_with_data(conn, course_id)
            while True:
                chunk = list(islice(iterator, batch))
                if not chunk:
                    break
                rows = [
                    {
                        "course_id": course_id,
                        "session_id": s.session_id,
                        "source": s.source,
                        "raw_key": s.raw_key,
                        "person_id": s.person_id,
                        "external_id": s.external_id,
                        "email": s.email,
                        "name": s.name,
                        "join_at": instant_text(s.join),
                        "leave_at": instant_text(s.leave),
                        "imported_at": stamp,
                    }
                    for s in chunk
                ]
                result = conn.execute(stmt, rows)
                total += len(rows)
                inserted += max(result.rowcount, 0)
                sessions.update(s.session_id for s in chunk)
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

    def rows(self, course_id: str, session_ids: Iterable[str] | None = None) -> Iterator[RawRow]:
        """Stored segments of a course (of ``session_ids`` only, when given)."""
        t = schema.segments
        query = select(
            t.c.session_id, t.c.person_id, t.c.external_id, t.c.email, t.c.name, t.c.join_at, t.c.leave_at
        ).where(t.c.course_id == course_id)
        if session_ids is not None:
            wanted = sorted(set(session_ids))
            if not wanted:
                return
            query = query.where(t.c.session_id.in_(wanted))
        parse = datetime.fromisoformat
        with self.store.engine.connect() as conn:
            result = conn.execute(query)
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
        t = schema.statuses
        ins = self._insert(t)
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
            for i in range(0, len(statuses), batch):
                conn.execute(
                    stmt,
                    [
                        {
                            "course_id": course_id,
                            "session_id": s.session_id,
                            "participant_id": s.participant_id,
                            "status": s.status,
                            "attended_seconds": s.attended_seconds,
                            "updated_at": stamp,
                        }
                        for s in statuses[i : i + batch]
                    ],
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
