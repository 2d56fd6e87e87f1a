"""Fixtures for plugin authors, loaded as a pytest plugin when ``ta-delivery[testing]`` is installed.

Every fixture name starts with ``ta_delivery_``, so installing ta-delivery never shadows a project's own
``plugin_manager`` or ``state_store`` fixtures.
"""

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
def ta_delivery_fake_clock() -> FakeClock:
    """A clock stopped at 2027-03-01 12:00 UTC; ``advance()`` moves it, ``sleep()`` never waits."""
    return FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))


@pytest.fixture
def ta_delivery_plugin_manager() -> Plugins:
    """A fresh plugin manager with the built-ins and installed plugins."""
    return make_plugin_manager()


@pytest.fixture
def ta_delivery_state_store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite state store in a temporary folder."""
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield store
    store.close()


@pytest.fixture
def ta_delivery_run_context(
    tmp_path: Path, ta_delivery_fake_clock: FakeClock, ta_delivery_state_store: Store
) -> RunContext:
    """A run context with no environment, the fake clock and the temporary store."""
    return RunContext(
        settings=Settings({}),
        clock=ta_delivery_fake_clock,
        base_dir=tmp_path,
        state_factory=ta_delivery_state_store.namespace,
    )
