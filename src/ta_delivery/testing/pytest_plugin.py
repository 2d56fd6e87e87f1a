"""Fixtures for plugin authors, loaded as a pytest plugin when ``ta-delivery[testing]`` is installed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ..clock import FakeClock
from ..context import RunContext
from ..plugins import Plugins, make_plugin_manager
from ..settings import Settings
from ..store import Store, open_store


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock stopped at 2027-03-01 12:00 UTC; ``advance()`` moves it, ``sleep()`` never waits."""
    return FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))


@pytest.fixture
def plugin_manager() -> Plugins:
    """A fresh plugin manager with the built-ins and installed plugins."""
    return make_plugin_manager()


@pytest.fixture
def state_store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite state store in a temporary folder."""
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield store
    store.close()


@pytest.fixture
def run_context(tmp_path: Path, fake_clock: FakeClock, state_store: Store) -> RunContext:
    """A run context with no environment, the fake clock and the temporary store."""
    return RunContext(
        settings=Settings({}), clock=fake_clock, base_dir=tmp_path, state_factory=state_store.namespace
    )
