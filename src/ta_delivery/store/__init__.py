"""The state store: what ``apply`` and ``attendance`` learn, so that every run is safe to repeat.

SQLite by default (``.ta-delivery/state.db`` beside the course file), any SQLAlchemy URL otherwise.
SQLite runs in WAL mode with a busy timeout, foreign keys on, and writes in immediate transactions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from ..errors import InputError, StoreError
from ..records import Classroom
from . import schema
from .migrations import migrate

__all__ = [
    "ClassroomRow",
    "Intent",
    "InviteRow",
    "Store",
    "from_text",
    "open_store",
    "sqlite_file",
    "state_location",
    "to_text",
]

DEFAULT_STATE = Path(".ta-delivery") / "state.db"
#: How long a run waits for another run of the same course on the same store to finish.
RUN_LOCK_TIMEOUT = 600.0
_LOCAL_RUNS: dict[tuple[str, str], threading.Lock] = {}
_LOCAL_RUNS_GUARD = threading.Lock()


def to_text(value: datetime) -> str:
    """An aware instant as ISO UTC text with a ``Z``."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return text.rstrip("0").rstrip(".") + "Z"


def from_text(value: str) -> datetime:
    """The instant written by :func:`to_text`."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def state_location(course_path: Path, override: str | None = None) -> str:
    """The database URL: ``override`` (a path or URL), else ``.ta-delivery/state.db`` beside the course."""
    if override:
        if "://" in override:
            return override
        return f"sqlite:///{Path(override).resolve()}"
    return f"sqlite:///{(course_path.resolve().parent / DEFAULT_STATE)}"


@attrs.frozen
class ClassroomRow:
    """A classroom as remembered, with the fingerprint of the request it was made from."""

    classroom: Classroom
    fingerprint: str
    state: str
    session_start: datetime
    session_end: datetime
    title: str
    minutes: int


@attrs.frozen
class Intent:
    """A remote call about to be made (or made, if a run died before recording its outcome)."""

    session_id: str
    provider: str
    action: str
    key: str
    start: datetime
    end: datetime
    title: str
    id: int | None = None


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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """The state store. Each write method runs in its own transaction, committed before it returns."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        try:
            with self.engine.begin() as conn:
                migrate(conn)
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            if self.sqlite and "file is not a database" in str(cause):
                where = self.engine.url.database or self.engine.url.render_as_string(hide_password=True)
                raise InputError("is not an SQLite database", source=where) from None
            raise StoreError(f"cannot open state store: {type(cause).__name__}: {cause}") from exc

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    @contextmanager
    def run_lock(self, course_id: str, timeout: float = RUN_LOCK_TIMEOUT) -> Iterator[None]:
        """Hold the course's run lock: one ``apply`` of a course on this store at a time.

        On an SQLite file the lock is an OS lock on ``<db>.<course>.lock`` (released when a process
        dies, so an interrupted run never blocks the next); elsewhere it covers this process only.
        Waits up to ``timeout`` seconds, then raises :class:`StoreError`.
        """
        database = self.engine.url.database if self.sqlite else None
        if database and database != ":memory:" and _flock is not None:
            path = Path(f"{database}.{course_id}.lock")
            try:
                handle = path.open("a+b")
            except OSError as exc:
                raise StoreError(f"cannot open the run lock {str(path)!r}: {exc.strerror}") from None
            try:
                _wait(lambda: _flock(handle), course_id, timeout)
                yield
            finally:
                handle.close()  # closing releases the lock
            return
        with _LOCAL_RUNS_GUARD:
            lock = _LOCAL_RUNS.setdefault((self.engine.url.render_as_string(), course_id), threading.Lock())
        _wait(lambda: lock.acquire(blocking=False), course_id, timeout)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction (immediate on SQLite)."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"state store write failed: {exc.__class__.__name__}") from exc

    def _upsert(self, conn: Connection, table: Any, values: Mapping[str, Any], keys: list[str]) -> None:
        insert = sqlite_insert if self.sqlite else pg_insert
        stmt = insert(table).values(**values)
        update = {k: v for k, v in values.items() if k not in keys}
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update))

    # --- courses ------------------------------------------------------------------------------

    def remember_course(self, course_id: str, title: str, timezone: str, now: datetime) -> None:
        """Record (or refresh) a course."""
        with self.transaction() as conn:
            self._upsert(
                conn,
                schema.courses,
                {"course_id": course_id, "title": title, "timezone": timezone, "updated_at": to_text(now)},
                ["course_id"],
            )

    # --- classrooms ---------------------------------------------------------------------------

    def classrooms(self, course_id: str, session_id: str | None = None) -> dict[str, ClassroomRow]:
        """Remembered classrooms of a course (or one session), by session id (cancelled ones included)."""
        t = schema.classrooms
        query = select(t).where(t.c.course_id == course_id)
        if session_id is not None:
            query = query.where(t.c.session_id == session_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        out: dict[str, ClassroomRow] = {}
        for r in rows:
            room = Classroom(
                provider=r["provider"],
                key=r["key"],
                external_id=r["external_id"],
                join_url=r["join_url"],
                host_url=r["host_url"],
                personal_links=json.loads(r["personal_links"]),
                data=json.loads(r["data"]),
            )
            out[r["session_id"]] = ClassroomRow(
                classroom=room,
                fingerprint=r["fingerprint"],
                state=r["state"],
                session_start=from_text(r["session_start"]),
                session_end=from_text(r["session_end"]),
                title=r["title"],
                minutes=r["minutes"],
            )
        return out

    def save_classroom(
        self,
        course_id: str,
        session_id: str,
        room: Classroom,
        *,
        fingerprint: str,
        state: str,
        start: datetime,
        end: datetime,
        title: str,
        minutes: int,
        now: datetime,
        intent_id: int | None = None,
    ) -> None:
        """Remember a classroom and, in the same transaction, close the intent that made it."""
        with self.transaction() as conn:
            self._upsert(
                conn,
                schema.classrooms,
                {
                    "course_id": course_id,
                    "session_id": session_id,
                    "provider": room.provider,
                    "key": room.key,
                    "external_id": room.external_id,
                    "join_url": room.join_url,
                    "host_url": room.host_url,
                    "personal_links": json.dumps(dict(room.personal_links), sort_keys=True),
                    "data": json.dumps(dict(room.data), sort_keys=True),
                    "fingerprint": fingerprint,
                    "state": state,
                    "session_start": to_text(start),
                    "session_end": to_text(end),
                    "title": title,
                    "minutes": minutes,
                    "updated_at": to_text(now),
                },
                ["course_id", "session_id"],
            )
            if intent_id is not None:
                self._finish_intent(conn, intent_id, "done", None, now)

    # --- intents ------------------------------------------------------------------------------

    def open_intent(self, course_id: str, intent: Intent, now: datetime) -> int:
        """Record that a remote call is about to be made; return the intent's id."""
        with self.transaction() as conn:
            result = conn.execute(
                schema.intents.insert().values(
                    course_id=course_id,
                    session_id=intent.session_id,
                    provider=intent.provider,
                    action=intent.action,
                    key=intent.key,
                    session_start=to_text(intent.start),
                    session_end=to_text(intent.end),
                    title=intent.title,
                    state="pending",
                    created_at=to_text(now),
                )
            )
            pk = result.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def _finish_intent(
        self, conn: Connection, intent_id: int, state: str, error: str | None, now: datetime
    ) -> None:
        t = schema.intents
        conn.execute(
            t.update().where(t.c.id == intent_id).values(state=state, error=error, finished_at=to_text(now))
        )

    def finish_intent(self, intent_id: int, state: str, error: str | None, now: datetime) -> None:
        """Close an intent as done or failed."""
        with self.transaction() as conn:
            self._finish_intent(conn, intent_id, state, error, now)

    def pending_intents(self, course_id: str) -> dict[str, list[Intent]]:
        """Unfinished intents by session: a previous run stopped in the middle of a remote call."""
        t = schema.intents
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(t).where(t.c.course_id == course_id, t.c.state == "pending").order_by(t.c.id)
                )
                .mappings()
                .all()
            )
        out: dict[str, list[Intent]] = {}
        for r in rows:
            out.setdefault(r["session_id"], []).append(
                Intent(
                    session_id=r["session_id"],
                    provider=r["provider"],
                    action=r["action"],
                    key=r["key"],
                    start=from_text(r["session_start"]),
                    end=from_text(r["session_end"]),
                    title=r["title"],
                    id=r["id"],
                )
            )
        return out

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

    # --- small values of plugins --------------------------------------------------------------

    def kv_get(self, namespace: str, key: str) -> str | None:
        """A plugin's stored value."""
        t = schema.kv
        with self.engine.connect() as conn:
            value = conn.execute(select(t.c.value).where(t.c.namespace == namespace, t.c.key == key)).scalar()
        return None if value is None else str(value)

    def kv_put(self, namespace: str, key: str, value: str | None, now: datetime | None = None) -> None:
        """Store (``None``: delete) a plugin's value."""
        t = schema.kv
        with self.transaction() as conn:
            if value is None:
                conn.execute(t.delete().where(t.c.namespace == namespace, t.c.key == key))
            else:
                stamp = to_text(now or datetime.now(UTC))
                self._upsert(
                    conn,
                    t,
                    {"namespace": namespace, "key": key, "value": value, "updated_at": stamp},
                    ["namespace", "key"],
                )

    def namespace(self, namespace: str) -> StoreKeyValue:
        """A :class:`~ta_delivery.context.KeyValue` view of one namespace."""
        return StoreKeyValue(self, namespace)


