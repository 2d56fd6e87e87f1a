"""The sessions: ``[[sessions]]`` one by one, and ``[[series]]`` expanded into numbered sessions."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..limits import text_limit
from ..models import SESSION_KINDS, Session
from ..weekdays import day_number
from .centres import url
from .keys import SERIES_KEYS, SESSION_KEYS
from .reader import MAX_YEAR, Reader, Skip, kind, local_to_utc
from .rules import MAX_MINUTES
from .series import occurrences

__all__ = ["MAX_EVERY_DAYS", "MAX_SERIES", "read_series", "read_session"]

#: Bounds that keep a typo from exhausting memory or overflowing dates.
MAX_SERIES = 999  # sessions in one series (ids up to three digits)
MAX_EVERY_DAYS = 366
_NO_IDS: tuple[str, ...] = ()


def id_list(
    r: Reader, value: object, key: str, known: Collection[str], what: str, other: Collection[str]
) -> tuple[str, ...]:
    """Ids of ``what`` (trainer, participant), each known and listed once; every bad one is reported."""
    ids = r.strings(value, key)
    mark = r.mark()
    seen: set[str] = set()
    for i, pid in enumerate(ids):
        if pid in seen:
            r.note(f"{key}[{i}]", f"{pid!r} is listed twice")
        seen.add(pid)
        with contextlib.suppress(Skip):
            r.known_id(pid, f"{key}[{i}]", known, what, other)
    r.since(mark)
    return tuple(ids)


def session_parts(
    r: Reader,
    entry: Mapping[str, Any],
    prefix: str,
    trainer_ids: Collection[str],
    participant_ids: Collection[str],
) -> dict[str, Any]:
    """The keys a session and a series share: minutes, kind, trainers, participants, provider..."""
    mark = r.mark()
    parts: dict[str, Any] = {
        "minutes": r.get(
            lambda: r.positive_int(r.required(entry, "minutes", prefix), f"{prefix}.minutes", MAX_MINUTES), 1
        ),
        "kind": r.get(lambda: r.choice(entry.get("kind", "live"), f"{prefix}.kind", SESSION_KINDS), "live"),
        "trainers": r.get(
            lambda: id_list(
                r, entry.get("trainers", []), f"{prefix}.trainers", trainer_ids, "trainer", participant_ids
            ),
            _NO_IDS,
        ),
        "participants": None,
        "provider": None,
        "description": None,
    }
    if "participants" in entry:
        parts["participants"] = r.get(
            lambda: id_list(
                r,
                entry["participants"],
                f"{prefix}.participants",
                participant_ids,
                "participant",
                trainer_ids,
            ),
            None,
        )
    if "provider" in entry:
        parts["provider"] = r.get(lambda: r.provider(entry["provider"], f"{prefix}.provider"), None)
    if "description" in entry:
        value = entry["description"]
        key = f"{prefix}.description"
        if not isinstance(value, str):
            r.note(key, f"must be a string, got {kind(value)}")
        elif len(value) > text_limit(key):
            r.note(key, f"is {len(value)} characters long; at most {text_limit(key)} are allowed")
        else:
            parts["description"] = value
    r.since(mark)
    return parts


def read_session(
    r: Reader,
    entry: Mapping[str, Any],
    prefix: str,
    tz: ZoneInfo,
    trainer_ids: Collection[str],
    participant_ids: Collection[str],
) -> Session:
    """One ``[[sessions]]`` table."""
    r.only(entry, SESSION_KEYS, prefix)
    mark = r.mark()
    sid = r.get(lambda: r.ident(r.required(entry, "id", prefix), f"{prefix}.id"), "")
    title = r.get(lambda: r.text(r.required(entry, "title", prefix), f"{prefix}.title"), "")
    start = r.get(lambda: r.instant(r.required(entry, "start", prefix), f"{prefix}.start", tz), None)
    parts: dict[str, Any] = r.get(lambda: session_parts(r, entry, prefix, trainer_ids, participant_ids), {})
    if "recording_url" in entry:
        parts["recording_url"] = r.get(
            lambda: url(r, entry["recording_url"], f"{prefix}.recording_url"), None
        )
    r.since(mark)
    assert start is not None
    return r.build(prefix, lambda: Session(id=sid, title=title, start=start, **parts))


def read_series(
    r: Reader,
    entry: Mapping[str, Any],
    prefix: str,
    tz: ZoneInfo,
    trainer_ids: Collection[str],
    participant_ids: Collection[str],
) -> list[Session]:
    """One ``[[series]]`` table: its sessions at the same local time, skipped dates left out."""
    r.only(entry, SERIES_KEYS, prefix)
    mark = r.mark()
    sid = r.get(lambda: r.ident(r.required(entry, "id", prefix), f"{prefix}.id"), "")
    title = r.get(lambda: r.text(r.required(entry, "title", prefix), f"{prefix}.title"), "")
    first_key = f"{prefix}.first_start"
    first = r.get(lambda: _first_start(r, entry, prefix, tz), None)
    every: int | None = None
    weekdays: frozenset[int] | None = None
    if "weekdays" in entry:
        weekdays = r.get(lambda: _weekdays(r, entry["weekdays"], f"{prefix}.weekdays"), frozenset(range(7)))
        if "every_days" in entry:
            r.note(
                f"{prefix}.every_days",
                "a series has either every_days or weekdays, not both: remove one of them",
            )
    else:
        every = r.get(
            lambda: r.positive_int(entry.get("every_days", 7), f"{prefix}.every_days", MAX_EVERY_DAYS), 7
        )
    count = r.get(
        lambda: r.positive_int(r.required(entry, "count", prefix), f"{prefix}.count", MAX_SERIES), 1
    )
    last_id = f"{sid}{count:02d}"
    if len(last_id) > 64:
        r.note(f"{prefix}.id", f"{sid!r} is too long: session ids such as {last_id!r} exceed 64 characters")
    skip: set[date] = r.get(lambda: _skip_dates(r, entry.get("skip", []), f"{prefix}.skip"), set())
    parts: dict[str, Any] = r.get(lambda: session_parts(r, entry, prefix, trainer_ids, participant_ids), {})
    r.since(mark)
    assert first is not None
    first_local, first_instant = first
    days = occurrences(first_local.date(), count, every_days=every, weekdays=weekdays, skip=skip)
    sessions: list[Session] = []
    for n, day in enumerate(days, start=1):
        local = datetime.combine(day, first_local.time())
        if local.year > MAX_YEAR:
            r.fail(
                f"{prefix}.count",
                f"session {n} of the series would fall on {local.date()}, past the year {MAX_YEAR}; "
                "start the series earlier or hold fewer sessions",
            )
        try:
            start = first_instant if first_instant and local == first_local else local_to_utc(local, tz)
        except ValueError as exc:
            r.fail(
                first_key,
                f"session {n} of the series: {exc}; choose another time of day, skip {local.date()}, "
                "or write that session as a [[sessions]] table with an offset date-time",
            )
        session_id = f"{sid}{n:02d}"
        sessions.append(
            r.build(
                prefix,
                functools.partial(
                    Session, id=session_id, title=f"{title} ({n}/{count})", start=start, **parts
                ),
            )
        )
    return sessions


def _weekdays(r: Reader, value: object, key: str) -> frozenset[int]:
    """``weekdays = ["mon", "wed", "fri"]``: local weekdays of a series, each reported if unknown."""
    if isinstance(value, str):
        r.fail(key, f'must be an array of day names such as ["mon", "wed", "fri"], got the string {value!r}')
    names = r.strings(value, key)
    if not names:
        r.fail(key, 'must list at least one day, such as ["mon", "wed", "fri"]')
    mark = r.mark()
    days: set[int] = set()
    for i, name in enumerate(names):
        try:
            days.add(day_number(name))
        except ValueError as exc:
            r.note(f"{key}[{i}]", str(exc))
    r.since(mark)
    return frozenset(days)


def _first_start(
    r: Reader, entry: Mapping[str, Any], prefix: str, tz: ZoneInfo
) -> tuple[datetime, datetime | None]:
    """The series' first local wall time, and its exact instant when written with an offset."""
    key = f"{prefix}.first_start"
    first = r.local_datetime(r.required(entry, "first_start", prefix), key)
    r.instant(first, key, tz)  # a local one exists exactly once
    # an offset first_start names its instant exactly, even in a fold; later ones keep its wall time
    if first.tzinfo is not None:
        return first.astimezone(tz).replace(tzinfo=None), first.astimezone(UTC)
    return first, None


def _skip_dates(r: Reader, value: object, key: str) -> set[date]:
    if not isinstance(value, list):
        r.fail(key, f"must be an array of dates, got {kind(value)}")
    skip: set[date] = set()  # a date on which no occurrence falls is harmless (a holiday list)
    mark = r.mark()
    for i, day in enumerate(value):
        if not isinstance(day, date) or isinstance(day, datetime):
            hint = ""
            if isinstance(day, str):
                from .hints import quoted_date_hint

                fixed = quoted_date_hint(day, want_time=False)
                hint = f": write it unquoted, {fixed} (dates take no quotes)" if fixed else ""
            r.note(f"{key}[{i}]", f"must be a TOML local date like 2027-10-06, got {kind(day)}{hint}")
            continue
        skip.add(day)
    r.since(mark)
    return skip
