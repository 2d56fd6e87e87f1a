"""The course file's ``[zoom]`` table: every key, its type, its default, and its Zoom setting.

``parse_options`` validates the table (an unknown key or a wrong type is an
:class:`~ta_delivery.errors.InputError` naming the key) and returns a complete, normalised mapping, so
parsing its own output again gives the same mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ta_delivery.errors import InputError

__all__ = ["OPTION_DOCS", "ZoomOptions", "parse_options"]

Recording = Literal["none", "local", "cloud"]
Audio = Literal["both", "telephony", "voip"]

#: Key -> one-line description; docs/providers/zoom.md lists the same keys (a test checks it).
OPTION_DOCS: Mapping[str, str] = {
    "webinar": "bool, default false: a webinar (needs the Webinar add-on) instead of a meeting",
    "host": "string, default TA_DELIVERY_ZOOM_USER: the Zoom user (email or id) who hosts this course",
    "registration": "bool, default true: register every participant so each gets a personal join link",
    "waiting_room": "bool, unset = account default: hold joiners in a waiting room (meetings only)",
    "join_before_host": "bool, unset = account default: let participants in before the host (meetings only)",
    "mute_upon_entry": "bool, unset = account default: mute participants when they join",
    "host_video": "bool, unset = account default: start with the host's video on",
    "participant_video": "bool, unset = account default: start with participants' video on (meetings only)",
    "auto_recording": '"none" | "local" | "cloud", unset = account default: record automatically',
    "audio": '"both" | "telephony" | "voip", unset = account default: how people may join audio',
    "meeting_authentication": "bool, unset = account default: only signed-in Zoom users may join",
    "alternative_hosts": "bool, default true: make the session's trainers alternative hosts (meetings)",
    "registrant_emails": "bool, default false: let Zoom send its own registration e-mails too",
}

_BOOL_UNSET = (
    "waiting_room",
    "join_before_host",
    "mute_upon_entry",
    "host_video",
    "participant_video",
    "meeting_authentication",
)
_CHOICES: Mapping[str, tuple[str, ...]] = {
    "auto_recording": ("none", "local", "cloud"),
    "audio": ("both", "telephony", "voip"),
}


@attrs.frozen
class ZoomOptions:
    """The validated ``[zoom]`` table. ``None`` leaves a setting to the Zoom account's default."""

    webinar: bool = False
    host: str | None = None
    registration: bool = True
    alternative_hosts: bool = True
    registrant_emails: bool = False
    waiting_room: bool | None = None
    join_before_host: bool | None = None
    mute_upon_entry: bool | None = None
    host_video: bool | None = None
    participant_video: bool | None = None
    meeting_authentication: bool | None = None
    auto_recording: Recording | None = None
    audio: Audio | None = None

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> ZoomOptions:
        """Validate ``options`` (raw from the course file, or already parsed)."""
        values: dict[str, Any] = {}
        for key, value in options.items():
            if key not in OPTION_DOCS:
                raise InputError(f"unknown [zoom] option (known: {', '.join(sorted(OPTION_DOCS))})", key=key)
            values[key] = _check(key, value)
        return cls(**values)

    def as_mapping(self) -> dict[str, Any]:
        """Every key with its value (``None`` for unset)."""
        return attrs.asdict(self)


def _check(key: str, value: Any) -> Any:
    if value is None and key not in ("webinar", "registration", "alternative_hosts", "registrant_emails"):
        return None
    if key in ("webinar", "registration", "alternative_hosts", "registrant_emails", *_BOOL_UNSET):
        if not isinstance(value, bool):
            raise InputError("must be true or false", key=key)
        return value
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise InputError(f"must be one of {', '.join(map(repr, _CHOICES[key]))}", key=key)
        return value
    if key == "host":
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
            raise InputError("must be a Zoom user's email or id", key=key)
        return value.strip()
    raise InputError("unsupported option", key=key)  # pragma: no cover - OPTION_DOCS and _check agree


def parse_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Validate the course's ``[zoom]`` table and return every option, normalised."""
    return ZoomOptions.from_mapping(options).as_mapping()
