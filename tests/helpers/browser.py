"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``): no driver
package, no network port. Used by the catalogue's browser tests (no tests here).

Chromium reads commands on its fd 3 and writes replies and events on its fd 4, each message a JSON text
ended by a NUL byte.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def axe_source() -> Path | None:
    """axe-core's browser bundle, installed by ``npm install`` from the repository's package.json."""
    path = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    return path if path.is_file() else None


class Browser:
    """One Chromium with one page; :meth:`call` sends a command and returns its result."""

    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc = proc
        self.write_fd = write_fd
        self.read_fd = read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.write_fd, data) :]

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False) -> Any:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        self._send(message)
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for i, event in enumerate(self.events):
            if event["method"] == method:
                return self.events.pop(i)
        while True:
            message = self._receive()
            if message.get("method") == method:
                return message
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str, *, wait: bool = False) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": wait},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> list[str]:
        """Load ``url``; the URLs of every request the page made."""
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        return [
            e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"
        ]


@contextmanager
def browser(width: int = 360, height: int = 740) -> Iterator[Browser]:
    """A headless Chromium whose page is ``width`` CSS pixels wide, like a small phone."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed")
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    # move the child's ends above 4, so that placing them on 3 and 4 cannot clobber one with the other
    high_r = os.dup2(to_child_r, 100) if to_child_r <= 4 else to_child_r
    high_w = os.dup2(from_child_w, 101) if from_child_w <= 4 else from_child_w

    def plumbing() -> None:
        os.dup2(high_r, 3)
        os.dup2(high_w, 4)

    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=plumbing,
            env={**os.environ, "HOME": profile},
        )
        for fd in {to_child_r, from_child_w, high_r, high_w}:
            os.close(fd)
        page = Browser(proc, to_child_w, from_child_r)
        try:
            target = page.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
            attached = page.call("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)
            page.session = attached["sessionId"]
            page.call("Page.enable")
            page.call("Network.enable")
            page.call("Page.setBypassCSP", {"enabled": True})  # every attempt to load shows as a request
            page.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
            )
            yield page
        finally:
            os.close(to_child_w)
            os.close(from_child_r)
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
