"""Options, the sans-I/O mapping, and the zoom-csv import format."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zoom_helpers import make_request

from ta_delivery.errors import InputError
from ta_delivery.models import Course, Organizer
from ta_delivery.records import ImportRequest
from ta_delivery_zoom import sansio
from ta_delivery_zoom.csvimport import FORMAT, parse_zoom_csv
from ta_delivery_zoom.options import OPTION_DOCS, ZoomOptions, parse_options

DOC = Path(__file__).resolve().parents[3] / "docs" / "providers" / "zoom.md"

# --- options ------------------------------------------------------------------------------------------


def test_options_defaults_and_round_trip() -> None:
    parsed = parse_options({"webinar": False, "waiting_room": True, "auto_recording": "cloud"})
    assert parsed["registration"] is True
    assert parsed["auto_recording"] == "cloud"
    assert parse_options(parsed) == parsed
    assert set(parsed) == set(OPTION_DOCS)


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"waiting_rom": True}, "waiting_rom"),
        ({"webinar": "yes"}, "webinar"),
        ({"auto_recording": "tape"}, "auto_recording"),
        ({"audio": 3}, "audio"),
        ({"host": "two words"}, "host"),
        ({"mute_upon_entry": 1}, "mute_upon_entry"),
        ({"approval_type": 0}, "approval_type"),
    ],
)
def test_bad_options_name_the_key(options: dict[str, Any], key: str) -> None:
    with pytest.raises(InputError) as info:
        parse_options(options)
    assert info.value.key == key


def test_every_option_is_documented() -> None:
    if not DOC.exists():
        pytest.skip("docs not present")
    text = DOC.read_text()
    for key in OPTION_DOCS:
        assert f"`{key}`" in text, f"[zoom] {key} is not documented in {DOC.name}"


# --- mapping ------------------------------------------------------------------------------------------


def test_meeting_body_settings() -> None:
    request = make_request(options={})
    body = sansio.meeting_body(request, ZoomOptions.from_mapping({"join_before_host": False}))
    assert body["type"] == 2
    assert body["start_time"] == "2027-04-05T14:00:00Z"
    assert body["timezone"] == "America/Port_of_Spain"
    assert body["settings"] == {
        "join_before_host": False,
        "approval_type": 0,
        "registration_type": 1,
        "registrants_email_notification": False,
        "registrants_confirmation_email": False,
        "alternative_hosts": "rf@example.org",
        "alternative_hosts_email_notification": False,
    }
    webinar = sansio.meeting_body(request, ZoomOptions(webinar=True, waiting_room=True), "webinar")
    assert webinar["type"] == 5
    assert "waiting_room" not in webinar["settings"]
    assert "alternative_hosts" not in webinar["settings"]


def test_registrant_names() -> None:
    from ta_delivery.models import Participant

    p = Participant(id="a", name="Ana María Pérez", email="ana@example.org", timezone="UTC")
    assert sansio.registrant_body(p) == {
        "email": "ana@example.org",
        "first_name": "Ana",
        "last_name": "María Pérez",
    }
    mono = Participant(id="b", name="Madonna", email="m@example.org", timezone="UTC")
    assert sansio.registrant_body(mono) == {"email": "m@example.org", "first_name": "Madonna"}


@given(st.text(min_size=1, max_size=60))
@settings(max_examples=200, deadline=None)
def test_uuid_encoding_round_trips(uuid: str) -> None:
    encoded = sansio.encode_uuid(uuid)
    assert "/" not in encoded
    once = unquote(encoded)
    if uuid.startswith("/") or "//" in uuid:
        assert unquote(once) == uuid
        assert "/" not in once  # still encoded after the server's first decoding
    else:
        assert once == uuid


@given(st.text(max_size=400), st.text(min_size=1, max_size=60).filter(lambda k: k.strip() == k))
@settings(max_examples=100, deadline=None)
def test_agenda_always_ends_with_the_mark(description: str, key: str) -> None:
    request = make_request(key=key, description=description)
    agenda = sansio.agenda_for(request)
    assert len(agenda) <= sansio.AGENDA_MAX
    assert sansio.has_mark(agenda, key)
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", agenda)


def test_time_formats() -> None:
    assert sansio.parse_time("2022-03-23T06:58:09Z") == datetime(2022, 3, 23, 6, 58, 9, tzinfo=UTC)
    with pytest.raises(Exception, match="offset"):
        sansio.parse_time("2022-03-23T06:58:09")


# --- zoom-csv -----------------------------------------------------------------------------------------

COURSE = Course(id="c1", title="C", timezone="UTC", organizer=Organizer(name="Org", email="org@example.org"))

PORTAL = (
    "\ufeffMeeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "81234567890,Opening,08/10/2020 09:55:00 AM,08/10/2020 12:00:00 PM,host@example.org,125,3\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,In Waiting Room\n"
    "Ana Pérez,ana@example.org,08/10/2020 10:02:14 AM,08/10/2020 11:00:00 AM,58,No,No\n"
    "Ana Pérez,ana@example.org,08/10/2020 11:05:00 AM,08/10/2020 12:00:00 PM,55,No,No\n"
    '"Guest, One",,08/10/2020 10:00:00 AM,08/10/2020 10:30:00 AM,30,Yes,No\n'
    "Late Comer,late@example.org,08/10/2020 09:58:00 AM,08/10/2020 10:01:00 AM,3,No,Yes\n"
)


def _req(
    data: str, zone: str | None = "America/Port_of_Spain", session: str | None = "s01", order: str = "mdy"
) -> ImportRequest:
    return ImportRequest(
        path=Path("participants.csv"),
        data=data.encode(),
        course=COURSE,
        session_id=session,
        timezone=ZoneInfo(zone) if zone else None,
        date_order=order,
    )


def test_portal_export_with_summary() -> None:
    segments = list(parse_zoom_csv(_req(PORTAL)))
    assert len(segments) == 3  # the waiting-room row is not attendance
    first = segments[0]
    assert first.email == "ana@example.org"
    assert first.join == datetime(2020, 8, 10, 14, 2, 14, tzinfo=UTC)
    assert segments[2].name == "Guest, One"
    assert segments[2].email is None
    assert list(parse_zoom_csv(_req(PORTAL))) == segments  # importing twice gives the same keys
    assert FORMAT.name == "zoom-csv"
    assert len(FORMAT.parse(_req(PORTAL))) == 3


def test_plain_table_and_offsets_need_no_zone() -> None:
    data = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "A,a@example.org,2020-08-10T10:00:00+00:00,2020-08-10T11:00:00+00:00,60,No\n"
    )
    [segment] = parse_zoom_csv(_req(data, zone=None))
    assert segment.leave == datetime(2020, 8, 10, 11, tzinfo=UTC)


def test_local_times_without_zone_are_an_input_error() -> None:
    with pytest.raises(InputError, match="--timezone") as info:
        list(parse_zoom_csv(_req(PORTAL, zone=None)))
    assert info.value.source == "participants.csv"
    assert info.value.key == "--timezone"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Name,Email\nA,a@x.org\n", "Join Time"),
        ("Name (Original Name),User Email,Join Time,Leave Time\nA,a@x.org,yesterday,today\n", "date-time"),
        (
            "Name (Original Name),User Email,Join Time,Leave Time\n"
            "A,a@x.org,08/10/2020 11:00 AM,08/10/2020 10:00 AM\n",
            "before",
        ),
        ("Name (Original Name),User Email,Join Time,Leave Time\nA,a@x.org\n", "columns"),
    ],
)
def test_malformed_exports(data: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        list(parse_zoom_csv(_req(data)))


def test_without_session_rows_in_no_window_are_kept_unplaced() -> None:
    assert {s.session_id for s in parse_zoom_csv(_req(PORTAL, session=None))} == {""}


def test_not_utf8() -> None:
    with pytest.raises(InputError, match="UTF-8"):
        list(
            parse_zoom_csv(
                ImportRequest(path=Path("x.csv"), data=b"\xff\xfe\xfa", course=COURSE, session_id="s")
            )
        )


def test_month_name_times() -> None:
    data = (
        "Name (Original Name),User Email,Join Time,Leave Time\n"
        'A,a@example.org,"Aug 10, 2020 10:02:14 AM","Aug 10, 2020 11:00 AM"\n'
    )
    [segment] = parse_zoom_csv(_req(data, zone="UTC"))
    assert segment.join == datetime(2020, 8, 10, 10, 2, 14, tzinfo=UTC)


def test_utf16_zone_suffixes_and_dst_gaps() -> None:
    """Read with the core's export helpers (ta_delivery.importfiles), as webex-csv is."""
    utf16 = ImportRequest(
        path=Path("participants.csv"),
        data=PORTAL.encode("utf-16"),
        course=COURSE,
        session_id="s01",
        timezone=ZoneInfo("America/Port_of_Spain"),
        date_order="mdy",
    )
    assert list(parse_zoom_csv(utf16)) == list(parse_zoom_csv(_req(PORTAL)))
    suffixed = (
        "Name (Original Name),User Email,Join Time,Leave Time\n"
        "A,a@example.org,08/10/2020 10:00:00 AM GMT-04:00,08/10/2020 03:00:00 PM UTC\n"
    )
    [segment] = parse_zoom_csv(_req(suffixed, zone=None))
    assert (segment.join, segment.leave) == (
        datetime(2020, 8, 10, 14, tzinfo=UTC),
        datetime(2020, 8, 10, 15, tzinfo=UTC),
    )
    gap = (
        "Name (Original Name),User Email,Join Time,Leave Time\n"
        "A,a@x.org,03/08/2020 02:30 AM,03/08/2020 03:30 AM\n"
    )
    with pytest.raises(InputError, match="DST gap") as info:
        list(parse_zoom_csv(_req(gap, zone="America/New_York")))
    assert info.value.key == "rows[1].Join Time"
