"""Instants as stored: ISO 8601 UTC text with a ``Z``, sortable and identical on every backend."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["from_text", "to_text"]


def to_text(value: datetime) -> str:
    """An aware instant as ISO UTC text with a ``Z``."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return text.rstrip("0").rstrip(".") + "Z"


def from_text(value: str) -> datetime:
    """The instant written by :func:`to_text`."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
