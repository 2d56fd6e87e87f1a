"""The shared webhook ASGI app: lifespan, POST only, size cap, disconnects, raw bytes, handler errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.webhooks import ASGIApp, webhook_app


class Recorder:
    """A handler that keeps what it was given and answers a fixed status."""

    def __init__(self, status: int = 200, answer: Mapping[str, Any] | None = None) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.status = status
        self.answer = answer if answer is not None else {"ok": True}

    def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, Mapping[str, Any]]:
        self.calls.append((dict(headers), body))
        return self.status, self.answer


def run(
    app: ASGIApp, scope: dict[str, Any], messages: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """Run ``app`` on ``scope`` feeding ``messages``; what it sent, and how many messages it read."""
    queue = list(messages)
    sent: list[dict[str, Any]] = []
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        if not queue:
            raise AssertionError("the app read past the last message")
        return queue.pop(0)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(app(scope, receive, send))
    return sent, read


def http(method: str = "POST", headers: Sequence[tuple[bytes, bytes]] = ()) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": "/hook", "headers": list(headers)}


def body(*chunks: bytes) -> list[dict[str, Any]]:
    """The ``http.request`` messages carrying ``chunks``."""
    return [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]


def answer(sent: list[dict[str, Any]]) -> tuple[int, Any, dict[bytes, bytes]]:
    start, payload = sent
    assert start["type"] == "http.response.start" and payload["type"] == "http.response.body"
    return start["status"], json.loads(payload["body"]), dict(start["headers"])


def test_lifespan_startup_and_shutdown_are_acknowledged() -> None:
    handler = Recorder()
    sent, read = run(
        webhook_app(handler, max_body=10),
        {"type": "lifespan"},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert read == 2 and handler.calls == []


def test_other_scopes_are_ignored() -> None:
    handler = Recorder()
    sent, read = run(webhook_app(handler, max_body=10), {"type": "websocket"}, [])
    assert sent == [] and read == 0 and handler.calls == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD"])
def test_only_post_is_accepted(method: str) -> None:
    handler = Recorder()
    sent, read = run(webhook_app(handler, max_body=10), http(method), body(b"x"))
    assert answer(sent)[:2] == (405, {"error": "POST only"})
    assert read == 0 and handler.calls == []


def test_handler_gets_lower_cased_headers_and_the_raw_bytes() -> None:
    handler = Recorder(202, {"recorded": 3})
    raw = b'{"b": 1,  "a": 2}\n'
    headers = [(b"X-Signature", b"abc"), (b"Content-Type", b"application/json"), (b"x-signature", b"def")]
    sent, _read = run(webhook_app(handler, max_body=100), http(headers=headers), body(raw[:5], b"", raw[5:]))
    status, payload, response_headers = answer(sent)
    assert (status, payload) == (202, {"recorded": 3})
    assert response_headers[b"content-type"] == b"application/json"
    assert int(response_headers[b"content-length"]) == len(sent[1]["body"])
    [(seen, got)] = handler.calls
    assert got == raw  # not re-serialised: a signature over the raw bytes still holds
    assert seen == {"x-signature": "def", "content-type": "application/json"}  # a repeat keeps its last value


def test_body_at_the_cap_is_read_one_byte_more_is_refused() -> None:
    handler = Recorder()
    sent, _ = run(webhook_app(handler, max_body=8), http(), body(b"1234", b"5678"))
    assert answer(sent)[0] == 200 and handler.calls[0][1] == b"12345678"
    sent, read = run(webhook_app(handler, max_body=8), http(), body(b"1234", b"56789", b"never read"))
    assert answer(sent)[:2] == (413, {"error": "body too large"})
    assert read == 2 and len(handler.calls) == 1  # stops reading at the chunk that passes the cap


def test_empty_body_and_missing_headers_reach_the_handler() -> None:
    handler = Recorder(401, {"error": "rejected"})
    sent, _ = run(
        webhook_app(handler, max_body=0), {"type": "http", "method": "POST"}, [{"type": "http.request"}]
    )
    assert answer(sent)[:2] == (401, {"error": "rejected"})
    assert handler.calls == [({}, b"")]


def test_a_disconnected_client_gets_no_answer() -> None:
    handler = Recorder()
    sent, read = run(
        webhook_app(handler, max_body=100),
        http(),
        [{"type": "http.request", "body": b"half", "more_body": True}, {"type": "http.disconnect"}],
    )
    assert sent == [] and read == 2 and handler.calls == []


def test_a_handler_error_propagates_before_anything_is_sent() -> None:
    def broken(headers: Mapping[str, str], raw: bytes) -> tuple[int, Mapping[str, Any]]:
        raise RuntimeError("sink is down")

    app = webhook_app(broken, max_body=100)
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}"}

    async def send(message: Any) -> None:
        sent.append(message)

    with pytest.raises(RuntimeError, match="sink is down"):
        asyncio.run(app(http(), receive, send))
    assert sent == []  # so the ASGI server can still answer 500

    async def through_a_server() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://hooks.test") as client:
            return await client.post("/hook", content=b"{}")

    assert asyncio.run(through_a_server()).status_code == 500


def test_the_answer_must_be_json() -> None:
    app = webhook_app(Recorder(200, {"when": object()}), max_body=100)
    with pytest.raises(TypeError):
        run(app, http(), body(b"{}"))


def test_negative_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="max_body"):
        webhook_app(Recorder(), max_body=-1)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=64), cuts=st.lists(st.integers(min_value=0, max_value=64), max_size=5))
def test_any_chunking_gives_the_handler_the_same_bytes(raw: bytes, cuts: list[int]) -> None:
    points = sorted({min(c, len(raw)) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    handler = Recorder()
    sent, _ = run(webhook_app(handler, max_body=32), http(), body(*chunks))
    if len(raw) <= 32:
        assert answer(sent)[0] == 200 and handler.calls[0][1] == raw
    else:
        assert answer(sent)[0] == 413 and handler.calls == []