@attrs.frozen
class StoreKeyValue:
    """One plugin's values in the store."""

    store: Store
    namespace: str

    def get(self, key: str) -> str | None:
        return self.store.kv_get(self.namespace, key)

    def put(self, key: str, value: str | None) -> None:
        self.store.kv_put(self.namespace, key, value)


def _wait(try_lock: Any, course_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not try_lock():
        if time.monotonic() >= deadline:
            raise StoreError(
                f"another run of course {course_id!r} still holds the state store; try again later"
            )
        time.sleep(0.05)


try:
    import fcntl

    def _flock(handle: Any) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

except ImportError:  # pragma: no cover - Windows: the in-process lock only
    _flock = None  # type: ignore[assignment]


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite ``url`` (any driver, query allowed); ``None`` for anything else."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_store(url: str) -> Store:
    """Open (creating and migrating as needed) the store at a SQLAlchemy ``url``.

    A URL that cannot be opened as given is an :class:`InputError`, raised before anything is created.
    In-memory SQLite (``sqlite://``) keeps one connection that the threads of a run take in turn.
    """
    check_url(url)
    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite" and sqlite_file(url) is None:
        options = {
            "poolclass": QueuePool,
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": RUN_LOCK_TIMEOUT,
            "connect_args": {"check_same_thread": False},
        }
    try:
        engine = create_engine(url, **options)
    except (ArgumentError, ValueError, TypeError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"{_shown(url)!r} cannot be opened: {message}", source="--state / TA_DELIVERY_STATE"
        ) from None
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"cannot open state store: {exc}") from exc
    path = sqlite_file(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            engine.dispose()
            raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from exc
    return Store(engine)


def _shown(url: str) -> str:
    """``url`` with any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.split("@", 1)[-1] if "@" in url else url


def check_url(url: str) -> None:
    """Raise :class:`InputError` unless ``url`` is a database URL this installation can open."""
    try:
        parsed = make_url(url)
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError(
            f"{_shown(url)!r} is not a database URL this installation can open ({type(exc).__name__})",
            source="--state / TA_DELIVERY_STATE",
        ) from None
    except ImportError as exc:
        raise InputError(
            f"the database driver for {parsed.drivername!r} is not installed ({exc.name})",
            source="--state / TA_DELIVERY_STATE",
        ) from None
