"""Settings from ``TA_DELIVERY_<NAME>_<KEY>`` environment variables, with secrets kept out of reprs."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Literal, overload
from urllib.parse import urlsplit

import attrs

from .errors import InputError

__all__ = ["Secret", "Settings", "positive_number", "url"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@attrs.frozen(repr=False)
class Secret:
    """A secret value: its repr and str never show it; call :meth:`reveal` where it is really needed."""

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """The secret itself."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


@attrs.frozen
class Settings:
    """Reads ``TA_DELIVERY_*`` variables from an injected mapping (the environment by default)."""

    env: Mapping[str, str] = attrs.field(factory=lambda: dict(os.environ), repr=False)

    @staticmethod
    def variable(name: str, key: str | None = None) -> str:
        """The variable name for provider ``name`` and ``key``: ``TA_DELIVERY_ZOOM_CLIENT_ID``."""
        parts = ["TA_DELIVERY", name] + ([key] if key else [])
        return "_".join(p.upper().replace("-", "_") for p in parts)

    def get(self, name: str, key: str | None = None, default: str | None = None) -> str | None:
        """The value of the variable, or ``default`` when unset or empty."""
        value = self.env.get(self.variable(name, key))
        return value if value not in (None, "") else default

    def secret(self, name: str, key: str) -> Secret | None:
        """The variable as a :class:`Secret`, or ``None`` when unset."""
        value = self.get(name, key)
        return Secret(value) if value is not None else None

    def flag(self, name: str, key: str, default: bool = False) -> bool:
        """A boolean variable: 1/true/yes/on or 0/false/no/off (any case); anything else is an input error."""
        value = self.get(name, key)
        if value is None:
            return default
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise InputError(
            f"{value!r} is not a yes/no value (use true or false)", source=self.variable(name, key)
        )


def url(value: str, *, source: str, site: bool = False) -> str:
    """An http(s) URL from a setting, without its trailing slash; an :class:`InputError` naming ``source``.

    Plugins check every URL setting here so a typo is reported the same way, before any request.
    ``site=True`` also refuses a query or fragment (a site root, such as Moodle's).
    """
    text = value.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InputError(f"{value!r} is not a valid URL", source=source) from None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InputError(f"{value!r} is not an http(s) URL", source=source)
    if site and (parts.query or parts.fragment):
        raise InputError(f"{value!r} is not an http(s) site URL", source=source)
    return text.rstrip("/")


@overload
def positive_number(text: str | None, *, source: str, whole: Literal[True]) -> int | None: ...
@overload
def positive_number(text: str | None, *, source: str, whole: Literal[False] = ...) -> float | None: ...
def positive_number(text: str | None, *, source: str, whole: bool = False) -> float | None:
    """A positive (``whole``: whole) number from a setting, or ``None`` when unset.

    Anything else (zero, a sign, ``nan``, ``inf``, a fraction where a whole number is wanted) is an
    :class:`InputError` naming ``source``; use ``positive_number(...) or default`` for a default.
    """
    if text is None or not text.strip():
        return None
    word = text.strip()
    if whole:
        if not word.isascii() or not word.isdigit() or int(word) <= 0:
            raise InputError("must be a positive whole number", source=source)
        return int(word)
    try:
        value = float(word)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0:
        raise InputError("must be a positive number", source=source)
    return value
