"""Helpers for attendance import formats (built-in and plugins): decoding, zones, locating errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ...errors import InputError
from ...importfiles import decode_text, localize
from ...models import Course, Session
from ...records import ImportRequest

__all__ = ["decode", "lines", "live_session", "require_zone", "stranger_session", "to_utc"]


def decode(request: ImportRequest) -> str:
    """The file's text: UTF-8 (with or without BOM) or UTF-16 (with BOM, or detected by its NULs)."""
    return decode_text(request.data, str(request.path))


def lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, lazily (``io.StringIO`` would hold 4 bytes a character)."""
    start, size = 0, len(text)
    find = text.find
    while start < size:
        end = find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def require_zone(request: ImportRequest, why: str) -> ZoneInfo:
    """The ``--timezone`` zone, or an input error saying why it is needed."""
    if request.timezone is None:
        raise InputError(f"{why}: --timezone is required", source=str(request.path), key="--timezone")
    return request.timezone


def to_utc(value: datetime, zone: ZoneInfo | None, source: str = "", key: str = "") -> datetime:
    """``value`` as a UTC instant. A naive value is read in ``zone``: first of two in a DST fold, and an
    input error (naming ``source`` and ``key``) in a DST gap."""
    if value.tzinfo is None:
        if zone is None:
            raise ValueError("naive time without a zone")
        return localize(value, zone, source, key)
    return value.astimezone(UTC)


def live_session(course: Course, session_id: str, source: str, key: str) -> Session:
    """The live session ``session_id`` of ``course``, or an input error located at ``key``."""
    try:
        session = course.session(session_id)
    except KeyError:
        raise InputError(
            f"no session {session_id!r} on course {course.id!r}", source=source, key=key
        ) from None
    if not session.live:
        raise InputError(
            f"session {session_id!r} is recorded, not live: it has no attendance", source=source, key=key
        )
    return session


def stranger_session(session_id: str, rows: int, course: Course, source: str) -> InputError:
    """The error of ``rows`` rows naming ``session_id``, which is no live session of ``course``."""
    recorded = any(s.id == session_id for s in course.sessions)
    what = "a recorded session, not a live one" if recorded else "not on the course"
    live = ", ".join(s.id for s in course.live_sessions) or "none"
    return InputError(
        f"{rows} row(s) name session {session_id!r}, which is {what}: name one of the course's live "
        f"sessions ({live})",
        source=source,
        key="session",
    )
