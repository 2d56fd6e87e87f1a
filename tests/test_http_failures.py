"""Every httpx failure leaves HttpApi as one of our ProviderErrors (which apply reports per item),
never as a raw httpx exception that aborts the run with a traceback, and never with the URL's query."""

from __future__ import annotations

import httpx
import pytest

from ta_delivery.errors import BadResponse, ProviderError, Unavailable
from ta_delivery.http import HttpApi, RetryPolicy


def _api(handler: object) -> HttpApi:
    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.example.org")  # type: ignore[arg-type]
    return HttpApi(client, "demo", policy=RetryPolicy(attempts=1))


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ProxyError("proxy refused https://api.example.org/a?token=SECRET-QUERY"),
        httpx.UnsupportedProtocol("https://api.example.org/a?token=SECRET-QUERY"),
        httpx.LocalProtocolError("bad request line ?token=SECRET-QUERY"),
        httpx.InvalidURL("https://api.example.org/a?token=SECRET-QUERY"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_httpx_failures_become_provider_errors_without_the_url(failure: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(ProviderError) as caught:
        _api(handler).request("GET", "/a", params={"token": "SECRET-QUERY"})
    assert isinstance(caught.value, Unavailable)
    assert "SECRET-QUERY" not in str(caught.value)


def test_an_undecodable_body_is_a_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"garbage"))

    with pytest.raises(BadResponse):
        _api(handler).request("GET", "/a")
