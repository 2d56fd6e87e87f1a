"""What we send Webex for a meeting: the mark that makes it findable, times and the request bodies (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ta_delivery.records import ClassroomRequest

from ..options import WebexOptions

__all__ = [
    "AGENDA_MAX",
    "DEFAULT_API_URL",
    "MAX_MINUTES",
    "MIN_MINUTES",
    "NAME_MAX",
    "SOURCE",
    "TITLE_MAX",
    "agenda_for",
    "carries_mark",
    "clean_text",
    "format_time",
    "mark_of",
    "meeting_body",
    "parse_time",
    "patch_body",
    "registration_form",
    "scheduled_window",
    "search_window",
    "tag_of",
]


DEFAULT_API_URL = "https://webexapis.com/v1"


#: Webex refuses meetings shorter than 10 minutes or longer than 23 hours 59 minutes.
MIN_MINUTES = 10


MAX_MINUTES = 23 * 60 + 59


TITLE_MAX = 128


AGENDA_MAX = 1300


NAME_MAX = 128


SOURCE = "webex"


def tag_of(key: str) -> str:
    """Our integration tag for ``key``: Webex allows at most 64 characters, so a hash of it."""
    return "ta-delivery-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def mark_of(key: str) -> str:
    """The line that ends every agenda we write, naming the classroom's key."""
    return f"[ta-delivery key: {key}]"


def agenda_for(request: ClassroomRequest) -> str:
    """The meeting agenda: the session's description (shortened to fit), then our mark."""
    mark = mark_of(request.key)
    text = clean_text(request.description or "").strip()
    room = AGENDA_MAX - len(mark) - 2
    if len(text) > room:
        text = text[: max(room - 1, 0)].rstrip() + "…"
    return f"{text}\n\n{mark}" if text else mark


def carries_mark(meeting: Mapping[str, Any], key: str) -> bool:
    """True if ``meeting`` was made by us for ``key`` (its integration tag or its agenda mark)."""
    tags = meeting.get("integrationTags")
    if isinstance(tags, list) and tag_of(key) in tags:
        return True
    agenda = meeting.get("agenda")
    return isinstance(agenda, str) and agenda.rstrip().endswith(mark_of(key))


def clean_text(text: str) -> str:
    """Drop control characters except line breaks and tabs."""
    return "".join(c for c in text if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127))


def format_time(when: datetime) -> str:
    """An instant as Webex takes it: UTC, whole seconds, ``Z``."""
    if when.tzinfo is None:
        raise ValueError("a naive datetime is not an instant")
    return when.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: object) -> datetime:
    """A Webex ISO 8601 timestamp as an aware UTC datetime; ``ValueError`` if it is not one."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"not a timestamp: {text!r}")
    when = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if when.tzinfo is None:
        raise ValueError(f"timestamp without a zone: {text!r}")
    return when.astimezone(UTC)


def scheduled_window(request: ClassroomRequest) -> tuple[datetime, datetime]:
    """Start and end for Webex: at least 10 minutes long (a shorter session ends early on its own)."""
    minutes = max(request.minutes, MIN_MINUTES)
    if minutes > MAX_MINUTES:
        raise ValueError(f"Webex meetings last at most {MAX_MINUTES} minutes")
    return request.start, request.start + timedelta(minutes=minutes)


def search_window(request: ClassroomRequest) -> tuple[datetime, datetime]:
    """Where to look for a request's meeting: its schedule, at least Webex's 10 minutes (never raises)."""
    return request.start, max(request.end, request.start + timedelta(minutes=MIN_MINUTES))


def _settings(options: WebexOptions) -> dict[str, Any]:
    body: dict[str, Any] = {}
    pairs = (
        ("enabledAutoRecordMeeting", options.auto_record),
        ("enabledJoinBeforeHost", options.join_before_host),
        ("joinBeforeHostMinutes", options.join_before_host_minutes),
        ("enableConnectAudioBeforeHost", options.audio_before_host),
        ("unlockedMeetingJoinSecurity", options.unlocked_join),
    )
    for name, value in pairs:
        if value is not None:
            body[name] = value
    return body


def registration_form() -> dict[str, Any]:
    """The registration form we ask for: name and e-mail only, requests accepted automatically."""
    return {
        "autoAcceptRequest": True,
        "requireFirstName": True,
        "requireLastName": True,
        "requireEmail": True,
    }


def _common(request: ClassroomRequest, options: WebexOptions) -> dict[str, Any]:
    start, end = scheduled_window(request)
    body: dict[str, Any] = {
        "title": clean_text(request.title).strip()[:TITLE_MAX] or request.session_id,
        "agenda": agenda_for(request),
        "start": format_time(start),
        "end": format_time(end),
        "timezone": request.timezone,
        "sendEmail": False,
        "integrationTags": [tag_of(request.key)],
    }
    body.update(_settings(options))
    return body


def meeting_body(
    request: ClassroomRequest, options: WebexOptions, now: datetime | None = None
) -> dict[str, Any]:
    """The body of ``POST /meetings`` for ``request`` (Webex sends no e-mail).

    Webex refuses a ``start`` before the current time: a session already under way (``now`` after its
    start) gets a meeting from a whole minute one to two minutes ahead to its scheduled end (at least 10
    minutes), so the request still lands before its start.
    """
    body = _common(request, options)
    if now is not None and request.start < now:
        start = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)  # 1-2 minutes ahead
        end = max(scheduled_window(request)[1], start + timedelta(minutes=MIN_MINUTES))
        body.update(start=format_time(start), end=format_time(end))
    if options.registration:
        body["registration"] = registration_form()
    if options.site_url:
        body["siteUrl"] = options.site_url
    return body


def patch_body(
    request: ClassroomRequest, options: WebexOptions, now: datetime | None = None
) -> dict[str, Any]:
    """The body of ``PATCH /meetings/{id}``: every field we own, with absolute values (idempotent).

    For a session already under way (``now`` after its start) the times are left out: Webex refuses a
    ``start`` in the past, and the meeting in progress keeps its own.
    """
    body = _common(request, options)
    if now is not None and request.start < now:
        del body["start"], body["end"]
    return body
