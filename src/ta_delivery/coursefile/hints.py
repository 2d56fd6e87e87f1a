"""Plain-language help for the usual mistakes: TOML syntax, quoted dates, misspelt zones, keys and ids.

Pure functions of the text they are given, so they can be tested and reused by other readers (the
programme file, import files).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

__all__ = ["did_you_mean", "quoted_date_hint", "suggest_zone", "toml_problem"]

#: Patterns of tomllib's messages, compiled on the first syntax error (``re`` keeps them), not at start.
_AT = r"\s*\(at line (\d+), column (\d+)\)\s*$"
_AT_END = r"\s*\(at end of document\)\s*$"

#: Names people write for a place whose IANA zone is named after another city (tzdata links aside).
ZONE_ALIASES: dict[str, str] = {
    "Europe/Geneva": "Europe/Zurich",
    "Europe/Bern": "Europe/Zurich",
    "Europe/Basel": "Europe/Zurich",
    "Europe/Lausanne": "Europe/Zurich",
    "Europe/The_Hague": "Europe/Amsterdam",
    "Europe/Den_Haag": "Europe/Amsterdam",
    "Europe/Frankfurt": "Europe/Berlin",
    "Europe/Munich": "Europe/Berlin",
    "Europe/Milan": "Europe/Rome",
    "Europe/Barcelona": "Europe/Madrid",
    "Europe/Ankara": "Europe/Istanbul",
    "Asia/Ankara": "Europe/Istanbul",
    "Europe/Edinburgh": "Europe/London",
    "America/Washington": "America/New_York",
    "America/Washington_DC": "America/New_York",
    "America/Boston": "America/New_York",
    "America/Miami": "America/New_York",
    "America/Atlanta": "America/New_York",
    "America/Ottawa": "America/Toronto",
    "America/San_Francisco": "America/Los_Angeles",
    "America/Seattle": "America/Los_Angeles",
    "America/Houston": "America/Chicago",
    "America/Dallas": "America/Chicago",
    "America/Brasilia": "America/Sao_Paulo",
    "America/Rio_de_Janeiro": "America/Sao_Paulo",
    "America/Quito": "America/Guayaquil",
    "America/Kingston": "America/Jamaica",
    "America/Bridgetown": "America/Barbados",
    "Asia/Beijing": "Asia/Shanghai",
    "Asia/Mumbai": "Asia/Kolkata",
    "Asia/Delhi": "Asia/Kolkata",
    "Asia/New_Delhi": "Asia/Kolkata",
    "Asia/Bangalore": "Asia/Kolkata",
    "Asia/Hanoi": "Asia/Ho_Chi_Minh",
    "Asia/Islamabad": "Asia/Karachi",
    "Asia/Abu_Dhabi": "Asia/Dubai",
    "Asia/Doha": "Asia/Qatar",
    "Asia/Astana": "Asia/Almaty",
    "Asia/Canberra": "Australia/Sydney",
    "Africa/Pretoria": "Africa/Johannesburg",
    "Africa/Cape_Town": "Africa/Johannesburg",
    "Africa/Yaounde": "Africa/Douala",
    "Africa/Rabat": "Africa/Casablanca",
    "Africa/Dodoma": "Africa/Dar_es_Salaam",
    "Pacific/Wellington": "Pacific/Auckland",
}


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to ``word``, else an empty string."""
    options = list(choices)
    folded = {choice.casefold(): choice for choice in options}
    if word.casefold() in folded:
        return f" (did you mean {folded[word.casefold()]!r}?)"
    swapped = [choice for choice in options if sorted(choice) == sorted(word)]  # "fr" for "rf"
    if swapped:
        return f" (did you mean {swapped[0]!r}?)"
    close = _close(word, options, n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def suggest_zone(name: str, zones: Iterable[str]) -> str | None:
    """The IANA zone a misspelt or unofficial zone name most likely means, or ``None``."""
    known = sorted(zones)
    folded = {zone.casefold(): zone for zone in known}
    key = name.strip().replace(" ", "_")
    if key.casefold() in folded:
        return folded[key.casefold()]
    for alias, zone in ZONE_ALIASES.items():
        if alias.casefold() == key.casefold() or alias.rpartition("/")[2].casefold() == key.casefold():
            return zone
    by_city = {zone.rpartition("/")[2].casefold(): zone for zone in known if "/" in zone}
    if key.casefold() in by_city:  # "Zurich" or "Asia/Zurich": the city is right
        return by_city[key.casefold()]
    city = key.rpartition("/")[2].casefold()
    if "/" in key and city in by_city:
        return by_city[city]
    close = _close(key, known, n=1, cutoff=0.75)
    if close:
        return close[0]
    close = _close(city, list(by_city), n=1, cutoff=0.8)
    return by_city[close[0]] if close else None


def quoted_date_hint(value: str, *, want_time: bool = True) -> str:
    """The TOML literal a date-time (or date) written in quotes was meant to be, or an empty string."""
    text = value.strip()
    fixed = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", fixed):
        fixed += ":00"
    try:
        if not want_time:
            return date.fromisoformat(fixed).isoformat()
        if "T" not in fixed:
            return ""
        return datetime.fromisoformat(fixed).isoformat()
    except ValueError:
        return ""


def toml_problem(message: str, text: str) -> tuple[str, int | None]:
    """``tomllib``'s complaint in plain words, with the line it is on where it says."""
    at = re.search(_AT, message)
    bare = re.sub(_AT, "", re.sub(_AT_END, "", message))
    if at is None:
        return _plain(bare, "", ""), None
    number, column = int(at.group(1)), int(at.group(2))
    lines = text.splitlines()
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    return _plain(bare, line[: column - 1], line[column - 1 :]), number


def _plain(message: str, before: str, rest: str) -> str:
    value = before.partition("=")[2].strip() if "=" in before else before.strip()
    if message.startswith("Expected newline or end of document"):
        if rest.startswith(","):
            return (
                "a comma cannot end a value here: write each key = value on its own line "
                "(commas only separate items inside [ ] or { })"
            )
        if re.match(r"^\d{4}-\d{2}-\d{2}$", value) and re.match(r"^[T ]?\d{1,2}:\d{2}(?!:)", rest):
            time = re.match(r"^[T ]?(\d{1,2}):(\d{2})", rest)
            assert time is not None
            return f"a time needs seconds: write {value}T{int(time.group(1)):02d}:{time.group(2)}:00"
        if re.match(r"^\d{4}-\d{1,2}-\d{1,2}", value + rest):
            return "a date is written YYYY-MM-DD with two-digit months and days, like 2027-08-10"
        return (
            "unexpected text after the value: write one key = value per line, and put text in double "
            'quotes ("like this")'
        )
    if message.startswith("Invalid value"):
        word = rest.split("#", 1)[0].strip()
        if word.lower() in ("true", "false") or word in ("True", "False", "TRUE", "FALSE"):
            return f"true and false are written in lower case: {word.lower()}"
        if re.match(r"^\d{1,2}:\d{2}$", word):
            return f"a time needs seconds, and a date: 2027-08-10T{word}:00"
        return f'text needs double quotes: "{word}"' if word else "a value is missing after ="
    if message.startswith(("Cannot overwrite a value", "Cannot declare")):
        return "a key or table is written twice; keep one (use [[name]] for a list of tables)"
    if message.startswith("Expected '=' after a key"):
        return 'each line needs key = value; text with spaces needs double quotes ("like this")'
    if message.startswith("Invalid initial character for a key part") and "{" in before:
        return "an inline table { ... } must stay on one line; write a [table] instead"
    if message.startswith("Unclosed array"):
        return "an array [ ... ] is not closed with ]"
    if message.startswith("Unterminated string"):
        return 'a string is not closed: it needs its closing quote (")'
    if message.startswith("Unclosed inline table"):
        return "an inline table { ... } is not closed with } on the same line"
    return message[:1].lower() + message[1:]


def _close(word: str, choices: list[str] | tuple[str, ...], *, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """``difflib.get_close_matches``, imported only when a suggestion is needed (startup stays light)."""
    import difflib

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)
