"""The state store: what ``apply`` and ``attendance`` learn, so that every run is safe to repeat.

SQLite by default (``.ta-delivery/state.db`` beside the course file), any SQLAlchemy URL otherwise.
SQLite runs in WAL mode with a busy timeout, foreign keys on, and writes in immediate transactions.

The :class:`Store` is assembled from one module per concern: ``classrooms`` (courses, classrooms,
intents), ``invites``, ``keyvalue`` (plugins' small values, shared counters), ``feeds`` (personal feed
tokens) and ``locking`` (run locks, advisory on PostgreSQL), on ``base``
(engine and transactions); ``urls`` says where a store lives. Every name stays importable from here.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from ..errors import InputError, StoreError
from . import schema
from .classrooms import ClassroomRow, Classrooms, Intent
from .feeds import FeedTokens
from .invites import InviteRow, Invites
from .keyvalue import Counters, KeyValues, StoreKeyValue
from .locking import RUN_LOCK_TIMEOUT, RunLocks
from .timestamps import from_text, to_text
from .urls import DEFAULT_STATE, check_url, sqlite_file, state_location, with_driver
from .urls import shown as _shown

__all__ = [
    "DEFAULT_STATE",
    "RUN_LOCK_TIMEOUT",
    "ClassroomRow",
    "Intent",
    "InviteRow",
    "Store",
    "StoreKeyValue",
    "check_url",
    "from_text",
    "open_store",
    "schema",
    "sqlite_file",
    "state_location",
    "to_text",
    "with_driver",
]


class Store(Classrooms, Invites, KeyValues, Counters, FeedTokens, RunLocks):
    """The state store. Each write method runs in its own transaction, committed before it returns."""


def open_store(url: str) -> Store:
    """Open (creating and migrating as needed) the store at a SQLAlchemy ``url``.

    A URL that cannot be opened as given is an :class:`InputError`, raised before anything is created.
    In-memory SQLite (``sqlite://``) keeps one connection that the threads of a run take in turn.
    """
    check_url(url)
    url = with_driver(url)
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
    elif parsed.get_backend_name() == "postgresql":
        # a server that went away is noticed per checkout, and an unreachable one fails in seconds
        options = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}
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
            _prepare_sqlite_file(path)
        except InputError:
            engine.dispose()
            raise
        except OSError as exc:
            engine.dispose()
            raise StoreError(f"cannot create {path}: {exc.strerror}") from exc
    return Store(engine)


def _prepare_sqlite_file(path: Path) -> None:
    """Check an SQLite file's place and create it private (0600: it holds names, emails, attendance).

    Only the default folder (``.ta-delivery`` beside a course or programme) is created; a folder named
    by ``--state`` must exist, so a typo never silently starts a new, empty store somewhere else.
    """
    source = "--state / TA_DELIVERY_STATE"
    if path.is_dir():
        raise InputError(
            f"{str(path)!r} is a folder, not a database file; name a file in it, "
            f"e.g. {str(path / 'state.db')!r}",
            source=source,
        )
    if not path.parent.is_dir():
        if path.parent.name != DEFAULT_STATE.parent.name or path.parent.exists():
            raise InputError(
                f"the folder {str(path.parent)!r} does not exist; create it, or name a store in an existing "
                "folder",
                source=source,
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
