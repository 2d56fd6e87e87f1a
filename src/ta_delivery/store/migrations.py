"""Versioned schema migrations: each step runs once, in order, inside one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select, text

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


def _v5_counters_and_feeds(conn: Connection) -> None:
    """Shared counters (provider budgets) and personal feed tokens."""
    schema.metadata.create_all(conn, tables=[schema.counters, schema.feed_tokens], checkfirst=True)


#: The migrations, in order; version N is ``MIGRATIONS[N - 1]``. Append only.
MIGRATIONS: tuple[Migration, ...] = (
    _v1_initial,
    _v2_evaluation,
    _v3_classroom_dial_in,
    _v4_message_log,
    _v5_counters_and_feeds,
)
LATEST = len(MIGRATIONS)
#: The PostgreSQL advisory lock key that serialises migrations (run locks use keys derived from course ids).
MIGRATION_LOCK = 0x7461_6465_6C69_7665  # "tadelive"


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
    if conn.dialect.name == "postgresql":
        # processes opening a new store together take turns; the lock ends with the transaction
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
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
