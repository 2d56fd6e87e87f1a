"""Pure mapping between our records and Zoom's JSON: no I/O, no clock, no state.

Requests become Zoom bodies (:func:`meeting_body`, :func:`registrant_body`); Zoom answers become
classrooms and attendance segments (:func:`classroom_from`, :func:`segments_from_report`). Everything here
raises :class:`~ta_delivery.errors.BadResponse` on a malformed answer and never touches the network.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

from ta_delivery.errors import BadResponse
from ta_delivery.models import Person
from ta_delivery.records import Classroom, ClassroomRequest, DialIn, PhoneNumber, Recording, Segment

from .options import ZoomOptions

__all__ = [
    "AGENDA_MAX",
    "LISTED_AGENDA_MAX",
    "TOPIC_MAX",
    "Kind",
    "agenda_for",
    "classroom_from",
    "dial_in_from",
    "encode_uuid",
    "fingerprint",
    "format_time",
    "has_mark",
    "mark",
    "maybe_truncated",
    "meeting_body",
    "page_items",
    "panelist_body",
    "panelists_from",
    "parse_time",
    "recording_from",
    "registrant_body",
    "segments_from_report",
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


# --- the mark that makes a meeting findable ---------------------------------------------------------


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


# --- request bodies -----------------------------------------------------------------------------------


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


# --- answers -----------------------------------------------------------------------------------------


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadResponse(f"{what} is not a JSON object", provider=PROVIDER)
    return value


def _string(body: Mapping[str, Any], key: str, what: str) -> str:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise BadResponse(f"{what} has no {key}", provider=PROVIDER)
    return str(value)


def page_items(body: object, field: str) -> tuple[list[Mapping[str, Any]], str | None]:
    """The items of one list page and its ``next_page_token`` (``None`` on the last page)."""
    page = _mapping(body, f"{field} page")
    items = page.get(field, [])
    if items is None:
        items = []
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise BadResponse(f"{field} is not a list of objects", provider=PROVIDER)
    token = page.get("next_page_token")
    return items, token if isinstance(token, str) and token else None


def classroom_from(
    request: ClassroomRequest,
    meeting: object,
    *,
    kind: Kind,
    host: str,
    registrants: Mapping[str, Mapping[str, str]],
    body_hash: str | None = None,
    panelists: Mapping[str, Mapping[str, str]] | None = None,
    cancelled: Mapping[str, str] | None = None,
) -> Classroom:
    """The classroom for a Zoom meeting (or webinar) and its registrants (person id -> id, email, url).

    ``panelists`` (webinars: trainer id -> panelist id, email, url) add the trainers' personal links;
    ``cancelled`` (email -> registrant id) remembers registrants we cancelled, so a person added back
    is approved again rather than left with Zoom's denied registration.

    ``start_url`` (a host token valid two hours) is deliberately dropped: it is a secret and would be
    stale in any store; hosts start from their Zoom client or the web portal.
    """
    body = _mapping(meeting, "meeting")
    meeting_id = _string(body, "id", "meeting")
    join_url = _string(body, "join_url", "meeting")
    links = {pid: reg["join_url"] for pid, reg in registrants.items() if reg.get("join_url")}
    for pid, panelist in (panelists or {}).items():
        if panelist.get("join_url"):
            links[pid] = panelist["join_url"]
    data: dict[str, Any] = {
        "kind": kind,
        "host": host,
        "registrants": {pid: {"id": reg["id"], "email": reg["email"]} for pid, reg in registrants.items()},
    }
    if isinstance(body.get("uuid"), str):
        data["uuid"] = body["uuid"]
    if panelists:
        data["panelists"] = {pid: {"id": p["id"], "email": p["email"]} for pid, p in panelists.items()}
    if cancelled:
        data["cancelled"] = dict(sorted(cancelled.items()))
    if body_hash:
        data["body_hash"] = body_hash
    return Classroom(
        provider=PROVIDER,
        key=request.key,
        external_id=meeting_id,
        join_url=join_url,
        host_url=None,
        personal_links=links,
        data=data,
        dial_in=dial_in_from(body),
    )


def dial_in_from(meeting: Mapping[str, Any]) -> DialIn | None:
    """The phone details of a meeting: ``settings.global_dial_in_numbers``, the meeting id and the
    phone passcode (``pstn_password``; older answers carry it as ``h323_password``).

    Zoom's one-tap layout dials the meeting id, then the passcode after a pause:
    ``+16465588656,,85012345678#,,,,*123456#``.
    """
    settings = meeting.get("settings")
    numbers = settings.get("global_dial_in_numbers") if isinstance(settings, Mapping) else None
    if not isinstance(numbers, list) or not numbers:
        return None
    phones: list[PhoneNumber] = []
    for entry in numbers:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("number"), str):
            continue
        country = entry.get("country")
        city = entry.get("city")
        phones.append(
            PhoneNumber(
                number=_clean(entry["number"], keep_newlines=False),
                country=country.upper() if isinstance(country, str) and len(country) == 2 else None,
                label=_clean(city, keep_newlines=False) if isinstance(city, str) and city else None,
                toll_free=entry.get("type") == "tollfree",
            )
        )
    meeting_id = meeting.get("id")
    if not phones or meeting_id is None:
        return None
    digits = re.sub(r"\D", "", str(meeting_id))
    passcode = meeting.get("pstn_password") or meeting.get("h323_password")
    passcode = re.sub(r"\D", "", passcode) if isinstance(passcode, str) else ""
    tap = f",,{digits}#" + (f",,,,*{passcode}#" if passcode else "")
    return DialIn(numbers=tuple(phones), meeting_number=digits, passcode=passcode or None, one_tap=tap)


def recording_from(answer: object) -> Recording | None:
    """The recording of a meeting from ``GET /meetings/{id}/recordings``: its ``share_url`` (else the
    first playable file's ``play_url``) and its passcode (``password``), or ``None`` while nothing is
    playable yet."""
    if not isinstance(answer, Mapping):
        raise BadResponse("recordings is not an object", provider=PROVIDER)
    url = answer.get("share_url")
    if not isinstance(url, str) or not url:
        files = answer.get("recording_files")
        playable = (
            [
                f.get("play_url")
                for f in files or ()
                if isinstance(f, Mapping) and f.get("status", "completed") == "completed"
            ]
            if isinstance(files, list)
            else []
        )
        url = next((u for u in playable if isinstance(u, str) and u), None)
    if not url:
        return None
    password = answer.get("password")
    return Recording(url=url, passcode=password if isinstance(password, str) and password else None)


def registrant_from(answer: object) -> dict[str, str]:
    """``{"id", "join_url"}`` from the answer to a registrant POST."""
    body = _mapping(answer, "registrant")
    return {
        "id": _string(body, "registrant_id", "registrant"),
        "join_url": _string(body, "join_url", "registrant"),
    }


def panelists_from(answer: object) -> dict[str, dict[str, str]]:
    """Lower-cased email -> ``{"id", "email", "join_url"}`` from a webinar's panelist list."""
    items, _ = page_items(answer, "panelists")
    out: dict[str, dict[str, str]] = {}
    for item in items:
        email = item.get("email")
        if not isinstance(email, str) or not email:
            continue
        panelist_id = _string(item, "id", "panelist")
        url = item.get("join_url")
        out.setdefault(
            email.lower(),
            {"id": panelist_id, "email": email, "join_url": url if isinstance(url, str) else ""},
        )
    return out


def encode_uuid(uuid: str) -> str:
    """A meeting UUID as a path segment: double-encoded when it starts with ``/`` or contains ``//``."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def segments_from_report(
    rows: Iterable[Mapping[str, Any]],
    *,
    session_id: str,
    instance: str,
    registrants: Mapping[str, str],
    source: str = "zoom-report",
) -> Iterator[Segment]:
    """Segments from the participants report of one meeting instance.

    ``registrants`` maps registrant id -> person id; a row with a known registrant id is resolved to that
    person, others carry their email and name for the core to match. Waiting-room rows and rows without a
    leave time (still in the meeting) are skipped.
    """
    for row in rows:
        if row.get("status") == "in_waiting_room":
            continue
        if not row.get("leave_time"):
            continue
        join = parse_time(row.get("join_time"), "participant join_time")
        leave = parse_time(row.get("leave_time"), "participant leave_time")
        if leave < join:
            raise BadResponse("participant leaves before joining", provider=PROVIDER)
        registrant_id = row.get("registrant_id") or None
        person_id = registrants.get(registrant_id) if isinstance(registrant_id, str) else None
        email = row.get("user_email") or None
        name = row.get("name") or None
        # ``user_id`` is assigned per join (valid for that join only): a guest who rejoins would become
        # several people, so a guest without a Zoom account is matched by email or name instead
        external = row.get("participant_user_id") or row.get("id") or None
        yield Segment(
            session_id=session_id,
            join=join,
            leave=leave,
            source=source,
            raw_key=Segment.key_of(source, instance, row.get("user_id"), row.get("join_time"), leave),
            person_id=person_id,
            external_id=str(external) if external is not None else None,
            email=str(email) if email is not None else None,
            name=str(name) if name is not None else None,
        )
