"""Zoom's dial-in numbers on the classroom, and the cloud recording of an ended meeting, against the
spec-validated fake Zoom."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_zoom import FakeZoom
from zoom_helpers import make_request

from ta_delivery.records import Recording
from ta_delivery.testing.courses import session
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


def _messages(folder: Path, seen: set[Path]) -> dict[str, Any]:
    """Recipient email -> the parsed message of each ``.eml`` written since ``seen``."""
    import email
    from email import policy

    out: dict[str, Any] = {}
    for path in sorted((folder / ".ta-delivery" / "outbox").glob("*.eml")):
        if path not in seen:
            seen.add(path)
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            out[str(message["To"]).split("<")[-1].rstrip(">")] = message
    return out


def test_apply_puts_the_recipients_own_numbers_first_with_meeting_number_and_phone_passcode(
    zoom: FakeZoom, tmp_path: Path
) -> None:
    """PRODUCT.md section 7 through ``ta-delivery apply`` on the spec-validated Zoom: the plain-text part
    alone lets each person phone in from their own country, and the event has CONFERENCE;FEATURE=PHONE."""
    import icalendar
    from zoom_helpers import ANA, KIRAN, cli_course

    from ta_delivery.testing.cli import run_json
    from ta_delivery.testing.courses import write_course

    zoom.dial_in_numbers = [
        *NUMBERS,
        {"country": "CH", "country_name": "Switzerland", "number": "+41 43 210 7042", "type": "toll"},
    ]
    course = write_course(
        tmp_path,
        cli_course("", id="zoom-phone", participants=({**ANA, "country": "JM"}, {**KIRAN, "country": "CH"})),
    )
    assert run_json("apply", str(course))["ok"] is True
    (meeting,) = zoom.live()
    sent = _messages(tmp_path, set())
    first_number = {}
    for address in ("ana@example.org", "kiran@example.org"):
        message = sent[address]
        text = message.get_body(preferencelist=("plain",)).get_content()
        phone = text[text.index("Join by phone:") :]
        assert str(meeting["id"]) in phone and meeting["pstn_password"] in phone, phone
        first_number[address] = phone.splitlines()[1]
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        [event] = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
        conferences = event.get("CONFERENCE")
        conferences = conferences if isinstance(conferences, list) else [conferences]
        phones = [str(c) for c in conferences if "PHONE" in str(c.params.get("FEATURE", ""))]
        assert phones and all(p.startswith("tel:") for p in phones), conferences
    assert "+1 876 555 0100" in first_number["ana@example.org"]
    assert "+41 43 210 7042" in first_number["kiran@example.org"]


def test_apply_after_the_session_sends_zooms_recording_once_then_the_files_link_as_a_correction(
    zoom: FakeZoom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session has ended (``apply`` leaves its classroom alone) but its recording still goes out: found
    at Zoom, once per participant in their language, then the course file's ``recording_url`` wins."""
    from zoom_helpers import ANA, KIRAN, cli_course

    from ta_delivery.testing.cli import run_json
    from ta_delivery.testing.courses import write_course

    def text(recordings: str = "", link: str = "") -> str:
        extra = {"recording_url": link} if link else {}
        return cli_course(
            f'waiting_room = false\n\n[recordings]\nsend_to = "all"\n{recordings}',
            id="zoom-rec",
            participants=({**ANA, "language": "es"}, KIRAN),
            sessions=(session("s01", minutes=90, title="Opening", **extra),),
        )

    course = write_course(tmp_path, text())
    assert run_json("apply", str(course))["ok"] is True
    seen: set[Path] = set()
    _messages(tmp_path, seen)
    (meeting,) = zoom.live()
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-09-06T12:00:00Z")  # the 10:00 (Zurich) session has ended
    assert run_json("apply", str(course))["items"] == []  # no recording yet: nothing to send
    zoom.recordings[str(meeting["id"])] = {
        "id": meeting["id"],
        "uuid": "rec==",
        "topic": "Opening",
        "start_time": "2027-09-06T08:00:00Z",
        "share_url": "https://zoom.example/rec/share/XYZ",
        "password": "rec-pass",
        "recording_files": [{"play_url": "https://zoom.example/rec/play/1", "status": "completed"}],
    }
    writes = dict(zoom.writes)
    assert run_json("apply", str(course))["ok"] is True
    assert dict(zoom.writes) == writes, "the ended session's meeting is left alone"
    sent = _messages(tmp_path, seen)
    assert set(sent) == {"ana@example.org", "kiran@example.org"}  # participants, not the trainer
    for message in sent.values():
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "https://zoom.example/rec/share/XYZ" in body and "rec-pass" in body
    assert sent["ana@example.org"]["Subject"].startswith("Grabación")  # in the recipient's language
    assert sent["kiran@example.org"]["Subject"].startswith("Recording")
    assert run_json("apply", str(course))["items"] == []
    assert _messages(tmp_path, seen) == {}, "once per person"

    course.write_text(text(link="https://video.example.org/opening"), encoding="utf-8")
    assert run_json("apply", str(course))["ok"] is True
    corrections = _messages(tmp_path, seen)
    assert set(corrections) == {"ana@example.org", "kiran@example.org"}
    for message in corrections.values():
        assert (
            "https://video.example.org/opening" in message.get_body(preferencelist=("plain",)).get_content()
        )
