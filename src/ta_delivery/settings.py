"""Settings from ``TA_DELIVERY_<NAME>_<KEY>`` environment variables, with secrets kept out of reprs."""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

__all__ = ["Secret", "Settings"]

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
        from .errors import InputError

        raise InputError(
            f"{value!r} is not a yes/no value (use true or false)", source=self.variable(name, key)
        )
