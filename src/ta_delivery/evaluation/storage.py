"""Evaluation responses in the state store: keyed by course and response key, so that importing the same
file twice changes nothing and a respondent's corrected answers replace their earlier ones."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import attrs
from sqlalchemy import select

from ..store import Store, to_text
from .model import Response
from .schema import evaluation_responses as table

__all__ = ["ImportResult", "load_responses", "save_responses"]


@attrs.frozen
class ImportResult:
    """What an import did: new responses, responses already stored as they are, responses replaced."""

    imported: int = 0
    duplicates: int = 0
    updated: int = 0


def _answers_text(response: Response) -> str:
    return json.dumps(dict(sorted(response.answers.items())), ensure_ascii=False, sort_keys=True)


def save_responses(
    store: Store, course_id: str, responses: Iterable[Response], source: str, now: datetime
) -> ImportResult:
    """Store ``responses`` in one transaction."""
    imported = duplicates = updated = 0
    with store.transaction() as conn:
        existing = {
            row.response_key: row for row in conn.execute(select(table).where(table.c.course_id == course_id))
        }
        for response in responses:
            values = {
                "participant_id": response.participant_id,
                "session_id": response.session_id or "",
                "answers": _answers_text(response),
            }
            old = existing.get(response.key)
            if old is None:
                conn.execute(
                    table.insert().values(
                        course_id=course_id,
                        response_key=response.key,
                        source=source,
                        imported_at=to_text(now),
                        **values,
                    )
                )
                imported += 1
            elif all(getattr(old, k) == v for k, v in values.items()):
                duplicates += 1
            else:
                conn.execute(
                    table.update()
                    .where(table.c.course_id == course_id, table.c.response_key == response.key)
                    .values(source=source, imported_at=to_text(now), **values)
                )
                updated += 1
    return ImportResult(imported, duplicates, updated)


def load_responses(store: Store, course_id: str) -> list[Response]:
    """Every stored response of the course, in key order."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(table).where(table.c.course_id == course_id).order_by(table.c.response_key)
        ).all()
    return [
        Response(
            key=row.response_key,
            answers=json.loads(row.answers),
            participant_id=row.participant_id,
            session_id=row.session_id or None,
        )
        for row in rows
    ]
