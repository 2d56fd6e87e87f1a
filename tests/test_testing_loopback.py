"""``ta_delivery.testing.loopback``: the real HTTP server the fakes of remote APIs answer on."""

from __future__ import annotations

import socket
import struct
import time

import httpx
import pytest

from ta_delivery.testing.loopback import LoopbackServer


def test_a_client_that_hangs_up_before_the_answer_prints_no_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.3)
        return httpx.Response(200, json={"ok": True})

    with LoopbackServer(slow) as server:
        host, port = server.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset: the answer has nowhere to go
        time.sleep(0.8)
        assert httpx.get(server.url + "/y", timeout=5).status_code == 200  # still serving
    assert "Traceback" not in capsys.readouterr().err
