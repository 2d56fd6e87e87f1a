"""Personal feed tokens: the unguessable part of ``/feeds/<token>.ics``, issued, looked up and revoked."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select

from . import schema
from .base import StoreBase
from .timestamps import to_text

__all__ = ["FeedTokens", "new_token"]


def new_token() -> str:
    """A fresh token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class FeedTokens(StoreBase):
    """The store's personal feed tokens."""

    def feed_token(self, course_id: str, person_id: str, now: datetime | None = None) -> str:
        """The person's active feed token in the course, issued now if they have none."""
        t = schema.feed_tokens
        active = select(t.c.token).where(
            t.c.course_id == course_id, t.c.person_id == person_id, t.c.revoked_at.is_(None)
        )
        with self.transaction() as conn:
            found = conn.execute(active.order_by(t.c.created_at).limit(1)).scalar()
            if found is not None:
                return str(found)
            token = new_token()
            conn.execute(
                t.insert().values(
                    token=token,
                    course_id=course_id,
                    person_id=person_id,
                    created_at=to_text(now or datetime.now(UTC)),
                )
            )
            return token

    def active_feed_token(self, course_id: str, person_id: str) -> str | None:
        """The person's active feed token in the course, or ``None``: reads only (``plan``)."""
        t = schema.feed_tokens
        active = select(t.c.token).where(
            t.c.course_id == course_id, t.c.person_id == person_id, t.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            found = conn.execute(active.order_by(t.c.created_at).limit(1)).scalar()
        return None if found is None else str(found)

    def feed_owner(self, token: str) -> tuple[str, str] | None:
        """The (course id, person id) an active ``token`` belongs to, else ``None``."""
        t = schema.feed_tokens
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.c.course_id, t.c.person_id).where(t.c.token == token, t.c.revoked_at.is_(None))
            ).first()
        return None if row is None else (str(row[0]), str(row[1]))

    def revoke_feed_tokens(self, course_id: str, person_id: str, now: datetime | None = None) -> int:
        """Revoke the person's active tokens in the course; return how many there were."""
        t = schema.feed_tokens
        with self.transaction() as conn:
            result = conn.execute(
                t.update()
                .where(t.c.course_id == course_id, t.c.person_id == person_id, t.c.revoked_at.is_(None))
                .values(revoked_at=to_text(now or datetime.now(UTC)))
            )
            return int(result.rowcount or 0)
