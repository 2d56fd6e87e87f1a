"""Helpers of the Webex plugin's tests: settings, a context on the fake server, and a request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fake_webex import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeWebex

from ta_delivery.clock import FakeClock
from ta_delivery.context import MemoryKeyValue, RunContext
from ta_delivery.models import Participant, Trainer
from ta_delivery.records import ClassroomRequest
from ta_delivery.settings import Settings

BEARER_ENV = {"TA_DELIVERY_WEBEX_ACCESS_TOKEN": ACCESS_TOKEN}
REFRESH_ENV = {
    "TA_DELIVERY_WEBEX_CLIENT_ID": CLIENT_ID,
    "TA_DELIVERY_WEBEX_CLIENT_SECRET": CLIENT_SECRET,
    "TA_DELIVERY_WEBEX_REFRESH_TOKEN": REFRESH_TOKEN,
}


def make_context(
    server: FakeWebex, env: dict[str, str] | None = None, transport: Any = None
) -> tuple[RunContext, FakeClock, MemoryKeyValue]:
    """A run context on ``server`` with a fake clock and an in-memory state for ``webex``."""
    clock = FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))
    state = MemoryKeyValue()
    context = RunContext(
        settings=Settings({**(env if env is not None else BEARER_ENV), "TA_DELIVERY_WEBEX_CONCURRENCY": "1"}),
        clock=clock,
        transport=transport or server.transport(),
        states={"webex": state},
    )
    return context, clock, state


def make_request(key: str = "ta-delivery:course-1/s01", **changes: Any) -> ClassroomRequest:
    """A two-hour session with one trainer and three participants."""
    base: dict[str, Any] = {
        "key": key,
        "course_id": "course-1",
        "session_id": key.rsplit("/", 1)[-1],
        "title": "Trade policy: opening",
        "start": datetime(2027, 4, 5, 14, tzinfo=UTC),
        "minutes": 120,
        "timezone": "America/Port_of_Spain",
        "description": "Welcome and overview",
        "hosts": (Trainer(id="rf", name="Roberto F.", email="rf@example.org", timezone="Europe/Zurich"),),
        "participants": tuple(
            Participant(id=f"p{i}", name=f"Ana Pérez {i}", email=f"P{i}@Example.org", timezone="UTC")
            for i in range(1, 4)
        ),
        "options": {},
    }
    base.update(changes)
    return ClassroomRequest(**base)
