"""The state store: where it lives, how it migrates, how SQLite is set up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from helpers.stores import hold_lock, take_in_processes
from ta_delivery.errors import InputError, StoreError
from ta_delivery.store import from_text, open_store, schema, state_location, to_text, with_driver
from ta_delivery.store.migrations import LATEST, current_version


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


def test_a_store_from_a_newer_release_is_refused(store_url: str) -> None:
    url = store_url
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


def test_plugin_values_round_trip_and_delete(store_url: str) -> None:
    store = open_store(store_url)
    kv = store.namespace("webex")
    assert kv.get("refresh_token") is None
    kv.put("refresh_token", "r1")
    kv.put("refresh_token", "r2")
    assert kv.get("refresh_token") == "r2"
    assert store.namespace("zoom").get("refresh_token") is None
    kv.put("refresh_token", None)
    assert kv.get("refresh_token") is None
    assert "r2" not in repr(store)
    store.close()


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


def test_a_new_store_is_at_the_latest_version_on_either_backend(store_url: str) -> None:
    store = open_store(store_url)
    with store.engine.connect() as conn:
        assert current_version(conn) == LATEST
    store.close()
    again = open_store(store_url)  # opening again migrates nothing
    with again.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schema_version")).scalar() == LATEST
    again.close()


def _previous_release_store(url: str) -> None:
    """A store as the release before schema version 5 left it: without the counters and feed tokens,
    with a classroom's course, an invitation message and a plugin value in it."""
    store = open_store(url)
    store.remember_course("c1", "Course", "UTC", datetime(2026, 1, 1, tzinfo=UTC))
    store.kv_put("zoom", "daily", "{}")
    with store.transaction() as conn:
        conn.execute(
            schema.messages.insert().values(
                course_id="c1",
                session_id="s1",
                person_id="p1",
                email="p1@example.org",
                mailbox="p1@example.org",
                kind="invite",
                sequence=3,
                fingerprint="f" * 16,
                method="REQUEST",
                state="sent",
                session_end="2026-02-01T10:00:00Z",
                created_at="2026-01-01T00:00:00Z",
                updated_at="2026-01-01T00:00:00Z",
            )
        )
        conn.execute(schema.schema_version.delete().where(schema.schema_version.c.version >= 5))
        schema.feed_tokens.drop(conn)
        schema.counters.drop(conn)
    store.close()


def test_a_store_written_by_the_previous_release_is_upgraded_in_place(store_url: str) -> None:
    _previous_release_store(store_url)
    store = open_store(store_url)
    with store.engine.connect() as conn:
        assert current_version(conn) == LATEST
        assert inspect(conn).has_table("counters")
        assert inspect(conn).has_table("feed_tokens")
        assert conn.execute(select(schema.messages.c.sequence)).scalars().all() == [3]
    assert store.kv_get("zoom", "daily") == "{}"
    assert store.take("zoom", "write:2026-01-01:me", 5)
    assert store.feed_owner(store.feed_token("c1", "p1")) == ("c1", "p1")
    store.close()


def test_shared_counters_stop_at_their_limit(store_url: str) -> None:
    store = open_store(store_url)
    kv = store.namespace("zoom")
    assert [kv.take("write:me", 3) for _ in range(5)] == [True, True, True, False, False]
    assert kv.count("write:me") == 3
    assert kv.count("write:other") == 0
    assert not kv.take("write:none", 0)
    store.close()


def test_processes_sharing_a_counter_never_take_more_than_its_limit(store_url: str) -> None:
    open_store(store_url).close()
    taken = take_in_processes(store_url, processes=3, each=10)
    assert sum(taken) == 25
    store = open_store(store_url)
    assert store.counter("zoom", "write:host") == 25
    store.close()


def test_the_run_lock_spans_processes_and_is_per_course(store_url: str) -> None:
    open_store(store_url).close()
    holder = hold_lock(store_url, "c1")
    try:
        store = open_store(store_url)
        with pytest.raises(InputError, match="another run of course 'c1'"), store.run_lock("c1", timeout=0.3):
            pass
        with store.run_lock("c2", timeout=5):
            pass
        holder.communicate("\n", timeout=30)
        with store.run_lock("c1", timeout=10):
            pass
        store.close()
    finally:
        holder.kill()
        holder.wait(30)


def test_a_killed_holder_releases_the_run_lock(store_url: str) -> None:
    open_store(store_url).close()
    holder = hold_lock(store_url, "c1")
    holder.kill()
    holder.wait(30)
    store = open_store(store_url)
    with store.run_lock("c1", timeout=20):
        pass
    store.close()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_without_a_driver_uses_psycopg(scheme: str) -> None:
    assert with_driver(f"{scheme}://u:pw@db.example.org/ta") == "postgresql+psycopg://u:pw@db.example.org/ta"
    assert with_driver("sqlite:///x.db") == "sqlite:///x.db"


def test_an_unreachable_postgresql_server_is_a_store_error_naming_the_host() -> None:
    with pytest.raises(StoreError, match=r"127\.0\.0\.1") as caught:
        open_store("postgresql://ta:secret-pw@127.0.0.1:1/ta")
    assert "secret-pw" not in str(caught.value)


def test_feed_tokens_are_stable_unguessable_and_revocable(store_url: str) -> None:
    store = open_store(store_url)
    first = store.feed_token("c1", "p1")
    assert store.feed_token("c1", "p1") == first  # the same address every time it is asked for
    assert len(first) >= 40
    other = store.feed_token("c1", "p2")
    assert other != first
    assert store.feed_owner(first) == ("c1", "p1")
    assert store.feed_owner("not-a-token") is None
    assert store.revoke_feed_tokens("c1", "p1") == 1
    assert store.feed_owner(first) is None
    fresh = store.feed_token("c1", "p1")
    assert fresh != first
    assert store.feed_owner(fresh) == ("c1", "p1")
    assert store.feed_owner(other) == ("c1", "p2")
    store.close()
