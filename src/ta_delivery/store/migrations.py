"""Versioned schema migrations: each step runs once, in order, inside one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select

from . import schema

Migration = Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    """Every table of the first release."""
    schema.metadata.create_all(conn, checkfirst=True)


def _v2_evaluation(conn: Connection) -> None:
    """The evaluation responses (PRODUCT.md section 6)."""
    from ..evaluation.schema import metadata as evaluation

    evaluation.create_all(conn, checkfirst=True)


def _add_column(conn: Connection, table: str, column: str, ddl: str) -> None:
    """``ALTER TABLE table ADD COLUMN`` unless a store made by ``_v1_initial`` already has it."""
    if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")


def _v3_classroom_dial_in(conn: Connection) -> None:
    """Classrooms remember their dial-in numbers (a change of numbers re-invites)."""
    _add_column(conn, "classrooms", "dial_in", "TEXT")


def _v4_message_log(conn: Connection) -> None:
    """Invitation messages as an append-only log by mailbox (decision 0130), from the old ``invites``."""
    from .invites import migrate_invites_to_messages

    migrate_invites_to_messages(conn)


#: The migrations, in order; version N is ``MIGRATIONS[N - 1]``. Append only.
MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial,
    _v2_evaluation,
    _v3_classroom_dial_in,
    _v4_message_log,
)
LATEST = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """The schema version of the database (0 for an empty one)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    value = conn.execute(
        select(schema.schema_version.c.version).order_by(schema.schema_version.c.version.desc()).limit(1)
    ).scalar()
    return int(value or 0)


def migrate(conn: Connection) -> int:
    """Bring the database to :data:`LATEST`; return the version it was at."""
    before = current_version(conn)
    if before > LATEST:
        from ..errors import StoreError

        raise StoreError(f"state store has schema version {before}, newer than this ta-delivery ({LATEST})")
    for version in range(before + 1, LATEST + 1):
        MIGRATIONS[version - 1](conn)
        schema.schema_version.create(conn, checkfirst=True)
        conn.execute(
            schema.schema_version.insert().values(
                version=version, applied_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            )
        )
    return before
