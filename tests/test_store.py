"""The state store: where it lives, how it migrates, how SQLite is set up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from ta_delivery.errors import InputError, StoreError
from ta_delivery.store import from_text, open_store, schema, state_location, to_text
from ta_delivery.store.migrations import LATEST


def test_default_location_is_beside_the_course(tmp_path: Path) -> None:
    course = tmp_path / "courses" / "c.toml"
    assert state_location(course) == f"sqlite:///{tmp_path / 'courses' / '.ta-delivery' / 'state.db'}"
    assert state_location(course, "postgresql://u@h/db") == "postgresql://u@h/db"
    assert state_location(course, str(tmp_path / "s.db")) == f"sqlite:///{tmp_path / 's.db'}"


def test_a_new_store_is_migrated_once_and_set_up_for_concurrency(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / '.ta-delivery' / 'state.db'}"  # the default folder is created
    store = open_store(url)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    assert versions == list(range(1, LATEST + 1))
    store.close()
    again = open_store(url)
    with again.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schema_version")).scalar() == LATEST
    again.close()


def test_a_store_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = open_store(url)
    with store.transaction() as conn:
        conn.execute(
            schema.schema_version.insert().values(version=LATEST + 1, applied_at="2099-01-01T00:00:00Z")
        )
    store.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(url)


def test_an_unwritable_location_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="does not exist"):
        open_store(f"sqlite:///{blocker / 'sub' / 'state.db'}")


def test_plugin_values_round_trip_and_delete(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    kv = store.namespace("webex")
    assert kv.get("refresh_token") is None
    kv.put("refresh_token", "r1")
    kv.put("refresh_token", "r2")
    assert kv.get("refresh_token") == "r2"
    assert store.namespace("zoom").get("refresh_token") is None
    kv.put("refresh_token", None)
    assert kv.get("refresh_token") is None
    assert "r2" not in repr(store)


@given(st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1), timezones=st.timezones()))
def test_instants_round_trip_as_utc_text(value: datetime) -> None:
    written = to_text(value)
    assert written.endswith("Z")
    assert from_text(written) == value.astimezone(UTC)


@pytest.mark.parametrize("url", ["bogus://nowhere", "postgresql+nodriver://u:pw@h/db", "not a url at all://"])
def test_a_url_that_cannot_be_opened_is_an_input_error(url: str) -> None:
    from ta_delivery.errors import InputError

    with pytest.raises(InputError, match="TA_DELIVERY_STATE") as caught:
        open_store(url)
    assert "pw" not in str(caught.value)
