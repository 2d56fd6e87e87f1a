"""A lost or replaced state store: apply finds the meetings Webex already has instead of making them again.

Before creating a classroom the store has no record of, the provider lists the meeting series of the whole
span once (matched by the integration tag or agenda mark), not once per session.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fake_webex import FakeWebex
from webex_helpers import BEARER_ENV

from ta_delivery.models import Course
from ta_delivery.testing.courses import live, make_course, participant
from ta_delivery.testing.plugin_run import PluginRun
from ta_delivery_webex import plugin

SESSIONS = 15


def _course() -> Course:
    first = datetime(2027, 8, 9, 14, tzinfo=UTC)
    return make_course(
        id="rtpc-webex",
        title="Trade policy course",
        provider="webex",
        participants=(participant(),),
        sessions=tuple(
            live(f"s{i:02d}", first + timedelta(days=7 * i), 90, title=f"Session {i}")
            for i in range(1, SESSIONS + 1)
        ),
    )


def _apply(server: FakeWebex, db: Path) -> bool:
    run = PluginRun.start(db.parent, plugin, transport=server.transport(), env=BEARER_ENV, db=db.name)
    try:
        return run.apply(_course(), workers=4).ok
    finally:
        run.close()


def _listings(server: FakeWebex) -> int:
    return server.calls.count(("GET", "/v1/meetings"))


def test_a_replaced_store_finds_every_meeting_with_one_listing(tmp_path: Path) -> None:
    server = FakeWebex()
    assert _apply(server, tmp_path / "state.db")
    assert len(server.meetings) == SESSIONS
    first = _listings(server)
    assert first == 1

    (tmp_path / "other").mkdir()
    posts = server.calls.count(("POST", "/v1/meetings"))
    assert _apply(server, tmp_path / "other" / "state.db")  # the store is lost: a new one
    assert len(server.meetings) == SESSIONS, "no meeting made twice"
    assert server.calls.count(("POST", "/v1/meetings")) == posts
    assert _listings(server) - first == 1, "one listing of the span per run, not one per session"
    assert len(server.invitees) == 2 * SESSIONS
