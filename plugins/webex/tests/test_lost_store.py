"""A lost or replaced state store: apply finds the meetings Webex already has instead of making them again.

Before creating a classroom the store has no record of, the provider lists the meeting series of the whole
span once (matched by the integration tag or agenda mark), not once per session.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fake_webex import FakeWebex
from webex_helpers import BEARER_ENV

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer
from ta_delivery.testing.capture import CaptureTransport
from ta_delivery_webex import plugin

SESSIONS = 15


def _course() -> Course:
    return Course(
        id="rtpc-webex",
        title="Trade policy course",
        timezone="America/Port_of_Spain",
        organizer=Organizer(name="Training Institute", email="training@example.org"),
        provider="webex",
        trainers=(Trainer(id="rf", name="Roberto F.", email="rf@example.org", timezone="Europe/Zurich"),),
        participants=(
            Participant(id="jm-01", name="Ana Pérez", email="ana@example.org", timezone="America/Jamaica"),
        ),
        sessions=tuple(
            Session(
                id=f"s{i:02d}",
                title=f"Session {i}",
                start=datetime(2027, 8, 9, 14, tzinfo=UTC) + timedelta(days=7 * i),
                minutes=90,
                trainers=("rf",),
            )
            for i in range(1, SESSIONS + 1)
        ),
    )


def _apply(server: FakeWebex, db: Path) -> bool:
    store = open_store(f"sqlite:///{db}")
    plugins = make_plugin_manager(entry_points=False, extra=[plugin, CaptureTransport()])
    context = RunContext(
        settings=Settings({**BEARER_ENV, "TA_DELIVERY_TRANSPORT": "capture"}),
        clock=FakeClock(datetime(2027, 6, 1, 12, tzinfo=UTC)),
        base_dir=db.parent,
        transport=server.transport(),
        state_factory=store.namespace,
    )
    try:
        return Syncer(_course(), store, plugins, context, workers=4).apply().ok
    finally:
        store.close()


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
