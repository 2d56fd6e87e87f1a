"""Webex requests and answers as the official contract shapes them, not only as our fake does."""

from __future__ import annotations

import httpx
import pytest
from fake_webex import FakeWebex
from webex_helpers import make_context, make_request
from webex_spec import request_validator

from ta_delivery_webex.plugin import make_provider
from ta_delivery_webex.provider import WebexProvider
from ta_delivery_webex.sansio import next_link


def _provider(server: FakeWebex) -> WebexProvider:
    context, _clock, _state = make_context(server)
    return make_provider(context)


def test_a_relative_next_link_is_followed_on_the_api_host(server: FakeWebex) -> None:
    """RFC 8288 lets a Link target be a relative reference; it is resolved against the page's URL."""
    provider = _provider(server)
    provider.page_size = 1
    for i in range(3):
        provider.create(make_request(key=f"ta-delivery:other/s{i:02d}"))
    room = provider.create(make_request())
    server.next_host = "/v1"  # the fake now answers Link: </v1/meetings?...>; rel="next"
    found = provider.find(make_request())
    assert found is not None and found.external_id == room.external_id


def test_next_link_resolves_a_relative_reference_against_the_page_url() -> None:
    header = '</v1/meetings?cursor=2&max=null>; rel="next"'
    base = "https://api.example/v1/meetings?max=2"
    assert next_link(header, 2, base=base) == "https://api.example/v1/meetings?cursor=2&max=2"
    assert next_link('<https://webexapis.com/v1/x?a=1>; rel="next"', 5, base=base) == (
        "https://webexapis.com/v1/x?a=1"
    )


def test_the_fake_refuses_body_fields_the_spec_does_not_name() -> None:
    """The spec names every field a meeting body may hold: a misspelt one must not pass unnoticed."""
    validate = request_validator()
    if validate is None:
        pytest.skip("../shared is absent")
    body = {"title": "t", "start": "2027-04-05T14:00:00Z", "end": "2027-04-05T16:00:00Z"}
    validate(httpx.Request("POST", "https://webexapis.com/v1/meetings", json=body))
    with pytest.raises(AssertionError, match="enabledAutoRecord"):
        validate(
            httpx.Request(
                "POST", "https://webexapis.com/v1/meetings", json={**body, "enabledAutoRecord": True}
            )
        )
    with pytest.raises(AssertionError, match=r"registration\.autoAccept"):
        validate(
            httpx.Request(
                "POST",
                "https://webexapis.com/v1/meetings",
                json={**body, "registration": {"autoAccept": True}},
            )
        )
