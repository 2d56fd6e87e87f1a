"""``doctor`` with Webex: ``GET /people/me`` on the spec-validated fake; a refused token fails the check
without printing it."""

from __future__ import annotations

from fake_webex import ACCESS_TOKEN, FakeWebex
from webex_helpers import provider_on

from ta_delivery.doctor import SupportsDoctor


def test_doctor_asks_people_me_and_changes_nothing(server: FakeWebex) -> None:
    provider = provider_on(server)
    assert isinstance(provider, SupportsDoctor)
    [check] = provider.doctor()
    assert check.ok, check
    assert "host@example.org" in check.detail
    assert [c for c in server.calls if c[0] != "GET"] == []
    assert ("GET", "/v1/people/me") in server.calls


def test_doctor_fails_a_refused_token_without_showing_it(server: FakeWebex) -> None:
    server.valid_tokens.clear()
    [check] = provider_on(server).doctor()
    assert not check.ok
    assert ACCESS_TOKEN not in check.detail
    assert "people/me" in check.name
