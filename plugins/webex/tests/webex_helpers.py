"""Helpers of the Webex plugin's tests: settings, a context on the fake server, a request, the fake served
on loopback for the command line, and the course file the command-line tests run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_webex import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeWebex
from webex_spec import BASE_URL

from ta_delivery.clock import FakeClock
from ta_delivery.context import MemoryKeyValue, RunContext
from ta_delivery.records import ClassroomRequest
from ta_delivery.settings import Settings
from ta_delivery.testing.cli import cli_settings
from ta_delivery.testing.courses import classroom_request, course_toml, participant, session
from ta_delivery.testing.loopback import LoopbackServer, as_served_at
from ta_delivery_webex.plugin import make_provider
from ta_delivery_webex.provider import WebexProvider

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
    """A two-hour session with one trainer and three participants (e-mails in mixed case)."""
    webex: dict[str, Any] = {
        "title": "Trade policy: opening",
        "description": "Welcome and overview",
        "participants": tuple(
            participant(f"p{i}", name=f"Ana Pérez {i}", email=f"P{i}@Example.org", timezone="UTC")
            for i in range(1, 4)
        ),
    }
    return classroom_request(key, **{**webex, **changes})


@contextmanager
def serve_webex(fake: FakeWebex, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWebex]:
    """``fake`` over real HTTP on loopback, the command line's settings pointing at it (refresh credentials).

    The fake validates against the spec's server URL: each loopback request is presented as Webex's.
    ``fake.handle`` is looked up per request, so a test may wrap it while the server runs.
    """
    fake.now = datetime(2027, 8, 1, 8, tzinfo=UTC)
    with LoopbackServer(as_served_at(lambda r: fake.handle(r), BASE_URL, "/v1")) as loopback:
        fake.next_host = f"{loopback.url}/v1"
        settings = {**REFRESH_ENV, "TA_DELIVERY_WEBEX_API_URL": f"{loopback.url}/v1"}
        cli_settings(monkeypatch, settings, unset=["TA_DELIVERY_WEBEX_ACCESS_TOKEN"])
        yield fake


def cli_course(*, sessions: tuple[dict[str, Any], ...] | None = None, extra: str = "", **course: Any) -> str:
    """The course file of the command-line tests: two webinars a week apart, on Webex."""
    keys: dict[str, Any] = {"title": "Trade policy webinars", "provider": "webex", **course}
    if sessions is None:
        sessions = (
            session("s01", title="Opening webinar"),
            session("s02", "2027-09-13T10:00:00", 90, title="Tariffs"),
        )
    return course_toml(sessions=sessions, extra=extra, **keys)


def device(join: str, leave: str, correlation: str) -> dict[str, object]:
    """One device of a meeting participant, as ``GET /meetingParticipants`` lists it."""
    return {
        "correlationId": correlation,
        "deviceType": "webex_meeting_center_mac",
        "joinedTime": join,
        "leftTime": leave,
        "durationSecond": 60,
    }


def provider_on(server: FakeWebex, env: dict[str, str] | None = None) -> WebexProvider:
    """The provider ``make_provider`` builds on ``server`` (bearer token unless ``env`` says otherwise)."""
    context, _clock, _state = make_context(server, env)
    return make_provider(context)
