"""Pure mapping between our records and the Webex Meetings REST API's JSON: no I/O here.

Every function takes plain values and returns plain values, so it is tested without a server.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ta_delivery.dialin import country_from_label
from ta_delivery.models import Person
from ta_delivery.records import ClassroomRequest, DialIn, PhoneNumber, Recording, Segment

from .options import WebexOptions

__all__ = [
    "DEFAULT_API_URL",
    "MAX_MINUTES",
    "MIN_MINUTES",
    "agenda_for",
    "carries_mark",
    "dial_in_from",
    "format_time",
    "instance_ids",
    "invitee_body",
    "mark_of",
    "meeting_body",
    "next_link",
    "parse_time",
    "patch_body",
    "personal_link",
    "recording_from",
    "registrant_body",
    "registration_form",
    "segments_of_participant",
    "split_name",
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


# --- the mark ------------------------------------------------------------------------------------


def tag_of(key: str) -> str:
    """Our integration tag for ``key``: Webex allows at most 64 characters, so a hash of it."""
    return "ta-delivery-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def mark_of(key: str) -> str:
    """The line that ends every agenda we write, naming the classroom's key."""
    return f"[ta-delivery key: {key}]"


def agenda_for(request: ClassroomRequest) -> str:
    """The meeting agenda: the session's description (shortened to fit), then our mark."""
    mark = mark_of(request.key)
    text = _clean(request.description or "").strip()
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


def _clean(text: str) -> str:
    """Drop control characters except line breaks and tabs."""
    return "".join(c for c in text if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127))


# --- times ---------------------------------------------------------------------------------------


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


# --- meetings ------------------------------------------------------------------------------------


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
        "title": _clean(request.title).strip()[:TITLE_MAX] or request.session_id,
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


# --- people --------------------------------------------------------------------------------------


def split_name(name: str) -> tuple[str, str]:
    """First and last name for a registration form, which requires both."""
    words = _clean(name).split()
    if not words:
        return ("-", "-")
    if len(words) == 1:
        return (words[0], words[0])
    return (" ".join(words[:-1]), words[-1])


def invitee_body(meeting_id: str, person: Person, cohost: bool) -> dict[str, Any]:
    """The body of ``POST /meetingInvitees`` (Webex sends no e-mail)."""
    return {
        "meetingId": meeting_id,
        "email": person.email,
        "displayName": _clean(person.name).strip()[:NAME_MAX] or person.email,
        "coHost": cohost,
        "sendEmail": False,
    }


def registrant_body(person: Person) -> dict[str, Any]:
    """The body of ``POST /meetings/{id}/registrants`` (Webex sends no e-mail)."""
    first, last = split_name(person.name)
    return {"firstName": first, "lastName": last, "email": person.email, "sendEmail": False}


def personal_link(web_link: str, person: Person) -> str:
    """The join link written into ``person``'s invite.

    Webex's REST API returns one lasting join link per meeting (``webLink``); the invitee list or the
    registration is what admits a person. We add the person's e-mail and name, which the join page uses
    to fill in its form, so each invite carries its own link that still opens the same meeting.
    """
    parts = urlsplit(web_link)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("email", "name")]
    query += [("email", person.email), ("name", _clean(person.name).strip()[:NAME_MAX])]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


# --- pagination ----------------------------------------------------------------------------------


def _links(header: str) -> Iterator[tuple[str, set[str]]]:
    """The (url, rels) pairs of an RFC 5988 ``Link`` header."""
    i, n = 0, len(header)
    while i < n:
        start = header.find("<", i)
        if start < 0:
            return
        end = header.find(">", start)
        if end < 0:
            return
        url = header[start + 1 : end].strip()
        nxt = header.find("<", end)
        params = header[end + 1 : nxt if nxt >= 0 else n]
        rels: set[str] = set()
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "rel":
                rels.update(value.strip().strip(",").strip().strip('"').lower().split())
        yield url, rels
        i = nxt if nxt >= 0 else n


