"""Zoom attendance reports: segments from the participants report of every instance of a meeting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fake_zoom import FakeZoom
from zoom_helpers import make_request, report_row

from ta_delivery_zoom import sansio
from ta_delivery_zoom.provider import ZoomProvider


def test_attendance_reads_every_instance_and_page(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request()
    room = provider.create(request)
    mid = room.external_id
    reg = {pid: r["id"] for pid, r in room.data["registrants"].items()}
    odd = "/ab//cd+ef=="
    fake.instances[mid] = [
        {"uuid": "plainUUID==", "start_time": "2027-04-05T14:00:00Z"},
        {"uuid": odd, "start_time": "2027-04-05T16:00:00Z"},
    ]
    fake.reports["plainUUID=="] = [
        report_row(user_id=str(i), registrant_id=reg["p1"], user_email="other@x.org") for i in range(7)
    ] + [report_row(user_email="P2@example.org", user_id="99"), report_row(status="in_waiting_room")]
    fake.reports[odd] = [
        report_row(user_id="a", registrant_id=reg["p3"], leave_time=None),
        report_row(
            user_id="b", name="Walk In", join_time="2027-04-05T16:00:00Z", leave_time="2027-04-05T16:30:00Z"
        ),
    ]
    fake.page_size_cap = 3
    segments = list(provider.fetch_attendance(room, request))
    assert len(segments) == 9
    by_person = [s for s in segments if s.person_id == "p1"]
    assert len(by_person) == 7  # registrant id wins over a different email
    assert any(s.person_id is None and s.email == "P2@example.org" for s in segments)
    assert any(s.name == "Walk In" for s in segments)
    assert all(s.session_id == "s01" for s in segments)
    assert len({s.raw_key for s in segments}) == len(segments)
    assert list(provider.fetch_attendance(room, request)) == segments  # stable keys


def test_a_guest_who_rejoins_is_one_identity_not_one_per_join(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request(participants=())
    room = provider.create(request)
    fake.reports[room.external_id] = [
        report_row(user_id="16778240", name="Guest 1"),
        report_row(user_id="16779264", name="Guest 1", join_time="2027-04-05T14:40:00Z"),
        report_row(id="zoomUserUuid", user_id="16780288", name="Logged In"),
    ]
    segments = list(provider.fetch_attendance(room, request))
    assert [s.external_id for s in segments] == [None, None, "zoomUserUuid"]
    assert {s.name for s in segments[:2]} == {"Guest 1"}
    assert len({s.raw_key for s in segments}) == 3, "each join is still its own segment"


def test_attendance_without_instances_uses_the_meeting_id(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request(participants=())
    room = provider.create(request)
    assert list(provider.fetch_attendance(room, request)) == []
    fake.reports[room.external_id] = [report_row()]
    assert len(list(provider.fetch_attendance(room, request))) == 1


def test_report_sample_maps(provider: ZoomProvider, fake: FakeZoom, shared: Any) -> None:
    import json

    sample = json.loads(
        (shared / "samples/api/zoom/rest_zoomnet/report_meetings_participants_GET.json").read_text()
    )
    segments = list(
        sansio.segments_from_report(
            sample["participants"],
            session_id="s1",
            instance="u",
            registrants={"abcdefghij0-klmnopq23456": "p9"},
        )
    )
    assert [s.person_id for s in segments] == ["p9"]
    assert segments[0].email == "jchill@example.com"
    assert segments[0].leave - segments[0].join == timedelta(minutes=4, seconds=19)
