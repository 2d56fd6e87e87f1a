"""The core's provider contract, run against the Zoom provider on the fake Zoom."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fake_zoom import ENV, FakeZoom

from ta_delivery.context import RunContext
from ta_delivery.models import Course
from ta_delivery.records import Classroom, ClassroomProvider, ClassroomRequest
from ta_delivery.testing.contract import ImportFormatContract, ProviderContract
from ta_delivery.testing.courses import live, make_course
from ta_delivery_zoom import sansio
from ta_delivery_zoom.plugin import make_provider


class TestZoomContract(ProviderContract):
    provider_name = "zoom"
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

    def attend(self, classroom: Classroom, request: ClassroomRequest) -> None:
        """The session ran: the first participant joined by registrant link, the second by email."""
        registrants = {pid: r["id"] for pid, r in classroom.data.get("registrants", {}).items()}
        first, second = request.participants[:2]
        uuid = f"contract{classroom.external_id}=="
        self.server.instances[classroom.external_id] = [{"uuid": uuid, "start_time": "2027-04-05T14:00:00Z"}]
        row = {"id": "", "name": "Guest", "user_email": "", "duration": 3480, "status": "in_meeting"}
        self.server.reports[uuid] = [
            {
                **row,
                "user_id": "1",
                "name": first.name,
                "registrant_id": registrants.get(first.id, ""),
                "join_time": "2027-04-05T14:02:00Z",
                "leave_time": "2027-04-05T15:00:00Z",
            },
            {
                **row,
                "user_id": "2",
                "name": second.name,
                "user_email": second.email,
                "join_time": "2027-04-05T14:05:00Z",
                "leave_time": "2027-04-05T16:00:00Z",
            },
        ]


class TestZoomWebinarContract(TestZoomContract):
    create_route = ("POST", r"/v2/users/[^/]+/webinars$")

    def options(self) -> Mapping[str, Any]:
        return {"webinar": True}

    def _check_room(self, room: Classroom, request: ClassroomRequest) -> None:
        """A webinar's trainers are panelists: each has a personal link too (the kit allows hosts' links)."""
        super()._check_room(room, request)
        assert {t.id for t in request.hosts} <= set(room.personal_links), "a panelist link for each trainer"


class TestZoomCsvContract(ImportFormatContract):
    """The zoom-csv import format: the portal's participants export."""

    format_name = "zoom-csv"

    def course(self) -> Course:
        start = datetime(2020, 8, 10, 14, tzinfo=UTC)
        return make_course(
            id="c1",
            title="C",
            timezone="UTC",
            trainers=(),
            participants=(),
            sessions=(live("s01", start, title="Opening", trainers=()),),
        )

    def sample(self) -> bytes:
        return (
            "\ufeffMeeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
            "81234567890,Opening,08/10/2020 09:55:00 AM,08/10/2020 12:00:00 PM,host@example.org,125,3\n"
            "\n"
            "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,In Waiting Room\n"
            "Ana Pérez,ana@example.org,08/10/2020 10:02:14 AM,08/10/2020 11:00:00 AM,58,No,No\n"
            '"Guest, One",,08/10/2020 10:00:00 AM,08/10/2020 10:30:00 AM,30,Yes,No\n'
        ).encode()

    def session_id(self) -> str | None:
        return "s01"

    def timezone(self) -> ZoneInfo | None:
        return ZoneInfo("America/Port_of_Spain")