def next_link(header: str | None, page_size: int, base: str | None = None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, with Webex's ``max=null`` defect repaired.

    A relative reference (RFC 8288 allows one) is resolved against ``base``, the page's own URL.
    """
    if not header:
        return None
    for url, rels in _links(header):
        if "next" in rels and url:
            parts = urlsplit(urljoin(base, url) if base else url)
            query = [
                (k, str(page_size) if k == "max" and v in ("null", "", "undefined", "None") else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ]
            return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return None


# --- attendance ----------------------------------------------------------------------------------


def instance_ids(items: Iterable[Any]) -> list[str]:
    """Ids of the ended meeting instances in a ``GET /meetings`` page."""
    out: list[str] = []
    for item in items:
        ok = isinstance(item, Mapping) and isinstance(item.get("id"), str)
        if ok and item.get("state") in (None, "ended"):
            out.append(item["id"])
    return out


def segments_of_participant(
    participant: Mapping[str, Any],
    session_id: str,
    people_by_email: Mapping[str, str],
    source: str = SOURCE,
) -> list[Segment]:
    """One segment per device interval of a participant (or the participant's own, without devices).

    ``raw_key`` depends only on the meeting instance, the participant, the device and its join time, so
    the same interval reported by a pull, a webhook or a re-run is recorded once. Intervals without a
    leave time (still in the meeting) are skipped.
    """
    email = participant.get("email")
    email = email.strip() if isinstance(email, str) and email.strip() else None
    name = participant.get("displayName")
    name = name if isinstance(name, str) and name else None
    pid = participant.get("id")
    pid = str(pid) if pid is not None else None
    meeting = participant.get("meetingId")
    person_id = people_by_email.get(email.lower()) if email else None
    intervals: list[tuple[object, object, object]] = []
    devices = participant.get("devices")
    for device in devices if isinstance(devices, list) else ():
        if isinstance(device, Mapping):
            left = device.get("leftTime") or _end_by_duration(device)
            if device.get("joinedTime") and left:
                intervals.append((device.get("joinedTime"), left, device.get("correlationId")))
    if not intervals:
        intervals.append((participant.get("joinedTime"), participant.get("leftTime"), None))
    out: list[Segment] = []
    for joined, left, correlation in intervals:
        if not joined or not left:
            continue
        join, leave = parse_time(joined), parse_time(left)
        if leave < join:
            raise ValueError(f"participant {pid} leaves before joining")
        out.append(
            Segment(
                session_id=session_id,
                join=join,
                leave=leave,
                source=source,
                raw_key=Segment.key_of("webex", meeting, pid, correlation, format_time(join)),
                person_id=person_id,
                external_id=pid,
                email=email,
                name=name,
            )
        )
    return out


def _end_by_duration(device: Mapping[str, Any]) -> str | None:
    """A device's leave time from its join time and ``durationSecond`` when ``leftTime`` is missing."""
    seconds = device.get("durationSecond")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        return None
    try:
        return format_time(parse_time(device.get("joinedTime")) + timedelta(seconds=float(seconds)))
    except ValueError:
        return None


def people_index(people: Sequence[Person]) -> dict[str, str]:
    """Lower-cased e-mail -> person id."""
    return {p.email.lower(): p.id for p in people}


def dial_in_from(meeting: Mapping[str, Any]) -> DialIn | None:
    """The phone details of a meeting: ``telephony.callInNumbers``, the access code and the numeric
    password for phones and video systems (``phoneAndVideoSystemPassword``).

    Webex labels numbers by country ("US Toll", "United Kingdom Toll Free"); the country is read from the
    label where it names one. Webex's one-tap layout dials the access code, then the numeric password:
    ``+14156550001,,2550012345#12345678#`` (``##`` where there is no password).
    """
    telephony = meeting.get("telephony")
    if not isinstance(telephony, Mapping):
        return None
    access = telephony.get("accessCode")
    numbers = telephony.get("callInNumbers")
    if not isinstance(access, str) or not access or not isinstance(numbers, list):
        return None
    phones = [
        PhoneNumber(
            number=_clean(entry["callInNumber"]),
            country=country_from_label(entry.get("label") if isinstance(entry.get("label"), str) else None),
            label=_clean(entry["label"]) if isinstance(entry.get("label"), str) else None,
            toll_free=entry.get("tollType") == "tollFree",
        )
        for entry in numbers
        if isinstance(entry, Mapping) and isinstance(entry.get("callInNumber"), str)
    ]
    if not phones:
        return None
    code = re.sub(r"\D", "", access)
    password = meeting.get("phoneAndVideoSystemPassword")
    password = re.sub(r"\D", "", password) if isinstance(password, str) else ""
    tap = f",,{code}#" + (f"{password}#" if password else "#")
    return DialIn(numbers=tuple(phones), meeting_number=code, passcode=password or None, one_tap=tap)


def recording_from(items: Iterable[Any]) -> Recording | None:
    """The newest available recording among ``GET /recordings?meetingId=`` items: its playback link
    (``playbackUrl``) and password, or ``None`` while none is available."""
    best: tuple[str, Mapping[str, Any]] | None = None
    for item in items:
        if not isinstance(item, Mapping) or item.get("status", "available") != "available":
            continue
        url = item.get("playbackUrl")
        if not isinstance(url, str) or not url:
            continue
        when = str(item.get("timeRecorded") or item.get("createTime") or "")
        if best is None or when > best[0]:
            best = (when, item)
    if best is None:
        return None
    password = best[1].get("password")
    return Recording(
        url=best[1]["playbackUrl"], passcode=password if isinstance(password, str) and password else None
    )
