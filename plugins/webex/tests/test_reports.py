"""Webex attendance: the device segments of every ended instance of a meeting series, across pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fake_webex import FakeWebex
from webex_helpers import device, make_request, provider_on

from ta_delivery.errors import BadResponse

_device = device


def test_attendance_segments_every_device_across_pages_and_instances(server: FakeWebex) -> None:
    provider = provider_on(server)
    provider.page_size = 1
    request = make_request()
    room = provider.create(request)
    server.end_meeting(
        room.external_id,
        [
            {
                "id": "a1",
                "email": "p1@example.org",
                "displayName": "Ana 1",
                "devices": [
                    _device("2027-04-05T14:00:00Z", "2027-04-05T14:30:00Z", "d1"),
                    _device("2027-04-05T14:40:00Z", "2027-04-05T16:00:00Z", "d2"),
                ],
            },
            {
                "id": "g1",
                "email": "guest@elsewhere.org",
                "displayName": "Guest",
                "joinedTime": "2027-04-05T14:10:00Z",
                "leftTime": "2027-04-05T14:20:00Z",
            },
        ],
    )
    server.end_meeting(
        room.external_id,
        [
            {
                "id": "a2",
                "email": "P2@EXAMPLE.ORG",
                "displayName": "Ana 2",
                "devices": [_device("2027-04-05T15:00:00+01:00", "2027-04-05T15:50:00+01:00", "d3")],
            }
        ],
        offset_minutes=60,
    )
    segments = list(provider.fetch_attendance(room, request))
    assert len(segments) == 4
    by_person = sorted((s.person_id or "", s.join) for s in segments)
    assert by_person[0] == ("", datetime(2027, 4, 5, 14, 10, tzinfo=UTC))
    p1 = sorted((s for s in segments if s.person_id == "p1"), key=lambda s: s.join)
    assert [(s.join.hour, s.join.minute, s.leave.hour, s.leave.minute) for s in p1] == [
        (14, 0, 14, 30),
        (14, 40, 16, 0),
    ]
    p2 = next(s for s in segments if s.person_id == "p2")
    assert p2.join == datetime(2027, 4, 5, 14, tzinfo=UTC)
    assert len({s.raw_key for s in segments}) == 4
    again = list(provider.fetch_attendance(room, request))
    assert {s.raw_key for s in again} == {s.raw_key for s in segments}
    participant_calls = [c for c in server.calls if c[1] == "/v1/meetingParticipants"]
    assert len(participant_calls) >= 3


def test_attendance_rejects_a_participant_leaving_before_joining(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    server.end_meeting(
        room.external_id,
        [
            {
                "id": "x",
                "email": "p1@example.org",
                "devices": [_device("2027-04-05T15:00:00Z", "2027-04-05T14:00:00Z", "d")],
            }
        ],
    )
    with pytest.raises(BadResponse):
        list(provider.fetch_attendance(room, request))
