"""The installed plugins' entry points, read from the files the packaging standards define.

Why not ``importlib.metadata``: importing it (with the email package it parses metadata with) and its scan
cost ``check`` about an eighth of its start (docs/performance.md). What it finds on an ordinary path is
simple to find directly: every ``*.dist-info`` or ``*.egg-info`` folder of each ``sys.path`` folder, in
the order it searches them, the first of each normalized name winning; its ``entry_points.txt`` (INI
sections of ``name = value``); the ``Name`` and ``Version`` headers of its ``METADATA`` (``PKG-INFO``).

Wherever the path holds more than that (a zip file, an ``.egg``, another finder of distributions, a
file this reading would take differently), and whenever ``importlib.metadata`` is already loaded (by a
host application or a test, which may also have replaced it), :func:`entry_points` returns what
``importlib.metadata`` finds. tests/test_entrypoints.py checks that both agree.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterator
from functools import reduce
from typing import Any

__all__ = ["EntryPoint", "entry_points"]

#: As ``importlib.metadata.EntryPoint.pattern``: ``module[:attr.attr][ [extras]]``.
_REFERENCE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")
_INFO = (".dist-info", ".egg-info")


class _Unusual(Exception):
    """Something this reading does not handle as ``importlib.metadata`` would: let it read instead."""


class EntryPoint:
    """One entry point and the distribution that declares it (what the plugin manager needs of one)."""

    __slots__ = ("dist_name", "group", "name", "value", "version")

    def __init__(self, name: str, value: str, group: str, dist_name: str | None, version: str | None) -> None:
        self.name = name
        self.value = value
        self.group = group
        self.dist_name = dist_name
        self.version = version

    def __repr__(self) -> str:
        return f"EntryPoint({self.name!r}, {self.value!r}, group={self.group!r}, dist={self.dist_name!r})"

    def load(self) -> Any:
        """Import the module the value names and return the attribute it names (or the module)."""
        match = _REFERENCE.match(self.value)
        if match is None:
            raise ValueError(f"{self.value!r} is not a module[:attribute] reference")
        module = importlib.import_module(match.group("module"))
        names = filter(None, (match.group("attr") or "").split("."))
        return reduce(getattr, names, module)


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of the installed distributions, as ``importlib.metadata`` orders them."""
    if "importlib.metadata" not in sys.modules:
        try:
            return _scan(group)
        except _Unusual:
            pass
    return _from_importlib(group)


def _scan(group: str) -> list[EntryPoint]:
    """:func:`entry_points` read from the files; :class:`_Unusual` where importlib.metadata must read."""
    return [ep for found in _distributions() for ep in _read_entry_points(found, group)]


def _normalize(name: str) -> str:
    """PEP 503's normalized name with ``_`` for ``-``: runs of ``-``, ``_`` and ``.`` become one ``_``.

    Plain string operations: it runs for every folder of every path entry, at every start.
    """
    joined = name.lower().replace("-", "_").replace(".", "_")
    while "__" in joined:
        joined = joined.replace("__", "_")
    return joined


def _distributions() -> Iterator[tuple[str, str]]:
    """(metadata folder, normalized name) of each distribution on ``sys.path``, first of a name only."""
    for finder in sys.meta_path:
        if getattr(finder, "find_distributions", None) is not None and finder is not _path_finder():
            raise _Unusual(f"distributions found by {finder!r}")
    seen: set[str] = set()
    for entry in sys.path:
        root = entry or "."
        if os.path.basename(root).lower().endswith(".egg"):
            raise _Unusual(f"an egg on the path: {root}")
        try:
            children = os.listdir(root)
        except NotADirectoryError:
            raise _Unusual(f"a file on the path (zip?): {root}") from None
        except OSError:
            continue  # as importlib.metadata: a path entry that cannot be listed holds nothing
        by_name: dict[str, list[str]] = {}
        for child in children:
            low = child.lower()
            if low.endswith(_INFO):
                by_name.setdefault(_normalize(low.rpartition(".")[0].partition("-")[0]), []).append(child)
        for infos in by_name.values():
            for child in infos:
                if os.path.splitext(child)[1] not in _INFO:
                    raise _Unusual(f"a metadata folder spelled otherwise: {child}")
                normalized = _normalize(os.path.splitext(child)[0].partition("-")[0])
                if normalized not in seen:
                    seen.add(normalized)
                    yield os.path.join(root, child), normalized


def _path_finder() -> object:
    import importlib.machinery

    return importlib.machinery.PathFinder


def _read(folder: str, name: str) -> str | None:
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            return fh.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return None
    except UnicodeDecodeError:
        raise _Unusual(f"not UTF-8: {folder}/{name}") from None


def _read_entry_points(found: tuple[str, str], group: str) -> Iterator[EntryPoint]:
    folder = found[0]
    text = _read(folder, "entry_points.txt")
    if not text:
        return
    section: str | None = None
    points: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is None:
            continue
        if "=" not in line:
            raise _Unusual(f"an entry point line without '=' in {folder}")
        if section == group:
            key, value = line.split("=", 1)
            points.append((key.strip(), value.strip()))
    if points:
        dist_name, version = _headers(folder)
        yield from (EntryPoint(key, value, group, dist_name, version) for key, value in points)


def _headers(folder: str) -> tuple[str | None, str | None]:
    """The ``Name`` and ``Version`` headers of the metadata (the first of each, as the email parser reads)."""
    text = _read(folder, "METADATA") or _read(folder, "PKG-INFO")
    if text is None:
        raise _Unusual(f"no METADATA in {folder}")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        if line[0] in " \t":
            continue  # a folded header's continuation: never Name or Version
        key, colon, value = line.partition(":")
        if not colon:
            raise _Unusual(f"a header line without ':' in {folder}")
        found.setdefault(key.lower(), value.lstrip(" \t"))
    return found.get("name"), found.get("version")


def _from_importlib(group: str) -> list[EntryPoint]:
    from importlib import metadata

    points: list[EntryPoint] = []
    for ep in metadata.entry_points(group=group):
        meta = ep.dist.metadata if ep.dist is not None else None
        name = meta["Name"] if meta is not None else None
        version = meta["Version"] if meta is not None else None
        points.append(EntryPoint(ep.name, ep.value, ep.group, name, version))
    return points
