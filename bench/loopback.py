"""A loopback HTTP server for benchmarks: the reference rooms API with latency and a rate limit."""

from __future__ import annotations

import threading
import time

import httpx

from ta_delivery.testing.loopback import LoopbackServer
from ta_delivery.testing.memory import MemoryServer


class LoopbackRooms(LoopbackServer):
    """Serves a :class:`MemoryServer` on 127.0.0.1 with ``latency`` seconds per request and at most ``rate``
    requests a second (429 with Retry-After beyond it). Counts requests and 429s."""

    def __init__(self, latency: float = 0.05, rate: float = 20.0, token: str = "bench-token") -> None:
        self.rooms = MemoryServer(token=token)
        self.latency, self.rate = latency, rate
        self.requests = 0
        self.rejected = 0
        self._lock = threading.Lock()
        self._allowance = rate
        self._last = time.monotonic()
        super().__init__(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.latency)
        if not self._admit():
            return httpx.Response(429, headers={"Retry-After": "1"}, json={"message": "slow down"})
        return self.rooms.handle(request)

    def _admit(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._allowance = min(self.rate, self._allowance + (now - self._last) * self.rate)
            self._last = now
            self.requests += 1
            if self._allowance < 1:
                self.rejected += 1
                return False
            self._allowance -= 1
            return True

    def __enter__(self) -> LoopbackRooms:
        super().__enter__()
        return self
