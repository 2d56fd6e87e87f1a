"""The course file's ``[webex]`` table: every key, its type, its default, and the Webex field it sets.

``parse_options`` validates the table (an unknown key or a wrong type is an
:class:`~ta_delivery.errors.InputError` naming the key) and returns a complete, normalised mapping, so
parsing its own output again gives the same mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ta_delivery.errors import InputError

__all__ = ["JOIN_BEFORE_HOST_MINUTES", "OPTION_DOCS", "WebexOptions", "parse_options"]

JoinSecurity = Literal["allowJoin", "allowJoinWithLobby", "blockFromJoin"]

#: Webex accepts only these values of ``joinBeforeHostMinutes`` for a meeting.
JOIN_BEFORE_HOST_MINUTES = (0, 5, 10, 15)

#: Key -> one-line description; docs/providers/webex.md lists the same keys (a test checks it).
OPTION_DOCS: Mapping[str, str] = {
    "registration": (
        "bool, default false: turn on Webex registration and register every participant "
        "(auto-accepted, no Webex e-mail); otherwise participants are meeting invitees"
    ),
    "auto_record": "bool, unset = account default: record automatically (enabledAutoRecordMeeting)",
    "join_before_host": (
        "bool, unset = account default: let attendees in before the host (enabledJoinBeforeHost)"
    ),
    "join_before_host_minutes": (
        "0 | 5 | 10 | 15, unset = account default: how early attendees may join "
        "(joinBeforeHostMinutes; needs join_before_host = true)"
    ),
    "audio_before_host": (
        "bool, unset = account default: let attendees connect audio before the host "
        "(enableConnectAudioBeforeHost; needs join_before_host = true)"
    ),
    "unlocked_join": (
        '"allowJoin" | "allowJoinWithLobby" | "blockFromJoin", unset = account default: what happens to '
        "people who are not on the invitee list (unlockedMeetingJoinSecurity)"
    ),
    "trainers_cohost": "bool, default true: invite the session's trainers as cohosts (coHost)",
    "site_url": "string, unset = the host's preferred site: the Webex site to create meetings on (siteUrl)",
}

_BOOL_UNSET = ("auto_record", "join_before_host", "audio_before_host")
_BOOL_SET = ("registration", "trainers_cohost")
_JOIN_SECURITY = ("allowJoin", "allowJoinWithLobby", "blockFromJoin")


@attrs.frozen
class WebexOptions:
    """The validated ``[webex]`` table. ``None`` leaves a setting to the Webex account's default."""

    registration: bool = False
    trainers_cohost: bool = True
    auto_record: bool | None = None
    join_before_host: bool | None = None
    join_before_host_minutes: int | None = None
    audio_before_host: bool | None = None
    unlocked_join: JoinSecurity | None = None
    site_url: str | None = None

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> WebexOptions:
        """Validate ``options`` (raw from the course file, or already parsed)."""
        if not isinstance(options, Mapping):
            raise InputError("must be a table")
        values: dict[str, Any] = {}
        for key, value in options.items():
            if key not in OPTION_DOCS:
                known = ", ".join(sorted(OPTION_DOCS))
                raise InputError(f"unknown [webex] option (known: {known})", key=str(key))
            values[key] = _check(key, value)
        parsed = cls(**values)
        if parsed.join_before_host is not True:
            for dependent in ("join_before_host_minutes", "audio_before_host"):
                if getattr(parsed, dependent) is not None:
                    raise InputError("needs join_before_host = true", key=dependent)
        return parsed

    def as_mapping(self) -> dict[str, Any]:
        """Every key with its value (``None`` for unset)."""
        return attrs.asdict(self)


def _check(key: str, value: Any) -> Any:
    if key in _BOOL_SET:
        if not isinstance(value, bool):
            raise InputError("must be true or false", key=key)
        return value
    if value is None:
        return None
    if key in _BOOL_UNSET:
        if not isinstance(value, bool):
            raise InputError("must be true or false", key=key)
        return value
    if key == "join_before_host_minutes":
        if isinstance(value, bool) or not isinstance(value, int) or value not in JOIN_BEFORE_HOST_MINUTES:
            raise InputError("must be one of 0, 5, 10 or 15", key=key)
        return value
    if key == "unlocked_join":
        if value not in _JOIN_SECURITY:
            raise InputError(f"must be one of {', '.join(map(repr, _JOIN_SECURITY))}", key=key)
        return value
    if key == "site_url":
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
            raise InputError("must be a Webex site such as 'example.webex.com'", key=key)
        return value.strip()
    raise InputError("unsupported option", key=key)  # pragma: no cover - OPTION_DOCS and _check agree


def parse_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Validate the course's ``[webex]`` table and return every option, normalised."""
    return WebexOptions.from_mapping(options).as_mapping()
