"""Fixtures of the Webex plugin's tests (helpers live in ``webex_helpers``, the fake in ``fake_webex``)."""

from __future__ import annotations

import pytest
from fake_webex import FakeWebex


@pytest.fixture
def server() -> FakeWebex:
    """A fresh fake Webex that validates every request against the spec (when ../shared is there)."""
    return FakeWebex()
