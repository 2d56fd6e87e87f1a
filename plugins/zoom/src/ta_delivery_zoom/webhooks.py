"""Zoom webhooks: signature checks, URL validation, and join/leave events turned into segments.

Zoom signs each request: ``x-zm-signature = "v0=" + hex(HMAC-SHA256(secret, "v0:{timestamp}:{raw body}"))``
with the app's *Secret Token* (``TA_DELIVERY_ZOOM_WEBHOOK_SECRET``) and the ``x-zm-request-timestamp``
header (seconds since the epoch). :func:`verify` checks both (constant-time compare, five minutes'
tolerance) on the raw bytes, before anything is parsed. :func:`make_asgi_app` is a small ASGI app that
does exactly that and hands finished segments to a callback.

Pairing: a ``participant_joined`` opens an interval keyed by the meeting instance (uuid), the participant
(``participant_user_id``, else ``id``, else ``user_id``, else ``participant_uuid``, else email) and its join
time; a ``participant_left`` closes that participant's latest open interval that began at or before the
leave. ``meeting.ended`` (and ``webinar.ended``) closes every interval still open at the meeting's
``end_time`` (the event time when absent): someone whose "left" event never arrived is counted until the
meeting ended. A "left" without a matching "joined" is ignored (its start is unknown). Repeated
deliveries of the same event change nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from ta_delivery import webhooks as core_webhooks
from ta_delivery.clock import Clock, SystemClock
from ta_delivery.context import KeyValue, MemoryKeyValue
from ta_delivery.errors import BadResponse, TaDeliveryError
from ta_delivery.records import Classroom, Segment
from ta_delivery.settings import Secret, Settings
from ta_delivery.webhooks import ASGIApp, WebhookTarget, webhook_app

from .sansio import parse_time

__all__ = [
    "SECRET_VARIABLE",
    "TOLERANCE_SECONDS",
    "AttendanceTracker",
    "MeetingRef",
    "WebhookRejected",
    "make_asgi_app",
    "resolver_for",
    "secret_from",
    "serve_app",
    "sign",
    "url_validation",
    "verify",
]

log = logging.getLogger(__name__)

SECRET_VARIABLE = "TA_DELIVERY_ZOOM_WEBHOOK_SECRET"  # noqa: S105 - a variable name
TOLERANCE_SECONDS = 300
SOURCE = "zoom-webhook"
_JOINED = ("meeting.participant_joined", "webinar.participant_joined")
_LEFT = ("meeting.participant_left", "webinar.participant_left")
_ENDED = ("meeting.ended", "webinar.ended")


class WebhookRejected(TaDeliveryError):
    """A webhook request failed verification (bad or missing signature, stale timestamp)."""


def secret_from(settings: Settings) -> Secret:
    """The webhook secret token from ``TA_DELIVERY_ZOOM_WEBHOOK_SECRET``."""
    secret = settings.secret("zoom", "webhook_secret")
    if secret is None:
        raise WebhookRejected(f"{SECRET_VARIABLE} is not set")
    return secret


def _reveal(secret: Secret | str) -> bytes:
    return (secret.reveal() if isinstance(secret, Secret) else secret).encode()


def sign(secret: Secret | str, timestamp: str, body: bytes) -> str:
    """The ``x-zm-signature`` value Zoom would send for ``body`` at ``timestamp``."""
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(_reveal(secret), message, hashlib.sha256).hexdigest()


def verify(secret: Secret | str, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    """Raise :class:`WebhookRejected` unless ``body`` carries a valid, fresh Zoom signature.

    ``headers`` keys are matched case-insensitively; ``body`` must be the raw request bytes.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get("x-zm-request-timestamp", "")
    given = lower.get("x-zm-signature", "")
    if not timestamp or not given:
        raise WebhookRejected("missing x-zm-signature or x-zm-request-timestamp")
    try:
        sent = int(timestamp)
    except ValueError:
        raise WebhookRejected("x-zm-request-timestamp is not a number") from None
    if abs(now.timestamp() - sent) > TOLERANCE_SECONDS:
        raise WebhookRejected("x-zm-request-timestamp is more than five minutes off")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), given.encode()):
        raise WebhookRejected("signature does not match")


def url_validation(secret: Secret | str, event: Mapping[str, Any]) -> dict[str, str]:
    """The answer to ``endpoint.url_validation``: the plain token and its HMAC-SHA256 in hex."""
    payload = event.get("payload")
    plain = payload.get("plainToken") if isinstance(payload, Mapping) else None
    if not isinstance(plain, str) or not plain:
        raise BadResponse("url_validation without plainToken", provider="zoom")
    encrypted = hmac.new(_reveal(secret), plain.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain, "encryptedToken": encrypted}


