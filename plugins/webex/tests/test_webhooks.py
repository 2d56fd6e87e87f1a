"""Webhooks: X-Spark-Signature checked in constant time, left events become segments once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from fake_webex import FakeWebex
from webex_helpers import make_context

from ta_delivery.errors import InputError
from ta_delivery.records import Segment
from ta_delivery.settings import Secret, Settings
from ta_delivery_webex.webhooks import (
    WebhookReceiver,
    asgi_app,
    receiver_from_context,
    segments_from_event,
    sign,
    verify_signature,
)

SECRET = "webhook-secret-0123456789"
SERIES = "560d7b784f5143e3be2fc3064a5c4999"


def event(kind: str = "left", **data: Any) -> dict[str, Any]:
    participant = {
        "id": f"{SERIES}_I_1_3c2e2338",
        "email": "P1@example.org",
        "displayName": "Ana",
        "meetingId": f"{SERIES}_I_197977258267247872",
        "joinedTime": "2027-04-05T14:00:00Z",
        "leftTime": "2027-04-05T15:00:00Z" if kind == "left" else None,
        "devices": [
            {
                "correlationId": "8ccced6c",
                "joinedTime": "2027-04-05T14:00:00Z",
                "leftTime": "2027-04-05T15:00:00Z" if kind == "left" else None,
            }
        ],
    }
    participant.update(data)
    return {"id": "wh1", "resource": "meetingParticipants", "event": kind, "data": participant}


def resolve(meeting_id: str) -> tuple[str, Mapping[str, str]] | None:
    return ("s01", {"p1@example.org": "p1"}) if meeting_id == SERIES else None


def test_signature_is_hex_hmac_sha1() -> None:
    body = b'{"a": 1}'
    signature = sign(SECRET, body)
    assert len(signature) == 40
    assert verify_signature(SECRET, body, signature)
    assert verify_signature(Secret(SECRET), body, signature.upper())
    assert not verify_signature(SECRET, body + b" ", signature)
    assert not verify_signature(SECRET, body, None)
    assert not verify_signature("other", body, signature)


def test_left_event_becomes_segments_joined_event_nothing() -> None:
    [segment] = segments_from_event(event("left"), resolve)
    assert segment.session_id == "s01" and segment.person_id == "p1"
    assert (segment.leave - segment.join).total_seconds() == 3600
    assert segments_from_event(event("joined"), resolve) == []
    with_duration = event("joined")
    with_duration["data"]["devices"][0]["durationSecond"] = 5
    assert segments_from_event(with_duration, resolve) == []
    assert segments_from_event({**event(), "resource": "messages"}, resolve) == []
    assert segments_from_event(event(meetingId="someone-else_I_1"), resolve) == []


def test_receiver_ignores_duplicates_and_bad_signatures(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    got: list[Segment] = []

    def sink(segments: Sequence[Segment]) -> None:
        got.extend(segments)

    receiver = WebhookReceiver(Secret(SECRET), resolve, sink)
    body = json.dumps(event()).encode()
    assert receiver.receive(body, sign(SECRET, body))[0] == 200
    assert receiver.receive(body, sign(SECRET, body))[0] == 200
    reordered = json.dumps(event(), sort_keys=True, indent=1).encode()
    assert receiver.receive(reordered, sign(SECRET, reordered))[0] == 200
    assert len(got) == 1
    assert receiver.receive(body, "0" * 40) == (401, [])
    assert receiver.receive(b"{not json", sign(SECRET, b"{not json"))[0] == 400
    assert SECRET not in caplog.text and SECRET not in repr(receiver)


def test_secret_comes_from_the_settings(server: FakeWebex) -> None:
    context, _clock, _state = make_context(server)
    with pytest.raises(InputError):
        receiver_from_context(context, resolve, lambda s: None)
    context.settings = Settings({"TA_DELIVERY_WEBEX_WEBHOOK_SECRET": SECRET})
    receiver = receiver_from_context(context, resolve, lambda s: None)
    body = json.dumps(event()).encode()
    assert receiver.receive(body, sign(SECRET, body))[0] == 200


def _call(app: Any, method: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
    sent: list[dict[str, Any]] = []
    chunks = [body[: len(body) // 2], body[len(body) // 2 :]]

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/webex", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], json.loads(sent[1]["body"])


def test_asgi_app() -> None:
    got: list[Segment] = []
    app = asgi_app(WebhookReceiver(Secret(SECRET), resolve, got.extend))
    body = json.dumps(event()).encode()
    good = [(b"x-spark-signature", sign(SECRET, body).encode())]
    assert _call(app, "POST", body, good) == (200, {"recorded": 1})
    assert _call(app, "POST", body, good) == (200, {"recorded": 0})
    assert _call(app, "POST", body, [(b"x-spark-signature", b"00")])[0] == 401
    assert _call(app, "POST", body, [])[0] == 401
    assert _call(app, "GET", b"", good)[0] == 405
    assert len(got) == 1


def test_webhook_and_pull_record_the_same_interval_once() -> None:
    from ta_delivery_webex.sansio import segments_of_participant

    data = event()["data"]
    [pulled] = segments_of_participant(data, "s01", {"p1@example.org": "p1"})
    [pushed] = segments_from_event(event(), resolve)
    assert (pushed.source, pushed.raw_key) == (pulled.source, pulled.raw_key)


def test_asgi_app_behind_uvicorn_on_loopback() -> None:
    import threading
    import time

    import httpx

    uvicorn = pytest.importorskip("uvicorn")
    got: list[Segment] = []
    app = asgi_app(WebhookReceiver(Secret(SECRET), resolve, got.extend))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        body = json.dumps(event()).encode()
        url = f"http://127.0.0.1:{port}/webex"
        ok = httpx.post(url, content=body, headers={"X-Spark-Signature": sign(SECRET, body)})
        assert ok.status_code == 200 and ok.json() == {"recorded": 1}
        bad = httpx.post(url, content=body, headers={"X-Spark-Signature": "f" * 40})
        assert bad.status_code == 401
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert len(got) == 1
