"""A loopback HTTP server for benchmarks: the reference rooms API with latency and a rate limit."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from ta_delivery.testing.memory import MemoryServer


class LoopbackRooms:
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
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                time.sleep(outer.latency)
                if not outer._admit():
                    self._send(429, {"Retry-After": "1"}, b'{"message": "slow down"}')
                    return
                request = httpx.Request(
                    self.command, f"http://loopback{self.path}", headers=dict(self.headers), content=body
                )
                response = outer.rooms.handle(request)
                self._send(response.status_code, dict(response.headers), response.content)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve  # noqa: N815 - http.server names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

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
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
