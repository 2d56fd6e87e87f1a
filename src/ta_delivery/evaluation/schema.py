"""The evaluation table of the state store. Its own ``MetaData``: created by its own migration."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text

metadata = MetaData()

# One row per response. ``participant_id`` is NULL for an anonymous response; ``session_id`` is '' for the
# course as a whole. ``answers`` is a JSON object {question id: 1-5 | option | text}.
evaluation_responses = Table(
    "evaluation_responses",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("response_key", String(200), primary_key=True),
    Column("participant_id", String(64)),
    Column("session_id", String(64), nullable=False, default=""),
    Column("answers", Text, nullable=False),
    Column("source", String(64), nullable=False),
    Column("imported_at", String(32), nullable=False),
)
