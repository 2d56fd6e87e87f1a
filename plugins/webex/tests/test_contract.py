"""The provider contract kit, run against the Webex provider on the fake server (three set-ups)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fake_webex import FakeWebex
from webex_helpers import BEARER_ENV, REFRESH_ENV, device

from ta_delivery.context import RunContext
from ta_delivery.models import Course
from ta_delivery.records import Classroom, ClassroomProvider, ClassroomRequest
from ta_delivery.testing.contract import ImportFormatContract, ProviderContract
from ta_delivery.testing.courses import live, make_course
from ta_delivery_webex.plugin import make_provider
from ta_delivery_webex.sansio import tag_of


class _WebexContract(ProviderContract):
    provider_name = "webex"
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

    def attend(self, classroom: Classroom, request: ClassroomRequest) -> None:
        """The meeting ended: two participants joined, the first twice (two devices)."""
        first, second = request.participants[:2]

        self.server.end_meeting(
            classroom.external_id,
            [
                {
                    "id": "a1",
                    "email": first.email,
                    "displayName": first.name,
                    "devices": [
                        device("2027-04-05T14:00:00Z", "2027-04-05T14:30:00Z", "d1"),
                        device("2027-04-05T14:40:00Z", "2027-04-05T16:00:00Z", "d2"),
                    ],
                },
                {
                    "id": "a2",
                    "email": second.email,
                    "displayName": second.name,
                    "devices": [device("2027-04-05T14:05:00Z", "2027-04-05T15:55:00Z", "d3")],
                },
            ],
        )


class TestWebexBearerContract(_WebexContract):
    """A fixed access token; participants as invitees."""


class TestWebexRefreshContract(_WebexContract):
    """The integration's refresh flow; the token request is part of every fault scenario."""

    env = REFRESH_ENV


class TestWebexRegistrationContract(_WebexContract):
    """Registration on: participants are registrants."""

    def options(self) -> Mapping[str, Any]:
        return {"registration": True}


class TestWebexCsvContract(ImportFormatContract):
    """The webex-csv import format: the attendee report export."""

    format_name = "webex-csv"

    def course(self) -> Course:
        start = datetime(2027, 4, 5, 14, tzinfo=UTC)
        return make_course(
            id="c1",
            title="Course",
            timezone="America/New_York",
            trainers=(),
            participants=(),
            sessions=(live("s01", start, title="Trade policy", trainers=()),),
        )

    def sample(self) -> bytes:
        heading = "Meeting Number,Meeting Topic,Name,Email,Join Time,Leave Time,Duration"
        rows = [
            "123456789,Trade policy,Ana Pérez,ana@example.org,04/05/2027 10:00:00 AM,04/05/2027 11:30 AM,91",
            "123456789,Trade policy,Call-in User_1,,04/05/2027 10:05 AM,04/05/2027 10:20 AM,15",
        ]
        return ("\r\n".join([heading, *rows]) + "\r\n").encode("utf-16")

    def session_id(self) -> str | None:
        return "s01"

    def timezone(self) -> ZoneInfo | None:
        return ZoneInfo("America/New_York")
