"""Invite states: the last message of each person in each session, with its SEQUENCE."""

from __future__ import annotations

from datetime import datetime

import attrs
from sqlalchemy import select

from . import schema
from .base import StoreBase
from .timestamps import from_text, to_text

__all__ = ["InviteRow", "Invites"]


@attrs.frozen
class InviteRow:
    """The last invite state of one person in one session."""

    session_id: str
    person_id: str
    email: str
    sequence: int
    fingerprint: str
    method: str
    state: str
    session_end: datetime


class Invites(StoreBase):
    """The store's invite states."""

    # --- invites ------------------------------------------------------------------------------

    def invites(self, course_id: str, session_id: str | None = None) -> dict[tuple[str, str], InviteRow]:
        """Invite states by (session id, person id), of a course or one of its sessions."""
        t = schema.invites
        query = select(t).where(t.c.course_id == course_id)
        if session_id is not None:
            query = query.where(t.c.session_id == session_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return {
            (r["session_id"], r["person_id"]): InviteRow(
                session_id=r["session_id"],
                person_id=r["person_id"],
                email=r["email"],
                sequence=r["sequence"],
                fingerprint=r["fingerprint"],
                method=r["method"],
                state=r["state"],
                session_end=from_text(r["session_end"]),
            )
            for r in rows
        }

    def save_invite(self, course_id: str, row: InviteRow, now: datetime, error: str | None = None) -> None:
        """Record an invite's state (``pending`` before sending, ``sent`` after)."""
        with self.transaction() as conn:
            self._upsert(
                conn,
                schema.invites,
                {
                    "course_id": course_id,
                    "session_id": row.session_id,
                    "person_id": row.person_id,
                    "email": row.email,
                    "sequence": row.sequence,
                    "fingerprint": row.fingerprint,
                    "method": row.method,
                    "state": row.state,
                    "session_end": to_text(row.session_end),
                    "error": error,
                    "updated_at": to_text(now),
                },
                ["course_id", "session_id", "person_id"],
            )
