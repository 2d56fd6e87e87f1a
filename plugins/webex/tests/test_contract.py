"""The provider contract kit, run against the Webex provider on the fake server (three set-ups)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from fake_webex import FakeWebex
from webex_helpers import BEARER_ENV, REFRESH_ENV

from ta_delivery.context import RunContext
from ta_delivery.records import ClassroomProvider
from ta_delivery.testing.contract import ProviderContract
from ta_delivery_webex.plugin import CAPABILITIES, make_provider
from ta_delivery_webex.sansio import tag_of


class _WebexContract(ProviderContract):
    capabilities = CAPABILITIES
    create_route = ("POST", r"/v1/meetings$")
    env: Mapping[str, str] = BEARER_ENV

    def backend(self) -> httpx.BaseTransport:
        self.server = FakeWebex()
        return self.server.transport()

    def make_provider(self, context: RunContext) -> ClassroomProvider:
        return make_provider(context)

    def settings(self) -> Mapping[str, str]:
        return dict(self.env)

    def remote_count(self, key: str) -> int:
        return self.server.count(tag_of(key))


class TestWebexBearerContract(_WebexContract):
    """A fixed access token; participants as invitees."""


class TestWebexRefreshContract(_WebexContract):
    """The integration's refresh flow; the token request is part of every fault scenario."""

    env = REFRESH_ENV


class TestWebexRegistrationContract(_WebexContract):
    """Registration on: participants are registrants."""

    def options(self) -> Mapping[str, Any]:
        return {"registration": True}
