"""What we send Zoom: the mark that makes a meeting findable, and the request bodies (pure)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from ta_delivery.errors import BadResponse
from ta_delivery.models import Person
from ta_delivery.records import ClassroomRequest

from ..options import ZoomOptions

__all__ = [
    "AGENDA_MAX",
    "LISTED_AGENDA_MAX",
    "NAME_MAX",
    "PANELIST_NAME_MAX",
    "PROVIDER",
    "TOPIC_MAX",
    "Kind",
    "agenda_for",
    "fingerprint",
    "format_time",
    "has_mark",
    "mark",
    "maybe_truncated",
    "meeting_body",
    "panelist_body",
    "parse_time",
    "registrant_body",
    "topic_for",
]


PROVIDER = "zoom"


TOPIC_MAX = 200


AGENDA_MAX = 2000


#: Zoom truncates the agenda to this many characters when it lists a user's meetings.
LISTED_AGENDA_MAX = 250


NAME_MAX = 64


#: A panelist's full name: Zoom documents no limit in Latin letters (12 Chinese characters); keep it short.
PANELIST_NAME_MAX = 128


Kind = Literal["meeting", "webinar"]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: str, *, keep_newlines: bool) -> str:
    pattern = _CONTROL if keep_newlines else _CONTROL_LINE
    return pattern.sub(" " if not keep_newlines else "", text)


def format_time(moment: datetime) -> str:
    """Zoom's UTC form: ``YYYY-MM-DDTHH:MM:SSZ``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object, what: str = "time") -> datetime:
    """A Zoom date-time (``...Z`` or with an offset) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise BadResponse(f"{what} is missing or not a string", provider=PROVIDER)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadResponse(f"{what} is not an ISO date-time", provider=PROVIDER) from exc
    if moment.tzinfo is None:
        raise BadResponse(f"{what} has no offset", provider=PROVIDER)
    return moment.astimezone(UTC)


def mark(key: str) -> str:
    """The line that ends every agenda we write: our key, so a lost create can be found."""
    return f"[ta-delivery:{_clean(key, keep_newlines=False)}]"


def has_mark(agenda: object, key: str) -> bool:
    """Whether ``agenda`` ends with the mark of ``key``."""
    return isinstance(agenda, str) and agenda.rstrip().endswith(mark(key))


def maybe_truncated(agenda: object) -> bool:
    """Whether a listed agenda may have been cut short by Zoom (so the full meeting must be read)."""
    return isinstance(agenda, str) and len(agenda) >= LISTED_AGENDA_MAX - 3


def topic_for(request: ClassroomRequest) -> str:
    """The meeting topic: the session title, cleaned and cut to Zoom's 200 characters."""
    topic = " ".join(_clean(request.title, keep_newlines=False).split())
    if len(topic) > TOPIC_MAX:
        topic = topic[: TOPIC_MAX - 1].rstrip() + "…"
    return topic or request.session_id


def agenda_for(request: ClassroomRequest) -> str:
    """The description (cut to fit) followed by the mark, within Zoom's 2000 characters."""
    tail = mark(request.key)
    text = _clean(request.description or "", keep_newlines=True).strip()
    room = AGENDA_MAX - len(tail) - 2
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"{text}\n\n{tail}" if text else tail


def _settings(
    request: ClassroomRequest, options: ZoomOptions, kind: Kind, host: str | None
) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    common = ("mute_upon_entry", "host_video", "auto_recording", "audio", "meeting_authentication")
    meeting_only = ("waiting_room", "join_before_host", "participant_video")
    for name in common + (meeting_only if kind == "meeting" else ()):
        value = getattr(options, name)
        if value is not None:
            settings[name] = value
    if kind == "webinar" and options.mute_upon_entry is not None:
        settings.pop("mute_upon_entry")  # webinar attendees are always muted; the setting does not exist
    if options.registration:
        settings["approval_type"] = 0  # automatic: every registrant gets a join link at once
        settings["registration_type"] = 1  # register once for the meeting
        settings["registrants_email_notification"] = options.registrant_emails
        if kind == "meeting":
            settings["registrants_confirmation_email"] = options.registrant_emails
    else:
        settings["approval_type"] = 2  # no registration
    if kind == "webinar":
        # the trainers are panelists; our invitations carry their panelist links
        settings["panelists_invitation_email_notification"] = options.registrant_emails
    if kind == "meeting" and options.alternative_hosts:
        # the host is never its own alternative host (Zoom refuses an invalid alternative host)
        emails = sorted({t.email.lower() for t in request.hosts} - {(host or "").lower()})
        settings["alternative_hosts"] = ";".join(emails)
        settings["alternative_hosts_email_notification"] = False
    return settings


def meeting_body(
    request: ClassroomRequest, options: ZoomOptions, kind: Kind = "meeting", host: str | None = None
) -> dict[str, Any]:
    """The JSON body creating (POST) or updating (PATCH) the meeting or webinar of ``request``.

    ``host`` is the user who hosts it (an email or id): a trainer who is the host is not made an
    alternative host.
    """
    return {
        "topic": topic_for(request),
        "type": 2 if kind == "meeting" else 5,
        "start_time": format_time(request.start),
        "duration": request.minutes,
        "timezone": request.timezone,
        "agenda": agenda_for(request),
        "settings": _settings(request, options, kind, host),
    }


def fingerprint(body: Mapping[str, Any]) -> str:
    """A short hash of a body, to skip a PATCH (and a unit of the daily budget) when nothing changed."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _split_name(name: str) -> tuple[str, str]:
    clean = " ".join(_clean(name, keep_newlines=False).split())
    first, _, last = clean.partition(" ")
    return first[:NAME_MAX] or "-", last[:NAME_MAX]


def registrant_body(person: Person) -> dict[str, Any]:
    """The JSON body registering ``person``: first and last name from their name, and their email."""
    first, last = _split_name(person.name)
    body: dict[str, Any] = {"email": person.email, "first_name": first}
    if last:
        body["last_name"] = last
    return body


def panelist_body(person: Person) -> dict[str, Any]:
    """One item of the ``panelists`` list that makes ``person`` a webinar panelist: full name and email."""
    name = " ".join(_clean(person.name, keep_newlines=False).split())[:PANELIST_NAME_MAX]
    return {"name": name or person.email, "email": person.email}
