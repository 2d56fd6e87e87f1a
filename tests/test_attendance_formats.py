"""The built-in import formats, parsed directly."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ta_delivery.attendance.formats import register_csv, ta_delivery_register_import_formats, teams
from ta_delivery.errors import InputError
from ta_delivery.models import Course, Organizer
from ta_delivery.records import ImportRequest, Segment
from ta_delivery.testing.contract import ImportFormatContract
from ta_delivery.testing.courses import live, make_course, participant

START = datetime(2027, 3, 1, 14, tzinfo=UTC)


def course() -> Course:
    return make_course(
        id="fmt",
        title="Formats",
        timezone="UTC",
        organizer=Organizer("Institute", "training@example.org"),
        trainers=(),
        participants=(participant("p1", name="Ana", timezone="UTC"),),
        sessions=(
            live("s1", START, 60, title="One", trainers=()),
            live("s2", START + timedelta(days=1), 60, title="Two", trainers=()),
        ),
    )


def request(
    data: bytes, session: str | None = None, tz: str | None = None, order: str | None = None
) -> ImportRequest:
    return ImportRequest(
        path=Path("export.csv"),
        data=data,
        course=course(),
        session_id=session,
        timezone=ZoneInfo(tz) if tz else None,
        date_order=order,
    )


def test_both_formats_are_registered() -> None:
    assert [spec.name for spec in ta_delivery_register_import_formats()] == [
        "register-csv",
        "teams-csv",
        "meet-csv",
    ]


def test_register_csv_bom_crlf_quotes_blank_lines_and_header_case() -> None:
    text = (
        "Session , PARTICIPANT,Join,Leave,notes\r\n"
        "\r\n"
        's1,p1,2027-03-01T14:00:00Z,2027-03-01T15:00:00+00:00,"a, quoted\r\nnote"\r\n'
        ",ana@example.org,2027-03-01T09:30:00-05:00,2027-03-01T10:00:00.250-05:00,\r\n"
        ",,,,\r\n"
    )
    segs = list(register_csv.parse(request(codecs.BOM_UTF8 + text.encode(), session="s2")))
    assert [(s.session_id, s.external_id, s.email) for s in segs] == [
        ("s1", "p1", None),
        ("s2", "ana@example.org", "ana@example.org"),  # the id is tried first (issue 19)
    ]
    assert segs[1].join == datetime(2027, 3, 1, 14, 30, tzinfo=UTC)
    assert segs[1].leave == datetime(2027, 3, 1, 15, 0, 0, 250000, tzinfo=UTC)
    assert segs[0].raw_key == Segment.key_of("s1", "p1", "2027-03-01T14:00:00Z", "2027-03-01T15:00:00+00:00")
    assert all(s.source == "register-csv" for s in segs)


def test_register_csv_utf16_is_read_too() -> None:
    text = "participant,join,leave\np1,2027-03-01T14:00:00Z,2027-03-01T15:00:00Z\n"
    assert len(list(register_csv.parse(request(text.encode("utf-16"), session="s1")))) == 1


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("participant,join,leave\np1,2027-03-01T14:00:00,2027-03-01T15:00:00Z\n", "line 2, column join"),
        ("participant,join,leave\n\np1,2027-03-01T14:00:00Z,2027-03-01 15:00\n", "line 3, column leave"),
        (
            "participant,join,leave\n,2027-03-01T14:00:00Z,2027-03-01T15:00:00Z\n",
            "line 2, column participant",
        ),
        ("participant,join,leave\np1,2027-03-01T14:00:00Z\n", "line 2"),
    ],
)
def test_register_csv_errors_name_the_file_and_where(text: str, key: str) -> None:
    with pytest.raises(InputError) as caught:
        list(register_csv.parse(request(text.encode(), session="s1")))
    assert caught.value.source == "export.csv"
    assert caught.value.key == key


def test_register_csv_invalid_bytes() -> None:
    with pytest.raises(InputError, match="UTF-8 or UTF-16"):
        list(register_csv.parse(request(b"participant,join,leave\n\xff\xfe\xfa", session="s1")))


def _teams(rows: str, *, section3: bool = True) -> bytes:
    head = "1. Summary\nMeeting title\tOne\nStart time\t3/1/27, 8:58:00 AM\n\n2. Participants\n"
    head += "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
    head += (
        "Ana\t3/1/27, 9:00:00 AM\t3/1/27, 10:00:00 AM\t1h\tana@example.org\tana@corp.example\tAttendee\n\n"
    )
    body = (
        "3. In-Meeting Activities\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n" + rows
        if section3
        else ""
    )
    return (head + body).encode("utf-16")


def test_teams_twelve_hour_clock_and_upn() -> None:
    data = _teams(
        "Ana\t3/1/27, 9:00:00 AM\t3/1/27, 9:20:00 AM\t20m\tana@example.org\tAttendee\n"
        "Ana\t3/1/27, 9:30:00 AM\t3/1/27, 12:10:00 PM\t2h 40m\tana@example.org\tAttendee\n"
        "Late Owl\t3/1/27, 12:05:00 PM\t3/2/27, 12:01:00 AM\t11h\t\tAttendee\n"
    )
    segs = list(teams.parse(request(data, tz="America/Jamaica")))  # UTC-5, no DST
    assert [s.session_id for s in segs] == ["s1", "s1", "s1"]  # the session most rows fall in
    assert segs[0].join == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
    assert segs[1].leave == datetime(2027, 3, 1, 17, 10, tzinfo=UTC)
    assert segs[2].leave == datetime(2027, 3, 2, 5, 1, tzinfo=UTC)
    assert segs[0].external_id == "ana@corp.example"
    assert segs[2].email is None
    assert segs[2].name == "Late Owl"


def test_teams_without_section_3_uses_first_join_last_leave() -> None:
    segs = list(teams.parse(request(_teams("", section3=False), session="s1", tz="UTC", order="mdy")))
    assert [(s.join.hour, s.leave.hour) for s in segs] == [(9, 10)]


def test_teams_bad_time_names_the_row() -> None:
    data = _teams("Ana\tsoon\t3/1/27, 9:20:00 AM\t20m\tana@example.org\tAttendee\n")
    with pytest.raises(InputError) as caught:
        list(teams.parse(request(data, session="s1", tz="UTC")))
    assert caught.value.key == "3. In-Meeting Activities row 1, join time"


def test_teams_ambiguous_dates_outside_the_sessions_ask_for_date_order() -> None:
    data = _teams("Ana\t3/1/27, 9:00:00 AM\t3/1/27, 9:20:00 AM\t20m\tana@example.org\tAttendee\n")
    with pytest.raises(InputError, match="--date-order") as caught:
        list(teams.parse(request(data, session="s1", tz="UTC")))
    assert caught.value.key == "--date-order"


def test_teams_session_not_inferable() -> None:
    data = _teams("Ana\t3/5/27, 9:00:00 AM\t3/5/27, 9:20:00 AM\t20m\tana@example.org\tAttendee\n").replace(
        "3/1/27, 8:58:00 AM".encode("utf-16")[2:], "3/5/27, 8:58:00 AM".encode("utf-16")[2:]
    )
    segs = list(teams.parse(request(data, tz="UTC", order="mdy")))
    assert [s.session_id for s in segs] == [""]  # in no session's window: kept unplaced


def test_teams_time_in_a_dst_gap_is_an_input_error() -> None:
    # New York skipped from 02:00 to 03:00 on 14 March 2027: 02:30 never happened there
    data = _teams("Ana\t3/14/27, 2:30:00 AM\t3/14/27, 3:20:00 AM\t20m\tana@example.org\tAttendee\n")
    with pytest.raises(InputError, match="DST gap") as caught:
        list(teams.parse(request(data, session="s1", tz="America/New_York", order="mdy")))
    assert caught.value.key == "3. In-Meeting Activities row 1, join time"


# --- the import-format contract kit, run against both built-in formats -----------------------------


class TestRegisterCsvContract(ImportFormatContract):
    format_name = "register-csv"

    def course(self) -> Course:
        return course()

    def sample(self) -> bytes:
        return (
            b"session,participant,join,leave\r\n"
            b"s1,p1,2027-03-01T14:00:00Z,2027-03-01T15:00:00Z\r\n"
            b"s2,ana@example.org,2027-03-02T14:05:00Z,2027-03-02T14:50:00Z\r\n"
        )


class TestTeamsCsvContract(ImportFormatContract):
    format_name = "teams-csv"

    def course(self) -> Course:
        return course()

    def sample(self) -> bytes:
        return _teams("Ana\t3/1/27, 9:00:00 AM\t3/1/27, 9:20:00 AM\t20m\tana@example.org\tAttendee\n")

    def timezone(self) -> ZoneInfo | None:
        return ZoneInfo("America/Jamaica")


class TestMeetCsvContract(ImportFormatContract):
    format_name = "meet-csv"

    def course(self) -> Course:
        return course()

    def sample(self) -> bytes:
        return (
            "First name,Last name,Email,Duration,Time joined,Time exited\n"
            "Ana,Pérez,ana@example.org,1 hr,3/1/2027 14:00:00,3/1/2027 15:00:00\n"
        ).encode()

    def timezone(self) -> ZoneInfo | None:
        return ZoneInfo("UTC")