@attrs.frozen
class MeetingRef:
    """What a meeting id stands for: our session, and registrant id -> person id."""

    session_id: str
    registrants: Mapping[str, str] = attrs.field(factory=dict)


Resolver = Callable[[str], "MeetingRef | None"]


def resolver_for(classrooms: Mapping[str, Classroom]) -> Resolver:
    """A resolver from session id -> classroom (as the store keeps them)."""
    table: dict[str, MeetingRef] = {}
    for session_id, classroom in classrooms.items():
        regs = classroom.data.get("registrants", {})
        table[classroom.external_id] = MeetingRef(
            session_id, {str(r["id"]): pid for pid, r in dict(regs).items()}
        )
    return table.get


def _participant_key(participant: Mapping[str, Any]) -> str | None:
    for field in ("participant_user_id", "id", "user_id", "participant_uuid", "email"):
        value = participant.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return f"{field}:{value}"
    return None


@attrs.define
class AttendanceTracker:
    """Pairs join and leave events into segments; open intervals persist in ``state`` (JSON per instance)."""

    resolve: Resolver | None = None
    state: KeyValue = attrs.field(factory=MemoryKeyValue)

    def _open(self, uuid: str) -> list[dict[str, Any]]:
        raw = self.state.get(f"open:{uuid}")
        try:
            value = json.loads(raw) if raw else []
        except ValueError:
            value = []
        return value if isinstance(value, list) else []

    def _store(self, uuid: str, entries: list[dict[str, Any]]) -> None:
        self.state.put(f"open:{uuid}", json.dumps(entries) if entries else None)

    def handle(self, event: Mapping[str, Any]) -> list[Segment]:
        """Feed one verified event; return the segments it completes."""
        name = event.get("event")
        payload = event.get("payload")
        obj = payload.get("object") if isinstance(payload, Mapping) else None
        if not isinstance(obj, Mapping):
            return []
        meeting_id = str(obj.get("id", ""))
        uuid = str(obj.get("uuid") or meeting_id)
        if name in _ENDED:
            end_raw = obj.get("end_time")
            if end_raw:
                end = parse_time(end_raw, "end_time")
            else:
                end = datetime.fromtimestamp(int(event.get("event_ts", 0)) / 1000, UTC)
            entries = self._open(uuid)
            self._store(uuid, [])
            return [s for s in (self._segment(meeting_id, uuid, e, end) for e in entries) if s]
        participant = obj.get("participant")
        if not isinstance(participant, Mapping) or name not in (*_JOINED, *_LEFT):
            return []
        key = _participant_key(participant)
        if key is None:
            return []
        entries = self._open(uuid)
        if name in _JOINED:
            join = parse_time(participant.get("join_time"), "join_time")
            entry = {
                "key": key,
                "join": join.isoformat(),
                "name": participant.get("user_name"),
                "email": participant.get("email"),
                "registrant_id": participant.get("registrant_id"),
                "external": participant.get("participant_user_id") or participant.get("id"),
            }
            if not any(e["key"] == key and e["join"] == entry["join"] for e in entries):
                entries.append(entry)
                self._store(uuid, entries)
            return []
        leave = parse_time(participant.get("leave_time"), "leave_time")
        candidates = [e for e in entries if e["key"] == key and datetime.fromisoformat(e["join"]) <= leave]
        if not candidates:
            log.info("zoom webhook: a participant left %s without a recorded join; ignored", meeting_id)
            return []
        chosen = max(candidates, key=lambda e: e["join"])
        entries.remove(chosen)
        self._store(uuid, entries)
        segment = self._segment(meeting_id, uuid, chosen, leave)
        return [segment] if segment else []

    def _segment(
        self, meeting_id: str, uuid: str, entry: Mapping[str, Any], leave: datetime
    ) -> Segment | None:
        ref = self.resolve(meeting_id) if self.resolve is not None else MeetingRef(meeting_id)
        if ref is None:
            log.info("zoom webhook: meeting %s is not one of ours; ignored", meeting_id)
            return None
        join = datetime.fromisoformat(entry["join"])
        registrant = entry.get("registrant_id")
        person = ref.registrants.get(registrant) if isinstance(registrant, str) else None
        return Segment(
            session_id=ref.session_id,
            join=join,
            leave=max(leave, join),
            source=SOURCE,
            raw_key=Segment.key_of(SOURCE, uuid, entry["key"], entry["join"]),
            person_id=person,
            external_id=str(entry["external"]) if entry.get("external") else None,
            email=str(entry["email"]) if entry.get("email") else None,
            name=str(entry["name"]) if entry.get("name") else None,
        )


# --- ASGI ---------------------------------------------------------------------------------------------

