"""Shared fixtures: a small course built in code, the reference provider's server, a capturing transport."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pytest

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.errors import TransportError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer
from ta_delivery.plugins import Plugins, make_plugin_manager
from ta_delivery.records import TransportSpec
from ta_delivery.settings import Settings
from ta_delivery.store import Store, open_store
from ta_delivery.sync import Syncer
from ta_delivery.testing.memory import MemoryServer, memory_plugin

TOKEN = "memory-token-0123456789"


@attrs.frozen
class Sent:
    """One captured invitation: the facts of its calendar part."""

    to: str
    method: str
    uid: str
    sequence: int
    session: str
    message: EmailMessage


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    """The text/calendar part of an iMIP message."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return icalendar.Calendar.from_ical(payload)
    raise AssertionError("no text/calendar part")


@attrs.define
class CaptureTransport:
    """Records every message; fails the next ``fail`` sends."""

    sent: list[Sent] = attrs.field(factory=list)
    fail: int = 0

    def send(self, message: EmailMessage) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise TransportError("injected send failure")
        if not any(p.get_content_type() == "text/calendar" for p in message.walk()):
            # a recording message: no calendar part
            self.sent.append(Sent(str(message["To"]), "SEND", "", 0, str(message["Subject"]), message))
            return
        cal = calendar_of(message)
        event = next(iter(cal.walk("VEVENT")))
        self.sent.append(
            Sent(
                to=str(message["To"]),
                method=str(cal["METHOD"]),
                uid=str(event["UID"]),
                sequence=int(event.get("SEQUENCE", 0)),
                session=str(event["SUMMARY"]),
                message=message,
            )
        )


class CapturePlugin:
    def __init__(self, transport: CaptureTransport) -> None:
        self.transport = transport

    @hookimpl
    def ta_delivery_register_transports(self) -> Iterable[TransportSpec]:
        yield TransportSpec(name="capture", factory=lambda _ctx: self.transport)


def make_course(**changes: Any) -> Course:
    """A two-trainer, three-participant course of three live sessions in 2027 on the memory provider."""
    trainers = (
        Trainer(id="rf", name="Roberto F.", email="rf@example.org", timezone="Europe/Zurich"),
        Trainer(id="ms", name="Maria S.", email="ms@example.org", timezone="America/Jamaica"),
    )
    participants = (
        Participant(id="jm-01", name="Ana Pérez", email="ana@example.org", timezone="America/Jamaica"),
        Participant(id="tt-01", name="Kiran R.", email="kiran@example.org", timezone="America/Port_of_Spain"),
        Participant(id="bb-01", name="Dawn C.", email="Dawn@Example.org", timezone="America/Barbados"),
    )
    sessions = tuple(
        Session(
            id=f"s0{i}",
            title=f"Session {i}",
            start=datetime(2027, 8, 9 + 7 * (i - 1), 14, tzinfo=UTC),
            minutes=120,
            trainers=("rf",) if i % 2 else ("ms",),
        )
        for i in range(1, 4)
    )
    base: dict[str, Any] = {
        "id": "rtpc-test",
        "title": "Trade policy course",
        "timezone": "America/Port_of_Spain",
        "organizer": Organizer(name="Training Institute", email="training@example.org"),
        "provider": "memory",
        "trainers": trainers,
        "participants": participants,
        "sessions": sessions,
    }
    base.update(changes)
    return Course(**base)


@attrs.define
class World:
    """Everything one sync test touches."""

    server: MemoryServer
    transport: CaptureTransport
    plugins: Plugins
    store: Store
    clock: FakeClock
    context: RunContext

    def syncer(self, course: Course) -> Syncer:
        return Syncer(course, self.store, self.plugins, self.context, workers=1)


@pytest.fixture
def world(tmp_path: Path, world_store_url: str) -> World:
    server = MemoryServer(token=TOKEN)
    transport = CaptureTransport()
    plugins = make_plugin_manager(entry_points=False, extra=[memory_plugin, CapturePlugin(transport)])
    store = open_store(world_store_url)
    clock = FakeClock(datetime(2027, 6, 1, 12, tzinfo=UTC))
    context = RunContext(
        settings=Settings({"TA_DELIVERY_MEMORY_TOKEN": TOKEN, "TA_DELIVERY_TRANSPORT": "capture"}),
        clock=clock,
        base_dir=tmp_path,
        transport=server.transport(),
        state_factory=store.namespace,
    )
    return World(server, transport, plugins, store, clock, context)
