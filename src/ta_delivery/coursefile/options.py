"""Provider options: a table named after an installed classroom provider (``[zoom]``), read by its plugin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from .keys import TOP_LEVEL
from .reader import Reader, kind

__all__ = ["read_provider_options"]


def read_provider_options(r: Reader, data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Each provider's course-wide options, as its spec's ``parse_options`` returns them."""
    out: dict[str, Mapping[str, Any]] = {}
    for name, spec in r.providers.items():
        if name in data and name not in TOP_LEVEL:
            if not isinstance(data[name], dict):
                r.note(name, f"must be a table, got {kind(data[name])}")
                continue
            options: dict[str, Any] = data[name]
            try:
                out[name] = spec.parse_options(options)
            except InputError as exc:
                r.adopt(exc, name)
    return out
