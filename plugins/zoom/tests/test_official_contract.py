"""Requests checked against Zoom's documented contract, not only against our own fake."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs

import attrs
import httpx
import pytest
from fake_zoom import ENV, FakeZoom

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.errors import AuthError
from ta_delivery.models import Participant, Trainer
from ta_delivery.records import ClassroomRequest
from ta_delivery.settings import Secret, Settings
from ta_delivery_zoom.auth import TokenSource
from ta_delivery_zoom.plugin import make_provider
from ta_delivery_zoom.provider import ZoomProvider


def _request() -> ClassroomRequest:
    return ClassroomRequest(
        key="qa2/s01",
        course_id="qa2",
        session_id="s01",
        title="Opening webinar",
        start=datetime(2027, 4, 5, 14, tzinfo=UTC),
        minutes=90,
        timezone="Europe/Zurich",
        description=None,
        hosts=(Trainer(id="rf", name="Roberto F.", email="rf@example.org", timezone="Europe/Zurich"),),
        participants=(Participant(id="p1", name="Ana Pérez", email="ana@example.org", timezone="UTC"),),
        options={},
    )


BASIC = "Basic " + base64.b64encode(b"cid:csecret").decode()


def _token_source(handler: httpx.MockTransport) -> TokenSource:
    return TokenSource(
        client=httpx.Client(transport=handler, base_url="https://zoom.example"),
        account_id="acct-1",
        client_id="cid",
        client_secret=Secret("csecret"),
        oauth_url="https://zoom.example/oauth/token",
        clock=FakeClock(datetime(2027, 8, 1, 8, 0, tzinfo=UTC)),
    )


def _grant(fields: dict[str, str], request: httpx.Request) -> httpx.Response:
    if request.headers.get("Authorization") != BASIC:
        return httpx.Response(
            401, json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
        )
    if fields.get("grant_type") != "account_credentials" or fields.get("account_id") != "acct-1":
        return httpx.Response(400, json={"reason": "Invalid request", "error": "invalid_request"})
    return httpx.Response(200, json={"access_token": "tok-1", "token_type": "bearer", "expires_in": 3599})


def test_token_request_carries_the_grant_as_query_parameters() -> None:
    """Zoom's documented request: POST /oauth/token?grant_type=account_credentials&account_id=..."""

    def query_only(request: httpx.Request) -> httpx.Response:
        return _grant(dict(request.url.params), request)

    assert _token_source(httpx.MockTransport(query_only)).token().reveal() == "tok-1"


def test_token_request_also_carries_the_grant_as_a_form_body() -> None:
    """Zoom also documents the x-www-form-urlencoded body; a server reading only the body is served too."""

    def form_only(request: httpx.Request) -> httpx.Response:
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        fields = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        return _grant(fields, request)

    assert _token_source(httpx.MockTransport(form_only)).token().reveal() == "tok-1"


def test_a_refused_token_request_spends_none_of_the_hosts_daily_budget(
    fake: FakeZoom, clock: FakeClock
) -> None:
    """The daily budget counts creates/updates sent to Zoom; one that never got a token was not sent."""
    settings = Settings({**ENV, "TA_DELIVERY_ZOOM_CLIENT_SECRET": "wrong-secret"})
    provider = make_provider(RunContext(settings=settings, clock=clock, transport=fake.transport()))
    with pytest.raises(AuthError):
        provider.create(_request())
    assert provider.daily_budget()[ENV["TA_DELIVERY_ZOOM_USER"]] == 100


def _stored_webinar(fake: FakeZoom, number: int, agenda: str) -> None:
    mid = str(82000000000 + number)
    fake.meetings[mid] = {
        "id": mid,
        "uuid": f"w{mid}==",
        "kind": "webinar",
        "host": ENV["TA_DELIVERY_ZOOM_USER"],
        "topic": f"Webinar {number}",
        "type": 5,
        "start_time": "2027-04-05T14:00:00Z",
        "duration": 60,
        "timezone": "UTC",
        "agenda": agenda,
        "settings": {},
    }


@pytest.mark.parametrize("page_count", [True, False])
def test_the_webinar_list_is_read_past_its_first_page_with_or_without_page_count(
    fake: FakeZoom, provider: ZoomProvider, page_count: bool
) -> None:
    """``page_count`` is optional in the webinar list's schema: a full page means there may be more."""
    fake.webinar_page_count = page_count
    for n in range(300):
        _stored_webinar(fake, n, "another course [ta-delivery:other/x]")
    _stored_webinar(fake, 300, "[ta-delivery:qa2/s01]")
    found = provider.find(attrs.evolve(_request(), options={"webinar": True, "registration": False}))
    assert found is not None and found.external_id == "82000000300"
