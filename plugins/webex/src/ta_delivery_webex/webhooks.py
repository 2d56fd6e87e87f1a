"""Webex webhooks: verify ``X-Spark-Signature`` and turn participant events into attendance segments.

Create a webhook (``POST /webhooks``) with ``resource = "meetingParticipants"``, ``event = "left"`` (and
``"joined"`` if you like) and a ``secret``; Webex then signs each body with HMAC-SHA1 under that secret and
sends the hex digest in ``X-Spark-Signature``. Keep the same secret in ``TA_DELIVERY_WEBEX_WEBHOOK_SECRET``.

The functions are usable from any web framework; :func:`asgi_app` is a small raw ASGI application.
A ``left`` event carries the participant's join and leave times, so it becomes segments; a ``joined``
event has no leave time yet and becomes nothing. Segments have the same ``raw_key`` as a pull of the same
interval, and the app drops events it has already seen, so repeats and retries record nothing twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ta_delivery import webhooks as core_webhooks
from ta_delivery.clock import Clock
from ta_delivery.context import RunContext
from ta_delivery.errors import InputError
from ta_delivery.models import Course
from ta_delivery.records import Segment
from ta_delivery.settings import Secret
from ta_delivery.store import Store
from ta_delivery.webhooks import ASGIApp, WebhookTarget, webhook_app

from . import sansio

__all__ = [
    "SIGNATURE_HEADER",
    "WebhookReceiver",
    "asgi_app",
    "course_resolver",
    "receiver_from_context",
    "segments_from_event",
    "serve_app",
    "sign",
    "store_sink",
    "verify_signature",
]

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Spark-Signature"
MAX_BODY = 1 << 20

#: (meeting id of the series or instance) -> (session id, e-mail -> person id), or None when not ours.
Resolver = Callable[[str], "tuple[str, Mapping[str, str]] | None"]
Sink = Callable[[Sequence[Segment]], None]


def sign(secret: str | Secret, body: bytes) -> str:
    """The hex HMAC-SHA1 of ``body`` under ``secret``, as Webex computes it."""
    key = secret.reveal() if isinstance(secret, Secret) else secret
    return hmac.new(key.encode(), body, hashlib.sha1).hexdigest()


def verify_signature(secret: str | Secret, body: bytes, signature: str | None) -> bool:
    """True if ``signature`` is the body's HMAC-SHA1 under ``secret`` (compared in constant time)."""
    if not signature:
        return False
    expected = sign(secret, body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def series_of(meeting_id: str) -> str:
    """The series id within an instance id (``<series>_I_<n>``), else the id itself."""
    return meeting_id.split("_I_", 1)[0]


def segments_from_event(event: Mapping[str, Any], resolve: Resolver) -> list[Segment]:
    """The attendance segments a webhook event stands for (none for other resources or sessions)."""
    if event.get("resource") != "meetingParticipants" or event.get("event") != "left":
        return []  # a "joined" event has no leave time: its interval arrives with the "left" one
    data = event.get("data")
    if not isinstance(data, Mapping):
        raise ValueError("event without data")
    meeting = data.get("meetingId")
    if not isinstance(meeting, str) or not meeting:
        raise ValueError("event without meetingId")
    target = resolve(meeting) or resolve(series_of(meeting))
    if target is None:
        return []
    session_id, people = target
    return sansio.segments_of_participant(data, session_id, people)


class WebhookReceiver:
    """Verifies, parses and de-duplicates webhook deliveries, then hands new segments to ``sink``."""

    def __init__(self, secret: Secret, resolve: Resolver, sink: Sink, remember: int = 10_000) -> None:
        self._secret = secret
        self._resolve = resolve
        self._sink = sink
        self._remember = remember
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WebhookReceiver(secret={self._secret!r}, remembered={len(self._seen)})"

    def receive(self, body: bytes, signature: str | None) -> tuple[int, list[Segment]]:
        """Handle one delivery: an HTTP status and the new segments passed to the sink."""
        if not verify_signature(self._secret, body, signature):
            log.warning("webex webhook: signature missing or wrong; delivery dropped")
            return 401, []
        try:
            event = json.loads(body)
            if not isinstance(event, Mapping):
                raise ValueError("not an object")
            segments = segments_from_event(event, self._resolve)
        except ValueError as exc:
            log.warning("webex webhook: malformed delivery dropped (%s)", type(exc).__name__)
            return 400, []
        fresh: list[Segment] = []
        with self._lock:
            for segment in segments:
                if segment.raw_key in self._seen:
                    continue
                self._seen[segment.raw_key] = None
                fresh.append(segment)
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)
        if fresh:
            self._sink(fresh)
        return 200, fresh


