"""A lost or replaced state store: apply finds the meetings Zoom already has instead of making them again.

Before creating a classroom the store has no record of, the provider is asked once per host (one listing
of its scheduled meetings, matched by the agenda mark), not once per session.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fake_zoom import ENV, FakeZoom

from ta_delivery.clock import FakeClock
from ta_delivery.models import Course
from ta_delivery.testing.courses import live, make_course, participant
from ta_delivery.testing.plugin_run import PluginRun
from ta_delivery_zoom import plugin

SESSIONS = 15


def _course() -> Course:
    first = datetime(2027, 8, 9, 14, tzinfo=UTC)
    return make_course(
        id="rtpc-zoom",
        title="Trade policy course",
        provider="zoom",
        participants=(participant(),),
        sessions=tuple(
            live(f"s{i:02d}", first + timedelta(days=i), 90, title=f"Session {i}")
            for i in range(1, SESSIONS + 1)
        ),
    )


def _apply(server: FakeZoom, clock: FakeClock, db: Path) -> bool:
    run = PluginRun.start(db.parent, plugin, transport=server.transport(), env=ENV, clock=clock, db=db.name)
    try:
        return run.apply(_course(), workers=4).ok
    finally:
        run.close()


def _listings(server: FakeZoom) -> int:
    return sum(1 for r in server.requests if r.method == "GET" and r.url.path.endswith("/meetings"))


def test_a_replaced_store_finds_every_meeting_with_one_listing(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2027, 6, 1, 12, tzinfo=UTC))
    server = FakeZoom(now=clock.now, monotonic=clock.monotonic)
    assert _apply(server, clock, tmp_path / "state.db")
    assert len(server.live()) == SESSIONS
    first = _listings(server)
    assert first == 1  # a new store: looked once for the whole course, found nothing

    (tmp_path / "other").mkdir()
    before = len(server.requests)
    assert _apply(server, clock, tmp_path / "other" / "state.db")  # the store is lost: a new one
    assert len(server.live()) == SESSIONS, "no meeting made twice"
    assert _listings(server) - first == 1, "one listing per host and run, not one per session"
    creates = [r for r in server.requests[before:] if r.method == "POST" and r.url.path.endswith("/meetings")]
    assert creates == []
    for meeting in server.live():  # each found meeting keeps one registrant per person
        assert len(server.registrants[meeting["id"]]) == 1
