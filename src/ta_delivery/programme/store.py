"""One store per programme: a course file in a programme's folder (or below) uses the programme's store.

The default store of such a course is ``.ta-delivery/state.db`` beside ``programme.toml``, so every course of
the programme shares one store and with it the providers' budgets (Zoom's daily limits per host live in the
store's key-value table). A course that already had its own store (``.ta-delivery/state.db`` beside the
course file) is carried over the first time: its rows (classrooms, intents, invitations, attendance,
evaluation...) are copied into the programme's store in one transaction, so no meeting is created twice
and no invitation re-sent, and the old store is marked as carried over. When both stores already hold
different rows for the course, nothing is copied and the command stops with a message saying what to do.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import Connection, MetaData, Table, select

from ..errors import InputError
from .reader import is_programme_file

if TYPE_CHECKING:
    from ..store import Store
    from .model import Programme

__all__ = [
    "CarryOver",
    "carry_over",
    "course_store",
    "default_store",
    "default_store_url",
    "find_programme",
    "programme_store",
]

PROGRAMME_FILE = "programme.toml"
#: Where the old store remembers that a course moved (``kv`` namespace and key prefix).
MARK_NAMESPACE = "ta-delivery"
MARK_PREFIX = "carried-over:"


def find_programme(course_path: Path) -> Path | None:
    """The nearest ``programme.toml`` in the folder of ``course_path`` or above it (``None``: none)."""
    for folder in course_path.resolve().parents:
        candidate = folder / PROGRAMME_FILE
        if (
            candidate.is_file()
            and candidate.resolve() != course_path.resolve()
            and is_programme_file(candidate)
        ):
            return candidate
    return None


@attrs.frozen
class CarryOver:
    """What moving a course's own store into the programme's store did (rows copied by table)."""

    course_id: str
    source: Path
    copied: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.copied.values())


def _course_id(course_path: Path) -> str | None:
    try:
        data = tomllib.loads(course_path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    course = data.get("course")
    cid = course.get("id") if isinstance(course, dict) else None
    return cid if isinstance(cid, str) else None


def course_store(course_path: Path) -> tuple[str, CarryOver | None]:
    """The default store URL of the course file at ``course_path``, carrying its own store over if needed.

    Outside a programme: ``.ta-delivery/state.db`` beside the course file, as always.
    """
    from ..store import state_location

    own = state_location(course_path)
    programme = find_programme(course_path)
    if programme is None:
        return own, None
    shared = state_location(programme)
    if shared == own:
        return shared, None
    own_file = Path(_shown(own))
    cid = _course_id(course_path)
    if not own_file.is_file() or cid is None:
        return shared, None
    moved = carry_over(own, shared, cid, course_path)
    return shared, moved


def _rows_equal(a: dict[str, Any], b: dict[str, Any], skip: set[str]) -> bool:
    return all(a.get(k) == b.get(k) for k in set(a) | set(b) if k not in skip)


def _shown(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _course_rows(store: Store, course_id: str) -> tuple[MetaData, dict[str, list[dict[str, Any]]]]:
    """Every table of ``store`` (reflected, so colleagues' tables come along) and the course's rows in it."""
    meta = MetaData()
    rows: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        meta.reflect(bind=conn)
        for table in meta.sorted_tables:
            if "course_id" in table.c:
                found = conn.execute(select(table).where(table.c.course_id == course_id)).mappings()
                rows[table.name] = [dict(r) for r in found]
    return meta, rows


def _merge(conn: Connection, target: Table, course_id: str, rows: list[dict[str, Any]]) -> tuple[int, bool]:
    """Insert the ``rows`` ``target`` lacks; ``(inserted, clash)`` where clash means different rows."""
    pk = [c.name for c in target.primary_key.columns]
    surrogate = {"id"} if pk == ["id"] else set()  # an autoincrement id: rows match on everything else
    match = [c.name for c in target.c if c.name not in surrogate] if surrogate else pk
    existing = conn.execute(select(target).where(target.c.course_id == course_id)).mappings()
    index = {tuple(r.get(c) for c in match): dict(r) for r in existing}
    fresh = []
    for row in rows:
        there = index.get(tuple(row.get(c) for c in match))
        if there is None:
            fresh.append({k: v for k, v in row.items() if k not in surrogate and k in target.c})
        elif not _rows_equal(row, there, surrogate):
            return 0, True
    if fresh:
        conn.execute(target.insert(), fresh)
    return len(fresh), False


def _clash(course_id: str, old_url: str, new_url: str, table: str, course_path: Path) -> InputError:
    return InputError(
        f"course {course_id!r} has its own store {_shown(old_url)!r}, and the programme's store "
        f"{_shown(new_url)!r} also holds it with different {table} rows: they cannot be merged safely. "
        "Keep one: run with --state naming the store to use (or move the other aside)",
        source=str(course_path),
    )


def carry_over(old_url: str, new_url: str, course_id: str, course_path: Path) -> CarryOver | None:
    """Copy ``course_id``'s rows from the store at ``old_url`` into the one at ``new_url``, once.

    Idempotent: rows already there (equal) are skipped, and the old store is marked so later runs skip it.
    :raises InputError: when the new store already holds different rows for the course (nothing copied).
    """
    from ..store import open_store

    old = open_store(old_url)
    try:
        mark = f"{MARK_PREFIX}{course_id}"
        if old.kv_get(MARK_NAMESPACE, mark) is not None:
            return None
        old_meta, rows = _course_rows(old, course_id)
        if not any(rows.values()):
            return None
        new = open_store(new_url)
        try:
            copied: dict[str, int] = {}
            new_meta = MetaData()
            with new.transaction() as conn:
                new_meta.reflect(bind=conn)
                for table in old_meta.sorted_tables:
                    target = new_meta.tables.get(table.name)
                    if not rows.get(table.name) or target is None:
                        continue
                    copied[table.name], clash = _merge(conn, target, course_id, rows[table.name])
                    if clash:
                        raise _clash(course_id, old_url, new_url, table.name, course_path)
            now = datetime.now(UTC)
            # provider values (tokens, budgets) the programme's store has not got yet come along too
            with old.engine.connect() as conn:
                values = [dict(r) for r in conn.execute(select(old_meta.tables["kv"])).mappings()]
            for row in values:
                if row["namespace"] != MARK_NAMESPACE and new.kv_get(row["namespace"], row["key"]) is None:
                    new.kv_put(row["namespace"], row["key"], row["value"], now)
            old.kv_put(MARK_NAMESPACE, mark, new_url, now)
        finally:
            new.close()
    finally:
        old.close()
    return CarryOver(course_id=course_id, source=Path(_shown(old_url)), copied=copied)


def programme_store(programme: Programme) -> tuple[str, list[CarryOver]]:
    """The programme's store URL, with every listed course's own store carried over into it first."""
    from ..store import state_location

    shared = state_location(programme.path)
    moved: list[CarryOver] = []
    for course in programme.courses:
        path = programme.paths[course.id]
        own = state_location(path)
        if own != shared and Path(_shown(own)).is_file():
            done = carry_over(own, shared, course.id, path)
            if done is not None:
                moved.append(done)
    return shared, moved


def default_store_url(path: Path) -> str:
    """The default store of a course or programme file, changing nothing (``doctor``): no carry-over."""
    from ..store import state_location

    if is_programme_file(path):
        return state_location(path)
    return state_location(find_programme(path) or path)


def default_store(path: Path) -> tuple[str, list[CarryOver]]:
    """The default store of a course file or a programme file, carrying courses' own stores over."""
    if is_programme_file(path):
        from .reader import load_programme

        return programme_store(load_programme(path))
    url, moved = course_store(path)
    return url, [moved] if moved is not None else []
