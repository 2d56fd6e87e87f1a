"""Webex tokens: a 401 refreshes the token once and retries the call, never in a loop; the refresh token
rotates and only the newest is kept; missing credentials are an input error.

The first tests drive ``ta-delivery apply`` over real HTTP against the spec-validated fake Webex, with an
access token that stops working after a few requests (expired or revoked while the run goes on); the
others call the provider directly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fake_webex import ACCESS_TOKEN, REFRESH_TOKEN, FakeWebex
from webex_helpers import REFRESH_ENV, cli_course, make_context, make_request, provider_on

from ta_delivery.errors import AuthError, InputError
from ta_delivery.testing.cli import run
from ta_delivery.testing.faults import Fault, FaultyTransport
from ta_delivery_webex.auth import STATE_KEY, lineage, stored_refresh_token
from ta_delivery_webex.plugin import make_provider


def course_text() -> str:
    return cli_course(id="webex-auth")


def _expire_after(fake: FakeWebex, requests: int, then: Callable[[], None]) -> None:
    """Make ``then`` happen once, after ``requests`` requests to the API."""
    original = fake.handle
    seen = {"n": 0}

    def handle(request: httpx.Request) -> httpx.Response:
        seen["n"] += 1
        if seen["n"] == requests:
            then()
        return original(request)

    fake.handle = handle  # type: ignore[method-assign]


@pytest.mark.parametrize("with_access_token", [True, False], ids=["token-and-refresh", "refresh-only"])
def test_a_401_mid_run_refreshes_once_and_the_run_succeeds(
    webex: FakeWebex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    with_access_token: bool,
) -> None:
    if with_access_token:
        monkeypatch.setenv("TA_DELIVERY_WEBEX_ACCESS_TOKEN", ACCESS_TOKEN)
    course = tmp_path / "course.toml"
    course.write_text(course_text(), encoding="utf-8")
    _expire_after(webex, 6, webex.expire_access_tokens)
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, out + err
    assert all(item["ok"] for item in json.loads(out)["items"])
    assert len(webex.meetings) == 2
    assert webex.token_grants == (1 if with_access_token else 2)


def test_a_refreshed_token_refused_too_stops_without_looping(
    webex: FakeWebex,
    tmp_path: Path,
) -> None:
    course = tmp_path / "course.toml"
    course.write_text(course_text(), encoding="utf-8")

    class Refusing(set[str]):
        def add(self, token: str) -> None:  # tokens granted from now on are refused too
            return None

    def revoke_everything() -> None:
        webex.valid_tokens = Refusing()

    _expire_after(webex, 3, revoke_everything)
    code, out, err = run("apply", str(course), "--json")
    assert code == 1, out + err
    failed = [item for item in json.loads(out)["items"] if not item["ok"]]
    assert failed and all("401" in item["error"] for item in failed)
    assert webex.token_grants <= 2, "one refresh for the run, not one per call"


def test_a_refused_fresh_token_is_not_refreshed_again_by_later_calls(server: FakeWebex) -> None:
    context, _clock, _state = make_context(server, REFRESH_ENV)
    provider = make_provider(context)
    provider.find(make_request())
    assert server.token_grants == 1
    grant = server._token  # type: ignore[attr-defined]

    def grant_refused(request: httpx.Request) -> httpx.Response:
        response = grant(request)
        server.valid_tokens.clear()  # the new token is refused at once
        return response

    server._token = grant_refused  # type: ignore[attr-defined]
    server.expire_access_tokens()
    for _ in range(3):
        with pytest.raises(AuthError):
            provider.find(make_request())
    assert server.token_grants == 2


def test_refresh_flow_keeps_only_the_rotated_refresh_token(server: FakeWebex) -> None:
    context, _clock, state = make_context(server, REFRESH_ENV)
    provider = make_provider(context)
    provider.create(make_request())
    assert server.token_grants == 1
    stored = stored_refresh_token(state)
    assert stored and stored != REFRESH_TOKEN and stored in server.refresh_tokens
    assert set(state.values) == {STATE_KEY}
    # a later run starts from the stored (rotated) token: the configured one no longer works
    second = make_provider(make_context_with_state(server, state))
    second.find(make_request())
    assert server.token_grants == 2


def make_context_with_state(server: FakeWebex, state: object) -> object:
    context, _clock, _state = make_context(server, REFRESH_ENV)
    context.states = {"webex": state}  # type: ignore[dict-item]
    return context


def test_401_triggers_exactly_one_refresh_and_one_retry(server: FakeWebex) -> None:
    context, _clock, _state = make_context(server, REFRESH_ENV)
    provider = make_provider(context)
    provider.create(make_request())
    server.expire_access_tokens()
    before = len(server.calls)
    assert provider.find(make_request()) is not None
    assert server.token_grants == 2
    calls = server.calls[before:]
    assert calls[0] == ("GET", "/v1/meetings") and calls[1] == ("POST", "/v1/access_token")


def test_401_after_refresh_is_auth_error_without_a_loop(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, REFRESH_ENV, transport=transport)
    provider = make_provider(context)
    provider.find(make_request())
    transport.inject(Fault("status", status=401, method="GET", times=None))
    before = server.token_grants
    with pytest.raises(AuthError):
        provider.find(make_request())
    assert server.token_grants == before + 1


def test_bearer_401_is_auth_error(server: FakeWebex) -> None:
    provider = provider_on(server, {"TA_DELIVERY_WEBEX_ACCESS_TOKEN": "wrong-token-123456"})
    with pytest.raises(AuthError):
        provider.create(make_request())


def test_refused_stored_token_falls_back_to_the_configured_one(server: FakeWebex) -> None:
    context, _clock, state = make_context(server, REFRESH_ENV)
    state.put(STATE_KEY, f"{lineage(REFRESH_TOKEN)}:an-old-revoked-refresh-token")
    provider = make_provider(context)
    assert provider.find(make_request()) is None
    assert stored_refresh_token(state) in server.refresh_tokens


def test_a_newly_configured_refresh_token_wins_over_the_stored_one(server: FakeWebex) -> None:
    context, _clock, state = make_context(server, REFRESH_ENV)
    make_provider(context).find(make_request())
    old_lineage = stored_refresh_token(state)
    assert old_lineage in server.refresh_tokens
    server.refresh_tokens.add("webex-refresh-of-another-host")
    env = {**REFRESH_ENV, "TA_DELIVERY_WEBEX_REFRESH_TOKEN": "webex-refresh-of-another-host"}
    context2, _clock2, _state2 = make_context(server, env)
    context2.states = {"webex": state}
    make_provider(context2).find(make_request())
    now = stored_refresh_token(state)
    assert now != old_lineage and now in server.refresh_tokens
    assert (state.get(STATE_KEY) or "").startswith(lineage("webex-refresh-of-another-host") + ":")
    assert old_lineage in server.refresh_tokens  # the old lineage was not used (it would have rotated)


def test_missing_credentials_are_an_input_error(server: FakeWebex) -> None:
    with pytest.raises(InputError) as info:
        provider_on(server, {})
    assert info.value.source == "TA_DELIVERY_WEBEX_ACCESS_TOKEN"
