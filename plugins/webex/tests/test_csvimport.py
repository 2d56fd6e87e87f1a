"""The webex-csv import format: UTF-16/UTF-8 with or without BOM, tab or comma, zones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ta_delivery.errors import InputError
from ta_delivery.models import Course, Organizer
from ta_delivery.records import ImportRequest
from ta_delivery_webex.csvimport import parse

HEADING = ["Meeting Number", "Meeting Topic", "Name", "Email", "Join Time", "Leave Time", "Duration"]
ROWS = [
    [
        "123456789",
        "Trade policy",
        "Ana Pérez",
        "ana@example.org",
        "04/05/2027 10:00:00 AM",
        "04/05/2027 11:30:15 AM",
        "91",
    ],
    ["123456789", "Trade policy", "Call-in User_1", "", "04/05/2027 10:05 AM", "04/05/2027 10:20 AM", "15"],
]


def course() -> Course:
    fields = attrs_fields(Course)
    kwargs = {
        "id": "c1",
        "title": "Course",
        "timezone": "America/New_York",
        "organizer": Organizer(name="Institute", email="training@example.org"),
    }
    return Course(**{k: v for k, v in kwargs.items() if k in fields})


def attrs_fields(cls: type) -> set[str]:
    import attrs

    return {f.name for f in attrs.fields(cls)}


def request(
    data: bytes, zone: str | None = "America/New_York", session: str | None = "s01", order: str | None = "mdy"
) -> ImportRequest:
    return ImportRequest(
        path=Path("attendees.csv"),
        data=data,
        course=course(),
        session_id=session,
        timezone=ZoneInfo(zone) if zone else None,
        date_order=order,
    )


def table(delimiter: str, rows: list[list[str]] = ROWS, preamble: str = "") -> str:
    return preamble + "\r\n".join(delimiter.join(r) for r in [HEADING, *rows]) + "\r\n"


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: b"\xff\xfe" + table("\t").encode("utf-16-le"),
        lambda t: table("\t").encode("utf-16"),
        lambda t: table("\t").encode("utf-16-le"),
        lambda t: b"\xef\xbb\xbf" + table(",").encode(),
        lambda t: table(",").encode(),
        lambda t: table("\t", preamble="Meeting attendee report\r\n\r\n").encode("utf-16"),
    ],
)
def test_real_export_shapes(encode: object) -> None:
    data = encode(None)  # type: ignore[operator]
    segments = list(parse(request(data)))
    assert len(segments) == 2
    ana = segments[0]
    assert ana.email == "ana@example.org" and ana.name == "Ana Pérez"
    assert ana.join == datetime(2027, 4, 5, 14, 0, tzinfo=UTC)
    assert ana.leave == datetime(2027, 4, 5, 15, 30, 15, tzinfo=UTC)
    assert segments[1].email is None and segments[1].name == "Call-in User_1"
    assert ana.session_id == "s01" and ana.source == "webex-csv"


def test_same_file_twice_gives_the_same_keys() -> None:
    data = table("\t").encode("utf-16")
    assert [s.raw_key for s in parse(request(data))] == [s.raw_key for s in parse(request(data))]


def test_times_without_zone_need_the_timezone_option() -> None:
    with pytest.raises(InputError) as info:
        list(parse(request(table("\t").encode("utf-16"), zone=None)))
    assert info.value.source == "attendees.csv"
    assert info.value.key == "--timezone"
    assert "--timezone" in info.value.message


def test_times_with_offsets_need_no_timezone() -> None:
    rows = [
        [
            "1",
            "T",
            "Ana",
            "ana@example.org",
            "2027-04-05T10:00:00-04:00",
            "2027-04-05 11:00:00 GMT-04:00",
            "60",
        ],
        ["1", "T", "Bo", "bo@example.org", "2027-04-05 14:00:00 UTC", "2027-04-05T15:00:00Z", "60"],
    ]
    segments = list(parse(request(table(",", rows).encode(), zone=None)))
    assert all(s.join == datetime(2027, 4, 5, 14, tzinfo=UTC) for s in segments)
    assert all(s.leave == datetime(2027, 4, 5, 15, tzinfo=UTC) for s in segments)


def test_missing_leave_uses_the_duration() -> None:
    rows = [["1", "T", "Ana", "ana@example.org", "04/05/2027 10:00 AM", "", "01:15:00"]]
    [segment] = parse(request(table(",", rows).encode()))
    assert (segment.leave - segment.join).total_seconds() == 75 * 60


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        ([["1", "T", "Ana", "a@b.org", "yesterday", "04/05/2027 11:00 AM", "1"]], "rows[2].Join Time"),
        (
            [["1", "T", "Ana", "a@b.org", "04/05/2027 11:00 AM", "04/05/2027 10:00 AM", "1"]],
            "rows[2].Leave Time",
        ),
        (
            [["1", "T", "Ana", "a@b.org", "03/14/2027 02:30 AM", "03/14/2027 03:30 AM", "1"]],
            "rows[2].Join Time",
        ),
        ([["1", "T", "Ana", "a@b.org", "", "03/14/2027 03:30 AM", "1"]], "rows[2].Join Time"),
    ],
)
def test_bad_rows_name_file_row_and_column(rows: list[list[str]], key: str) -> None:
    with pytest.raises(InputError) as info:
        list(parse(request(table(",", rows).encode())))
    assert info.value.source == "attendees.csv"
    assert info.value.key == key


def test_a_file_without_the_columns_is_refused() -> None:
    with pytest.raises(InputError) as info:
        list(parse(request(b"Name,Email\nAna,a@b.org\n")))
    assert info.value.source == "attendees.csv" and info.value.key == "header"
    with pytest.raises(InputError):
        list(parse(request(b"\xff\xfe\x00\xd8")))


def test_without_session_column_or_option_rows_are_placed_by_window() -> None:
    assert {s.session_id for s in parse(request(table(",").encode(), session=None))} == {""}
    heading = "session,name,email,join time,leave time\r\n"
    row = "s02,Ana,ana@example.org,2027-04-05T14:00:00Z,2027-04-05T15:00:00Z\r\n"
    [segment] = parse(request((heading + row).encode(), session=None))
    assert segment.session_id == "s02"


def test_day_first_exports_are_recognised() -> None:
    rows = [
        ["1", "T", "Ana", "ana@example.org", "25/04/2027 10:00", "25/04/2027 11:00", "60"],
        ["1", "T", "Bo", "bo@example.org", "05/04/2027 10:00", "05/04/2027 11:00", "60"],
    ]
    ana, bo = parse(request(table(",", rows).encode(), zone="UTC", order=None))
    assert ana.join == datetime(2027, 4, 25, 10, tzinfo=UTC)
    assert bo.join == datetime(2027, 4, 5, 10, tzinfo=UTC)
    mixed = [rows[0], ["1", "T", "Cy", "cy@example.org", "04/25/2027 10:00", "04/25/2027 11:00", "60"]]
    with pytest.raises(InputError, match="day-first and month-first"):
        list(parse(request(table(",", mixed).encode(), zone="UTC", order=None)))
