"""A raw ASGI application for provider webhooks: the HTTP part every receiver needs, and nothing more.

:func:`webhook_app` answers ASGI ``lifespan`` events, refuses anything but ``POST`` (405), reads the body
up to a size cap (413 beyond it; a client that disconnects gets no answer), and hands the lower-cased
headers and the **raw bytes** to the plugin's ``handle``. ``handle`` verifies the provider's signature on
those bytes before it parses anything, and returns the HTTP status and a JSON object to answer with::

    def handle(headers: Mapping[str, str], body: bytes) -> tuple[int, Mapping[str, Any]]:
        if not verify(secret, headers.get("x-signature"), body):
            return 401, {"error": "rejected"}
        ...
        return 200, {}

    app = webhook_app(handle, max_body=1_000_000)  # serve with any ASGI server: uvicorn module:app

``handle`` runs synchronously on the server's event loop, so it should be quick (verify, parse, record).
An exception it raises propagates to the ASGI server, which answers 500 and logs it: nothing has been sent
by then. The module needs no web framework.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from .context import RunContext
    from .models import Course
    from .records import Classroom, Segment

__all__ = [
    "ASGIApp",
    "Handler",
    "MeetingTarget",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "WebhookSpec",
    "WebhookTarget",
    "lifespan",
    "not_http",
    "webhook_app",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: (lower-cased headers, raw body) -> (HTTP status, JSON object to answer with)
Handler = Callable[[Mapping[str, str], bytes], tuple[int, Mapping[str, Any]]]


@attrs.frozen
class MeetingTarget:
    """What a provider's meeting id stands for on the served courses."""

    course: Course
    session_id: str
    classroom: Classroom


class WebhookTarget(Protocol):
    """What ``ta-delivery serve`` offers a provider's webhook receiver (see :class:`WebhookSpec`)."""

    @property
    def context(self) -> RunContext:
        """Settings (the webhook secret), clock and the store's persistent values."""
        ...

    def meeting(self, provider: str, external_id: str) -> MeetingTarget | None:
        """The served session whose classroom on ``provider`` has ``external_id``, read from the store now."""
        ...

    def record(self, course_id: str, segments: Sequence[Segment]) -> int:
        """Record attendance segments (idempotent by ``raw_key``); return how many were new."""
        ...

    def serialised(self, key: str) -> AbstractContextManager[None]:
        """Hold a lock named ``key`` across every ``serve`` process on the store (for read-modify-write)."""
        ...


@attrs.frozen
class WebhookSpec:
    """A provider's webhook receiver: ``ta-delivery serve`` answers ``POST /webhooks/<name>`` with it.

    ``make_app`` builds the raw ASGI app (usually with :func:`webhook_app`) once per serve process.
    """

    name: str
    make_app: Callable[[WebhookTarget], ASGIApp]
    description: str = ""


class _TooLarge(Exception):
    """The body passed the size cap."""


def webhook_app(handle: Handler, *, max_body: int) -> ASGIApp:
    """A raw ASGI app passing each ``POST``'s headers and raw body (at most ``max_body`` bytes) to ``handle``.

    Answers 405 ``{"error": "POST only"}`` to other methods and 413 ``{"error": "body too large"}`` past
    ``max_body``; otherwise the status and JSON object ``handle`` returns. Header names reach ``handle``
    lower-cased (decoded as Latin-1, as HTTP allows; a repeated header keeps its last value).
    """
    if max_body < 0:
        raise ValueError("max_body must not be negative")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if await not_http(scope, receive, send):
            return
        if scope.get("method") != "POST":
            await _answer(send, 405, {"error": "POST only"})
            return
        try:
            body = await _read_body(receive, max_body)
        except _TooLarge:
            await _answer(send, 413, {"error": "body too large"})
            return
        if body is None:
            return  # the client went away: nobody to answer
        headers = {
            bytes(name).decode("latin-1").lower(): bytes(value).decode("latin-1")
            for name, value in scope.get("headers") or ()
        }
        status, answer = handle(headers, body)
        await _answer(send, status, answer)

    return app


async def not_http(scope: Scope, receive: Receive, send: Send) -> bool:
    """True when ``scope`` is no HTTP request, having answered it if it is the lifespan (``serve`` too)."""
    kind = scope.get("type")
    if kind == "lifespan":
        await lifespan(receive, send)
    return kind != "http"


async def lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown; there is nothing to open or close (``serve`` answers the same)."""
    while True:
        message = await receive()
        if message.get("type") == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message.get("type") == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive, max_body: int) -> bytes | None:
    """The request body, or ``None`` when the client disconnected; :class:`_TooLarge` past ``max_body``."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return None
        chunk = bytes(message.get("body") or b"")
        size += len(chunk)
        if size > max_body:
            raise _TooLarge
        chunks.append(chunk)
        more = bool(message.get("more_body"))
    return b"".join(chunks)


async def _answer(send: Send, status: int, body: Mapping[str, Any]) -> None:
    """Send ``body`` as a JSON response with ``status``."""
    import json  # answering only: plugins import this module at every start (decision 0082)

    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