def course_resolver(course: Course, store: Store) -> Resolver:
    """Map the Webex meetings ``apply`` made for ``course`` (as the store remembers them) to sessions."""
    table: dict[str, tuple[str, Mapping[str, str]]] = {}
    for session_id, row in store.classrooms(course.id).items():
        if row.classroom.provider != "webex":
            continue
        try:
            session = course.session(session_id)
        except KeyError:
            continue
        people = sansio.people_index(course.people_of(session))
        table[row.classroom.external_id] = (session_id, people)

    def resolve(meeting_id: str) -> tuple[str, Mapping[str, str]] | None:
        return table.get(meeting_id)

    return resolve


def store_sink(course: Course, store: Store, clock: Clock) -> Sink:
    """Record segments in the state store; statuses follow at the next pull, import or report."""
    from ta_delivery.attendance.storage import AttendanceStore

    records = AttendanceStore(store)

    def sink(segments: Sequence[Segment]) -> None:
        records.record(course.id, segments, clock.now())

    return sink


def receiver_from_context(context: RunContext, resolve: Resolver, sink: Sink) -> WebhookReceiver:
    """A receiver keyed with ``TA_DELIVERY_WEBEX_WEBHOOK_SECRET``."""
    secret = context.settings.secret("webex", "webhook_secret")
    if secret is None:
        raise InputError("is not set", source="TA_DELIVERY_WEBEX_WEBHOOK_SECRET")
    return WebhookReceiver(secret, resolve, sink)


# The ASGI type names this module has always offered, now defined in the core.
Scope = core_webhooks.Scope
Receive = core_webhooks.Receive
Send = core_webhooks.Send


def asgi_app(receiver: WebhookReceiver) -> ASGIApp:
    """A raw ASGI application: ``POST`` a delivery to any path; answers 200, 400, 401, 405 or 413.

    The HTTP part is :func:`ta_delivery.webhooks.webhook_app`.
    """

    def handle(headers: Mapping[str, str], body: bytes) -> tuple[int, Mapping[str, Any]]:
        status, fresh = receiver.receive(body, headers.get(SIGNATURE_HEADER.lower()))
        return status, {"recorded": len(fresh)} if status == 200 else {"error": "rejected"}

    return webhook_app(handle, max_body=MAX_BODY)


def serve_app(target: WebhookTarget) -> ASGIApp:
    """The ``POST /webhooks/webex`` app of ``ta-delivery serve``: ``left`` events recorded as attendance.

    Verifies ``X-Spark-Signature`` (HMAC-SHA1 of the raw body under ``TA_DELIVERY_WEBEX_WEBHOOK_SECRET``)
    before parsing. Segments are keyed by meeting instance, participant, device and join time, so a repeated
    delivery, or one reaching another serve process, records nothing twice. Answers 503 while the secret is
    not set.
    """
    secret = target.context.settings.secret("webex", "webhook_secret")

    def handle(headers: Mapping[str, str], body: bytes) -> tuple[int, Mapping[str, Any]]:
        if secret is None:
            log.warning("webex webhook refused: TA_DELIVERY_WEBEX_WEBHOOK_SECRET is not set")
            return 503, {"error": "TA_DELIVERY_WEBEX_WEBHOOK_SECRET is not set"}
        if not verify_signature(secret, body, headers.get(SIGNATURE_HEADER.lower())):
            log.warning("webex webhook: signature missing or wrong; delivery dropped")
            return 401, {"error": "rejected"}
        courses: list[str] = []

        def resolve(meeting_id: str) -> tuple[str, Mapping[str, str]] | None:
            found = target.meeting("webex", meeting_id)
            if found is None:
                return None
            courses.append(found.course.id)
            session = found.course.session(found.session_id)
            return found.session_id, sansio.people_index(found.course.people_of(session))

        try:
            event = json.loads(body)
            if not isinstance(event, Mapping):
                raise ValueError("not an object")
            segments = segments_from_event(event, resolve)
        except (ValueError, KeyError) as exc:
            log.warning("webex webhook: malformed delivery dropped (%s)", type(exc).__name__)
            return 400, {"error": "rejected"}
        recorded = target.record(courses[-1], segments) if segments and courses else 0
        return 200, {"recorded": recorded}

    return webhook_app(handle, max_body=MAX_BODY)
