"""Invitation messages: the append-only log the invitation lifecycle is derived from (decision 0130).

Each message is recorded once, ``pending`` before it is sent and ``sent`` after; a retry of the same message
(same session, kind, mailbox, person, method and SEQUENCE: what its Message-ID is made from) is its row
again. Which messages are owed is decided from this log by :mod:`ta_delivery.invites.lifecycle`.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from sqlalchemy import Connection, inspect, select, table
from sqlalchemy import column as sql_column

from . import schema
from .base import StoreBase
from .timestamps import from_text, to_text

__all__ = ["InviteRow", "Invites", "migrate_invites_to_messages"]

_KEY = ["course_id", "session_id", "kind", "mailbox", "person_id", "method", "sequence"]


@attrs.frozen
class InviteRow:
    """One recorded message: to whom, which method and SEQUENCE, the fingerprint of what it said."""

    session_id: str
    person_id: str
    email: str
    sequence: int
    fingerprint: str
    method: str
    state: str
    session_end: datetime
    kind: str = "invite"


class Invites(StoreBase):
    """The store's log of invitation messages."""

    def messages(self, course_id: str, session_id: str | None = None) -> list[InviteRow]:
        """Every message recorded for a course (or one of its sessions), oldest first."""
        rows = self._course_rows(schema.messages, course_id, session_id, by_id=True)
        return [
            InviteRow(
                session_id=r["session_id"],
                person_id=r["person_id"],
                email=r["email"],
                sequence=r["sequence"],
                fingerprint=r["fingerprint"],
                method=r["method"],
                state=r["state"],
                session_end=from_text(r["session_end"]),
                kind=r["kind"],
            )
            for r in rows
        ]

    def invites(self, course_id: str, session_id: str | None = None) -> dict[tuple[str, str], InviteRow]:
        """The latest invitation recorded for each (session id, person id), of a course or one session."""
        latest: dict[tuple[str, str], InviteRow] = {}
        for row in self.messages(course_id, session_id):
            key = (row.session_id, row.person_id)
            if row.kind == "invite" and (key not in latest or row.sequence >= latest[key].sequence):
                latest[key] = row
        return latest

    def save_invite(self, course_id: str, row: InviteRow, now: datetime, error: str | None = None) -> None:
        """Record a message: ``pending`` before sending (``error`` if the send failed), ``sent`` after."""
        with self.transaction() as conn:
            stamp = to_text(now)
            values = {
                "course_id": course_id,
                "session_id": row.session_id,
                "kind": row.kind,
                "mailbox": row.email.strip().lower(),
                "person_id": row.person_id,
                "method": row.method,
                "sequence": row.sequence,
                "email": row.email,
                "fingerprint": row.fingerprint,
                "state": row.state,
                "session_end": to_text(row.session_end),
                "error": error,
                "updated_at": stamp,
            }
            t = schema.messages
            found = conn.execute(
                select(t.c.id).where(*(t.c[k] == values[k] for k in _KEY))
            ).scalar_one_or_none()
            if found is None:
                conn.execute(t.insert().values(**values, created_at=stamp))
            else:
                conn.execute(t.update().where(t.c.id == found).values(**values))


def migrate_invites_to_messages(conn: Connection) -> None:
    """Schema 4: the old ``invites`` table (the last message of each person) becomes the first log entries.

    A message that was pending keeps its SEQUENCE and is retried. What was delivered before it was not kept
    by the old table, so nothing is invented for it. The old table is dropped.
    """
    schema.messages.create(conn, checkfirst=True)
    if not inspect(conn).has_table("invites"):
        return
    names = ("course_id", "session_id", "person_id", "email", "sequence", "fingerprint", "method", "state")
    old = table("invites", *(sql_column(n) for n in (*names, "session_end", "error", "updated_at")))
    rows = conn.execute(select(old).order_by(old.c.course_id, old.c.session_id, old.c.sequence)).mappings()
    batch = [
        {
            **{n: r[n] for n in names},
            "kind": "invite",
            "mailbox": str(r["email"]).strip().lower(),
            "session_end": r["session_end"],
            "error": r["error"],
            "created_at": r["updated_at"],
            "updated_at": r["updated_at"],
        }
        for r in rows
    ]
    if batch:
        conn.execute(schema.messages.insert(), batch)
    conn.exec_driver_sql("DROP TABLE invites")
