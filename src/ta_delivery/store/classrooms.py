"""Courses, classrooms and the intents of remote calls: what ``apply`` made on the providers."""

from __future__ import annotations

import json
from datetime import datetime

import attrs
from sqlalchemy import Connection

from ..records import Classroom, DialIn
from . import schema
from .base import StoreBase
from .timestamps import from_text, to_text

__all__ = ["ClassroomRow", "Classrooms", "Intent"]


@attrs.frozen
class ClassroomRow:
    """A classroom as remembered, with the fingerprint of the request it was made from."""

    classroom: Classroom
    fingerprint: str
    state: str
    session_start: datetime
    session_end: datetime
    title: str
    minutes: int


@attrs.frozen
class Intent:
    """A remote call about to be made (or made, if a run died before recording its outcome)."""

    session_id: str
    provider: str
    action: str
    key: str
    start: datetime
    end: datetime
    title: str
    id: int | None = None


class Classrooms(StoreBase):
    """The store's courses, classrooms and intents."""

    # --- courses ------------------------------------------------------------------------------

    def remember_course(self, course_id: str, title: str, timezone: str, now: datetime) -> None:
        """Record (or refresh) a course."""
        with self.transaction() as conn:
            self._upsert(
                conn,
                schema.courses,
                {"course_id": course_id, "title": title, "timezone": timezone, "updated_at": to_text(now)},
                ["course_id"],
            )

    # --- classrooms ---------------------------------------------------------------------------

    def classrooms(self, course_id: str, session_id: str | None = None) -> dict[str, ClassroomRow]:
        """Remembered classrooms of a course (or one session), by session id (cancelled ones included)."""
        out: dict[str, ClassroomRow] = {}
        for r in self._course_rows(schema.classrooms, course_id, session_id):
            room = Classroom(
                provider=r["provider"],
                key=r["key"],
                external_id=r["external_id"],
                join_url=r["join_url"],
                host_url=r["host_url"],
                personal_links=json.loads(r["personal_links"]),
                data=json.loads(r["data"]),
                dial_in=DialIn.from_json(json.loads(r["dial_in"])) if r["dial_in"] else None,
            )
            out[r["session_id"]] = ClassroomRow(
                classroom=room,
                fingerprint=r["fingerprint"],
                state=r["state"],
                session_start=from_text(r["session_start"]),
                session_end=from_text(r["session_end"]),
                title=r["title"],
                minutes=r["minutes"],
            )
        return out

    def save_classroom(
        self,
        course_id: str,
        session_id: str,
        room: Classroom,
        *,
        fingerprint: str,
        state: str,
        start: datetime,
        end: datetime,
        title: str,
        minutes: int,
        now: datetime,
        intent_id: int | None = None,
    ) -> None:
        """Remember a classroom and, in the same transaction, close the intent that made it."""
        with self.transaction() as conn:
            self._upsert(
                conn,
                schema.classrooms,
                {
                    "course_id": course_id,
                    "session_id": session_id,
                    "provider": room.provider,
                    "key": room.key,
                    "external_id": room.external_id,
                    "join_url": room.join_url,
                    "host_url": room.host_url,
                    "personal_links": json.dumps(dict(room.personal_links), sort_keys=True),
                    "data": json.dumps(dict(room.data), sort_keys=True),
                    "dial_in": json.dumps(room.dial_in.to_json(), sort_keys=True) if room.dial_in else None,
                    "fingerprint": fingerprint,
                    "state": state,
                    "session_start": to_text(start),
                    "session_end": to_text(end),
                    "title": title,
                    "minutes": minutes,
                    "updated_at": to_text(now),
                },
                ["course_id", "session_id"],
            )
            if intent_id is not None:
                self._finish_intent(conn, intent_id, "done", None, now)

    # --- intents ------------------------------------------------------------------------------

    def open_intent(self, course_id: str, intent: Intent, now: datetime) -> int:
        """Record that a remote call is about to be made; return the intent's id."""
        with self.transaction() as conn:
            result = conn.execute(
                schema.intents.insert().values(
                    course_id=course_id,
                    session_id=intent.session_id,
                    provider=intent.provider,
                    action=intent.action,
                    key=intent.key,
                    session_start=to_text(intent.start),
                    session_end=to_text(intent.end),
                    title=intent.title,
                    state="pending",
                    created_at=to_text(now),
                )
            )
            pk = result.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def _finish_intent(
        self, conn: Connection, intent_id: int, state: str, error: str | None, now: datetime
    ) -> None:
        t = schema.intents
        conn.execute(
            t.update().where(t.c.id == intent_id).values(state=state, error=error, finished_at=to_text(now))
        )

    def finish_intent(self, intent_id: int, state: str, error: str | None, now: datetime) -> None:
        """Close an intent as done or failed."""
        with self.transaction() as conn:
            self._finish_intent(conn, intent_id, state, error, now)

    def pending_intents(self, course_id: str) -> dict[str, list[Intent]]:
        """Unfinished intents by session: a previous run stopped in the middle of a remote call."""
        t = schema.intents
        out: dict[str, list[Intent]] = {}
        for r in self._course_rows(t, course_id, None, t.c.state == "pending", by_id=True):
            out.setdefault(r["session_id"], []).append(
                Intent(
                    session_id=r["session_id"],
                    provider=r["provider"],
                    action=r["action"],
                    key=r["key"],
                    start=from_text(r["session_start"]),
                    end=from_text(r["session_end"]),
                    title=r["title"],
                    id=r["id"],
                )
            )
        return out
