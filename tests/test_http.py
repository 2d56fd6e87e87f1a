"""The HTTP seam: status mapping, Retry-After, retries that never repeat a create blindly, pacing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.clock import FakeClock
from ta_delivery.errors import (
    AuthError,
    BadResponse,
    ConflictError,
    NotFound,
    RateLimited,
    Unavailable,
)
from ta_delivery.http import HttpApi, RateLimiter, RetryPolicy, error_for, parse_retry_after

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadResponse),
        (401, AuthError),
        (403, AuthError),
        (404, NotFound),
        (409, ConflictError),
        (410, NotFound),
        (422, BadResponse),
        (429, RateLimited),
        (500, Unavailable),
        (503, Unavailable),
    ],
)
def test_statuses_map_to_one_exception_tree(status: int, error: type[Exception]) -> None:
    mapped = error_for(httpx.Response(status, json={"message": "nope"}), "acme")
    assert type(mapped) is error
    assert "nope" in str(mapped) and "acme" in str(mapped)


def test_success_maps_to_nothing() -> None:
    assert error_for(httpx.Response(204), "acme") is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Mon, 01 Mar 2027 12:00:30 GMT", 30.0),
        ("Mon, 01 Mar 2027 11:00:00 GMT", 0.0),
        ("soon", None),
        ("-3", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def api(handler: httpx.MockTransport, clock: FakeClock | None = None, **kw: object) -> HttpApi:
    client = httpx.Client(base_url="https://api.example", transport=handler)
    return HttpApi(client, "acme", clock=clock or FakeClock(NOW), rng=random.Random(1), **kw)  # type: ignore[arg-type]


def scripted(*responses: httpx.Response | type[Exception]) -> tuple[httpx.MockTransport, list[str]]:
    seen: list[str] = []
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, type):
            raise item("scripted", request=request)  # type: ignore[call-arg]
        return item

    return httpx.MockTransport(handle), seen


def test_429_waits_as_told_then_succeeds() -> None:
    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "12"}), httpx.Response(200, json={})
    )
    clock = FakeClock(NOW)
    api(transport, clock).request("POST", "/things")
    assert seen == ["POST", "POST"]
    assert clock.slept == [12.0]


def test_429_without_a_usable_header_waits_the_default() -> None:
    transport, _ = scripted(httpx.Response(429, headers={"Retry-After": "later"}), httpx.Response(200))
    clock = FakeClock(NOW)
    api(transport, clock, policy=RetryPolicy(default_retry_after=4)).request("GET", "/things")
    assert clock.slept == [4.0]


def test_server_errors_on_reads_back_off_with_jitter_and_give_up() -> None:
    transport, seen = scripted(httpx.Response(503))
    clock = FakeClock(NOW)
    with pytest.raises(Unavailable):
        api(transport, clock, policy=RetryPolicy(attempts=4, base=1, cap=30)).request("GET", "/things")
    assert seen == ["GET"] * 4
    assert len(clock.slept) == 3
    assert all(0 <= s <= min(30, 2**i) for i, s in enumerate(clock.slept))


def test_a_create_is_never_retried_blindly() -> None:
    for failure in (httpx.Response(503), httpx.ReadTimeout):
        transport, seen = scripted(failure, httpx.Response(201, json={}))
        with pytest.raises(Unavailable):
            api(transport).request("POST", "/things")
        assert seen == ["POST"]


def test_a_create_whose_connection_never_opened_is_retried() -> None:
    transport, seen = scripted(httpx.ConnectError, httpx.Response(201, json={}))
    api(transport).request("POST", "/things")
    assert seen == ["POST", "POST"]


def test_the_retry_budget_bounds_the_waiting() -> None:
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "100"}))
    clock = FakeClock(NOW)
    with pytest.raises(RateLimited):
        api(transport, clock, policy=RetryPolicy(attempts=10, budget=250)).request("GET", "/x")
    assert sum(clock.slept) <= 250
    assert len(seen) == 3


def test_malformed_json_is_a_bad_response() -> None:
    transport, _ = scripted(httpx.Response(200, content=b"{oops"))
    with pytest.raises(BadResponse):
        api(transport).json("GET", "/x")


@given(rate=st.floats(0.5, 50), n=st.integers(1, 60), burst=st.integers(1, 5))
def test_the_rate_limiter_never_exceeds_its_rate(rate: float, n: int, burst: int) -> None:
    clock = FakeClock(NOW)
    limiter = RateLimiter(rate, burst=burst, clock=clock)
    times = []
    for _ in range(n):
        limiter.acquire()
        times.append(clock.monotonic())
    # in any window of length t, at most burst + rate * t requests pass
    for i in range(n):
        for j in range(i, n):
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6


def test_a_pause_holds_every_caller_back() -> None:
    clock = FakeClock(NOW)
    limiter = RateLimiter(10, burst=1, clock=clock)
    limiter.acquire()
    limiter.pause(3)
    limiter.acquire()
    assert clock.monotonic() >= 3


def test_an_unreachable_host_is_named_with_the_time_spent_and_the_attempts() -> None:
    transport, seen = scripted(httpx.ConnectError)
    clock = FakeClock(NOW)
    with pytest.raises(Unavailable) as info:
        api(transport, clock, policy=RetryPolicy(attempts=3, base=2, cap=30)).request("GET", "/things")
    assert len(seen) == 3
    waited = sum(clock.slept)
    message = str(info.value)
    assert message.startswith("acme: cannot connect to api.example: ConnectError (3 attempts over ")
    assert message.endswith(f"{waited:.1f}s)")


def test_a_status_the_server_answered_is_not_decorated() -> None:
    transport, _seen = scripted(httpx.Response(404))
    with pytest.raises(NotFound) as info:
        api(transport).request("GET", "/things")
    assert "attempt" not in str(info.value)
