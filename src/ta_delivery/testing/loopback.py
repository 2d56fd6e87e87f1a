"""Serve any httpx handler (a fake API) over real HTTP on 127.0.0.1, for end-to-end tests and benchmarks."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

__all__ = ["LoopbackServer", "as_served_at"]

Handler = Callable[[httpx.Request], httpx.Response]
_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


class _Server(ThreadingHTTPServer):
    """A client that hangs up before its answer (a test of a lost response) is not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LoopbackServer:
    """A threaded HTTP/1.1 server on an ephemeral loopback port that answers with ``handler``.

    ```python
    with LoopbackServer(fake.handle) as server:
        env["TA_DELIVERY_ZOOM_API_URL"] = server.url + "/v2"
    ```
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        outer = self

        class _Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = httpx.Request(
                    self.command,
                    f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}",
                    headers=list(self.headers.items()),
                    content=body,
                )
                response = outer.handler(request)
                payload = response.read()
                self.send_response(response.status_code)
                for name, value in response.headers.multi_items():
                    if name.lower() not in _HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server names

        self._server = _Server(("127.0.0.1", 0), _Request)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def as_served_at(handler: Handler, base_url: str, prefix: str = "") -> Handler:
    """``handler`` answering loopback requests as if they were sent to ``base_url``.

    A fake that validates requests against an API's official document expects that document's server
    URL; served on loopback, a request arrives at ``http://127.0.0.1:PORT{prefix}/...``. Strip ``prefix``
    and put ``base_url`` in front of the rest.
    """

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()[len(prefix) :]
        moved = httpx.Request(
            request.method, f"{base_url}{path}", headers=request.headers, content=request.content
        )
        return handler(moved)

    return handle
