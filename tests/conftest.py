"""Fixtures shared by the core's tests (helpers live in the ``helpers`` package)."""

import shutil
from pathlib import Path

import pytest

from helpers.stores import postgresql_server, postgresql_url, store_url, world_store_url
from helpers.world import world

__all__ = ["example_course", "postgresql_server", "postgresql_url", "store_url", "world", "world_store_url"]

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rtpc-caribbean-2027"


@pytest.fixture
def example_course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the Caribbean example course and its roster, the clock before it starts, no state,
    outbox or transport set in the environment."""
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("course.toml", "participants.csv"):
        shutil.copy(EXAMPLE / name, folder / name)
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-08-01T08:00:00Z")
    for var in ("TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT"):
        monkeypatch.delenv(var, raising=False)
    return folder / "course.toml"
