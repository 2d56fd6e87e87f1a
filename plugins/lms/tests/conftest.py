"""Fixtures: a fake Moodle on loopback, a course that links to it, and a provider bound to both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_moodle import FakeMoodle, Running, serve
from moodle_course import NOW, make_course

from ta_delivery.clock import FakeClock
from ta_delivery.context import MemoryKeyValue, RunContext
from ta_delivery.models import Course
from ta_delivery.settings import Settings


@pytest.fixture
def moodle() -> Iterator[Running]:
    """A fresh fake Moodle site served on 127.0.0.1."""
    running = serve(FakeMoodle(now=int(NOW.timestamp())))
    yield running
    running.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def env(moodle: Running) -> dict[str, str]:
    return {
        "TA_DELIVERY_MOODLE_URL": moodle.url + "/",
        "TA_DELIVERY_MOODLE_TOKEN": moodle.site.token,
        "TA_DELIVERY_MOODLE_CATEGORY_ID": "7",
    }


@pytest.fixture
def context(env: dict[str, str], clock: FakeClock) -> RunContext:
    return RunContext(settings=Settings(env), clock=clock, states={"moodle": MemoryKeyValue()})


@pytest.fixture
def course() -> Course:
    return make_course()
