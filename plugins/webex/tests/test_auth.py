"""A 401 in the middle of a run: the token is refreshed once and the call retried, never in a loop.

Driven through ``ta-delivery apply`` over real HTTP against the spec-validated fake Webex, with an access
token that stops working after a few requests (expired or revoked while the run goes on).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fake_webex import ACCESS_TOKEN, FakeWebex
from webex_helpers import REFRESH_ENV, cli_course, make_context, make_request

from ta_delivery.errors import AuthError
from ta_delivery.testing.cli import run
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
