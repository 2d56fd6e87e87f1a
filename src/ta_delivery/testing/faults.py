"""A fault-injecting httpx transport: wraps a fake server and breaks chosen requests on purpose."""

from __future__ import annotations

import re
from typing import Literal

import attrs
import httpx

__all__ = ["Fault", "FaultyTransport"]

FaultKind = Literal["status", "timeout", "connect", "lost", "malformed"]


@attrs.define
class Fault:
    """A fault for requests matching ``method`` and ``path`` (a regex searched in the URL path).

    ``status``: answer ``status`` with ``headers`` instead of forwarding. ``timeout``: raise a read timeout
    without forwarding. ``connect``: raise a connection error. ``lost``: forward (the server acts) then raise
    a read timeout, as when a response is lost. ``malformed``: forward, then replace the body with garbage.
    ``times`` is how many requests it hits (``None``: all), after letting the first ``skip`` matching
    requests through (a listing that works once, then fails).
    """

    kind: FaultKind
    status: int = 500
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes = b'{"message": "injected fault"}'
    method: str | None = None
    path: str | None = None
    times: int | None = 1
    hits: int = 0
    skip: int = 0

    def matches(self, request: httpx.Request) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and request.method.upper() != self.method.upper():
            return False
        if self.path and not re.search(self.path, request.url.path):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return True


@attrs.define
class FaultyTransport(httpx.BaseTransport):
    """Forwards to ``inner`` except where a queued :class:`Fault` matches. Records every request."""

    inner: httpx.BaseTransport
    faults: list[Fault] = attrs.field(factory=list)
    requests: list[httpx.Request] = attrs.field(factory=list)

    def inject(self, fault: Fault) -> Fault:
        """Queue ``fault``; return it (its ``hits`` count how often it fired)."""
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every queued fault."""
        self.faults.clear()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = next((f for f in self.faults if f.matches(request)), None)
        if fault is None:
            return self.inner.handle_request(request)
        fault.hits += 1
        if fault.kind == "status":
            return httpx.Response(fault.status, headers=fault.headers, content=fault.body, request=request)
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("injected timeout", request=request)
        if fault.kind == "connect":
            raise httpx.ConnectError("injected connection failure", request=request)
        response = self.inner.handle_request(request)
        response.read()
        if fault.kind == "lost":
            raise httpx.ReadTimeout("injected lost response", request=request)
        return httpx.Response(
            response.status_code,
            headers={"Content-Type": "application/json"},
            content=b"{not json",
            request=request,
        )
