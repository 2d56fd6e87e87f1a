"""Limits on the size of what users give us: text values, files read, and counts in a course file.

Past a limit is an input error naming the key or file, never hours of work and gigabytes of mail: a 10 MB
title used to be accepted, then copied into every invitation. The numbers are far above any real course
(an eight-week course has some forty sessions and a hundred people).
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

__all__ = [
    "MAX_COURSE_FILE_BYTES",
    "MAX_IMPORT_FILE_BYTES",
    "MAX_PEOPLE",
    "MAX_ROSTER_BYTES",
    "MAX_SERIES_TABLES",
    "MAX_SESSIONS",
    "MAX_TEXT",
    "TEXT_LIMITS",
    "read_limited",
    "text_limit",
]

MB = 1024 * 1024
#: A course file (TOML).
MAX_COURSE_FILE_BYTES = 2 * MB
#: A roster CSV.
MAX_ROSTER_BYTES = 10 * MB
#: An attendance or evaluation export file.
MAX_IMPORT_FILE_BYTES = 100 * MB
#: Sessions in one course, written out or made by series.
MAX_SESSIONS = 2000
#: ``[[series]]`` tables in one course (each makes at most 999 sessions).
MAX_SERIES_TABLES = 200
#: Trainers and participants (tables and roster rows) in one course.
MAX_PEOPLE = 20000
#: Characters of a text value whose key has no limit of its own.
MAX_TEXT = 1000
#: Characters, by the last part of a key path (``sessions[3].title`` -> ``title``).
TEXT_LIMITS = {
    "title": 500,
    "name": 200,
    "email": 320,
    "organisation": 300,
    "city": 200,
    "description": 20000,
    "summary": 5000,
    "audience": 2000,
}


def text_limit(key: str) -> int:
    """The most characters a text value at ``key`` may have."""
    last = key.rsplit(".", 1)[-1].split("[", 1)[0]
    return TEXT_LIMITS.get(last, MAX_TEXT)


def read_limited(path: Path, limit: int, *, source: str | None = None, key: str | None = None) -> bytes:
    """The bytes of ``path``, or an :class:`InputError` when it holds more than ``limit`` bytes.

    Reads at most ``limit + 1`` bytes, so an endless or huge file costs no more than that.
    ``OSError`` is left to the caller, which knows how to name the file.
    """
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(
            f"is larger than {limit // MB} MB, the most this command reads; is it the right file?",
            source=source or str(path),
            key=key,
        )
    return data
