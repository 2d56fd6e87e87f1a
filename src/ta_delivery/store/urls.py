"""Where the store lives: the default SQLite file beside a course, and checks of database URLs.

Kept apart from the engine so that the CLI can resolve and validate ``--state`` before opening anything.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..errors import InputError

__all__ = ["DEFAULT_STATE", "check_url", "shown", "sqlite_file", "state_location", "with_driver"]

DEFAULT_STATE = Path(".ta-delivery") / "state.db"


def state_location(course_path: Path, override: str | None = None) -> str:
    """The database URL: ``override`` (a path or URL), else ``.ta-delivery/state.db`` beside the course."""
    if override:
        if "://" in override:
            return override
        return f"sqlite:///{Path(override).resolve()}"
    return f"sqlite:///{(course_path.resolve().parent / DEFAULT_STATE)}"


def with_driver(url: str) -> str:
    """``url`` with psycopg 3 as the driver where it names PostgreSQL without one (``postgresql://``)."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite ``url`` (any driver, query allowed); ``None`` for anything else."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def shown(url: str) -> str:
    """``url`` with any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.split("@", 1)[-1] if "@" in url else url


def check_url(url: str) -> None:
    """Raise :class:`InputError` unless ``url`` is a database URL this installation can open."""
    url = with_driver(url)
    try:
        parsed = make_url(url)
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError(
            f"{shown(url)!r} is not a database URL this installation can open ({type(exc).__name__})",
            source="--state / TA_DELIVERY_STATE",
        ) from None
    except ImportError as exc:
        raise InputError(
            f"the database driver for {parsed.drivername!r} is not installed ({exc.name})",
            source="--state / TA_DELIVERY_STATE",
        ) from None
