"""The state store's tables (SQLAlchemy Core). Portable: SQLite by default, PostgreSQL unchanged.

Instants are stored as ISO 8601 UTC text (``2027-08-10T14:00:00Z``): sortable, zone-free and identical on
every backend. No table holds an access token or a client secret.
"""

from __future__ import annotations

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

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", String(32), nullable=False),
)

courses = Table(
    "courses",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

classrooms = Table(
    "classrooms",
    metadata,
    Column("course_id", String(64), ForeignKey("courses.course_id"), primary_key=True),
    Column("session_id", String(64), primary_key=True),
    Column("provider", String(64), nullable=False),
    Column("key", String(200), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("join_url", Text, nullable=False),
    Column("host_url", Text),
    Column("personal_links", Text, nullable=False, default="{}"),
    Column("data", Text, nullable=False, default="{}"),
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # active | cancelled
    Column("dial_in", Text),  # JSON of records.DialIn, or NULL where the provider gave no numbers
    Column("session_start", String(32), nullable=False),
    Column("session_end", String(32), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("minutes", Integer, nullable=False, default=0),
    Column("updated_at", String(32), nullable=False),
)

intents = Table(
    "intents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("course_id", String(64), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # create | update | cancel
    Column("key", String(200), nullable=False),
    Column("session_start", String(32), nullable=False),
    Column("session_end", String(32), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("state", String(16), nullable=False),  # pending | done | failed | superseded
    Column("error", Text),
    Column("created_at", String(32), nullable=False),
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
    Column("session_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False, default="invite"),
    Column("mailbox", String(254), nullable=False),  # the address in lower case
    Column("person_id", String(64), nullable=False),
    Column("method", String(8), nullable=False),  # REQUEST | CANCEL
    Column("sequence", Integer, nullable=False),
    Column("email", String(254), nullable=False),  # as written
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent
    Column("session_end", String(32), nullable=False),
    Column("error", Text),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint(
        "course_id", "session_id", "kind", "mailbox", "person_id", "method", "sequence", name="uq_messages"
    ),
)

kv = Table(
    "kv",
    metadata,
    Column("namespace", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

# Raw attendance, append-only. The uniqueness key is the primary key of a WITHOUT ROWID table on SQLite:
# one B-tree instead of a rowid table, a unique index and a session index (twice as fast to fill with a
# million rows); the key's (course_id, session_id) prefix serves the per-session reads.
segments = Table(
    "segments",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("session_id", String(64), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("raw_key", String(64), primary_key=True),
    Column("person_id", String(64)),
    Column("external_id", String(200)),
    Column("email", String(254)),
    Column("name", Text),
    Column("join_at", String(32), nullable=False),
    Column("leave_at", String(32), nullable=False),
    Column("imported_at", String(32), nullable=False),
    sqlite_with_rowid=False,
)

excuses = Table(
    "excuses",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("session_id", String(64), primary_key=True),
    Column("participant_id", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

statuses = Table(
    "statuses",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("session_id", String(64), primary_key=True),
    Column("participant_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attended_seconds", Float, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

# --- schema version 5 (deploy): counters shared by every process, personal feed tokens ---------------

# Atomic counters shared by every course and process on one store (a provider's daily budget per host).
counters = Table(
    "counters",
    metadata,
    Column("namespace", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

# Personal calendar feeds at unguessable addresses: a random token per person and course, kept so that
# ``calendar --link`` prints the same address again (like the join links the store already holds); a
# revoked token stays revoked and the next ``--link`` issues a new one.
feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("course_id", String(64), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Index("ix_feed_tokens_person", "course_id", "person_id"),
)
