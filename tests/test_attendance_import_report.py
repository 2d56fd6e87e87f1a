"""Attendance import, pull and report edge cases (PRODUCT.md section 4)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.errors import InputError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.importfiles import localize, read_time
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import (
    AttendanceStatus,
    Capabilities,
    Classroom,
    ClassroomRequest,
    ImportFormatSpec,
    ImportRequest,
    LmsSpec,
    ProviderSpec,
    Segment,
)
from ta_delivery.store import open_store, state_location

COURSE = """
[course]
id = "qa"
title = "QA course"
timezone = "UTC"
organizer = { name = "Org", email = "org@example.org" }
%(extra)s

[[trainers]]
id = "tr"
name = "Trainer"
email = "tr@example.org"
timezone = "UTC"

[[participants]]
id = "p1"
name = "Ana"
email = "ana@example.org"
timezone = "UTC"

[[sessions]]
id = "s1"
title = "One"
start = 2027-07-01T10:00:00Z
minutes = 60

[[sessions]]
id = "s2"
title = "Two"
start = 2027-07-02T10:00:00Z
minutes = 60
%(s2)s
"""

NOW = "2027-08-01T08:00:00Z"


def write_course(tmp_path: Path, *, extra: str = "", s2: str = "") -> Path:
    path = tmp_path / "course.toml"
    path.write_text(COURSE % {"extra": extra, "s2": s2}, encoding="utf-8")
    return path


def run(*args: str, env: Mapping[str, str] | None = None) -> Any:
    return CliRunner().invoke(
        main,
        list(args),
        env={"TA_DELIVERY_STATE": "", "TA_DELIVERY_NOW": NOW, **(env or {})},
        catch_exceptions=False,
    )


def report_json(course: Path) -> Any:
    result = run("report", str(course), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def use_plugins(monkeypatch: pytest.MonkeyPatch, *extra: object) -> None:
    plugins = make_plugin_manager(entry_points=False, extra=list(extra))
    monkeypatch.setattr("ta_delivery.cli.attendance.plugin_manager", lambda: plugins)


# --- times out of range -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("join", "column"),
    [
        ("9999-12-31T23:00:00-05:00", "join"),  # past year 9999 in UTC
        ("0001-01-01T00:30:00+05:00", "join"),  # before year 1 in UTC
    ],
)
def test_register_csv_time_out_of_range_in_utc_is_an_input_error(
    tmp_path: Path, join: str, column: str
) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(f"participant,join,leave\np1,{join},{join}\n", encoding="utf-8")
    result = run("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 2, result.output
    assert f"line 2, column {column}" in result.stderr
    assert "out of range" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()


def test_register_csv_leave_out_of_range_names_the_leave_cell(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave\np1,2027-07-01T10:00:00Z,9999-12-31T23:00:00-05:00\n", encoding="utf-8"
    )
    result = run("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 2, result.output
    assert "line 2, column leave" in result.stderr


def test_read_time_out_of_range_is_an_input_error() -> None:
    for text, zone in (
        ("12/31/9999 11:00:00 PM", ZoneInfo("America/New_York")),
        ("12/31/9999 11:00:00 PM GMT-05:00", None),
        ("9999-12-31T23:00:00-05:00", None),
    ):
        with pytest.raises(InputError, match="out of range") as info:
            read_time(text, zone, "export.csv", "rows[1].Join Time")
        assert info.value.key == "rows[1].Join Time"
    with pytest.raises(InputError, match="out of range"):
        localize(datetime(1, 1, 1, 0, 30), ZoneInfo("Asia/Tokyo"), "export.csv", "rows[1].Join Time")


class OverflowFormat:
    """A format whose parser overflows computing a leave time (as a duration column can)."""

    @hookimpl
    def ta_delivery_register_import_formats(self) -> list[ImportFormatSpec]:
        def parse(request: ImportRequest) -> Iterator[Segment]:
            join = datetime(9999, 12, 31, tzinfo=UTC)
            yield Segment("s1", join, join + timedelta(days=2), "ovf", "k")

        return [ImportFormatSpec("ovf", parse)]


def test_a_format_that_overflows_is_a_malformed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_plugins(monkeypatch, OverflowFormat())
    course = write_course(tmp_path)
    data = tmp_path / "att.txt"
    data.write_text("x", encoding="utf-8")
    result = run("attendance", "import", str(course), str(data), "--format", "ovf", "--session", "s1")
    assert result.exit_code == 2, result.output
    assert "malformed file" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()


# --- the LMS's settings are read before anything is recorded -------------------------------------


class Pushes:
    """Remembers every attendance_recorded call."""

    def __init__(self) -> None:
        self.calls: list[list[AttendanceStatus]] = []

    @hookimpl
    def ta_delivery_attendance_recorded(
        self, course: Any, statuses: Sequence[AttendanceStatus], context: Any
    ) -> None:
        self.calls.append(list(statuses))


class UnconfiguredLms:
    """An LMS whose settings are missing: building it is an input error, as for Moodle without a URL."""

    @hookimpl
    def ta_delivery_register_lms(self) -> list[LmsSpec]:
        def factory(context: Any) -> Any:
            raise InputError("is not set", source="TA_DELIVERY_FAKELMS_URL")

        return [LmsSpec("fakelms", factory)]


LMS = '\n[lms]\nprovider = "fakelms"\ncourse = "qa"\nattendance = true'
ROWS = "participant,join,leave,session\np1,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n"


def test_import_with_an_unconfigured_lms_exits_2_and_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = Pushes()
    use_plugins(monkeypatch, UnconfiguredLms(), pushes)
    course = write_course(tmp_path, extra=LMS)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 2, result.output
    assert "TA_DELIVERY_FAKELMS_URL" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()
    assert pushes.calls == []
    result = run(
        "attendance", "excuse", str(course), "--session", "s1", "--participant", "p1", "--reason", "ill"
    )
    assert result.exit_code == 2, result.output
    assert not (tmp_path / ".ta-delivery").exists()


def test_import_without_lms_attendance_does_not_build_the_lms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_plugins(monkeypatch, UnconfiguredLms())
    course = write_course(tmp_path, extra=LMS.replace("true", "false"))
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}


# --- pull: providers are built before anything is recorded ---------------------------------------


class Provider:
    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        return [
            Segment(request.session_id, request.start, request.end, "fake", "k1", person_id="p1"),
        ]


class Providers:
    """``fake`` works; ``needs-key`` lacks its settings (building it is an input error)."""

    @hookimpl
    def ta_delivery_register_providers(self) -> list[ProviderSpec]:
        def broken(context: Any) -> Any:
            raise InputError("is not set", source="TA_DELIVERY_NEEDS_KEY_TOKEN")

        can = Capabilities(attendance_fetch=True)
        return [
            ProviderSpec("fake", lambda ctx: Provider(), can),  # type: ignore[arg-type,return-value]
            ProviderSpec("needs-key", broken, can),
        ]


def remember_rooms(course: Path, rooms: Mapping[str, str]) -> None:
    store = open_store(state_location(course))
    try:
        now = datetime(2027, 6, 1, tzinfo=UTC)
        store.remember_course("qa", "QA", "UTC", now)
        for sid, provider in rooms.items():
            store.save_classroom(
                "qa",
                sid,
                Classroom(provider, f"k-{sid}", f"ext-{sid}", "https://x.example/j"),
                fingerprint="f",
                state="active",
                start=now,
                end=now,
                title=sid,
                minutes=60,
                now=now,
            )
    finally:
        store.close()


def test_pull_with_a_provider_missing_its_settings_exits_2_and_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = Pushes()
    use_plugins(monkeypatch, Providers(), pushes)
    course = write_course(tmp_path)
    remember_rooms(course, {"s1": "fake", "s2": "needs-key"})
    result = run("attendance", "pull", str(course))
    assert result.exit_code == 2, result.output
    assert "TA_DELIVERY_NEEDS_KEY_TOKEN" in result.stderr
    assert pushes.calls == []
    assert report_json(course)["participants"][0]["sessions"]["s1"] == {"status": "unrecorded", "minutes": 0}
    # only the session whose provider is configured: it is pulled
    result = run("attendance", "pull", str(course), "--session", "s1")
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}


# --- register-csv: forms of the same data a user may hand in -----------------------------------


def test_register_csv_accepts_rfc3339_lower_case_t_and_z(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave\np1,2027-07-01t10:00:00z,2027-07-01t10:45:00-00:00\n", encoding="utf-8"
    )
    result = run("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 45}


def test_register_csv_naive_time_needs_the_timezone_even_next_to_a_lower_case_one(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text("participant,join,leave\np1,2027-07-01t10:00:00z,2027-07-01T10:45:00\n", encoding="utf-8")
    result = run("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 2, result.output
    assert "line 2, column leave" in result.stderr
    assert "no UTC offset" in result.stderr and "--timezone" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()
    result = run("attendance", "import", str(course), str(data), "--session", "s1", "--timezone", "UTC")
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 45}


def test_register_csv_with_old_mac_line_endings(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_bytes(
        b"participant,join,leave,session\r"
        b"p1,2027-07-01T10:00:00Z,2027-07-01T10:30:00Z,s1\r"
        b"ana@example.org,2027-07-02T10:00:00Z,2027-07-02T11:00:00Z,s2\r"
    )
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"] == {
        "s1": {"status": "partial", "minutes": 30},
        "s2": {"status": "present", "minutes": 60},
    }


def test_register_csv_participant_id_matches_ignoring_case(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave,session\n"
        "P1,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n"
        "TR,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n",
        encoding="utf-8",
    )
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    report = report_json(course)
    assert report["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}
    assert report["unmatched"] == []  # the trainer's row is kept, not reported


def test_an_id_that_matches_two_people_only_ignoring_case_is_unmatched(tmp_path: Path) -> None:
    extra = '\n[[participants]]\nid = "P1"\nname = "Other"\nemail = "other@example.org"\ntimezone = "UTC"\n'
    course = write_course(
        tmp_path, s2=extra.replace('"P1"', '"Ab"') + extra.replace('"P1"', '"aB"').replace("other@", "o2@")
    )
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave,session\n"
        "Ab,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n"
        "AB,2027-07-01T10:00:00Z,2027-07-01T10:30:00Z,s1\n",
        encoding="utf-8",
    )
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    report = report_json(course)
    by_id = {p["id"]: p["sessions"] for p in report["participants"]}
    assert by_id["Ab"]["s1"] == {"status": "present", "minutes": 60}
    assert by_id["aB"]["s1"] == {"status": "absent", "minutes": 0}
    assert report["unmatched"] == [{"session": "s1", "name": "AB", "email": None, "minutes": 30}]


def test_teams_report_mixing_times_with_and_without_an_offset(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "teams.csv"
    lines = [
        "1. Summary",
        "Meeting title\tOne",
        "Start time\t7/1/27, 10:00:00 AM",
        "",
        "3. In-Meeting Activities",
        "Name\tJoin Time\tLeave Time\tEmail",
        "Ana\t7/1/27, 10:00:00 AM\t2027-07-01T10:30:00+00:00\tana@example.org",
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-16")
    result = run(
        "attendance",
        "import",
        str(course),
        str(data),
        "--format",
        "teams-csv",
        "--session",
        "s1",
        "--timezone",
        "UTC",
    )
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"]["s1"] == {"status": "partial", "minutes": 30}


def test_an_address_a_participant_shares_with_a_trainer_credits_the_participant(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    course.write_text(course.read_text().replace('email = "ana@example.org"', 'email = "TR@example.org"'))
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave,session\ntr@example.org,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n",
        encoding="utf-8",
    )
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    report = report_json(course)
    assert report["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}
    assert report["unmatched"] == []


def test_csv_report_lists_a_participant_in_no_live_session(tmp_path: Path) -> None:
    course = write_course(
        tmp_path,
        s2='participants = ["p1"]\n\n[[participants]]\nid = "p9"\nname = "Nobody Yet"\n'
        'email = "p9@example.org"\ntimezone = "UTC"\n',
    )
    first_only = 'minutes = 60\nparticipants = ["p1"]\n\n[[sessions]]'
    text = course.read_text().replace("minutes = 60\n\n[[sessions]]", first_only, 1)
    course.write_text(text)
    assert report_json(course)["participants"][1]["live_sessions"] == 0
    result = run("report", str(course), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    nobody = [r for r in rows if r["participant"] == "p9"]
    assert len(nobody) == 1 and nobody[0]["session"] == "" and nobody[0]["live_sessions"] == "0"
