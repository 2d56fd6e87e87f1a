"""The reader core: one pass over a parsed document that records every problem instead of stopping.

A check that finds a problem calls :meth:`Reader.fail`, which records it (file, key path, line) and
raises :class:`Skip`. ``Skip`` unwinds only to the nearest :meth:`Reader.get` (or :meth:`Reader.entry`),
which carries on with a default, so the next key is read too. At the end :meth:`Reader.finish` raises
all of them at once as :class:`~ta_delivery.errors.InputErrors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

from ..errors import InputError, InputErrors
from ..limits import text_limit
from ..models import WorkingDays, WorkingHours, is_email, known_zones, zone
from .hints import did_you_mean, quoted_date_hint, suggest_zone

if TYPE_CHECKING:
    from .lines import KeyLines

__all__ = ["MAX_PROBLEMS", "MAX_YEAR", "MIN_YEAR", "Reader", "Skip", "join", "kind", "local_to_utc"]

T = TypeVar("T")

#: Problems listed in one report; past this a last line says how many more there are.
MAX_PROBLEMS = 30
MIN_YEAR, MAX_YEAR = 1970, 8000  # a series of 999 x 366 days stays below 9999


class Skip(Exception):
    """Unwinds out of the value being read once its problem is recorded."""


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


class Reader:
    """State shared while reading one file: where it is, its lines, its problems, the plugin registries."""

    def __init__(self, source: str, base: Path, plugins: Any, text: str | None = None) -> None:
        self.source = source
        self.base = base
        self.providers = dict(plugins.providers)
        self.rules = dict(plugins.rules)
        self.lms = dict(plugins.lms)
        self._text = text
        self._keylines: KeyLines | None = None
        self.problems: list[InputError] = []

    # --- collecting problems ---------------------------------------------------------------------

    def note(self, key: str | None, message: str, *, line: int | None = None) -> None:
        """Record a problem and carry on."""
        if line is None:
            line = self._line(key)
        self.problems.append(InputError(message, source=self.source, key=key, line=line))

    def _line(self, key: str | None) -> int | None:
        """The line ``key`` is written on; the text is scanned for lines at the first problem only."""
        if self._text is None:
            return None
        if self._keylines is None:
            from .lines import KeyLines  # scanned at the first problem only, not at start

            self._keylines = KeyLines(self._text)
        return self._keylines.find(key)

    def fail(self, key: str | None, message: str, *, line: int | None = None) -> NoReturn:
        """Record a problem and stop reading the value it is in."""
        self.note(key, message, line=line)
        raise Skip

    def adopt(self, error: InputError, key: str | None) -> None:
        """Record a plugin's input error (or errors), placed at ``key`` inside this file."""
        for one in error.errors if isinstance(error, InputErrors) else (error,):
            self.note(within(key or "", one.key), one.message)

    def get(self, read: Callable[[], T], default: T) -> T:
        """The value ``read`` returns, or ``default`` when it found a problem (recorded already)."""
        try:
            return read()
        except Skip:
            return default

    def mark(self) -> int:
        """A point to ask :meth:`since` about."""
        return len(self.problems)

    def since(self, mark: int) -> None:
        """Stop reading the current entry if a problem was found after ``mark``."""
        if len(self.problems) > mark:
            raise Skip

    def entries(
        self, value: object, key: str, read: Callable[[dict[str, Any], str], T]
    ) -> list[tuple[T, str]]:
        """Each table of an array of tables read, with its key; one with a problem is left out."""
        out: list[tuple[T, str]] = []
        items: list[Any] = self.get(lambda: self.array(value, key), [])
        for i, item in enumerate(items):
            prefix = f"{key}[{i}]"
            try:
                out.append((read(self.table(item, prefix), prefix), prefix))
            except Skip:
                continue
        return out

    def finish(self) -> None:
        """Raise every problem found, at once; nothing when the file was fine."""
        if self.problems:
            raise InputErrors(self.problems[:MAX_PROBLEMS], total=len(self.problems))

    # --- primitives ------------------------------------------------------------------------------

    def table(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, got {kind(value)}")
        return value

    def array(self, value: object, key: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(key, f"must be an array of tables ([[{key}]]), got {kind(value)}")
        return value

    def only(self, table: Mapping[str, Any], allowed: Sequence[str], prefix: str) -> None:
        """Every key of ``table`` is one of ``allowed``; each other is a problem (the rest are read)."""
        for name in table:
            if name not in allowed:
                hint = did_you_mean(name, allowed)
                self.note(
                    join(prefix, name), f"unknown key {name!r}{hint} (expected one of: {', '.join(allowed)})"
                )

    def required(self, table: Mapping[str, Any], name: str, prefix: str) -> Any:
        if name not in table:
            self.fail(join(prefix, name), f"required key {name!r} is missing")
        return table[name]

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, f"must be a string, got {kind(value)}")
        if not value.strip():
            self.fail(key, "must not be empty")
        most = text_limit(key)
        if len(value) > most:
            self.fail(key, f"is {len(value)} characters long; at most {most} are allowed")
        return value

    def choice(self, value: object, key: str, choices: Sequence[str]) -> str:
        if not isinstance(value, str) or value not in choices:
            hint = did_you_mean(value, choices) if isinstance(value, str) else ""
            self.fail(key, f"{value!r} is not one of: {', '.join(choices)}{hint}")
        return value

    def positive_int(self, value: object, key: str, most: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            hint = (
                " (write the number without quotes)"
                if isinstance(value, str) and value.strip().isdigit()
                else ""
            )
            self.fail(key, f"must be a whole number, got {kind(value)}{hint}")
        if value <= 0:
            self.fail(key, f"must be greater than 0, got {value}")
        if most is not None and value > most:
            self.fail(key, f"must be at most {most}, got {value}")
        return value

    def number(self, value: object, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"must be a number, got {kind(value)}")
        return float(value)

    def boolean(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            hint = f" (write {value.lower()} without quotes)" if value in ("true", "false") else ""
            self.fail(key, f"must be true or false, got {kind(value)}{hint}")
        return value

    def strings(self, value: object, key: str) -> list[str]:
        if not isinstance(value, list):
            self.fail(key, f"must be an array of strings, got {kind(value)}")
        out: list[str] = []
        for i, item in enumerate(value):
            out.append(self.text(item, f"{key}[{i}]"))
        return out

    def timezone(self, value: object, key: str) -> str:
        name = self.text(value, key)
        try:
            zone(name)
        except ValueError:
            guess = suggest_zone(name, known_zones())
            hint = f"did you mean {guess!r}?" if guess else "for example Europe/Zurich"
            self.fail(key, f"{name!r} is not an IANA time zone ({hint})")
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

    def days(self, value: object, key: str) -> WorkingDays:
        """Working days: ``mon,wed,fri`` or a range such as ``sun-thu`` (PRODUCT.md section 1)."""
        text = self.text(value, key)
        try:
            return WorkingDays.parse(text)
        except ValueError as exc:
            self.fail(key, f"{exc} (write days as mon,wed,fri or a range such as mon-fri or sun-thu)")

    def ident(self, value: object, key: str) -> str:
        text = self.text(value, key)
        if len(text) > 64 or any(c.isspace() or not c.isprintable() for c in text):
            self.fail(key, f"{text!r} is not an id (1-64 characters, no spaces or control characters)")
        return text

    def provider(self, value: object, key: str) -> str:
        name = self.text(value, key)
        if name not in self.providers:
            known = ", ".join(sorted(self.providers)) or "none"
            hint = did_you_mean(name, self.providers)
            self.fail(key, f"unknown classroom provider {name!r}{hint} (installed: {known})")
        return name

    def build(self, key: str, make: Callable[[], T]) -> T:
        """Run a model constructor, turning its ``ValueError`` into a problem at ``key``."""
        try:
            return make()
        except (ValueError, TypeError) as exc:
            self.fail(key, str(exc))

    def local_datetime(self, value: object, key: str) -> datetime:
        """A TOML date-time within the supported years, with a hint when it was written as text."""
        if not isinstance(value, datetime):
            hint = ""
            if isinstance(value, str):
                fixed = quoted_date_hint(value)
                name = key.rpartition(".")[2]
                hint = (
                    f": write it unquoted, {name} = {fixed} (dates and times take no quotes)"
                    if fixed
                    else " (write it unquoted, like 2027-08-10T10:00:00)"
                )
            elif isinstance(value, date):
                hint = f": add the time of day, like {value.isoformat()}T10:00:00"
            self.fail(key, f"must be a TOML date-time, got {kind(value)}{hint}")
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            self.fail(key, f"{value.isoformat()} is not between the years {MIN_YEAR} and {MAX_YEAR}")
        return value

    def instant(self, value: object, key: str, tz: ZoneInfo) -> datetime:
        """A TOML date-time: local ones are read in ``tz``, offset ones converted to UTC."""
        value = self.local_datetime(value, key)
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        try:
            return local_to_utc(value, tz)
        except ValueError as exc:
            self.fail(key, f"{exc}; write an offset date-time such as {offset_hint(value, tz)}")

    def known_id(
        self, value: str, key: str, known: Iterable[str], what: str, other: Iterable[str] = ()
    ) -> None:
        """``value`` is one of the ``known`` ids of ``what``; else a problem with a suggestion."""
        known = list(known)
        if value in known:
            return
        others = set(other)
        hint = f" ({value!r} is not a {what})" if value in others else did_you_mean(value, known)
        self.fail(key, f"unknown {what} id {value!r}{hint}")


def join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    if not name:
        return prefix
    return f"{prefix}{name}" if name.startswith("[") else f"{prefix}.{name}"


def within(table: str, key: str | None) -> str:
    """A plugin's key path placed in ``table``, unless the plugin already wrote it in full."""
    if not key or key == table:
        return table
    if key.startswith((f"{table}.", f"{table}[")):
        return key
    return join(table, key)


def kind(value: object) -> str:
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


def offset_hint(local: datetime, tz: ZoneInfo) -> str:
    offset = local.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{local.replace(tzinfo=None).isoformat()}{sign}{hh:02d}:{mm:02d}"
