"""The state store's tables (SQLAlchemy Core). Portable: SQLite by default, PostgreSQL unchanged.

Instants are stored as ISO 8601 UTC text (``2027-08-10T14:00:00Z``): sortable, zone-free and identical on
every backend. No table holds an access token or a client secret.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()


# Three column shapes make up most of the tables; a Column belongs to one table, so each call makes new ones.
def _keys(*names: str) -> list[Column[str]]:
    """Identifiers (64 characters) that together make up the table's primary key."""
    return [Column(name, String(64), primary_key=True) for name in names]


def _names(*names: str) -> list[Column[str]]:
    """Required short strings: identifiers, provider names, zones, fingerprints (64 characters)."""
    return [Column(name, String(64), nullable=False) for name in names]


def _instants(*names: str) -> list[Column[str]]:
    """Required instants, as ISO 8601 UTC text."""
    return [Column(name, String(32), nullable=False) for name in names]


schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    *_instants("applied_at"),
)

courses = Table(
    "courses",
    metadata,
    *_keys("course_id"),
    Column("title", Text, nullable=False),
    *_names("timezone"),
    *_instants("updated_at"),
)

classrooms = Table(
    "classrooms",
    metadata,
    Column("course_id", String(64), ForeignKey("courses.course_id"), primary_key=True),
    *_keys("session_id"),
    *_names("provider"),
    Column("key", String(200), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("join_url", Text, nullable=False),
    Column("host_url", Text),
    Column("personal_links", Text, nullable=False, default="{}"),
    Column("data", Text, nullable=False, default="{}"),
    *_names("fingerprint"),
    Column("state", String(16), nullable=False),  # active | cancelled
    Column("dial_in", Text),  # JSON of records.DialIn, or NULL where the provider gave no numbers
    *_instants("session_start", "session_end"),
    Column("title", Text, nullable=False, default=""),
    Column("minutes", Integer, nullable=False, default=0),
    *_instants("updated_at"),
)

intents = Table(
    "intents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_names("course_id", "session_id", "provider"),
    Column("action", String(16), nullable=False),  # create | update | cancel
    Column("key", String(200), nullable=False),
    *_instants("session_start", "session_end"),
    Column("title", Text, nullable=False, default=""),
    Column("state", String(16), nullable=False),  # pending | done | failed | superseded
    Column("error", Text),
    *_instants("created_at"),
    Column("finished_at", String(32)),
    Index("ix_intents_open", "course_id", "session_id", "state"),
)

# Every message sent about a session's event (or queued to be), append-only: one row per message, its state
# going from pending to sent (decision 0130). The unique key is what the Message-ID is made from, so a
# retry of a message is its row again. The invitation lifecycle is derived from it, by mailbox.
messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("course_id", String(64), ForeignKey("courses.course_id"), nullable=False),
    *_names("session_id"),
    Column("kind", String(16), nullable=False, default="invite"),
    Column("mailbox", String(254), nullable=False),  # the address in lower case
    *_names("person_id"),
    Column("method", String(8), nullable=False),  # REQUEST | CANCEL
    Column("sequence", Integer, nullable=False),
    Column("email", String(254), nullable=False),  # as written
    *_names("fingerprint"),
    Column("state", String(16), nullable=False),  # pending | sent
    *_instants("session_end"),
    Column("error", Text),
    *_instants("created_at", "updated_at"),
    UniqueConstraint(
        "course_id", "session_id", "kind", "mailbox", "person_id", "method", "sequence", name="uq_messages"
    ),
)


def _by_namespace_and_key(name: str, value: Column[Any]) -> Table:
    """A table of one value per (namespace, key): the key-value store, the shared counters."""
    return Table(
        name,
        metadata,
        *_keys("namespace"),
        Column("key", String(200), primary_key=True),
        value,
        *_instants("updated_at"),
    )


kv = _by_namespace_and_key("kv", Column("value", Text, nullable=False))

# Raw attendance, append-only. The uniqueness key is the primary key of a WITHOUT ROWID table on SQLite:
# one B-tree instead of a rowid table, a unique index and a session index (twice as fast to fill with a
# million rows); the key's (course_id, session_id) prefix serves the per-session reads.
segments = Table(
    "segments",
    metadata,
    *_keys("course_id", "session_id", "source", "raw_key"),
    Column("person_id", String(64)),
    Column("external_id", String(200)),
    Column("email", String(254)),
    Column("name", Text),
    *_instants("join_at", "leave_at", "imported_at"),
    sqlite_with_rowid=False,
)

excuses = Table(
    "excuses",
    metadata,
    *_keys("course_id", "session_id", "participant_id"),
    Column("reason", Text, nullable=False),
    *_instants("created_at"),
)

statuses = Table(
    "statuses",
    metadata,
    *_keys("course_id", "session_id", "participant_id"),
    Column("status", String(16), nullable=False),
    Column("attended_seconds", Float, nullable=False),
    *_instants("updated_at"),
)

# --- schema version 5 (deploy): counters shared by every process, personal feed tokens ---------------

# Atomic counters shared by every course and process on one store (a provider's daily budget per host).
counters = _by_namespace_and_key("counters", Column("count", Integer, nullable=False))

# Personal calendar feeds at unguessable addresses: a random token per person and course, kept so that
# ``calendar --link`` prints the same address again (like the join links the store already holds); a
# revoked token stays revoked and the next ``--link`` issues a new one.
feed_tokens = Table(
    "feed_tokens",
    metadata,
    *_keys("token"),
    *_names("course_id", "person_id"),
    *_instants("created_at"),
    Column("revoked_at", String(32)),
    Index("ix_feed_tokens_person", "course_id", "person_id"),
)
