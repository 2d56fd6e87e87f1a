"""A person's address changes while an update to the old one is still unsent (issue 19, item 1).

Through the real engine and a real SMTP relay (aiosmtpd on loopback) that is down for one run: the update
stays pending; the address then changes. The same run must withdraw the event from the old address (its
calendar holds the first version) and invite the new one, worded as an invitation; cancelling the course
later reaches every address that still holds the event.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import attrs
import pytest

from helpers.world import TOKEN, calendar_of, make_course
from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.invites import session_uid
from ta_delivery.models import Course
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer
from ta_delivery.testing.memory import MemoryServer, memory_plugin

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

OLD, NEW = "ana@example.org", "ana.perez@example.org"


@attrs.frozen
class Received:
    to: str
    method: str
    uid: str
    sequence: int
    subject: str
    summary: str


class _Relay:
    """A loopback SMTP relay that can be taken down and brought back on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.received: list[Received] = []
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        calendar = calendar_of(message)
        event = next(iter(calendar.walk("VEVENT")))
        for rcpt in envelope.rcpt_tos:
            self.received.append(
                Received(
                    to=rcpt.lower(),
                    method=str(calendar["METHOD"]),
                    uid=str(event["UID"]),
                    sequence=int(event["SEQUENCE"]),
                    subject=str(message["Subject"]),
                    summary=str(event["SUMMARY"]),
                )
            )
        return "250 OK"

    def up(self) -> None:
        self._controller = aiosmtpd_controller.Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def relay() -> Iterator[_Relay]:
    r = _Relay()
    r.up()
    try:
        yield r
    finally:
        r.down()


def _syncer(course: Course, tmp_path: Path, relay: _Relay, server: MemoryServer) -> Syncer:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    context = RunContext(
        settings=Settings(
            {
                "TA_DELIVERY_MEMORY_TOKEN": TOKEN,
                "TA_DELIVERY_TRANSPORT": "smtp",
                "TA_DELIVERY_SMTP_HOST": "127.0.0.1",
                "TA_DELIVERY_SMTP_PORT": str(relay.port),
                "TA_DELIVERY_SMTP_TIMEOUT": "10",
            }
        ),
        clock=FakeClock(datetime(2027, 6, 1, 12, tzinfo=UTC)),
        base_dir=tmp_path,
        transport=server.transport(),
        state_factory=store.namespace,
    )
    plugins = make_plugin_manager(entry_points=False, extra=[memory_plugin])
    return Syncer(course, store, plugins, context, workers=1)


def _run(course: Course, tmp_path: Path, relay: _Relay, server: MemoryServer) -> tuple[bool, list[Received]]:
    before = len(relay.received)
    syncer = _syncer(course, tmp_path, relay, server)
    try:
        ok = syncer.apply().ok
    finally:
        syncer.store.close()
    return ok, relay.received[before:]


def _with_email(course: Course, who: str, email: str) -> Course:
    people = tuple(attrs.evolve(p, email=email) if p.id == who else p for p in course.participants)
    return attrs.evolve(course, participants=people)


def test_an_email_change_while_an_update_is_unsent_cancels_the_old_address_and_invites_the_new(
    tmp_path: Path, relay: _Relay
) -> None:
    server = MemoryServer(token=TOKEN)
    course = make_course()
    uids = {session_uid(course.id, s.id): s.id for s in course.sessions}
    ok, first = _run(course, tmp_path, relay, server)
    assert ok
    assert sorted((r.uid, r.method, r.sequence) for r in first if r.to == OLD) == sorted(
        (uid, "REQUEST", 0) for uid in uids
    )

    # 1. a session's title changes while the relay is down: the update stays pending
    s01 = course.sessions[0]
    course = attrs.evolve(
        course, sessions=(attrs.evolve(s01, title="Tariff schedules"), *course.sessions[1:])
    )
    relay.down()
    ok, nothing = _run(course, tmp_path, relay, server)
    relay.up()
    assert not ok
    assert nothing == []

    # 2. the participant's address changes, the relay is back: in this very run
    course = _with_email(course, "jm-01", NEW)
    ok, sent = _run(course, tmp_path, relay, server)
    assert ok
    to_old = {r.uid: r for r in sent if r.to == OLD}
    to_new = {r.uid: r for r in sent if r.to == NEW}
    # the old address's calendar holds every session's first version: each is withdrawn there
    assert {uid: r.method for uid, r in to_old.items()} == dict.fromkeys(uids, "CANCEL")
    assert all(r.sequence > 0 for r in to_old.values())
    # the new address is invited (invitation wording, not "Updated"), above the CANCEL
    assert {uid: r.method for uid, r in to_new.items()} == dict.fromkeys(uids, "REQUEST")
    for uid, r in to_new.items():
        assert r.subject.startswith("Invitation:"), r.subject
        assert r.sequence > to_old[uid].sequence
    assert "Tariff schedules" in to_new[session_uid(course.id, "s01")].summary
    # the others get the pending update of s01 at last, and nothing about the unchanged sessions
    others = [r for r in sent if r.to not in (OLD, NEW)]
    assert others
    assert {r.uid for r in others} == {session_uid(course.id, "s01")}
    assert all(r.subject.startswith("Updated invitation:") and r.sequence == 1 for r in others)

    ok, again = _run(course, tmp_path, relay, server)
    assert ok
    assert again == []

    # 3. cancelling the course reaches whoever still holds an event, and only them
    course = attrs.evolve(course, status="cancelled")
    ok, cancels = _run(course, tmp_path, relay, server)
    assert ok
    assert {r.method for r in cancels} == {"CANCEL"}
    assert not [r for r in cancels if r.to == OLD], "the old address's events were withdrawn already"
    last: dict[tuple[str, str], Received] = {}
    for r in relay.received:
        last[(r.uid, r.to)] = r
    assert {key for key, r in last.items() if r.method != "CANCEL"} == set()
    assert {(uid, NEW) for uid in uids} <= set(last)
    for (_uid, to), r in last.items():
        assert parseaddr(to)[1] == to
        history = [x.sequence for x in relay.received if (x.uid, x.to) == (r.uid, to)]
        assert history == sorted(history), "SEQUENCE never decreases at an address"
