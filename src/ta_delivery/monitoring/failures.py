"""Classroom operations that failed, read from the store's intents (the record ``apply`` keeps of every
remote call): a session whose last classroom operation failed, or never finished, had trouble."""

from __future__ import annotations

from sqlalchemy import select

from ..store import Store, schema

__all__ = ["classroom_failures"]


def classroom_failures(store: Store, course_id: str) -> dict[str, list[str]]:
    """Session id -> what went wrong with its classroom (the last operation on it, when not done)."""
    t = schema.intents
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.c.session_id, t.c.provider, t.c.action, t.c.state, t.c.error)
            .where(t.c.course_id == course_id)
            .order_by(t.c.id)
        ).all()
    last = {row.session_id: row for row in rows if row.state != "superseded"}
    out: dict[str, list[str]] = {}
    for sid, row in last.items():
        if row.state == "failed":
            out[sid] = [f"{row.provider} {row.action} failed: {row.error or 'no detail'}"]
        elif row.state == "pending":
            out[sid] = [f"{row.provider} {row.action} never finished"]
    return out
