"""Time zones from the pinned ``tzdata`` package, and UTC instants.

Times are instants inside (timezone-aware UTC); zones are for people, and for reading local times in a
course file. Every zone name is looked up here, so results do not depend on the machine.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from datetime import UTC, datetime
from typing import IO
from zoneinfo import ZoneInfo

__all__ = ["known_zones", "utc", "zone"]


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` from the pinned ``tzdata`` package; ``ValueError`` if unknown.

    The machine's own zone files are not consulted, so results do not depend on the machine, and names
    that are files but not zones there (``localtime``, ``posixrules``) are refused.
    """
    if not isinstance(name, str) or name not in known_zones():
        raise ValueError(f"{name!r} is not an IANA time zone")
    return _zone(name)


@functools.cache
def known_zones() -> frozenset[str]:
    """Every zone name (canonical and backward links) of the pinned ``tzdata`` release."""
    with _tzdata("zones") as data:
        listed = data.read().decode("utf-8")
    return frozenset(listed.split()) - {"Factory"}


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    # cached strongly: ZoneInfo.from_file objects are not cached by zoneinfo itself
    with _tzdata("zoneinfo", *name.split("/")) as data:
        return ZoneInfo.from_file(data, key=name)


def _tzdata(*parts: str) -> IO[bytes]:
    """A file of the ``tzdata`` package, opened for reading.

    Straight from the package's folder when it is installed as files (the usual case): importing
    ``importlib.resources`` would cost a light command about a twentieth of its start (decision 0082).
    A package in a zip file or the like is read through ``importlib.resources``.
    """
    folder = _tzdata_folder()
    if folder is not None:
        return open(os.path.join(folder, *parts), "rb")
    from importlib.resources import files

    return files("tzdata").joinpath(*parts).open("rb")


@functools.cache
def _tzdata_folder() -> str | None:
    """The ``tzdata`` package's one folder, or ``None`` where it is not installed as files.

    Found once: a course reads a zone file per zone, and each search walked ``sys.path`` again.
    """
    spec = importlib.util.find_spec("tzdata")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    return folders[0] if len(folders) == 1 and os.path.isdir(folders[0]) else None


def utc(value: datetime) -> datetime:
    """``value`` as UTC (it must be aware)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)
