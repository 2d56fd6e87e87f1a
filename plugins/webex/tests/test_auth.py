"""A 401 in the middle of a run: the token is refreshed once and the call retried, never in a loop.

Driven through ``ta-delivery apply`` over real HTTP against the spec-validated fake Webex, with an access
token that stops working after a few requests (expired or revoked while the run goes on).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fake_webex import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeWebex
from webex_helpers import REFRESH_ENV, make_context, make_request
from webex_spec import BASE_URL

from ta_delivery.cli import main
from ta_delivery.errors import AuthError
from ta_delivery.testing.loopback import LoopbackServer
from ta_delivery_webex.plugin import make_provider

COURSE = """
[course]
id = "webex-auth"
title = "Trade policy webinars"
timezone = "America/Port_of_Spain"
provider = "webex"
organizer = { name = "Training Institute", email = "training@example.org" }

[[trainers]]
id = "rf"
name = "Roberto F."
email = "rf@example.org"
timezone = "Europe/Zurich"

[[participants]]
id = "jm-01"
name = "Ana Pérez"
email = "ana@example.org"
timezone = "America/Jamaica"

[[sessions]]
id = "s01"
title = "Opening webinar"
start = 2027-09-06T10:00:00
minutes = 120
trainers = ["rf"]

[[sessions]]
id = "s02"
title = "Tariffs"
start = 2027-09-13T10:00:00
minutes = 90
trainers = ["rf"]
"""


@pytest.fixture
def webex(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWebex]:
    """The fake Webex over real HTTP on loopback, with the integration's refresh credentials set."""
    fake = FakeWebex()
    fake.now = datetime(2027, 8, 1, 8, tzinfo=UTC)

    def as_webex(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()[len("/v1") :]
        url = f"{BASE_URL}{path}"  # the fake validates against the spec's server URL
        return fake.handle(
            httpx.Request(request.method, url, headers=request.headers, content=request.content)
        )

    with LoopbackServer(as_webex) as server:
        monkeypatch.setenv("TA_DELIVERY_WEBEX_API_URL", f"{server.url}/v1")
        monkeypatch.setenv("TA_DELIVERY_WEBEX_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("TA_DELIVERY_WEBEX_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("TA_DELIVERY_WEBEX_REFRESH_TOKEN", REFRESH_TOKEN)
        monkeypatch.setenv("TA_DELIVERY_NOW", "2027-08-01T08:00:00Z")
        for var in ("TA_DELIVERY_WEBEX_ACCESS_TOKEN", "TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv("TA_DELIVERY_TRANSPORT", raising=False)
        yield fake


def course_text() -> str:
    return COURSE


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


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
