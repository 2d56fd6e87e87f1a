"""The people: ``[[trainers]]``, ``[[participants]]`` and the roster CSV named by ``course.roster``."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InputError
from ..limits import MAX_ROSTER_BYTES, read_limited
from ..models import GENDERS, LANGUAGES, Participant, Trainer
from .keys import PARTICIPANT_KEYS
from .reader import Reader, Skip

__all__ = ["check_unique_people", "read_person", "read_roster"]

P = TypeVar("P", Trainer, Participant)

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
#: Folders outside a course's own from which its roster may be read (separated like PATH).
ROSTER_DIRS_VARIABLE = "TA_DELIVERY_ROSTER_DIRS"
#: The columns a roster's header must name (the required keys of a participant).
REQUIRED_COLUMNS = ("id", "name", "email", "timezone")


def read_person(
    r: Reader,
    cls: type[P],
    entry: Mapping[str, Any],
    prefix: str,
    allowed: Sequence[str],
    seen: set[str] | None = None,
    ids: list[tuple[str, str]] | None = None,
) -> P:
    """One person; their id goes into ``seen`` and ``(id, key)`` into ``ids`` even when another key has a
    problem, so that a duplicate id is reported in the same run as that problem."""
    r.only(entry, allowed, prefix)
    mark = r.mark()
    pid = r.get(lambda: r.ident(r.required(entry, "id", prefix), f"{prefix}.id"), "")
    if pid and seen is not None:
        seen.add(pid)
    if pid and ids is not None:
        ids.append((pid, prefix))
    name = r.get(lambda: r.text(r.required(entry, "name", prefix), f"{prefix}.name"), "")
    email = r.get(lambda: r.email(r.required(entry, "email", prefix), f"{prefix}.email"), "")
    tzname = r.get(lambda: r.timezone(r.required(entry, "timezone", prefix), f"{prefix}.timezone"), "UTC")
    hours = None
    if entry.get("working_hours") is not None:
        hours = r.get(lambda: r.hours(entry["working_hours"], f"{prefix}.working_hours"), None)
    days = None
    if entry.get("working_days") is not None:
        days = r.get(lambda: r.days(entry["working_days"], f"{prefix}.working_days"), None)
    language = None
    if entry.get("language") is not None:
        language = r.get(lambda: r.choice(entry["language"], f"{prefix}.language", LANGUAGES), None)
    extra: dict[str, Any] = {}
    if entry.get("country") is not None:
        country = r.get(lambda: _country(r, entry["country"], f"{prefix}.country"), None)
        if country is not None:
            extra["country"] = country
    if entry.get("organisation") is not None:
        organisation = r.get(lambda: r.text(entry["organisation"], f"{prefix}.organisation"), None)
        if organisation is not None:
            extra["organisation"] = organisation
    if entry.get("centre") is not None:
        centre = r.get(lambda: r.ident(entry["centre"], f"{prefix}.centre"), None)
        if centre is not None:
            extra["centre"] = centre
    if entry.get("gender") is not None:
        gender = r.get(lambda: r.choice(entry["gender"], f"{prefix}.gender", GENDERS), None)
        if gender is not None:
            extra["gender"] = gender
    r.since(mark)
    return r.build(
        prefix,
        lambda: cls(
            id=pid,
            name=name,
            email=email,
            timezone=tzname,
            working_hours=hours,
            working_days=days,
            language=language,
            **extra,
        ),
    )


def _country(r: Reader, value: object, key: str) -> str:
    country = r.text(value, key)
    if not _COUNTRY.match(country):
        r.fail(key, f"{country!r} is not an ISO 3166-1 alpha-2 code such as JM")
    return country.upper()


def read_roster(
    r: Reader, value: object, seen: set[str], ids: list[tuple[str, str, str]] | None = None
) -> list[tuple[Participant, str, str]]:
    """The participants of the roster CSV with their key and ``'file' line N``; each bad row is reported.

    ``ids`` receives ``(id, key, 'file' line N)`` of every row whose id reads, bad rows included.
    """
    name = r.text(value, "course.roster")
    path = r.base / name
    _inside_allowed(r, path)
    try:
        if path.exists() and not path.is_file():  # a pipe or device would block or never end
            r.fail("course.roster", f"roster {str(path)!r} is not a regular file")
        raw = read_limited(path, MAX_ROSTER_BYTES)
    except InputError as exc:
        r.fail("course.roster", f"roster {str(path)!r} {exc.message}")
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        r.fail("course.roster", f"cannot read roster {str(path)!r}: {getattr(exc, 'strerror', None) or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        r.fail("course.roster", f"roster {name!r} is not UTF-8 text")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []  # the CSV line each row starts on, for messages
    try:
        end = 0
        for row in reader:
            lines.append(end + 1)
            end = reader.line_num
            rows.append(row)
    except csv.Error as exc:
        r.fail("roster", f"{name!r} line {reader.line_num}: {exc}")
    if not rows:
        r.fail("course.roster", f"roster {name!r} is empty: it needs a header row")
    header = [h.strip() for h in rows[0]]
    if not any(col in PARTICIPANT_KEYS for col in header):  # not a roster: never echo its first line
        r.fail(
            "course.roster",
            f"{name!r} is not a roster CSV: its header row names none of the columns "
            f"{', '.join(REQUIRED_COLUMNS)}",
        )
    mark = r.mark()
    for col in header:
        if col not in PARTICIPANT_KEYS:
            r.note("roster", f"unknown column {col!r} in {name!r} (expected: {', '.join(PARTICIPANT_KEYS)})")
    if len(set(header)) != len(header):
        r.note("roster", f"a column is repeated in the header of {name!r}")
    r.since(mark)
    people: list[tuple[Participant, str, str]] = []
    index = 0
    for i, row in enumerate(rows[1:]):
        if not any(cell.strip() for cell in row):
            continue
        prefix = f"roster[{index}]"
        index += 1
        where = f"{name!r} line {lines[i + 1]}"
        if len(row) != len(header):
            r.note(prefix, f"{where} has {len(row)} cells, the header {len(header)}")
            continue
        entry = {col: cell.strip() for col, cell in zip(header, row, strict=True) if cell.strip()}
        mark = r.mark()
        row_ids: list[tuple[str, str]] = []
        with contextlib.suppress(Skip):
            people.append(
                (read_person(r, Participant, entry, prefix, PARTICIPANT_KEYS, seen, row_ids), prefix, where)
            )
        if ids is not None:
            ids.extend((pid, key, where) for pid, key in row_ids)
        for n in range(mark, len(r.problems)):  # name the roster file and line, not only the course file
            bad = r.problems[n]
            r.problems[n] = InputError(f"{bad.message} ({where})", source=bad.source, key=bad.key)
    return people


def _inside_allowed(r: Reader, path: Path) -> None:
    """Refuse a roster outside the course's folder, unless ``TA_DELIVERY_ROSTER_DIRS`` lists its folder.

    A course file names files to read; without this a course file from elsewhere could make the tool
    read (and quote in errors) any file the user can read.
    """
    try:
        where = path.resolve()
        allowed = [r.base.resolve()]
        extra = os.environ.get(ROSTER_DIRS_VARIABLE, "")
        allowed += [Path(d).expanduser().resolve() for d in extra.split(os.pathsep) if d.strip()]
    except (OSError, ValueError, RuntimeError):
        return  # an unreadable path is reported by the read itself
    if not any(where.is_relative_to(folder) for folder in allowed):
        r.fail(
            "course.roster",
            f"the roster {str(path)!r} is outside the course's folder; move it beside the course file, or "
            f"allow its folder with {ROSTER_DIRS_VARIABLE}",
        )


def check_unique_people(r: Reader, ids: Sequence[tuple[str, str, str]]) -> None:
    """Person ids are unique among trainers, ``[[participants]]`` and roster rows.

    ``ids`` holds each person's id with their key (``trainers[0]``) and a note on where (a roster line),
    people with other mistakes included, so that every problem is reported in one run.
    """
    seen: dict[str, str] = {}
    for pid, prefix, where in ids:
        key = f"{prefix}.id"
        if pid in seen:
            note = f" ({where})" if where else ""
            r.note(key, f"duplicate person id {pid!r} (also {seen[pid]}){note}")
            continue
        seen[pid] = key
