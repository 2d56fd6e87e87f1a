"""The ``serve`` ASGI app: ``POST /webhooks/<provider>``, ``GET /feeds/<token>.ics``, ``GET /healthz``.

A small router with no web framework: the webhook routes are the plugins' own ASGI apps (registered with
``ta_delivery_register_webhooks``), which verify signatures on the raw bytes; the feed and health routes
read the store in a worker thread so a slow database never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import TaDeliveryError
from ..plugins import Plugins
from ..webhooks import ASGIApp, Receive, Scope, Send, WebhookSpec, not_http
from .target import Served

__all__ = ["make_app", "webhook_specs"]

log = logging.getLogger(__name__)

#: A feed's path: ``/feeds/<token>.ics``, under any prefix the path of ``TA_DELIVERY_SERVE_URL`` adds (a link
#: printed for ``https://host/ta/`` asks for ``/ta/feeds/<token>.ics`` when no proxy strips ``/ta``).
_FEED = re.compile(r"(?:/[^/]+)*/feeds/([A-Za-z0-9_-]{20,128})\.ics")


def webhook_specs(plugins: Plugins) -> dict[str, WebhookSpec]:
    """The webhook receivers the installed plugins register, by name."""
    found: dict[str, WebhookSpec] = {}
    for specs in plugins.hook.ta_delivery_register_webhooks():
        for spec in specs or ():
            found[spec.name] = spec
    return found


def make_app(served: Served, plugins: Plugins) -> ASGIApp:
    """The application for ``served``: every plugin's webhook route, personal feeds and ``/healthz``."""
    receivers = {name: spec.make_app(served) for name, spec in webhook_specs(plugins).items()}

    def feed(token: str) -> bytes | None:
        from ..invites import build_feed
        from ..invites.feedstate import store_feed_state

        owner = served.store.feed_owner(token)
        course = served.course(owner[0]) if owner is not None else None
        if owner is None or course is None or owner[1] not in {p.id for p in course.people}:
            return None
        links, sequences = store_feed_state(course, served.store, owner[1])
        return build_feed(
            course,
            person_id=owner[1],
            join_urls=links,
            sequences=sequences,
            dtstamp=served.context.clock.now(),
            plugins=plugins,
        )

    def healthy() -> bool:
        try:
            with served.store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("healthz: the state store is not reachable (%s)", type(exc).__name__)
            return False
        return True

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if await not_http(scope, receive, send):
            return
        path = str(scope.get("path", ""))
        method = scope.get("method")
        if path.startswith("/webhooks/"):
            receiver = receivers.get(path.removeprefix("/webhooks/"))
            if receiver is None:
                await _json(send, 404, {"error": "no such webhook"})
            else:
                await receiver(scope, receive, send)
            return
        if method not in ("GET", "HEAD"):
            await _json(send, 405, {"error": "GET only"})
            return
        if path == "/healthz":
            ok = await asyncio.to_thread(healthy)
            await _json(send, 200 if ok else 503, {"status": "ok" if ok else "store unreachable"})
            return
        found = _FEED.fullmatch(path)
        if found is not None:
            token = found.group(1)
            try:
                body = await asyncio.to_thread(feed, token)
            except (TaDeliveryError, SQLAlchemyError) as exc:
                log.warning("feed: %s", type(exc).__name__)
                await _json(send, 503, {"error": "feed unavailable"})
                return
            if body is not None:
                await _send(send, 200, body, "text/calendar; charset=utf-8", head=method == "HEAD")
                return
        await _json(send, 404, {"error": "not found"})

    return app


async def _json(send: Send, status: int, body: Mapping[str, Any]) -> None:
    await _send(send, status, json.dumps(body).encode(), "application/json")


async def _send(send: Send, status: int, body: bytes, content_type: str, *, head: bool = False) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"private, no-cache"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body})
