"""No credential reaches a user's screen, a log line or the store, even when a server echoes
the request back in its error answer (as proxies and debug builds do)."""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.http import HttpApi, error_for
from ta_delivery.testing.courses import course_toml, person, session
from ta_delivery.testing.loopback import LoopbackServer

ZOOM_SECRET = "zoom-secret-Q1w2E3r4"
WEBEX_ACCESS = "webex-access-T5y6U7i8"
WEBEX_SECRET = "webex-client-secret+/O9p0"
WEBEX_REFRESH = "webex-refresh-A1s2D3f4"
MOODLE_TOKEN = "moodle-token-G5h6J7k8"
SECRETS = (ZOOM_SECRET, WEBEX_ACCESS, WEBEX_SECRET, WEBEX_REFRESH, MOODLE_TOKEN)
ZOOM_BASIC = base64.b64encode(f"zoom-client:{ZOOM_SECRET}".encode()).decode()


def course_text(provider: str, lms: str) -> str:
    return course_toml(
        id="leak-test",
        title="Leak test",
        timezone="Europe/Zurich",
        provider=provider,
        participants=[person("p1", "Ana", "ana@example.org", "Europe/Zurich")],
        sessions=[session("s01", "2027-09-06T10:00:00", 60, title="Opening")],
        extra=lms,
    )


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def _leaks(text: str) -> list[str]:
    found = [s for s in SECRETS for form in _forms(s) if form in text]
    if ZOOM_BASIC in text:
        found.append("zoom basic credentials")
    return found


def _echo_plain(status: int) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        body = request.content.decode("latin-1")
        auth = request.headers.get("Authorization", "")
        return httpx.Response(status, text=f"bad request: {body} {auth} {request.url}")

    return handle


def _echo_json(status: int) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization", "")
        message = f"{auth} {request.content.decode('latin-1')} {request.url}"
        return httpx.Response(status, json={"message": message})

    return handle


def _env(which: str, url: str) -> tuple[dict[str, str], str, str]:
    env = {"TA_DELIVERY_NOW": "2027-08-01T08:00:00Z", "TA_DELIVERY_TRANSPORT": "", "TA_DELIVERY_STATE": ""}
    lms = ""
    provider = which
    if which == "zoom":
        env |= {
            "TA_DELIVERY_ZOOM_ACCOUNT_ID": "zoom-account",
            "TA_DELIVERY_ZOOM_CLIENT_ID": "zoom-client",
            "TA_DELIVERY_ZOOM_CLIENT_SECRET": ZOOM_SECRET,
            "TA_DELIVERY_ZOOM_API_URL": url + "/v2",
            "TA_DELIVERY_ZOOM_OAUTH_URL": url + "/oauth/token",
        }
    elif which == "webex-refresh":
        provider = "webex"
        env |= {
            "TA_DELIVERY_WEBEX_CLIENT_ID": "webex-client",
            "TA_DELIVERY_WEBEX_CLIENT_SECRET": WEBEX_SECRET,
            "TA_DELIVERY_WEBEX_REFRESH_TOKEN": WEBEX_REFRESH,
            "TA_DELIVERY_WEBEX_API_URL": url + "/v1",
        }
    elif which == "webex":
        env |= {"TA_DELIVERY_WEBEX_ACCESS_TOKEN": WEBEX_ACCESS, "TA_DELIVERY_WEBEX_API_URL": url + "/v1"}
    else:
        provider = "jitsi"
        lms = '[lms]\nprovider = "moodle"\ncourse = "c1"\nattendance = true\n'
        env |= {
            "TA_DELIVERY_MOODLE_URL": url + "/",
            "TA_DELIVERY_MOODLE_TOKEN": MOODLE_TOKEN,
            "TA_DELIVERY_MOODLE_CATEGORY_ID": "7",
        }
    return env, provider, lms


@pytest.mark.parametrize("echo", [_echo_plain, _echo_json], ids=["plain", "json"])
@pytest.mark.parametrize("status", [401, 500])
@pytest.mark.parametrize("which", ["zoom", "webex", "webex-refresh", "moodle"])
def test_no_secret_in_output_logs_or_store_when_a_server_echoes_the_request(
    which: str,
    status: int,
    echo: Callable[[int], Callable[[httpx.Request], httpx.Response]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with LoopbackServer(echo(status)) as server:
        env, provider, lms = _env(which, server.url)
        course = tmp_path / "course.toml"
        course.write_text(course_text(provider, lms), encoding="utf-8")
        for command in (["plan"], ["plan", "--json"], ["apply"], ["apply", "--json"]):
            result = CliRunner().invoke(main, [*command, str(course)], env=env)
            shown = result.output
            if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
                shown += "".join(traceback.format_exception(result.exc_info[1]))
            assert not _leaks(shown), (command, shown)
    assert not _leaks(caplog.text)
    for path in (tmp_path / ".ta-delivery").rglob("*"):
        if path.is_file():
            assert not _leaks(path.read_bytes().decode("latin-1")), path


def test_error_for_masks_credentials_the_request_carried() -> None:
    request = httpx.Request(
        "POST",
        f"https://api.example.org/x?access_token={quote(WEBEX_ACCESS)}",
        headers={"Authorization": f"Bearer {WEBEX_SECRET}"},
        data={"client_secret": WEBEX_SECRET, "refresh_token": WEBEX_REFRESH, "wstoken": MOODLE_TOKEN},
    )
    echoed = f"{request.url} {request.headers['Authorization']} {request.content.decode()}"
    for body in ({"text": echoed}, {"json": {"error_description": echoed}}):
        response = httpx.Response(500, request=request, **body)
        error = error_for(response, "demo")
        assert error is not None
        assert not _leaks(str(error)), str(error)
        assert not _leaks(repr(error))


def test_a_truncated_echo_leaks_no_part_of_a_secret() -> None:
    """The message is cut after masking, so no prefix of a secret survives the cut."""
    secret = "S" * 40
    for pad in range(170, 200):
        request = httpx.Request("GET", "https://x.example/", headers={"Authorization": f"Bearer {secret}"})
        response = httpx.Response(500, request=request, text="x" * pad + "Bearer " + secret)
        error = error_for(response, "demo")
        assert error is not None
        assert "SSSS" not in str(error)


def test_retry_log_line_masks_a_token_in_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    calls = iter([httpx.Response(503), httpx.Response(200, json={})])
    client = httpx.Client(transport=httpx.MockTransport(lambda request: next(calls)))

    class NoSleep:
        def now(self):  # type: ignore[no-untyped-def]
            from datetime import UTC, datetime

            return datetime(2027, 1, 1, tzinfo=UTC)

        def monotonic(self) -> float:
            return 0.0

        def sleep(self, seconds: float) -> None:
            return None

    api = HttpApi(client, "demo", clock=NoSleep())
    api.request("GET", f"https://x.example/feed?token={MOODLE_TOKEN}&page=2")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("ta_delivery"))
    assert "retry 1" in ours
    assert "page=2" in ours  # the line is still useful, only masked
    assert not _leaks(ours), ours
