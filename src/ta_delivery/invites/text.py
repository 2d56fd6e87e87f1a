"""Neutralising untrusted text before it reaches an iCalendar property or a mail header.

Titles, names and descriptions come from course files and providers. Control characters in them are
replaced (never passed through, never a reason to refuse the course): a line break can then never start a
new property line (an injected ``ATTENDEE``) or a new mail header.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

import icalendar

__all__ = ["Text", "clean_line", "clean_param", "clean_text", "clean_url"]

# C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
_BREAKS = re.compile("\r\n|[\r\n\u0085\u2028\u2029\x0b\x0c]")
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates: they can make a subject read other than it is
# ("Trojan Source"); the implicit marks LRM/RLM that right-to-left names need are kept.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile("[ \t]+")


def _common(value: str) -> str:
    return _BIDI.sub("", _SURROGATES.sub("\ufffd", value))


@lru_cache(maxsize=16384)
def clean_line(value: str) -> str:
    """``value`` on one line: every break and control character becomes a space, runs of spaces shrink."""
    text = _CONTROLS.sub(" ", _BREAKS.sub(" ", _common(value)))
    return _SPACES.sub(" ", text.replace("\t", " ")).strip()


@lru_cache(maxsize=16384)
def clean_param(value: str) -> str:
    """A one-line parameter value (a ``CN``): as :func:`clean_line`, and backslashes become ``/``.

    A backslash is legal in a parameter value, but parsers that treat it as an escape (icalendar does) read
    ``CN=\\;CUTYPE=...`` as one value, so a name ending in a backslash would swallow the next parameter.
    """
    return clean_line(value).replace("\\", "/")


@lru_cache(maxsize=4096)
def clean_text(value: str) -> str:
    """Multi-line ``value``: line breaks become ``\\n``, other control characters are dropped."""
    text = _BREAKS.sub("\n", _common(value))
    text = _CONTROLS.sub(lambda m: "\n" if m.group() == "\n" else "", text)
    lines = [_SPACES.sub(" ", line.replace("\t", " ")).rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


# Commas, semicolons and backslashes are percent-encoded: in iCalendar they are delimiters or escapes of
# TEXT values, and clients that read CONFERENCE or URL as TEXT would otherwise cut the link short.
_URL_SAFE = "!#$%&'()*+/:=?@[]~-._"


@lru_cache(maxsize=16384)
def clean_url(value: str | None) -> str | None:
    """An http(s) URL with unsafe characters percent-encoded, or ``None`` if ``value`` is not one."""
    if not value:
        return None
    text = clean_line(value)
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe=_URL_SAFE)


class Text(icalendar.vText):
    """A TEXT value escaped as RFC 5545 says, keeping every backslash as written.

    icalendar's own escaping first turns a literal ``\\N`` into a line break, so a title such as
    ``C:\\New`` would read back as ``C:`` and ``ew`` on two lines.
    """

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        return text.encode("utf-8")
