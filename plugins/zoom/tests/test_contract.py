"""The core's provider contract, run against the Zoom provider on the fake Zoom."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from fake_zoom import ENV, FakeZoom

from ta_delivery.context import RunContext
from ta_delivery.records import Capabilities, Classroom, ClassroomProvider, ClassroomRequest
from ta_delivery.testing.contract import ProviderContract
from ta_delivery_zoom import sansio
from ta_delivery_zoom.plugin import make_provider


class TestZoomContract(ProviderContract):
    capabilities = Capabilities(
        personal_join_links=True, attendance_fetch=True, update_in_place=True, find_by_key=True
    )
    create_route = ("POST", r"/v2/users/[^/]+/meetings$")

    def backend(self) -> httpx.BaseTransport:
        self.server = FakeZoom()
        return self.server.transport()

    def make_provider(self, context: RunContext) -> ClassroomProvider:
        return make_provider(context)

    def settings(self) -> Mapping[str, str]:
        return ENV

    def options(self) -> Mapping[str, Any]:
        return {"waiting_room": True}

    def remote_count(self, key: str) -> int:
        return sum(1 for m in self.server.live() if sansio.has_mark(m["agenda"], key))


class TestZoomWebinarContract(TestZoomContract):
    create_route = ("POST", r"/v2/users/[^/]+/webinars$")

    def options(self) -> Mapping[str, Any]:
        return {"webinar": True}

    def _check_room(self, room: Classroom, request: ClassroomRequest) -> None:
        """A webinar's trainers are panelists: each has a personal link too (the kit allows hosts' links)."""
        super()._check_room(room, request)
        assert {t.id for t in request.hosts} <= set(room.personal_links), "a panelist link for each trainer"
