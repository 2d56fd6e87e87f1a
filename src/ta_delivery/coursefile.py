"""Read a course file (TOML, PRODUCT.md section 1) into a :class:`~ta_delivery.models.Course`.

Every problem is an :class:`~ta_delivery.errors.InputError` naming the file (as given) and the key
path. Array entries are indexed from 0 in file order, like TOML arrays: ``sessions[0]`` is the first
``[[sessions]]`` table, ``roster[0]`` the first data row of the roster CSV (the row after the header).

Reading never changes anything anywhere: it only reads the file and its roster.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

from .errors import InputError
from .evaluation.reader import read_evaluation
from .models import (
    ACTIVITY_KINDS,
    GENDERS,
    LANGUAGES,
    LEVELS,
    SCOPES,
    SESSION_KINDS,
    SEVERITIES,
    STATUSES,
    AttendancePolicy,
    Course,
    LmsSettings,
    Organizer,
    Participant,
    Rules,
    Session,
    Trainer,
    WorkingHours,
    is_email,
    zone,
)
from .plugins import Plugins, make_plugin_manager

__all__ = ["load_course", "local_to_utc", "parse_course"]

T = TypeVar("T")
P = TypeVar("P", Trainer, Participant)

_COURSE_ID = re.compile(r"^[a-z0-9-]{1,64}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")

TOP_LEVEL = (
    "course",
    "rules",
    "attendance",
    "trainers",
    "participants",
    "sessions",
    "series",
    "lms",
    "evaluation",
)
COURSE_KEYS = (
    "id",
    "title",
    "kind",
    "scope",
    "level",
    "language",
    "timezone",
    "provider",
    "status",
    "organizer",
    "prerequisites",
    "roster",
)
RULES_KEYS = ("max_live_minutes", "max_live_sessions_per_day", "working_hours", "severity")
ATTENDANCE_KEYS = ("late_after_minutes", "present_fraction", "partial_fraction", "completion_fraction")
TRAINER_KEYS = ("id", "name", "email", "timezone", "working_hours", "language")
PARTICIPANT_KEYS = (*TRAINER_KEYS, "country", "organisation", "gender")
SESSION_KEYS = (
    "id",
    "title",
    "start",
    "minutes",
    "kind",
    "trainers",
    "participants",
    "provider",
    "description",
)
SERIES_KEYS = (
    "id",
    "title",
    "first_start",
    "minutes",
    "every_days",
    "count",
    "skip",
    "kind",
    "trainers",
    "participants",
    "provider",
    "description",
)
#: Bounds that keep a typo from exhausting memory or overflowing dates.
MAX_MINUTES = 7 * 24 * 60  # a session lasts at most a week
MAX_SERIES = 999  # sessions in one series (ids up to three digits)
MAX_EVERY_DAYS = 366
MIN_YEAR, MAX_YEAR = 1970, 8000  # a series of 999 x 366 days stays below 9999
LMS_KEYS = ("provider", "course", "attendance", "require_prerequisites")


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of the naive wall time ``local`` in ``tz``.

    ``ValueError`` when the wall time does not exist (a DST gap) or exists twice (a DST fold).
    """
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != local:
            raise ValueError(f"{local.isoformat()} does not exist in {tz.key} (the clocks skip it)")
        raise ValueError(f"{local.isoformat()} happens twice in {tz.key} (the clocks go back)")
    return first.astimezone(UTC)


