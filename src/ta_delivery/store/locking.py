"""The run lock: one ``apply`` of a course on one store at a time."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import InputError, StoreError
from .base import StoreBase

__all__ = ["RUN_LOCK_TIMEOUT", "RunLocks", "advisory_key"]

log = logging.getLogger(__name__)

#: How long a run waits for another run of the same course on the same store to finish.
RUN_LOCK_TIMEOUT = 600.0
_LOCAL_RUNS: dict[tuple[str, str], threading.Lock] = {}
_LOCAL_RUNS_GUARD = threading.Lock()


class RunLocks(StoreBase):
    """The store's run locks."""

    @contextmanager
    def run_lock(self, course_id: str, timeout: float = RUN_LOCK_TIMEOUT) -> Iterator[None]:
        """Hold the course's run lock: one ``apply`` of a course on this store at a time.

        On an SQLite file the lock is an OS lock on ``<db>.<course>.lock``; on PostgreSQL a session
        advisory lock held on a connection of its own. Both are released when a process dies, so an
        interrupted run never blocks the next. Elsewhere (in-memory SQLite) it covers this process only.
        Waits up to ``timeout`` seconds, then raises :class:`StoreError`.
        """
        if self.engine.dialect.name == "postgresql":
            with self._advisory_lock(course_id, timeout):
                yield
            return
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
    def _advisory_lock(self, course_id: str, timeout: float) -> Iterator[None]:
        key = advisory_key(course_id)
        try:
            conn = self.engine.connect()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot reach the state store for the run lock: {type(exc).__name__}") from exc
        try:

            def try_lock() -> bool:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
                conn.commit()  # no transaction stays open while the run works or waits
                return bool(got)

            _wait(try_lock, course_id, timeout)
            try:
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()
                except SQLAlchemyError:
                    conn.invalidate()  # a pooled connection must never keep the lock
        finally:
            conn.close()


def advisory_key(course_id: str) -> int:
    """The PostgreSQL advisory lock key of a course: a signed 64-bit number derived from its id."""
    digest = hashlib.sha256(f"ta-delivery run {course_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _wait(try_lock: Callable[[], bool], course_id: str, timeout: float) -> None:
    """Take the lock, saying once that this run waits for another (the CLI shows warnings on stderr)."""
    deadline = time.monotonic() + timeout
    said = False
    while not try_lock():
        if not said:
            log.warning(
                "waiting for another run of course %r to finish (it holds the state store; up to %d s)",
                course_id,
                int(timeout),
            )
            said = True
        if time.monotonic() >= deadline:
            raise InputError(
                f"another run of course {course_id!r} still holds the state store after {int(timeout)} s; "
                "try again once it has finished",
                source="state store",
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
