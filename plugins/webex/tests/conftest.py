"""Fixtures of the Webex plugin's tests (helpers live in ``webex_helpers``, the fake in ``fake_webex``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_webex import FakeWebex
from webex_helpers import serve_webex


@pytest.fixture
def server() -> FakeWebex:
    """A fresh fake Webex that validates every request against the spec (when ../shared is there)."""
    return FakeWebex()


@pytest.fixture
def webex(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWebex]:
    """The fake Webex over real HTTP on loopback, with the integration's refresh credentials set."""
    with serve_webex(FakeWebex(), monkeypatch) as fake:
        yield fake