MAX_BODY = 1_000_000

# The ASGI type names this module has always offered, now defined in the core.
Scope = core_webhooks.Scope
Message = core_webhooks.Message
Receive = core_webhooks.Receive
Send = core_webhooks.Send


def make_asgi_app(
    secret: Secret | str,
    on_segments: Callable[[list[Segment]], None],
    *,
    tracker: AttendanceTracker | None = None,
    clock: Clock | None = None,
) -> ASGIApp:
    """An ASGI app for Zoom's event notifications: verify raw bytes, answer validation, emit segments.

    Answers 401 to a bad signature or stale timestamp, 400 to a body that is not JSON, 405 to anything
    but POST, 413 past 1 MB, and 200 otherwise (also for events it does not use, so Zoom stops retrying).
    The HTTP part is :func:`ta_delivery.webhooks.webhook_app`.
    """
    tracker = tracker if tracker is not None else AttendanceTracker()
    clock = clock if clock is not None else SystemClock()

    def handle(headers: Mapping[str, str], body: bytes) -> tuple[int, Mapping[str, Any]]:
        event = _verified_event(secret, headers, body, clock.now())
        if isinstance(event, tuple):
            return event
        try:
            if event.get("event") == "endpoint.url_validation":
                return 200, url_validation(secret, event)
            segments = tracker.handle(event)
        except BadResponse as exc:
            return 400, {"error": exc.message}
        if segments:
            on_segments(segments)
        return 200, {}

    return webhook_app(handle, max_body=MAX_BODY)


def _verified_event(
    secret: Secret | str, headers: Mapping[str, str], body: bytes, now: datetime
) -> Mapping[str, Any] | tuple[int, Mapping[str, Any]]:
    """The event of a delivery whose signature holds, else the answer refusing it (401, or 400 for a body
    that is not a JSON object)."""
    try:
        verify(secret, headers, body, now)
    except WebhookRejected as exc:
        log.warning("zoom webhook rejected: %s", exc)
        return 401, {"error": "verification failed"}
    try:
        event = json.loads(body)
    except ValueError:
        return 400, {"error": "body is not JSON"}
    if not isinstance(event, Mapping):
        return 400, {"error": "body is not a JSON object"}
    return event


def segments_from_events(events: Iterable[Mapping[str, Any]], tracker: AttendanceTracker) -> list[Segment]:
    """Feed already-verified events in order; return every segment they complete."""
    out: list[Segment] = []
    for event in events:
        out.extend(tracker.handle(event))
    return out


def serve_app(target: WebhookTarget) -> ASGIApp:
    """The ``POST /webhooks/zoom`` app of ``ta-delivery serve``: events recorded as the course's attendance.

    Verifies ``x-zm-signature`` and the timestamp's five minutes' tolerance on the raw bytes, answers the
    ``endpoint.url_validation`` challenge, and pairs joins with leaves in the store's ``zoom`` values, one
    meeting at a time across every serve process, so a join and a leave may reach different processes.
    Answers 503 while ``TA_DELIVERY_ZOOM_WEBHOOK_SECRET`` is not set.
    """
    context = target.context
    secret = context.settings.secret("zoom", "webhook_secret")
    state = context.state("zoom-webhooks")

    def handle(headers: Mapping[str, str], body: bytes) -> tuple[int, Mapping[str, Any]]:
        if secret is None:
            log.warning("zoom webhook refused: %s is not set", SECRET_VARIABLE)
            return 503, {"error": f"{SECRET_VARIABLE} is not set"}
        event = _verified_event(secret, headers, body, context.clock.now())
        if isinstance(event, tuple):
            return event
        payload = event.get("payload")
        obj = payload.get("object") if isinstance(payload, Mapping) else None
        try:
            if event.get("event") == "endpoint.url_validation":
                return 200, url_validation(secret, event)
            if not isinstance(obj, Mapping):
                return 200, {"recorded": 0}
            found = target.meeting("zoom", str(obj.get("id", "")))
            if found is None:
                return 200, {"recorded": 0}  # not one of ours: acknowledged so Zoom stops retrying

            def resolve(_meeting_id: str) -> MeetingRef:
                regs = found.classroom.data.get("registrants", {})
                return MeetingRef(found.session_id, {str(r["id"]): pid for pid, r in dict(regs).items()})

            tracker = AttendanceTracker(resolve=resolve, state=state)
            with target.serialised(f"zoom:{obj.get('uuid') or obj.get('id')}"):
                segments = tracker.handle(event)
            recorded = target.record(found.course.id, segments)
        except BadResponse as exc:
            return 400, {"error": exc.message}
        return 200, {"recorded": recorded}

    return webhook_app(handle, max_body=MAX_BODY)
