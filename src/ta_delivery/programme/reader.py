"""Read ``programme.toml`` (PRODUCT.md section 5) and every course file it lists.

Every problem found is reported at once: the programme file's own (with key paths such as
``elearning[1].url``) and those of each course file (naming that file). Course globs are read relative to
the programme file. Reading changes nothing anywhere.
"""

from __future__ import annotations

import glob
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..coursefile.reader import kind as _kind
from ..errors import InputError, InputErrors
from ..models import LANGUAGES, Course, Organizer, is_email
from ..plugins import Plugins, make_plugin_manager
from .model import Elearning, Programme

__all__ = ["is_programme_file", "load_programme", "parse_programme_table", "raise_all"]

TOP_LEVEL = ("programme", "elearning")
PROGRAMME_KEYS = ("id", "title", "languages", "base_url", "contact", "courses")
ELEARNING_KEYS = ("id", "title", "url", "languages", "hours", "summary")
_ID = re.compile(r"^[a-z0-9-]{1,64}$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
#: How many course files one programme may list (a glob gone wrong must not read a whole disk).
MAX_COURSES = 500


def raise_all(errors: Sequence[InputError]) -> None:
    """Raise every error of ``errors`` together (nothing when empty)."""
    if not errors:
        return
    if len(errors) == 1:
        raise errors[0]
    raise InputErrors(list(errors))


def _errors_of(exc: InputError) -> list[InputError]:
    """The errors an :class:`InputError` carries (several when it collects a whole file's)."""
    return list(exc.errors) if isinstance(exc, InputErrors) else [exc]


class _Reader:
    """Collects the problems of one programme file instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[InputError] = []

    def err(self, key: str, message: str) -> None:
        self.errors.append(InputError(message, source=self.source, key=key))

    def only(self, table: Mapping[str, Any], allowed: Sequence[str], prefix: str) -> None:
        for name in table:
            if name not in allowed:
                where = f"{prefix}.{name}" if prefix else name
                self.err(where, f"unknown key {name!r} (expected one of: {', '.join(allowed)})")

    def text(self, value: object, key: str) -> str | None:
        if not isinstance(value, str):
            self.err(key, f"must be a string, got {_kind(value)}")
            return None
        if not value.strip():
            self.err(key, "must not be empty")
            return None
        return value

    def ident(self, value: object, key: str) -> str | None:
        return self._matching(value, key, _ID, "must be 1-64 characters of a-z, 0-9 and '-'")

    def url(self, value: object, key: str) -> str | None:
        return self._matching(value, key, _URL, "is not an http(s) URL such as https://training.example.org/")

    def _matching(self, value: object, key: str, pattern: re.Pattern[str], problem: str) -> str | None:
        """The text at ``key`` when ``pattern`` matches it; else an error saying ``problem`` after it."""
        text = self.text(value, key)
        if text is not None and not pattern.match(text):
            self.err(key, f"{text!r} {problem}")
            return None
        return text

    def languages(self, value: object, key: str) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.err(key, f"must be a non-empty array of languages ({', '.join(LANGUAGES)})")
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            if item not in LANGUAGES:
                self.err(f"{key}[{i}]", f"{item!r} is not one of: {', '.join(LANGUAGES)}")
            elif item in out:
                self.err(f"{key}[{i}]", f"{item!r} is listed twice")
            else:
                out.append(item)
        return tuple(out) if len(out) == len(value) else None

    def localized(self, value: object, key: str, languages: Sequence[str]) -> dict[str, str] | None:
        """A text, or a table of texts by language (``{ en = "...", fr = "..." }``)."""
        if isinstance(value, str):
            text = self.text(value, key)
            return None if text is None else dict.fromkeys(languages, text)
        if not isinstance(value, dict) or not value:
            self.err(key, f"must be a string or a table of texts by language, got {_kind(value)}")
            return None
        out: dict[str, str] = {}
        for lang, item in value.items():
            if lang not in LANGUAGES:
                self.err(
                    f"{key}.{lang}", f"unknown language {lang!r} (expected one of: {', '.join(LANGUAGES)})"
                )
                continue
            text = self.text(item, f"{key}.{lang}")
            if text is not None:
                out[lang] = text
        return out if len(out) == len(value) else None

    def contact(self, value: object, key: str) -> Organizer | None:
        if not isinstance(value, dict):
            self.err(key, f"must be a table {{ name = ..., email = ... }}, got {_kind(value)}")
            return None
        self.only(value, ("name", "email"), key)
        name = self.text(value.get("name"), f"{key}.name") if "name" in value else None
        if "name" not in value:
            self.err(f"{key}.name", "required key 'name' is missing")
        email = None
        if "email" not in value:
            self.err(f"{key}.email", "required key 'email' is missing")
        else:
            email = self.text(value["email"], f"{key}.email")
            if email is not None and not is_email(email):
                self.err(f"{key}.email", f"{email!r} is not an email address")
                email = None
        if name is None or email is None:
            return None
        return Organizer(name=name, email=email)

    def elearning(self, value: object, languages: Sequence[str]) -> list[Elearning]:
        if not isinstance(value, list):
            self.err("elearning", f"must be an array of tables ([[elearning]]), got {_kind(value)}")
            return []
        out: list[Elearning] = []
        seen: dict[str, str] = {}
        for i, entry in enumerate(value):
            prefix = f"elearning[{i}]"
            if not isinstance(entry, dict):
                self.err(prefix, f"must be a table, got {_kind(entry)}")
                continue
            before = len(self.errors)
            self.only(entry, ELEARNING_KEYS, prefix)
            for name in ("id", "title", "url"):
                if name not in entry:
                    self.err(f"{prefix}.{name}", f"required key {name!r} is missing")
            eid = self.ident(entry["id"], f"{prefix}.id") if "id" in entry else None
            if eid is not None and eid in seen:
                self.err(f"{prefix}.id", f"duplicate e-learning id {eid!r} (also {seen[eid]})")
            elif eid is not None:
                seen[eid] = f"{prefix}.id"
            title = self.localized(entry["title"], f"{prefix}.title", languages) if "title" in entry else None
            url = self.url(entry["url"], f"{prefix}.url") if "url" in entry else None
            langs: tuple[str, ...] | None = ()
            if "languages" in entry:
                langs = self.languages(entry["languages"], f"{prefix}.languages")
            hours: float | None = None
            if "hours" in entry:
                raw = entry["hours"]
                if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw <= 10_000:
                    self.err(f"{prefix}.hours", f"must be a number of hours above 0, got {raw!r}")
                else:
                    hours = float(raw)
            summary: dict[str, str] | None = {}
            if "summary" in entry:
                summary = self.localized(entry["summary"], f"{prefix}.summary", languages)
            if len(self.errors) == before and eid and title and url and langs is not None:
                out.append(
                    Elearning(
                        id=eid, title=title, url=url, languages=langs, hours=hours, summary=summary or {}
                    )
                )
        return out

    def course_files(self, value: object, base: Path, own: Path) -> list[tuple[str, Path]]:
        """``(key, path)`` of each course file the ``courses`` globs match, in order, each once."""
        if not isinstance(value, list) or not value:
            self.err("programme.courses", "must be a non-empty array of course file paths or globs")
            return []
        found: list[tuple[str, Path]] = []
        seen: set[Path] = set()
        for i, pattern in enumerate(value):
            key = f"programme.courses[{i}]"
            text = self.text(pattern, key)
            if text is None:
                continue
            full = text if Path(text).is_absolute() else str(base / text)
            try:
                if not glob.has_magic(text):
                    matches = [full]
                elif Path(text).is_absolute():
                    matches = sorted(glob.glob(text, recursive=True))
                else:  # the pattern alone is matched: the programme's own folder name is never a pattern
                    matches = sorted(str(base / m) for m in glob.glob(text, root_dir=base, recursive=True))
            except (OSError, ValueError) as exc:
                self.err(key, f"cannot search for {text!r}: {exc}")
                continue
            files = [Path(m) for m in matches if Path(m).is_file()]
            files = [f for f in files if f.resolve() != own.resolve()]
            if not files:
                what = "matches no course file" if glob.has_magic(text) else "is not a file"
                self.err(key, f"{text!r} {what} (paths are relative to the programme file)")
                continue
            for file in files:
                real = file.resolve()
                if real not in seen:
                    seen.add(real)
                    found.append((key, file))
        if len(found) > MAX_COURSES:
            self.err("programme.courses", f"lists {len(found)} course files; at most {MAX_COURSES}")
            return found[:MAX_COURSES]
        return found


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", source=source) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the {what} is not UTF-8 text", source=source) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=source) from exc
    except RecursionError as exc:
        raise InputError("not valid TOML: arrays or tables nested too deeply", source=source) from exc


def is_programme_file(path: Path | str) -> bool:
    """Whether ``path`` is a programme file: valid TOML whose top level has a ``[programme]`` table."""
    try:
        data = _read_toml(Path(path), "file")
    except InputError:
        return False
    return isinstance(data.get("programme"), dict)


def parse_programme_table(data: Mapping[str, Any], source: str) -> tuple[_Reader, dict[str, Any]]:
    """Check the ``[programme]`` and ``[[elearning]]`` tables; the reader holds the problems found."""
    reader = _Reader(source)
    for name in data:
        if name not in TOP_LEVEL:
            reader.err(name, f"unknown table {name!r} (a programme file has [programme] and [[elearning]])")
    table = data.get("programme")
    values: dict[str, Any] = {}
    if not isinstance(table, dict):
        reader.err("programme", "required table [programme] is missing")
        return reader, values
    reader.only(table, PROGRAMME_KEYS, "programme")
    languages: tuple[str, ...] = ("en",)
    if "languages" in table:
        languages = reader.languages(table["languages"], "programme.languages") or languages
    values["languages"] = languages
    for name in ("id", "title"):
        if name not in table:
            reader.err(f"programme.{name}", f"required key {name!r} is missing")
    if "id" in table:
        values["id"] = reader.ident(table["id"], "programme.id")
    if "title" in table:
        values["title"] = reader.localized(table["title"], "programme.title", languages)
    if "base_url" in table:
        url = reader.url(table["base_url"], "programme.base_url")
        values["base_url"] = url if url is None or url.endswith("/") else f"{url}/"
    if "contact" in table:
        values["contact"] = reader.contact(table["contact"], "programme.contact")
    if "courses" not in table:
        reader.err("programme.courses", "required key 'courses' is missing (course files or globs)")
    values["courses"] = table.get("courses")
    values["elearning"] = reader.elearning(data.get("elearning", []), languages)
    return reader, values


def load_programme(path: Path | str, plugins: Plugins | None = None) -> Programme:
    """Read the programme file at ``path`` and every course file it lists.

    :raises InputError: every problem at once (an ``InputErrors`` when there are several), each naming
        its file and key path; nothing is changed anywhere.
    """
    file = Path(path)
    data = _read_toml(file, "programme file")
    reader, values = parse_programme_table(data, str(path))
    errors = reader.errors
    courses: list[Course] = []
    paths: dict[str, Path] = {}
    keys: dict[str, str] = {}
    if values.get("courses") is not None:
        files = reader.course_files(values["courses"], file.parent, file)
        manager = plugins or make_plugin_manager()
        from ..coursefile import load_course

        for key, course_file in files:
            try:
                course = load_course(course_file, manager)
            except InputError as exc:
                errors.extend(_errors_of(exc))
                continue
            if course.id in paths:
                errors.append(
                    InputError(
                        f"course id {course.id!r} is used by both {str(paths[course.id])!r} "
                        f"({keys[course.id]}) and {str(course_file)!r}: course ids must be unique",
                        source=str(path),
                        key=key,
                    )
                )
                continue
            paths[course.id] = course_file
            keys[course.id] = key
            courses.append(course)
    raise_all(errors)
    return Programme(
        id=values["id"],
        title=values["title"],
        path=file,
        languages=values["languages"],
        base_url=values.get("base_url"),
        contact=values.get("contact"),
        courses=tuple(courses),
        paths=paths,
        elearning=tuple(values["elearning"]),
    )
