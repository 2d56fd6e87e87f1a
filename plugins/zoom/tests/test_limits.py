"""Zoom's rate limits by category and its daily meeting create/update budget per host."""

from __future__ import annotations

import httpx
import pytest
from fake_zoom import ENV, FakeZoom, Fault
from zoom_helpers import make_request, people

from ta_delivery.clock import FakeClock
from ta_delivery.context import MemoryKeyValue, RunContext
from ta_delivery.errors import DailyLimitReached
from ta_delivery.settings import Settings
from ta_delivery_zoom.plugin import make_provider
from ta_delivery_zoom.provider import ZoomProvider


def test_per_second_429_waits_retry_after(provider: ZoomProvider, fake: FakeZoom, clock: FakeClock) -> None:
    busy = httpx.Response(429, json={"code": 429, "message": "per-second"}, headers={"Retry-After": "3"})
    fake.faults.append(Fault("POST", "/registrants", response=busy))
    room = provider.create(make_request())
    assert set(room.personal_links) == {"p1", "p2", "p3"}
    assert sum(clock.slept) >= 3


def test_pacing_keeps_under_the_category_rates(clock: FakeClock) -> None:
    fake = FakeZoom(now=clock.now, monotonic=clock.monotonic, rates={"light": 30, "medium": 20, "heavy": 10})
    context = RunContext(settings=Settings(dict(ENV)), clock=clock, transport=fake.transport())
    provider = make_provider(context)
    provider.workers = 1
    for i in range(3):
        provider.create(make_request(key=f"c/s{i}", participants=people(40)))
    assert fake.rejected_429 == 0
    light = sum(1 for _m, _p, c in fake.categories if c == "light")
    assert light == 120
    assert clock.monotonic() >= (light - 1) / 30


@pytest.mark.parametrize("with_header", [False, True])
def test_daily_limit_stops_writes_for_the_host_and_is_remembered(clock: FakeClock, with_header: bool) -> None:
    fake = FakeZoom(now=clock.now, monotonic=clock.monotonic, daily_limit=2, daily_header=with_header)
    state = MemoryKeyValue()
    context = RunContext(
        settings=Settings(dict(ENV)), clock=clock, transport=fake.transport(), states={"zoom": state}
    )
    provider = make_provider(context)
    provider.create(make_request(key="c/s1", participants=()))
    provider.create(make_request(key="c/s2", participants=()))
    # Zoom's own count is ahead of ours (another tool used the host): the 429 tells us
    provider.budget.state.put("daily", None)
    with pytest.raises(DailyLimitReached):
        provider.create(make_request(key="c/s3", participants=()))
    sent = len(fake.requests)
    with pytest.raises(DailyLimitReached):
        provider.create(make_request(key="c/s4", participants=()))
    assert len(fake.requests) == sent  # not even tried
    assert sum(clock.slept) < 1  # only pacing: a daily limit is never waited for
    assert provider.daily_budget() == {"host@example.org": 0}
    # the next run (same store) shows it in plan, and asks Zoom once more: Zoom may count differently
    again = make_provider(
        RunContext(
            settings=Settings(dict(ENV)), clock=clock, transport=fake.transport(), states={"zoom": state}
        )
    )
    assert any("refused more earlier today" in note for note in again.plan_notes())
    with pytest.raises(DailyLimitReached):
        again.create(make_request(key="c/s5", participants=()))
    creates = [r for r in fake.requests[sent:] if r.method == "POST" and "/meetings" in r.url.path]
    assert len(creates) == 1, "one try, then stopped for the rest of the run"
    sent = len(fake.requests)
    with pytest.raises(DailyLimitReached):
        again.create(make_request(key="c/s7", participants=()))
    assert len(fake.requests) == sent
    # reads and deletes still work
    assert again.find(make_request(key="c/s1", participants=())) is not None
    clock.advance(12 * 3600 + 1)  # past 00:00 UTC
    assert again.daily_budget()["host@example.org"] == 100
    fresh = make_provider(
        RunContext(
            settings=Settings(dict(ENV)), clock=clock, transport=fake.transport(), states={"zoom": state}
        )
    )
    fresh.create(make_request(key="c/s6", participants=()))


def test_our_own_count_stops_at_the_budget(clock: FakeClock) -> None:
    fake = FakeZoom(now=clock.now, monotonic=clock.monotonic)
    env = {**ENV, "TA_DELIVERY_ZOOM_DAILY_LIMIT": "2"}
    provider = make_provider(RunContext(settings=Settings(env), clock=clock, transport=fake.transport()))
    provider.create(make_request(key="c/s1", participants=()))
    assert provider.daily_budget() == {"host@example.org": 1}
    provider.create(make_request(key="c/s2", participants=()))
    with pytest.raises(DailyLimitReached, match="resumes after 00:00 UTC"):
        provider.create(make_request(key="c/s3", participants=()))
    assert len(fake.live()) == 2


def test_budget_is_per_host(provider: ZoomProvider) -> None:
    provider.create(make_request(key="c/s1", participants=()))
    provider.create(make_request(key="c/s2", participants=(), options={"host": "other@example.org"}))
    assert provider.daily_budget() == {"host@example.org": 99, "other@example.org": 99}
