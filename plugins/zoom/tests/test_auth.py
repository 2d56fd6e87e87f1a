"""Zoom's Server-to-Server OAuth tokens: cached, renewed once on 401 code 124, one fetch at a time."""

from __future__ import annotations

import threading

import httpx
import pytest
from fake_zoom import ENV, FakeZoom, Fault
from zoom_helpers import make_request

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.errors import AuthError, InputError
from ta_delivery.settings import Settings
from ta_delivery_zoom.plugin import make_provider
from ta_delivery_zoom.provider import ZoomProvider


def test_token_is_cached_then_renewed_before_expiry(
    provider: ZoomProvider, fake: FakeZoom, clock: FakeClock
) -> None:
    provider.create(make_request())
    provider.create(make_request(key="c/s2"))
    assert len(fake.token_requests) == 1
    clock.advance(3600 - 200)  # inside the renewal margin
    provider.create(make_request(key="c/s3"))
    assert len(fake.token_requests) == 2


def test_expired_token_is_refreshed_once_on_124(provider: ZoomProvider, fake: FakeZoom) -> None:
    provider.create(make_request())
    fake.expire_tokens()
    provider.create(make_request(key="c/s2"))
    assert len(fake.token_requests) == 2


def test_persistent_124_gives_up_after_one_refresh(provider: ZoomProvider, fake: FakeZoom) -> None:
    expired = httpx.Response(401, json={"code": 124, "message": "Invalid access token."})
    fake.faults.append(Fault("POST", "/meetings", response=expired, times=5))
    with pytest.raises(AuthError):
        provider.create(make_request())
    assert len(fake.token_requests) == 2
    assert fake.live() == []


def test_other_401_is_not_retried(provider: ZoomProvider, fake: FakeZoom) -> None:
    denied = httpx.Response(
        401, json={"code": 4711, "message": "Invalid access token, does not contain scopes."}
    )
    fake.faults.append(Fault("POST", "/meetings", response=denied, times=5))
    with pytest.raises(AuthError):
        provider.create(make_request())
    assert len(fake.token_requests) == 1


def test_wrong_credentials_are_an_auth_error_without_the_secret(context: RunContext) -> None:
    env = {**ENV, "TA_DELIVERY_ZOOM_CLIENT_SECRET": "wrong-secret-value"}
    context.settings = Settings(env)
    provider = make_provider(context)
    with pytest.raises(AuthError) as info:
        provider.create(make_request())
    assert "wrong-secret-value" not in str(info.value)
    assert "wrong-secret-value" not in repr(info.value)


def test_missing_settings_are_named(context: RunContext) -> None:
    context.settings = Settings({"TA_DELIVERY_ZOOM_ACCOUNT_ID": "a"})
    with pytest.raises(InputError, match="TA_DELIVERY_ZOOM_CLIENT_ID, TA_DELIVERY_ZOOM_CLIENT_SECRET"):
        make_provider(context)


def test_token_is_fetched_by_one_caller_at_a_time(fake: FakeZoom, clock: FakeClock) -> None:
    """Twenty threads ask at once; Zoom sees exactly one token request."""
    gate = threading.Event()
    real = fake.handle

    def slow(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            gate.wait(0.2)
        return real(request)

    context = RunContext(settings=Settings(dict(ENV)), clock=clock, transport=httpx.MockTransport(slow))
    provider = make_provider(context)
    tokens: list[str] = []
    threads = [
        threading.Thread(target=lambda: tokens.append(provider.tokens.token().reveal())) for _ in range(20)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(fake.token_requests) == 1
    assert len(set(tokens)) == 1
