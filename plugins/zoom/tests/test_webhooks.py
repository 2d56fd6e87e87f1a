"""Webhooks: signatures, URL validation, join/leave pairing, and the ASGI app (via httpx.ASGITransport)."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ta_delivery.clock import FakeClock
from ta_delivery.records import Classroom, Segment
from ta_delivery.settings import Settings
from ta_delivery_zoom.webhooks import (
    AttendanceTracker,
    MeetingRef,
    WebhookRejected,
    make_asgi_app,
    resolver_for,
    secret_from,
    sign,
    url_validation,
    verify,
)

SECRET = "webhook-secret-token-xyz"
NOW = datetime(2021, 7, 14, 2, 44, 51, tzinfo=UTC)


def signed_headers(body: bytes, when: datetime = NOW, secret: str = SECRET) -> dict[str, str]:
    """Computed here independently of the module under test."""
    ts = str(int(when.timestamp()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "x-zm-request-timestamp": ts,
        "x-zm-signature": f"v0={digest}",
        "content-type": "application/json",
    }


def sample(shared: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared / "samples/api/zoom/webhooks" / f"{name}.json").read_text())
    return data


def test_sign_matches_an_independent_computation() -> None:
    body = b'{"event":"x"}'
    headers = signed_headers(body)
    assert sign(SECRET, headers["x-zm-request-timestamp"], body) == headers["x-zm-signature"]


def test_verify_accepts_good_and_rejects_tampering() -> None:
    body = b'{"event": "meeting.ended"}'
    headers = signed_headers(body)
    verify(SECRET, headers, body, NOW)
    verify(SECRET, {k.upper(): v for k, v in headers.items()}, body, NOW + timedelta(seconds=299))
    with pytest.raises(WebhookRejected):
        verify(SECRET, headers, body + b" ", NOW)
    with pytest.raises(WebhookRejected):
        verify("other-secret", headers, body, NOW)
    with pytest.raises(WebhookRejected, match="five minutes"):
        verify(SECRET, headers, body, NOW + timedelta(seconds=301))
    with pytest.raises(WebhookRejected, match="five minutes"):
        verify(SECRET, headers, body, NOW - timedelta(seconds=301))
    with pytest.raises(WebhookRejected, match="missing"):
        verify(SECRET, {"x-zm-request-timestamp": headers["x-zm-request-timestamp"]}, body, NOW)
    with pytest.raises(WebhookRejected, match="not a number"):
        verify(SECRET, {**headers, "x-zm-request-timestamp": "soon"}, body, NOW)
    # a signature made for another timestamp does not carry over
    stale = signed_headers(body, NOW - timedelta(seconds=10))
    with pytest.raises(WebhookRejected):
        verify(SECRET, {**headers, "x-zm-signature": stale["x-zm-signature"]}, body, NOW)


def test_rejection_messages_never_hold_the_secret() -> None:
    with pytest.raises(WebhookRejected) as info:
        verify(SECRET, signed_headers(b"a"), b"b", NOW)
    assert SECRET not in str(info.value)


def test_url_validation_answer(shared: Path) -> None:
    event = sample(shared, "endpoint.url_validation")
    answer = url_validation(SECRET, event)
    plain = event["payload"]["plainToken"]
    assert answer["plainToken"] == plain
    assert answer["encryptedToken"] == hmac.new(SECRET.encode(), plain.encode(), hashlib.sha256).hexdigest()


def test_secret_from_settings() -> None:
    assert secret_from(Settings({"TA_DELIVERY_ZOOM_WEBHOOK_SECRET": SECRET})).reveal() == SECRET
    assert SECRET not in repr(secret_from(Settings({"TA_DELIVERY_ZOOM_WEBHOOK_SECRET": SECRET})))
    with pytest.raises(WebhookRejected, match="TA_DELIVERY_ZOOM_WEBHOOK_SECRET"):
        secret_from(Settings({}))


def _resolver() -> Any:
    room = Classroom(
        provider="zoom",
        key="k",
        external_id="1234567890",
        join_url="https://zoom.us/j/1234567890",
        data={"registrants": {"jc": {"id": "abcdefghij0-klmnopq23456", "email": "jchill@example.com"}}},
    )
    return resolver_for({"s01": room})


def _left_at(event: dict[str, Any], when: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["payload"]["object"]["participant"]["leave_time"] = when
    return event


def test_join_then_leave_is_one_segment(shared: Path) -> None:
    tracker = AttendanceTracker(resolve=_resolver())
    joined = sample(shared, "meeting.participant_joined")
    left = _left_at(sample(shared, "meeting.participant_left"), "2021-07-13T22:30:00Z")
    assert tracker.handle(joined) == []
    assert tracker.handle(joined) == []  # a repeated delivery opens nothing new
    [segment] = tracker.handle(left)
    assert segment.session_id == "s01"
    assert segment.person_id == "jc"  # by registrant id
    assert segment.email == "jchill@example.com"
    assert segment.join == datetime(2021, 7, 13, 21, 44, 51, tzinfo=UTC)
    assert segment.leave == datetime(2021, 7, 13, 22, 30, tzinfo=UTC)
    assert tracker.handle(left) == []  # nothing open any more
    assert tracker.handle(sample(shared, "meeting.ended")) == []


def test_unpaired_join_is_closed_at_meeting_end(shared: Path) -> None:
    tracker = AttendanceTracker(resolve=_resolver())
    tracker.handle(sample(shared, "meeting.participant_joined"))
    [segment] = tracker.handle(sample(shared, "meeting.ended"))
    assert segment.leave == datetime(2021, 7, 13, 23, 0, 51, tzinfo=UTC)
    assert segment.person_id == "jc"


def test_rejoin_pairs_each_leave_with_its_join(shared: Path) -> None:
    tracker = AttendanceTracker(resolve=_resolver())
    first = sample(shared, "meeting.participant_joined")
    second = copy.deepcopy(first)
    second["payload"]["object"]["participant"]["join_time"] = "2021-07-13T22:00:00Z"
    tracker.handle(first)
    a = tracker.handle(_left_at(sample(shared, "meeting.participant_left"), "2021-07-13T21:50:00Z"))
    tracker.handle(second)
    b = tracker.handle(_left_at(sample(shared, "meeting.participant_left"), "2021-07-13T22:10:00Z"))
    assert [(s.join.minute, s.leave.minute) for s in a + b] == [(44, 50), (0, 10)]
    assert a[0].raw_key != b[0].raw_key


def test_webinar_events_and_unknown_meetings(shared: Path) -> None:
    tracker = AttendanceTracker(resolve=_resolver())
    tracker.handle(sample(shared, "webinar.participant_joined"))
    [segment] = tracker.handle(sample(shared, "webinar.participant_left"))
    assert segment.leave - segment.join == timedelta(minutes=66)
    other = AttendanceTracker(resolve=lambda _id: None)
    other.handle(sample(shared, "meeting.participant_joined"))
    assert other.handle(sample(shared, "meeting.ended")) == []
    assert AttendanceTracker().handle(sample(shared, "meeting.started")) == []


def test_open_joins_survive_a_restart(shared: Path) -> None:
    first = AttendanceTracker(resolve=lambda _id: MeetingRef("s01"))
    first.handle(sample(shared, "meeting.participant_joined"))
    again = AttendanceTracker(resolve=lambda _id: MeetingRef("s01"), state=first.state)
    assert len(again.handle(sample(shared, "meeting.ended"))) == 1


# --- the ASGI app --------------------------------------------------------------------------------------


def _post(app: Any, body: bytes, headers: dict[str, str], method: str = "POST") -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hooks.test") as client:
            return await client.request(method, "/zoom", content=body, headers=headers)

    return asyncio.run(go())


def test_asgi_app_end_to_end(shared: Path) -> None:
    received: list[Segment] = []
    clock = FakeClock(NOW)
    app = make_asgi_app(SECRET, received.extend, tracker=AttendanceTracker(resolve=_resolver()), clock=clock)
    validation = (shared / "samples/api/zoom/webhooks/endpoint.url_validation.json").read_bytes()
    answer = _post(app, validation, signed_headers(validation))
    assert answer.status_code == 200
    plain = json.loads(validation)["payload"]["plainToken"]
    assert answer.json() == {
        "plainToken": plain,
        "encryptedToken": hmac.new(SECRET.encode(), plain.encode(), hashlib.sha256).hexdigest(),
    }
    for name in ("meeting.participant_joined", "meeting.started", "meeting.ended"):
        raw = (shared / "samples/api/zoom/webhooks" / f"{name}.json").read_bytes()
        assert _post(app, raw, signed_headers(raw)).status_code == 200
    assert len(received) == 1
    assert received[0].person_id == "jc"


def test_asgi_app_verifies_raw_bytes_before_parsing(shared: Path) -> None:
    received: list[Segment] = []
    app = make_asgi_app(SECRET, received.extend, clock=FakeClock(NOW))
    raw = (shared / "samples/api/zoom/webhooks/meeting.participant_joined.json").read_bytes()
    # the same JSON re-serialised is a different byte string: the signature of the original must fail
    reformatted = json.dumps(json.loads(raw)).encode()
    assert _post(app, reformatted, signed_headers(raw)).status_code == 401
    assert _post(app, raw, {}).status_code == 401
    assert _post(app, b"not json", signed_headers(b"not json")).status_code == 400
    assert _post(app, b"[1]", signed_headers(b"[1]")).status_code == 400
    late = signed_headers(raw, NOW - timedelta(minutes=6))
    assert _post(app, raw, late).status_code == 401
    assert _post(app, b"", {}, method="GET").status_code == 405
    big = b" " * 1_000_001
    assert _post(app, big, signed_headers(big)).status_code == 413
    assert received == []


def test_asgi_app_never_logs_the_secret(shared: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    app = make_asgi_app(SECRET, lambda _s: None, clock=FakeClock(NOW))
    raw = (shared / "samples/api/zoom/webhooks/meeting.ended.json").read_bytes()
    _post(app, raw, signed_headers(raw, secret="wrong"))
    assert SECRET not in caplog.text


def test_asgi_app_without_samples() -> None:
    """Runs even where ../shared is absent: an inline join, leave and end."""
    received: list[Segment] = []
    app = make_asgi_app(SECRET, received.extend, clock=FakeClock(NOW))

    def event(name: str, **participant: str) -> bytes:
        obj: dict[str, Any] = {"id": "77", "uuid": "u77==", "end_time": "2021-07-14T02:00:00Z"}
        if participant:
            obj["participant"] = {"participant_user_id": "pu1", "user_name": "A", **participant}
        return json.dumps({"event": name, "event_ts": 1, "payload": {"object": obj}}).encode()

    for body in (
        event("meeting.participant_joined", join_time="2021-07-14T01:00:00Z"),
        event("meeting.participant_left", leave_time="2021-07-14T01:20:00Z"),
        event("meeting.participant_joined", join_time="2021-07-14T01:30:00Z"),
        event("meeting.ended"),
    ):
        assert _post(app, body, signed_headers(body)).status_code == 200
    assert [(s.join.minute, s.leave.hour, s.leave.minute) for s in received] == [(0, 1, 20), (30, 2, 0)]
    assert all(s.session_id == "77" for s in received)  # no resolver: the meeting id
