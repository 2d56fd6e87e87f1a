"""The store's engine and transactions, which the table modules (classrooms, invites, key-value) build on."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, RowMapping, Table, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from ..errors import InputError, StoreError
from .migrations import migrate

__all__ = ["StoreBase"]


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


class StoreBase:
    """An engine, migrated on open; each write method commits its own transaction before it returns."""

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
            where = self.engine.url.database or self.engine.url.render_as_string(hide_password=True)
            if self.sqlite and "file is not a database" in str(cause):
                raise InputError("is not an SQLite database", source=where) from None
            if self.sqlite and "database is locked" in str(cause):
                raise InputError(
                    "the state store is locked by another process (a run, or a tool holding it open); "
                    "try again once it has finished",
                    source=where,
                ) from None
            raise StoreError(f"cannot open state store: {type(cause).__name__}: {cause}") from exc

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

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

    def _course_rows(
        self,
        table: Table,
        course_id: str,
        session_id: str | None,
        *where: ColumnElement[bool],
        by_id: bool = False,
    ) -> Sequence[RowMapping]:
        """The rows of ``table`` for a course (one session's, given ``session_id``) that match ``where``, in
        the order they were written when ``by_id``."""
        query = select(table).where(table.c.course_id == course_id, *where)
        if session_id is not None:
            query = query.where(table.c.session_id == session_id)
        if by_id:
            query = query.order_by(table.c.id)
        with self.engine.connect() as conn:
            return conn.execute(query).mappings().all()
