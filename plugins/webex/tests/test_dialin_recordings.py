"""Webex's call-in numbers on the classroom, and the recording of an ended meeting, against the
spec-validated fake Webex."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fake_webex import FakeWebex
from webex_helpers import make_request, provider_on
from webex_spec import SPEC_NAME, shared_dir

from ta_delivery.records import Recording


def test_a_created_meeting_carries_its_call_in_numbers(server: FakeWebex) -> None:
    provider = provider_on(server)
    room = provider.create(make_request())
    meeting = server.meetings[room.external_id]
    if "telephony" not in meeting:  # the fake takes telephony from the spec's example
        meeting_has_numbers = False
    else:
        meeting_has_numbers = True
        assert room.dial_in is not None
        assert room.dial_in.meeting_number == meeting["telephony"]["accessCode"]
        assert room.dial_in.numbers[0].number == meeting["telephony"]["callInNumbers"][0]["callInNumber"]
    assert meeting_has_numbers == (room.dial_in is not None)


def test_recording_is_the_newest_available_one(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    assert provider.find_recording(room, request) is None
    series = room.data["meeting_id"]
    server.recordings += [
        {
            "id": "r1",
            "meetingId": series,
            "status": "available",
            "timeRecorded": "2027-04-05T14:00:00Z",
            "playbackUrl": "https://example.webex.com/recordingservice/sites/example/recording/playback/r1",
            "password": "Old1",
        },
        {
            "id": "r2",
            "meetingId": series,
            "status": "available",
            "timeRecorded": "2027-04-05T15:00:00Z",
            "playbackUrl": "https://example.webex.com/recordingservice/sites/example/recording/playback/r2",
            "password": "New2",
        },
        {
            "id": "r3",
            "meetingId": series,
            "status": "deleted",
            "timeRecorded": "2027-04-05T16:00:00Z",
            "playbackUrl": "https://example.webex.com/x/r3",
        },
        {
            "id": "r4",
            "meetingId": "another",
            "status": "available",
            "timeRecorded": "2027-04-06T16:00:00Z",
            "playbackUrl": "https://example.webex.com/x/r4",
        },
    ]
    found = provider.find_recording(room, request)
    assert found == Recording(
        "https://example.webex.com/recordingservice/sites/example/recording/playback/r2", "New2"
    )
    assert "New2" not in repr(found)


def _properties(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _properties(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    out: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        out.update(_properties(spec, part))
    out.update(schema.get("properties", {}))
    return out


def test_the_fields_read_are_webexs_documented_fields() -> None:
    """Dial-in: a meeting's ``telephony`` (``accessCode``, ``callInNumbers[]`` label, callInNumber, tollType)
    and ``phoneAndVideoSystemPassword``; recordings: ``playbackUrl``, ``password``, ``status``,
    ``timeRecorded`` and ``meetingId`` of ``GET /recordings`` items."""
    shared = shared_dir()
    if shared is None:
        pytest.skip("../shared is absent")
    spec = json.loads((shared / "specs" / SPEC_NAME).read_text())
    series = _properties(spec, spec["components"]["schemas"]["MeetingSeriesObject"])
    assert "phoneAndVideoSystemPassword" in series
    telephony = _properties(spec, series["telephony"])
    assert {"accessCode", "callInNumbers"} <= set(telephony)
    numbers = _properties(spec, telephony["callInNumbers"]["items"])
    assert {"label", "callInNumber", "tollType"} <= set(numbers)
    assert set(numbers["tollType"]["enum"]) == {"toll", "tollFree"}
    recording = _properties(spec, spec["components"]["schemas"]["RecordingObject"])
    assert {"playbackUrl", "password", "status", "timeRecorded", "meetingId"} <= set(recording)
    listed = [p["name"] for p in spec["paths"]["/recordings"]["get"].get("parameters", [])]
    assert "meetingId" in listed
