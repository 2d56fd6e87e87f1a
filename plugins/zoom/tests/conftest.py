"""Fixtures for the Zoom plugin's tests: a fake Zoom on a fake clock, and a provider wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_zoom import ENV, FakeZoom
from zoom_spec import shared_dir, validators

from ta_delivery.clock import FakeClock
from ta_delivery.context import MemoryKeyValue, RunContext
from ta_delivery.settings import Settings
from ta_delivery.testing.cli import cli_settings
from ta_delivery.testing.loopback import LoopbackServer
from ta_delivery_zoom.plugin import make_provider
from ta_delivery_zoom.provider import ZoomProvider


@pytest.fixture
def zoom(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeZoom]:
    """The fake Zoom served over real HTTP on loopback, with the CLI's settings pointing at it."""
    fake = FakeZoom()
    with LoopbackServer(fake.handle) as server:
        api = {
            "TA_DELIVERY_ZOOM_API_URL": f"{server.url}/v2",
            "TA_DELIVERY_ZOOM_OAUTH_URL": f"{server.url}/oauth/token",
        }
        cli_settings(monkeypatch, {**ENV, **api})
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeZoom]:
    server = FakeZoom(now=clock.now, monotonic=clock.monotonic)
    yield server
    if server.validate and validators():
        assert server.spec_checks > 0 or not server.requests, "requests were sent but none validated"


@pytest.fixture
def state() -> MemoryKeyValue:
    return MemoryKeyValue()


@pytest.fixture
def context(fake: FakeZoom, clock: FakeClock, state: MemoryKeyValue) -> RunContext:
    return RunContext(
        settings=Settings(dict(ENV)), clock=clock, transport=fake.transport(), states={"zoom": state}
    )


@pytest.fixture
def provider(context: RunContext) -> ZoomProvider:
    return make_provider(context)


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if path is None:
        pytest.skip("../shared is absent")
    return path


@pytest.fixture
def paced(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """(method, path, rate category) of every call a provider makes from now on; skipped without the specs
    that give each endpoint its Rate Limit Label."""
    if not validators():
        pytest.skip("../shared is absent")
    calls: list[tuple[str, str, str]] = []
    original = ZoomProvider._call

    def spy(self: ZoomProvider, method: str, path: str, category: Any, **kwargs: Any) -> Any:
        calls.append((method, path, category))
        return original(self, method, path, category, **kwargs)

    monkeypatch.setattr(ZoomProvider, "_call", spy)
    return calls
