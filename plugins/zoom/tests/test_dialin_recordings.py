"""Zoom's dial-in numbers on the classroom, and the cloud recording of an ended meeting, against the
spec-validated fake Zoom."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fake_zoom import FakeZoom
from zoom_helpers import make_request

from ta_delivery.records import Recording
from ta_delivery_zoom.provider import ZoomProvider

NUMBERS = [
    {"country": "US", "country_name": "US", "city": "New York", "number": "+1 646 558 8656", "type": "toll"},
    {"country": "JM", "country_name": "Jamaica", "number": "+1 876 555 0100", "type": "toll"},
]


def test_a_created_meeting_carries_its_dial_in(provider: ZoomProvider, fake: FakeZoom) -> None:
    fake.dial_in_numbers = NUMBERS
    room = provider.create(make_request())
    assert room.dial_in is not None
    assert [n.country for n in room.dial_in.numbers] == ["US", "JM"]
    meeting = fake.meetings[room.external_id]
    assert room.dial_in.meeting_number == str(meeting["id"])
    assert room.dial_in.passcode == meeting["pstn_password"]
    assert room.dial_in.one_tap == f",,{meeting['id']}#,,,,*{meeting['pstn_password']}#"


def test_a_meeting_without_numbers_has_no_dial_in(provider: ZoomProvider, fake: FakeZoom) -> None:
    assert provider.create(make_request()).dial_in is None


def test_recording_is_none_until_zoom_has_one_then_its_share_link(
    provider: ZoomProvider, fake: FakeZoom
) -> None:
    request = make_request()
    room = provider.create(request)
    assert provider.find_recording(room, request) is None
    fake.recordings[room.external_id] = {
        "id": int(room.external_id),
        "uuid": "abc==",
        "topic": request.title,
        "start_time": datetime(2027, 4, 5, 14, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "share_url": "https://zoom.example/rec/share/XYZ",
        "password": "rec-pass",
        "recording_files": [{"play_url": "https://zoom.example/rec/play/1", "status": "completed"}],
    }
    assert provider.find_recording(room, request) == Recording(
        "https://zoom.example/rec/share/XYZ", "rec-pass"
    )
    assert ("GET", "meetings/*/recordings", "light") in fake.categories


def _properties(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The properties of a schema, following $ref and allOf."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _properties(spec, spec["components"]["schemas"][name])
    out: dict[str, Any] = {}
    for part in schema.get("allOf", []):
        out.update(_properties(spec, part))
    out.update(schema.get("properties", {}))
    return out


def test_the_fields_read_are_zooms_documented_fields(shared: Path) -> None:
    """Dial-in: ``settings.global_dial_in_numbers`` (country, city, number, type) and ``pstn_password`` of
    ``GET /meetings/{meetingId}``; recordings: ``password`` and ``recording_files[].play_url`` of
    ``GET /meetings/{meetingId}/recordings`` (``share_url``, which Zoom's answers carry, is read first when
    present but is not in these snapshots)."""
    spec = json.loads((shared / "specs" / "zoom-meetings-openapi-2025-ballerina-sanitized.json").read_text())
    ok = "200"
    meeting = spec["paths"]["/meetings/{meetingId}"]["get"]["responses"][ok]["content"]["application/json"]
    fields = _properties(spec, meeting["schema"])
    assert "pstn_password" in fields and "id" in fields
    numbers = _properties(spec, fields["settings"])["global_dial_in_numbers"]["items"]
    assert {"country", "city", "number", "type"} <= set(_properties(spec, numbers))
    assert set(_properties(spec, numbers)["type"].get("enum", ["toll", "tollfree"])) == {"toll", "tollfree"}
    answer = spec["paths"]["/meetings/{meetingId}/recordings"]["get"]["responses"][ok]["content"]
    recording = _properties(spec, answer["application/json"]["schema"])
    assert "password" in recording
    files = _properties(spec, recording["recording_files"]["items"])
    assert {"play_url", "status"} <= set(files)
