"""The public catalogue of a programme (``ta-delivery catalogue PROGRAMME --out DIR``, PRODUCT.md section 5).

:func:`build_catalogue` reads what the programme's store knows (when each course was first announced, the
last SEQUENCE of each session's invitations), renders the site (:mod:`.site`, from :mod:`.content`) and
writes it. Writing removes the files an earlier build wrote that this one no longer makes (a course made
private disappears from the site), and never touches other files in ``DIR``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, time
from pathlib import Path

from ..errors import InputError, StoreError
from ..programme import Programme
from .content import course_span, listed_courses
from .site import build_site

__all__ = ["MANIFEST", "build_catalogue", "catalogue_state", "write_site"]

#: The list of files the last build wrote, kept in ``DIR`` so the next build can remove stale ones.
MANIFEST = ".ta-delivery-catalogue"
NAMESPACE = "catalogue"


def _day(moment: datetime) -> datetime:
    """The start (UTC) of ``moment``'s UTC day: builds on one day agree even without a shared store."""
    return datetime.combine(moment.astimezone(UTC).date(), time(0), UTC)


def _fallback(course_start: datetime | None) -> datetime:
    return _day(course_start) if course_start else datetime(2000, 1, 1, tzinfo=UTC)


def catalogue_state(
    programme: Programme, store_url: str | None, now: datetime
) -> tuple[dict[str, datetime], dict[str, dict[str, int]]]:
    """When each listed course was first announced, and the last SEQUENCE per course and session.

    The first build that lists a course records its day in the store (``kv`` namespace ``catalogue``); later
    builds read it back, so the Atom feed says which courses are new and every build gives the same bytes.
    Without a usable store, a course counts as announced on the day of its first session.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from ..invites import lifecycle

    listing = listed_courses(programme, now)
    announced: dict[str, datetime] = {}
    sequences: dict[str, dict[str, int]] = {}
    store = None
    if store_url is not None:
        from ..store import open_store

        try:
            store = open_store(store_url)
        except (StoreError, InputError, OSError):
            store = None
    try:
        for course in listing.all:
            span = course_span(course)
            when = _fallback(span[0] if span else None)
            if store is not None:
                key = f"announced:{course.id}"
                try:
                    stored = store.kv_get(NAMESPACE, key)
                    if stored is None:
                        stored = _day(now).strftime("%Y-%m-%dT%H:%M:%SZ")
                        store.kv_put(NAMESPACE, key, stored, now)
                    when = datetime.fromisoformat(stored.replace("Z", "+00:00"))
                    history = store.messages(course.id)
                    sequences[course.id] = {
                        sid: lifecycle.event_sequence(history, sid) for sid in {m.session_id for m in history}
                    }
                except (StoreError, OSError, ValueError, SQLAlchemyError):
                    pass  # a read-only or broken database: the fallback dates
            announced[course.id] = when
    finally:
        if store is not None:
            store.close()
    return announced, sequences


def write_site(out: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` under ``out``; remove the files of the previous build that are gone."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        manifest = out / MANIFEST
        old = set(manifest.read_text(encoding="utf-8").splitlines()) if manifest.is_file() else set()
        for name, data in files.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_file() and target.read_bytes() == data:
                continue
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        for name in sorted(old - set(files)):
            stale = out / name
            if ".." not in Path(name).parts and stale.is_file():
                stale.unlink()
        manifest.write_text("".join(f"{name}\n" for name in files), encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the catalogue: {exc.strerror or exc}", source=str(out), key="--out"
        ) from None


def build_catalogue(
    programme: Programme,
    out: Path,
    *,
    now: datetime,
    store_url: str | None,
    templates: Path | None = None,
) -> dict[str, bytes]:
    """Build the site of ``programme`` into ``out`` and return its files by path."""
    announced, sequences = catalogue_state(programme, store_url, now)
    files = build_site(programme, now=now, announced=announced, sequences=sequences, templates=templates)
    write_site(out, files)
    return files