class _Reader:
    """State shared while reading one file: its path, its directory and the plugin registries."""

    def __init__(self, source: str, base: Path, plugins: Plugins) -> None:
        self.source = source
        self.base = base
        self.providers = dict(plugins.providers)
        self.rules = dict(plugins.rules)
        self.lms = dict(plugins.lms)
        self.roster_lines: list[str] = []  # where each roster participant was read, for messages

    # --- primitives ------------------------------------------------------------------------------

    def fail(self, key: str | None, message: str) -> NoReturn:
        raise InputError(message, source=self.source, key=key)

    def table(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, got {_kind(value)}")
        return value

    def only(self, table: Mapping[str, Any], allowed: Sequence[str], prefix: str) -> None:
        for name in table:
            if name not in allowed:
                self.fail(
                    _join(prefix, name), f"unknown key {name!r} (expected one of: {', '.join(allowed)})"
                )

    def required(self, table: Mapping[str, Any], name: str, prefix: str) -> Any:
        if name not in table:
            self.fail(_join(prefix, name), f"required key {name!r} is missing")
        return table[name]

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, f"must be a string, got {_kind(value)}")
        if not value.strip():
            self.fail(key, "must not be empty")
        return value

    def choice(self, value: object, key: str, choices: Sequence[str]) -> str:
        if not isinstance(value, str) or value not in choices:
            self.fail(key, f"{value!r} is not one of: {', '.join(choices)}")
        return value

    def positive_int(self, value: object, key: str, most: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be a whole number, got {_kind(value)}")
        if value <= 0:
            self.fail(key, f"must be greater than 0, got {value}")
        if most is not None and value > most:
            self.fail(key, f"must be at most {most}, got {value}")
        return value

    def number(self, value: object, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"must be a number, got {_kind(value)}")
        return float(value)

    def boolean(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, got {_kind(value)}")
        return value

    def strings(self, value: object, key: str) -> list[str]:
        if not isinstance(value, list):
            self.fail(key, f"must be an array of strings, got {_kind(value)}")
        out: list[str] = []
        for i, item in enumerate(value):
            out.append(self.text(item, f"{key}[{i}]"))
        return out

    def timezone(self, value: object, key: str) -> str:
        name = self.text(value, key)
        try:
            zone(name)
        except ValueError:
            self.fail(key, f"{name!r} is not an IANA time zone (for example Europe/Zurich)")
        return name

    def email(self, value: object, key: str) -> str:
        text = self.text(value, key)
        if not is_email(text):
            self.fail(key, f"{text!r} is not an email address")
        return text

    def hours(self, value: object, key: str) -> WorkingHours:
        text = self.text(value, key)
        try:
            return WorkingHours.parse(text)
        except ValueError:
            self.fail(key, f"{text!r} is not a working window HH:MM-HH:MM with the start before the end")

    def ident(self, value: object, key: str) -> str:
        text = self.text(value, key)
        if len(text) > 64 or any(c.isspace() for c in text):
            self.fail(key, f"{text!r} is not an id (1-64 characters, no spaces)")
        return text

    def provider(self, value: object, key: str) -> str:
        name = self.text(value, key)
        if name not in self.providers:
            known = ", ".join(sorted(self.providers)) or "none"
            self.fail(key, f"unknown classroom provider {name!r} (installed: {known})")
        return name

    def build(self, key: str, make: Callable[[], T]) -> T:
        """Run a model constructor, turning its ``ValueError`` into an input error at ``key``."""
        try:
            return make()
        except (ValueError, TypeError) as exc:
            self.fail(key, str(exc))

    def instant(self, value: object, key: str, tz: ZoneInfo) -> datetime:
        """A TOML date-time: local ones are read in ``tz``, offset ones converted to UTC."""
        if not isinstance(value, datetime):
            hint = " (write it unquoted, like 2027-08-10T10:00:00)" if isinstance(value, str) else ""
            self.fail(key, f"must be a TOML date-time, got {_kind(value)}{hint}")
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            self.fail(key, f"{value.isoformat()} is not between the years {MIN_YEAR} and {MAX_YEAR}")
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        try:
            return local_to_utc(value, tz)
        except ValueError as exc:
            self.fail(key, f"{exc}; write an offset date-time such as {_offset_hint(value, tz)}")

    # --- sections --------------------------------------------------------------------------------

    def read(self, data: dict[str, Any]) -> Course:
        for name in data:
            if name not in TOP_LEVEL and name not in self.providers:
                self.fail(name, f"unknown table {name!r} (not a course-file table nor an installed provider)")
        course_t = self.table(self.required(data, "course", ""), "course")
        self.only(course_t, COURSE_KEYS, "course")
        cid = self.text(self.required(course_t, "id", "course"), "course.id")
        if not _COURSE_ID.match(cid):
            self.fail("course.id", f"{cid!r} must be 1-64 characters of a-z, 0-9 and '-'")
        title = self.text(self.required(course_t, "title", "course"), "course.title")
        tzname = self.timezone(self.required(course_t, "timezone", "course"), "course.timezone")
        tz = zone(tzname)
        org_t = self.table(self.required(course_t, "organizer", "course"), "course.organizer")
        self.only(org_t, ("name", "email"), "course.organizer")
        organizer = Organizer(
            name=self.text(self.required(org_t, "name", "course.organizer"), "course.organizer.name"),
            email=self.email(self.required(org_t, "email", "course.organizer"), "course.organizer.email"),
        )
        kind = self.choice(course_t.get("kind", "course"), "course.kind", ACTIVITY_KINDS)
        scope = course_t.get("scope")
        if scope is not None:
            scope = self.choice(scope, "course.scope", SCOPES)
        level = course_t.get("level")
        if level is not None:
            level = self.choice(level, "course.level", LEVELS)
        language = self.choice(course_t.get("language", "en"), "course.language", LANGUAGES)
        provider = self.provider(course_t.get("provider", "jitsi"), "course.provider")
        status = self.choice(course_t.get("status", "scheduled"), "course.status", STATUSES)
        prerequisites = tuple(self.strings(course_t.get("prerequisites", []), "course.prerequisites"))

        rules = self.read_rules(data.get("rules"))
        evaluation, problems = read_evaluation(data.get("evaluation"))
        if problems:
            self.fail(*problems[0])
        attendance = self.read_attendance(data.get("attendance"))

        trainers = [
            self.read_person(Trainer, entry, f"trainers[{i}]", TRAINER_KEYS)
            for i, entry in enumerate(self.array(data.get("trainers", []), "trainers"))
        ]
        participants = [
            self.read_person(Participant, entry, f"participants[{i}]", PARTICIPANT_KEYS)
            for i, entry in enumerate(self.array(data.get("participants", []), "participants"))
        ]
        inline = len(participants)
        if "roster" in course_t:
            participants.extend(self.read_roster(course_t["roster"]))
        self.check_unique_people(trainers, participants, inline)

        trainer_ids = {t.id for t in trainers}
        participant_ids = {p.id for p in participants}
        sessions: list[Session] = []
        session_keys: dict[str, str] = {}

        def add(session: Session, key: str) -> None:
            if session.id in session_keys:
                self.fail(key, f"duplicate session id {session.id!r} (also {session_keys[session.id]})")
            session_keys[session.id] = key
            sessions.append(session)

        for i, entry in enumerate(self.array(data.get("sessions", []), "sessions")):
            key = f"sessions[{i}]"
            add(self.read_session(entry, key, tz, trainer_ids, participant_ids), f"{key}.id")
        for i, entry in enumerate(self.array(data.get("series", []), "series")):
            key = f"series[{i}]"
            for session in self.read_series(entry, key, tz, trainer_ids, participant_ids):
                add(session, f"{key}.id")

        provider_options: dict[str, Mapping[str, Any]] = {}
        for name, spec in self.providers.items():
            if name in data and name not in TOP_LEVEL:
                options = self.table(data[name], name)
                try:
                    provider_options[name] = spec.parse_options(options)
                except InputError as exc:
                    raise InputError(exc.message, source=self.source, key=_within(name, exc.key)) from exc

        lms = self.read_lms(data.get("lms"))
        return self.build(
            "course",
            lambda: Course(
                id=cid,
                title=title,
                timezone=tzname,
                organizer=organizer,
                kind=kind,
                scope=scope,
                level=level,
                language=language,
                provider=provider,
                status=status,
                prerequisites=prerequisites,
                rules=rules,
                attendance=attendance,
                trainers=tuple(trainers),
                participants=tuple(participants),
                sessions=tuple(sessions),
                provider_options=provider_options,
                lms=lms,
                evaluation=evaluation,
                source=self.source,
            ),
        )

    def array(self, value: object, key: str) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            self.fail(key, f"must be an array of tables ([[{key}]]), got {_kind(value)}")
        return [self.table(item, f"{key}[{i}]") for i, item in enumerate(value)]

    def read_rules(self, value: object) -> Rules:
        if value is None:
            return Rules()
        table = self.table(value, "rules")
        self.only(table, RULES_KEYS, "rules")
        default = Rules()
        max_minutes = self.positive_int(
            table.get("max_live_minutes", default.max_live_minutes), "rules.max_live_minutes"
        )
        max_per_day = self.positive_int(
            table.get("max_live_sessions_per_day", default.max_live_sessions_per_day),
            "rules.max_live_sessions_per_day",
        )
        hours = default.working_hours
        if "working_hours" in table:
            hours = self.hours(table["working_hours"], "rules.working_hours")
        severity: dict[str, Any] = {}
        for rule, sev in self.table(table.get("severity", {}), "rules.severity").items():
            key = f"rules.severity.{rule}"
            if rule not in self.rules:
                known = ", ".join(sorted(self.rules)) or "none"
                self.fail(key, f"unknown rule {rule!r} (known rules: {known})")
            severity[rule] = self.choice(sev, key, SEVERITIES)
        return self.build(
            "rules",
            lambda: Rules(
                max_live_minutes=max_minutes,
                max_live_sessions_per_day=max_per_day,
                working_hours=hours,
                severity=severity,
            ),
        )

    def read_attendance(self, value: object) -> AttendancePolicy:
        if value is None:
            return AttendancePolicy()
        table = self.table(value, "attendance")
        self.only(table, ATTENDANCE_KEYS, "attendance")
        values: dict[str, float] = {}
        for name in ATTENDANCE_KEYS:
            if name in table:
                key = f"attendance.{name}"
                number = self.number(table[name], key)
                if name == "late_after_minutes":
                    if number < 0:
                        self.fail(key, f"must not be negative, got {table[name]}")
                    if number > MAX_MINUTES:
                        self.fail(key, f"must be at most {MAX_MINUTES}, got {table[name]}")
                elif not 0 <= number <= 1:
                    self.fail(key, f"must be between 0 and 1, got {table[name]}")
                values[name] = number
        if values.get("partial_fraction", 0.25) > values.get("present_fraction", 0.75):
            self.fail("attendance.partial_fraction", "must not exceed attendance.present_fraction")
        return self.build("attendance", lambda: AttendancePolicy(**values))

    def read_person(self, cls: type[P], entry: Mapping[str, Any], prefix: str, allowed: Sequence[str]) -> P:
        self.only(entry, allowed, prefix)
        pid = self.ident(self.required(entry, "id", prefix), f"{prefix}.id")
        name = self.text(self.required(entry, "name", prefix), f"{prefix}.name")
        email = self.email(self.required(entry, "email", prefix), f"{prefix}.email")
        tzname = self.timezone(self.required(entry, "timezone", prefix), f"{prefix}.timezone")
        hours = None
        if entry.get("working_hours") is not None:
            hours = self.hours(entry["working_hours"], f"{prefix}.working_hours")
        language = None
        if entry.get("language") is not None:
            language = self.choice(entry["language"], f"{prefix}.language", LANGUAGES)
        extra: dict[str, Any] = {}
        if entry.get("country") is not None:
            country = self.text(entry["country"], f"{prefix}.country")
            if not _COUNTRY.match(country):
                self.fail(f"{prefix}.country", f"{country!r} is not an ISO 3166-1 alpha-2 code such as JM")
            extra["country"] = country.upper()
        if entry.get("organisation") is not None:
            extra["organisation"] = self.text(entry["organisation"], f"{prefix}.organisation")
        if entry.get("gender") is not None:
            extra["gender"] = self.choice(entry["gender"], f"{prefix}.gender", GENDERS)
        return self.build(
            prefix,
            lambda: cls(
                id=pid,
                name=name,
                email=email,
                timezone=tzname,
                working_hours=hours,
                language=language,
                **extra,
            ),
        )

    def read_roster(self, value: object) -> list[Participant]:
        name = self.text(value, "course.roster")
        path = self.base / name
        try:
            if path.exists() and not path.is_file():  # a pipe or device would block or never end
                self.fail("course.roster", f"roster {str(path)!r} is not a regular file")
            raw = path.read_bytes()
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
            self.fail(
                "course.roster", f"cannot read roster {str(path)!r}: {getattr(exc, 'strerror', None) or exc}"
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.fail("course.roster", f"roster {name!r} is not UTF-8 text")
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
            self.fail("roster", f"{name!r} line {reader.line_num}: {exc}")
        if not rows:
            self.fail("course.roster", f"roster {name!r} is empty: it needs a header row")
        header = [h.strip() for h in rows[0]]
        for col in header:
            if col not in PARTICIPANT_KEYS:
                self.fail(
                    "roster",
                    f"unknown column {col!r} in {name!r} (expected: {', '.join(PARTICIPANT_KEYS)})",
                )
        if len(set(header)) != len(header):
            self.fail("roster", f"a column is repeated in the header of {name!r}")
        people: list[Participant] = []
        for i, row in enumerate(rows[1:]):
            if not any(cell.strip() for cell in row):
                continue
            prefix = f"roster[{len(people)}]"
            where = f"{name!r} line {lines[i + 1]}"
            if len(row) != len(header):
                self.fail(prefix, f"{where} has {len(row)} cells, the header {len(header)}")
            entry = {col: cell.strip() for col, cell in zip(header, row, strict=True) if cell.strip()}
            try:
                people.append(self.read_person(Participant, entry, prefix, PARTICIPANT_KEYS))
                self.roster_lines.append(where)
            except InputError as exc:  # name the roster file and line, not only the course file
                raise InputError(f"{exc.message} ({where})", source=exc.source, key=exc.key) from exc
        return people

    def check_unique_people(
        self, trainers: Sequence[Trainer], participants: Sequence[Participant], inline: int
    ) -> None:
        """Person ids are unique among trainers, ``[[participants]]`` and roster rows."""
        keys = [f"trainers[{i}].id" for i in range(len(trainers))]
        keys += [f"participants[{i}].id" for i in range(inline)]
        keys += [f"roster[{i}].id" for i in range(len(participants) - inline)]
        notes = [""] * (len(trainers) + inline) + [f" ({where})" for where in self.roster_lines]
        seen: dict[str, str] = {}
        for person, key, note in zip((*trainers, *participants), keys, notes, strict=True):
            if person.id in seen:
                self.fail(key, f"duplicate person id {person.id!r} (also {seen[person.id]}){note}")
            seen[person.id] = key

    def id_list(
        self, value: object, key: str, known: set[str], what: str, other: set[str]
    ) -> tuple[str, ...]:
        ids = self.strings(value, key)
        seen: set[str] = set()
        for i, pid in enumerate(ids):
            if pid not in known:
                hint = f" ({pid!r} is not a {what})" if pid in other else ""
                self.fail(f"{key}[{i}]", f"unknown {what} id {pid!r}{hint}")
            if pid in seen:
                self.fail(f"{key}[{i}]", f"{pid!r} is listed twice")
            seen.add(pid)
        return tuple(ids)

    def session_parts(
        self,
        entry: Mapping[str, Any],
        prefix: str,
        trainer_ids: set[str],
        participant_ids: set[str],
    ) -> dict[str, Any]:
        """The keys a session and a series share: minutes, kind, trainers, participants, provider..."""
        parts: dict[str, Any] = {
            "minutes": self.positive_int(
                self.required(entry, "minutes", prefix), f"{prefix}.minutes", MAX_MINUTES
            ),
            "kind": self.choice(entry.get("kind", "live"), f"{prefix}.kind", SESSION_KINDS),
            "trainers": self.id_list(
                entry.get("trainers", []), f"{prefix}.trainers", trainer_ids, "trainer", participant_ids
            ),
            "participants": None,
            "provider": None,
            "description": None,
        }
        if "participants" in entry:
            parts["participants"] = self.id_list(
                entry["participants"], f"{prefix}.participants", participant_ids, "participant", trainer_ids
            )
        if "provider" in entry:
            parts["provider"] = self.provider(entry["provider"], f"{prefix}.provider")
        if "description" in entry:
            value = entry["description"]
            if not isinstance(value, str):
                self.fail(f"{prefix}.description", f"must be a string, got {_kind(value)}")
            parts["description"] = value
        return parts

    def read_session(
        self,
        entry: Mapping[str, Any],
        prefix: str,
        tz: ZoneInfo,
        trainer_ids: set[str],
        participant_ids: set[str],
    ) -> Session:
        self.only(entry, SESSION_KEYS, prefix)
        sid = self.ident(self.required(entry, "id", prefix), f"{prefix}.id")
        title = self.text(self.required(entry, "title", prefix), f"{prefix}.title")
        start = self.instant(self.required(entry, "start", prefix), f"{prefix}.start", tz)
        parts = self.session_parts(entry, prefix, trainer_ids, participant_ids)
        return self.build(prefix, lambda: Session(id=sid, title=title, start=start, **parts))

    def read_series(
        self,
        entry: Mapping[str, Any],
        prefix: str,
        tz: ZoneInfo,
        trainer_ids: set[str],
        participant_ids: set[str],
    ) -> list[Session]:
        self.only(entry, SERIES_KEYS, prefix)
        sid = self.ident(self.required(entry, "id", prefix), f"{prefix}.id")
        title = self.text(self.required(entry, "title", prefix), f"{prefix}.title")
        first_key = f"{prefix}.first_start"
        first = self.required(entry, "first_start", prefix)
        if not isinstance(first, datetime):
            self.fail(first_key, f"must be a TOML local date-time, got {_kind(first)}")
        self.instant(first, first_key, tz)  # the year is sensible, a local one exists exactly once
        # an offset first_start names its instant exactly, even in a fold; later ones keep its wall time
        first_instant = first.astimezone(UTC) if first.tzinfo is not None else None
        if first.tzinfo is not None:
            first = first.astimezone(tz).replace(tzinfo=None)
        every = self.positive_int(entry.get("every_days", 7), f"{prefix}.every_days", MAX_EVERY_DAYS)
        count = self.positive_int(self.required(entry, "count", prefix), f"{prefix}.count", MAX_SERIES)
        last_id = f"{sid}{count:02d}"
        if len(last_id) > 64:
            self.fail(
                f"{prefix}.id", f"{sid!r} is too long: session ids such as {last_id!r} exceed 64 characters"
            )
        skip_value = entry.get("skip", [])
        if not isinstance(skip_value, list):
            self.fail(f"{prefix}.skip", f"must be an array of dates, got {_kind(skip_value)}")
        skip: set[date] = set()  # a date on which no occurrence falls is harmless (a holiday list)
        for i, day in enumerate(skip_value):
            if not isinstance(day, date) or isinstance(day, datetime):
                self.fail(
                    f"{prefix}.skip[{i}]", f"must be a TOML local date like 2027-10-06, got {_kind(day)}"
                )
            skip.add(day)
        parts = self.session_parts(entry, prefix, trainer_ids, participant_ids)
        sessions: list[Session] = []
        step = 0
        while len(sessions) < count:
            local = first + timedelta(days=every * step)
            step += 1
            if local.date() in skip:
                continue
            n = len(sessions) + 1
            try:
                start = first_instant if step == 1 and first_instant else local_to_utc(local, tz)
            except ValueError as exc:
                self.fail(
                    first_key,
                    f"session {n} of the series: {exc}; choose another time of day, skip {local.date()}, "
                    "or write that session as a [[sessions]] table with an offset date-time",
                )
            session_id = f"{sid}{n:02d}"
            sessions.append(
                self.build(
                    prefix,
                    functools.partial(
                        Session, id=session_id, title=f"{title} ({n}/{count})", start=start, **parts
                    ),
                )
            )
        return sessions

    def read_lms(self, value: object) -> LmsSettings | None:
        if value is None:
            return None
        table = self.table(value, "lms")
        provider = self.text(self.required(table, "provider", "lms"), "lms.provider")
        if provider not in self.lms:
            if not self.lms:
                self.fail(
                    "lms.provider",
                    f"no LMS plugin is installed to handle {provider!r} (install ta-delivery-lms)",
                )
            self.fail("lms.provider", f"unknown LMS {provider!r} (installed: {', '.join(sorted(self.lms))})")
        course = self.text(self.required(table, "course", "lms"), "lms.course")
        attendance = self.boolean(table.get("attendance", True), "lms.attendance")
        require = self.boolean(table.get("require_prerequisites", False), "lms.require_prerequisites")
        # further keys belong to the LMS plugin: validated by its spec's ``parse_options``, and kept as
        # written in ``LmsSettings.options``
        options = {key: item for key, item in table.items() if key not in LMS_KEYS}
        try:
            self.lms[provider].parse_options(options)
        except InputError as exc:
            raise InputError(exc.message, source=self.source, key=_within("lms", exc.key)) from exc
        return LmsSettings(
            provider=provider,
            course=course,
            attendance=attendance,
            require_prerequisites=require,
            options=options,
        )


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    if not name:
        return prefix
    return f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"


def _within(table: str, key: str | None) -> str:
    """A plugin's key path placed in ``table``, unless the plugin already wrote it in full."""
    if not key or key == table:
        return table
    if key.startswith((f"{table}.", f"{table}[")):
        return key
    return _join(table, key)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _offset_hint(local: datetime, tz: ZoneInfo) -> str:
    offset = local.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{local.replace(tzinfo=None).isoformat()}{sign}{hh:02d}:{mm:02d}"


def parse_course(
    text: str, source: str = "<course>", base: Path | None = None, plugins: Plugins | None = None
) -> Course:
    """Read a course from TOML ``text``; ``source`` names it in errors, ``base`` anchors its roster."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=source) from exc
    except RecursionError as exc:  # tomllib reads nested arrays and inline tables recursively
        raise InputError("not valid TOML: arrays or tables nested too deeply", source=source) from exc
    reader = _Reader(source, base if base is not None else Path.cwd(), plugins or make_plugin_manager())
    return reader.read(data)


def load_course(path: Path | str, plugins: Plugins | None = None) -> Course:
    """Read the course file at ``path``; its roster is read relative to it.

    :raises InputError: naming ``path`` (as given) and the key path of the first problem found.
    """
    source = str(path)
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the course file: {exc.strerror or exc}", source=source) from exc
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is skipped
    except UnicodeDecodeError as exc:
        raise InputError("the course file is not UTF-8 text", source=source) from exc
    return parse_course(text, source=source, base=file.parent, plugins=plugins)
