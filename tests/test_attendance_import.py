"""``attendance import`` through the CLI: the ``--json`` summary, rows outside every session,
``--date-order``, ``attendance link``, mid-course statuses, the forms of the same data a user may hand in,
times out of range, the LMS's settings, and bad files (every mistake at once, exit 2, nothing stored; decision
0072), in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ta_delivery.attendance import AttendanceStore
from ta_delivery.attendance.formats.stamps import Stamp
from ta_delivery.attendance.formats.tabular import Row, segments
from ta_delivery.errors import InputError, InputErrors
from ta_delivery.hookspecs import hookimpl
from ta_delivery.importfiles import MAX_PROBLEMS, localize, read_time
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import ImportFormatSpec, ImportRequest, LmsSpec, Segment
from ta_delivery.store import open_store, state_location
from ta_delivery.testing import courses
from ta_delivery.testing.courses import ORG, course_toml, make_course, person, session, table
from test_attendance_cli import Recorder, plugins_with, recorder, report_json, run, write_course

__all__ = ["recorder"]  # the fixture, used by name


def write_default(folder: Path) -> Path:
    """The default course of :mod:`ta_delivery.testing.courses` (``demo-2027``, in September 2027)."""
    return courses.write_course(folder, course_toml())


ZOOM = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Ana Pérez,ana@example.org,08/10/2020 10:00:00,08/10/2020 12:00:00,120,No\n"
    "Visitor,visitor@example.net,08/10/2020 10:30:00,08/10/2020 11:00:00,30,Yes\n"
    "Early Bird,early@example.net,08/09/2020 10:00:00,08/09/2020 11:00:00,60,No\n"
)


def zoom_formats() -> None:
    from ta_delivery.plugins import make_plugin_manager

    if "zoom-csv" not in make_plugin_manager().formats:
        pytest.skip("the zoom plugin is not installed")


@pytest.fixture
def with_zoom(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> Recorder:
    from ta_delivery.plugins import make_plugin_manager

    zoom_formats()
    monkeypatch.setattr(
        "ta_delivery.cli.attendance.plugin_manager", lambda: make_plugin_manager(extra=[recorder])
    )
    return recorder


def _import(course: Path, file: Path, *extra: str) -> object:
    return run(
        "attendance",
        "import",
        str(course),
        str(file),
        "--format",
        "zoom-csv",
        "--timezone",
        "America/Port_of_Spain",
        *extra,
    )


def test_json_summary_counts_new_duplicates_outside_and_unmatched(
    tmp_path: Path, with_zoom: Recorder
) -> None:
    course = write_course(tmp_path)
    export = tmp_path / "participants.csv"
    export.write_text(ZOOM, encoding="utf-8")
    first = _import(course, export, "--json")
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    # 08/10 vs 10/08: the sessions (10 and 11 August) settle month first; 9 August is in no session
    assert json.loads(first.stdout) == {  # type: ignore[attr-defined]
        "imported": 3,
        "duplicates": 0,
        "outside_sessions": 1,
        "unmatched": 1,
    }
    again = _import(course, export, "--json")
    assert json.loads(again.stdout) == {  # type: ignore[attr-defined]
        "imported": 0,
        "duplicates": 3,
        "outside_sessions": 1,
        "unmatched": 1,
    }
    data = report_json(course)
    assert data["participants"][0]["sessions"]["s01"] == {"status": "present", "minutes": 120}
    assert data["unmatched"] == [
        {"session": "s01", "name": "Visitor", "email": "visitor@example.net", "minutes": 30}
    ]
    plain = _import(course, export)
    assert "1 row(s) fall in no live session's window" in plain.stdout  # type: ignore[attr-defined]


def test_a_file_in_no_session_is_an_input_error_and_stores_nothing(
    tmp_path: Path, with_zoom: Recorder
) -> None:
    course = write_course(tmp_path)
    export = tmp_path / "participants.csv"
    export.write_text(ZOOM, encoding="utf-8")
    wrong = _import(course, export, "--date-order", "dmy")  # 8 October, 8 November, 8 September
    assert wrong.exit_code == 2  # type: ignore[attr-defined]
    assert "none of the file's 3 row(s) falls in a live session's window" in wrong.stderr  # type: ignore[attr-defined]
    assert "--date-order" in wrong.stderr  # type: ignore[attr-defined]
    assert not (tmp_path / ".ta-delivery").exists()
    assert with_zoom.calls == []


def test_ambiguous_dates_outside_the_sessions_ask_for_date_order(tmp_path: Path, with_zoom: Recorder) -> None:
    course = write_course(tmp_path)
    export = tmp_path / "participants.csv"
    export.write_text(ZOOM.replace("08/10/2020", "03/04/2020").replace("08/09/2020", "03/04/2020"))
    result = _import(course, export)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "--date-order" in result.stderr  # type: ignore[attr-defined]
    assert not (tmp_path / ".ta-delivery").exists()


def test_link_by_name_and_email_applies_to_earlier_and_later_imports(
    tmp_path: Path, recorder: Recorder
) -> None:
    course = write_course(tmp_path, name2="Benjamin Ali")
    rows = tmp_path / "att.csv"
    rows.write_text(
        "participant,join,leave,session\n"
        "Ben Ali,2020-08-10T14:00:00Z,2020-08-10T16:00:00Z,s01\n"
        "benji@home.example,2020-08-11T14:00:00Z,2020-08-11T15:00:00Z,s02\n",
        encoding="utf-8",
    )
    assert run("attendance", "import", str(course), str(rows)).exit_code == 0
    before = report_json(course)
    assert before["participants"][1]["sessions"]["s01"]["status"] == "absent"
    named = run(
        "attendance", "link", str(course), "--session", "s01", "--name", "ben ALI", "--participant", "tt-02"
    )
    assert named.exit_code == 0, named.output
    assert "status now present" in named.stdout
    mailed = run(
        "attendance",
        "link",
        str(course),
        "--session",
        "s02",
        "--email",
        "Benji@Home.example",
        "--participant",
        "tt-02",
    )
    assert mailed.exit_code == 0, mailed.output
    data = report_json(course)
    assert data["participants"][1]["sessions"] == {
        "s01": {"status": "present", "minutes": 120},
        "s02": {"status": "present", "minutes": 60},
    }
    assert data["unmatched"] == []
    table = run("report", str(course))
    assert "confirmed by hand" in table.stdout
    later = tmp_path / "later.csv"  # a later import of the same person, same session: credited too
    later.write_text(
        "participant,join,leave,session\nBen Ali,2020-08-10T15:00:00Z,2020-08-10T15:30:00Z,s01\n",
        encoding="utf-8",
    )
    result = run("attendance", "import", str(course), str(later), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unmatched"] == 0
    assert report_json(course)["unmatched"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session", "s01", "--participant", "tt-02"], "exactly one of --email or --name"),
        (["--session", "s01", "--name", "x", "--email", "a@b.c", "--participant", "tt-02"], "exactly one"),
        (["--session", "s99", "--name", "x", "--participant", "tt-02"], "no session"),
        (["--session", "s01", "--name", "x", "--participant", "nobody"], "no participant"),
        (["--session", "s01", "--email", "not-an-address", "--participant", "tt-02"], "not an email"),
    ],
)
def test_bad_links_exit_2(tmp_path: Path, recorder: Recorder, args: list[str], message: str) -> None:
    course = write_course(tmp_path)
    result = run("attendance", "link", str(course), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_mid_course_report_shows_upcoming_and_unrecorded_apart_from_absent(
    tmp_path: Path, recorder: Recorder
) -> None:
    course = write_course(tmp_path)
    rows = tmp_path / "att.csv"
    rows.write_text("participant,join,leave,session\njm-01,2020-08-10T14:00:00Z,2020-08-10T16:00:00Z,s01\n")
    now = {"TA_DELIVERY_NOW": "2020-08-10T20:00:00Z"}
    assert run("attendance", "import", str(course), str(rows), env=now).exit_code == 0
    result = run("report", str(course), "--format", "json", env=now)
    data = json.loads(result.stdout)
    ana, ben = data["participants"]
    assert ana["sessions"] == {
        "s01": {"status": "present", "minutes": 120},
        "s02": {"status": "upcoming", "minutes": 0},
    }
    assert ben["sessions"]["s01"] == {"status": "absent", "minutes": 0}  # s01 is recorded
    assert ben["sessions"]["s02"] == {"status": "upcoming", "minutes": 0}
    assert ana["completed"] is True  # 1 of 2 at completion_fraction 0.5
    assert ben["completed"] is None  # s02 could still get there
    table = run("report", str(course), env=now)
    assert "upcoming" in table.stdout and "in progress" in table.stdout
    later = {"TA_DELIVERY_NOW": "2020-08-12T00:00:00Z"}
    data = json.loads(run("report", str(course), "--format", "json", env=later).stdout)
    assert data["participants"][1]["sessions"]["s02"] == {"status": "unrecorded", "minutes": 0}
    empty = tmp_path / "s02.csv"
    empty.write_text("participant,join,leave\n")  # nobody came: an import naming s02 records it
    assert run("attendance", "import", str(course), str(empty), "--session", "s02", env=later).exit_code == 0
    data = json.loads(run("report", str(course), "--format", "json", env=later).stdout)
    assert data["participants"][1]["sessions"]["s02"] == {"status": "absent", "minutes": 0}
    assert data["participants"][1]["completed"] is False


def test_register_csv_offsetless_times_with_timezone(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    rows = tmp_path / "att.csv"
    # 10:00-12:00 in Port of Spain (UTC-4) is s01's window, 14:00-16:00 UTC
    rows.write_text("participant,join,leave\njm-01,2020-08-10T10:00:00,2020-08-10 12:00:00\n")
    refused = run("attendance", "import", str(course), str(rows), "--session", "s01")
    assert refused.exit_code == 2
    assert "--timezone" in refused.stderr
    result = run(
        "attendance",
        "import",
        str(course),
        str(rows),
        "--session",
        "s01",
        "--timezone",
        "America/Port_of_Spain",
    )
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"]["s01"] == {"status": "present", "minutes": 120}


def test_the_readme_tour_imports_the_example_register(tmp_path: Path, recorder: Recorder) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "rtpc-caribbean-2027"
    state = tmp_path / "state.db"
    course, register = example / "course.toml", example / "register.csv"
    result = run("attendance", "import", str(course), str(register), "--json", "--state", str(state))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "imported": 11,
        "duplicates": 0,
        "outside_sessions": 0,
        "unmatched": 1,
    }
    table = run("report", str(course), "--state", str(state))
    assert table.exit_code == 0
    # piped, the table is as wide as it needs: full headings, no cell cut short
    assert "…" not in table.stdout
    assert "Weekly webinar (12/12)" in table.stdout and "2027-11-03" in table.stdout
    assert "Andre Campbell (jm-01)" in table.stdout


def test_reimport_and_partial_reimport_keep_every_stored_row(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    full = tmp_path / "full.csv"
    full.write_text(
        "participant,join,leave,session\n"
        "jm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z,s01\n"
        "jm-01,2020-08-10T15:00:00Z,2020-08-10T16:00:00Z,s01\n"
    )
    part = tmp_path / "part.csv"  # only the first row: the second, stored, must still count
    part.write_text("participant,join,leave,session\njm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z,s01\n")
    for file in (full, full, part):
        result = run("attendance", "import", str(course), str(file))
        assert result.exit_code == 0, result.output
        statuses = {(s.participant_id, s.session_id): s for s in recorder.calls[-1]}
        assert statuses[("jm-01", "s01")].status == "present"
        assert statuses[("jm-01", "s01")].attended_seconds == 7200


# --- edge cases on a one-participant course in UTC (July 2027), at a fixed clock -------------------------

ANA = person("p1", "Ana", "ana@example.org", "UTC")
NOW = "2027-08-01T08:00:00Z"


def qa_course(
    tmp_path: Path,
    *,
    extra: str = "",
    participants: Sequence[Mapping[str, Any]] = (ANA,),
    s1: Mapping[str, Any] | None = None,
    s2: Mapping[str, Any] | None = None,
) -> Path:
    """Course ``qa``: trainer ``tr``, ``participants``, live sessions s1 and s2 (an hour each, on 1 and 2
    July 2027 UTC) with the keys ``s1``/``s2`` added; ``extra`` (tables) appended."""
    text = course_toml(
        id="qa",
        title="QA course",
        timezone="UTC",
        organizer=ORG,
        trainers=(person("tr", "Trainer", timezone="UTC"),),
        participants=participants,
        sessions=(
            session("s1", "2027-07-01T10:00:00Z", 60, title="One", trainers=None, **(s1 or {})),
            session("s2", "2027-07-02T10:00:00Z", 60, title="Two", trainers=None, **(s2 or {})),
        ),
        extra=extra,
    )
    return courses.write_course(tmp_path, text)


def run_qa(*args: str, env: Mapping[str, str] | None = None) -> Any:
    """``run`` at the clock ``NOW`` (every session of ``qa_course`` has ended)."""
    return run(*args, env={"TA_DELIVERY_NOW": NOW, **(env or {})})


def qa_report(course: Path) -> Any:
    result = run_qa("report", str(course), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


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
    course = qa_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(f"participant,join,leave\np1,{join},{join}\n", encoding="utf-8")
    result = run_qa("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 2, result.output
    assert f"line 2, column {column}" in result.stderr
    assert "out of range" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()


def test_register_csv_leave_out_of_range_names_the_leave_cell(tmp_path: Path) -> None:
    course = qa_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave\np1,2027-07-01T10:00:00Z,9999-12-31T23:00:00-05:00\n", encoding="utf-8"
    )
    result = run_qa("attendance", "import", str(course), str(data), "--session", "s1")
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
    plugins_with(monkeypatch, OverflowFormat())
    course = qa_course(tmp_path)
    data = tmp_path / "att.txt"
    data.write_text("x", encoding="utf-8")
    result = run_qa("attendance", "import", str(course), str(data), "--format", "ovf", "--session", "s1")
    assert result.exit_code == 2, result.output
    assert "malformed file" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()


# --- the LMS's settings are read before anything is recorded -------------------------------------


class UnconfiguredLms:
    """An LMS whose settings are missing: building it is an input error, as for Moodle without a URL."""

    @hookimpl
    def ta_delivery_register_lms(self) -> list[LmsSpec]:
        def factory(context: Any) -> Any:
            raise InputError("is not set", source="TA_DELIVERY_FAKELMS_URL")

        return [LmsSpec("fakelms", factory)]


QA_LMS = '\n[lms]\nprovider = "fakelms"\ncourse = "qa"\nattendance = true'
QA_ROWS = "participant,join,leave,session\np1,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n"


def test_import_with_an_unconfigured_lms_exits_2_and_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = Recorder()
    plugins_with(monkeypatch, UnconfiguredLms(), pushes)
    course = qa_course(tmp_path, extra=QA_LMS)
    data = tmp_path / "att.csv"
    data.write_text(QA_ROWS, encoding="utf-8")
    result = run_qa("attendance", "import", str(course), str(data))
    assert result.exit_code == 2, result.output
    assert "TA_DELIVERY_FAKELMS_URL" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()
    assert pushes.calls == []
    result = run_qa(
        "attendance", "excuse", str(course), "--session", "s1", "--participant", "p1", "--reason", "ill"
    )
    assert result.exit_code == 2, result.output
    assert not (tmp_path / ".ta-delivery").exists()


def test_import_without_lms_attendance_does_not_build_the_lms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins_with(monkeypatch, UnconfiguredLms())
    course = qa_course(tmp_path, extra=QA_LMS.replace("true", "false"))
    data = tmp_path / "att.csv"
    data.write_text(QA_ROWS, encoding="utf-8")
    result = run_qa("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    assert qa_report(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}


# --- register-csv: forms of the same data a user may hand in -----------------------------------


def test_register_csv_accepts_rfc3339_lower_case_t_and_z(tmp_path: Path) -> None:
    course = qa_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave\np1,2027-07-01t10:00:00z,2027-07-01t10:45:00-00:00\n", encoding="utf-8"
    )
    result = run_qa("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 0, result.output
    assert qa_report(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 45}


def test_register_csv_naive_time_needs_the_timezone_even_next_to_a_lower_case_one(tmp_path: Path) -> None:
    course = qa_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text("participant,join,leave\np1,2027-07-01t10:00:00z,2027-07-01T10:45:00\n", encoding="utf-8")
    result = run_qa("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 2, result.output
    assert "line 2, column leave" in result.stderr
    assert "no UTC offset" in result.stderr and "--timezone" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()
    result = run_qa("attendance", "import", str(course), str(data), "--session", "s1", "--timezone", "UTC")
    assert result.exit_code == 0, result.output
    assert qa_report(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 45}


def test_register_csv_with_old_mac_line_endings(tmp_path: Path) -> None:
    course = qa_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_bytes(
        b"participant,join,leave,session\r"
        b"p1,2027-07-01T10:00:00Z,2027-07-01T10:30:00Z,s1\r"
        b"ana@example.org,2027-07-02T10:00:00Z,2027-07-02T11:00:00Z,s2\r"
    )
    result = run_qa("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    assert qa_report(course)["participants"][0]["sessions"] == {
        "s1": {"status": "partial", "minutes": 30},
        "s2": {"status": "present", "minutes": 60},
    }


def test_register_csv_participant_id_matches_ignoring_case(tmp_path: Path) -> None:
    course = qa_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave,session\n"
        "P1,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n"
        "TR,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n",
        encoding="utf-8",
    )
    result = run_qa("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    report = qa_report(course)
    assert report["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}
    assert report["unmatched"] == []  # the trainer's row is kept, not reported


def test_an_id_that_matches_two_people_only_ignoring_case_is_unmatched(tmp_path: Path) -> None:
    others = (
        person("Ab", "Other", "other@example.org", "UTC"),
        person("aB", "Other", "o2@example.org", "UTC"),
    )
    course = qa_course(tmp_path, participants=(ANA, *others))
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave,session\n"
        "Ab,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n"
        "AB,2027-07-01T10:00:00Z,2027-07-01T10:30:00Z,s1\n",
        encoding="utf-8",
    )
    result = run_qa("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    report = qa_report(course)
    by_id = {p["id"]: p["sessions"] for p in report["participants"]}
    assert by_id["Ab"]["s1"] == {"status": "present", "minutes": 60}
    assert by_id["aB"]["s1"] == {"status": "absent", "minutes": 0}
    assert report["unmatched"] == [{"session": "s1", "name": "AB", "email": None, "minutes": 30}]


def test_teams_report_mixing_times_with_and_without_an_offset(tmp_path: Path) -> None:
    course = qa_course(tmp_path)
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
    result = run_qa(
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
    assert qa_report(course)["participants"][0]["sessions"]["s1"] == {"status": "partial", "minutes": 30}


def test_an_address_a_participant_shares_with_a_trainer_credits_the_participant(tmp_path: Path) -> None:
    course = qa_course(tmp_path, participants=(person("p1", "Ana", "TR@example.org", "UTC"),))
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave,session\ntr@example.org,2027-07-01T10:00:00Z,2027-07-01T11:00:00Z,s1\n",
        encoding="utf-8",
    )
    result = run_qa("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    report = qa_report(course)
    assert report["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}
    assert report["unmatched"] == []


def test_csv_report_lists_a_participant_in_no_live_session(tmp_path: Path) -> None:
    only_p1 = {"participants": ["p1"]}
    p9 = person("p9", "Nobody Yet", "p9@example.org", "UTC")
    course = qa_course(tmp_path, participants=(ANA, p9), s1=only_p1, s2=only_p1)
    assert qa_report(course)["participants"][1]["live_sessions"] == 0
    result = run_qa("report", str(course), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    nobody = [r for r in rows if r["participant"] == "p9"]
    assert len(nobody) == 1 and nobody[0]["session"] == "" and nobody[0]["live_sessions"] == "0"


# --- bad files: every mistake at once ---------------------------------------------------------------

GOOD = "jm-01,2027-09-06T14:00:00Z,2027-09-06T15:00:00Z,s01\n"

#: One good row, then five different mistakes on lines 3 to 7.
REGISTER = (
    "participant,join,leave,session\n"
    + GOOD
    + "jm-01,yesterday,2027-09-06T15:00:00Z,s01\n"
    + ",2027-09-06T14:00:00Z,2027-09-06T15:00:00Z,s01\n"
    + "jm-01,2027-09-06T15:00:00Z,2027-09-06T14:00:00Z,s01\n"
    + "jm-01,2027-09-06T14:00:00Z,2027-09-06T15:00:00Z,s99\n"
    + "jm-01,2027-09-06T14:00:00Z\n"
)


def stored(course: Path) -> int:
    """How many raw rows the store holds for the default course (0 without a store)."""
    if not (course.parent / ".ta-delivery" / "state.db").exists():
        return 0
    store = open_store(state_location(course))
    try:
        return AttendanceStore(store).count("demo-2027")
    finally:
        store.close()


def error_lines(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture
def builtin_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "ta_delivery.cli.attendance.plugin_manager", lambda: make_plugin_manager(entry_points=False)
    )


def test_register_csv_reports_every_mistake_in_one_run_and_stores_nothing(
    tmp_path: Path, builtin_only: None
) -> None:
    course = write_default(tmp_path)
    first = tmp_path / "first.csv"
    first.write_text("participant,join,leave,session\n" + GOOD, encoding="utf-8")
    assert run("attendance", "import", str(course), str(first)).exit_code == 0
    before = report_json(course)

    bad = tmp_path / "bad.csv"
    bad.write_text(REGISTER.replace(GOOD, "jm-01,2027-09-06T15:00:00Z,2027-09-06T15:30:00Z,s01\n"), "utf-8")
    result = run("attendance", "import", str(course), str(bad))

    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 5, result.stderr
    assert all(str(bad) in line for line in lines)
    wanted = [
        ("line 3, column join", "'yesterday' is not an ISO 8601 date-time"),
        ("line 4, column participant", "participant is empty"),
        ("line 5, column leave", "leave is before join"),
        ("line 6, column session", "no session 's99'"),
        ("line 7", "the row has 2 cells"),
    ]
    for (key, message), line in zip(wanted, lines, strict=True):
        assert key in line and message in line, line
    assert result.stdout == ""
    assert report_json(course) == before  # the good new row of the bad file was not stored either
    assert stored(course) == 1


def test_many_mistakes_are_capped_with_a_count_of_the_rest(tmp_path: Path, builtin_only: None) -> None:
    course = write_default(tmp_path)
    bad = tmp_path / "bad.csv"
    rows = "".join(f"jm-01,never {n},2027-09-06T15:00:00Z,s01\n" for n in range(MAX_PROBLEMS + 7))
    bad.write_text("participant,join,leave,session\n" + rows, encoding="utf-8")
    result = run("attendance", "import", str(course), str(bad), "--json")
    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == MAX_PROBLEMS + 1
    assert "and 7 more" in lines[-1]
    assert "line 2, column join" in lines[0]
    assert stored(course) == 0


def test_tabular_rows_report_every_bad_time_and_order() -> None:
    course = make_course()
    source = "export.csv"
    request = ImportRequest(
        path=Path(source), data=b"", course=course, timezone=ZoneInfo("UTC"), date_order="mdy"
    )
    rows = [
        Row(
            "rows[1]",
            Stamp("09/06/2027 14:00", "rows[1].Join", source),
            Stamp("09/06/2027 15:00", "k", source),
        ),
        Row(
            "rows[2]",
            Stamp("13/40/2027 14:00", "rows[2].Join", source),
            Stamp("09/06/2027 15:00", "k", source),
        ),
        Row(
            "rows[3]",
            Stamp("09/06/2027 15:00", "j", source),
            Stamp("09/06/2027 14:00", "rows[3].Leave", source),
        ),
        Row("rows[4]", Stamp("09/06/2027 14:00", "j", source), None),
        Row(
            "rows[5]",
            Stamp("09/06/2027 14:00", "j", source),
            Stamp("09/06/2027 15:00", "k", source),
            session="zz",
        ),
    ]
    with pytest.raises(InputErrors) as caught:
        segments(request, rows, "test")
    keys = sorted(str(e.key) for e in caught.value.errors)
    assert keys == ["rows[2].Join", "rows[3].Leave", "rows[4]", "session"]
    assert all(e.source == source for e in caught.value.errors)


# --- the plugins' formats ------------------------------------------------------------------------------

ZOOM_CSV = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Ana Pérez,ana@example.org,09/06/2027 10:00:00,09/06/2027 12:00:00,120,No\n"
    "Bad One,b1@example.net,not a time,09/06/2027 11:00:00,60,No\n"
    "Bad Two,b2@example.net,,09/06/2027 11:00:00,60,No\n"
    "Bad Three,b3@example.net,09/06/2027 11:00:00,09/06/2027 10:00:00,60,No\n"
    "Bad Four,b4@example.net\n"
)
ZOOM_JSON = json.dumps(
    {
        "participants": [
            {
                "name": "Ana",
                "user_email": "ana@example.org",
                "join_time": "2027-09-06T14:00:00Z",
                "leave_time": "2027-09-06T16:00:00Z",
            },
            {"name": "B1", "join_time": "", "leave_time": "2027-09-06T16:00:00Z"},
            {"name": "B2", "join_time": "2027-09-06T14:00:00Z", "leave_time": 7},
            {"name": "B3", "join_time": "2027-09-06T15:00:00Z", "leave_time": "2027-09-06T14:00:00Z"},
            {"name": "B4", "join_time": "someday", "leave_time": "2027-09-06T14:00:00Z"},
        ]
    }
)
WEBEX_CSV = (
    "Name,Email,Join Time,Leave Time,Duration\n"
    "Ana Pérez,ana@example.org,09/06/2027 10:00:00,09/06/2027 12:00:00,120\n"
    "Bad One,b1@example.net,,09/06/2027 11:00:00,60\n"
    "Bad Two,b2@example.net,09/06/2027 10:00:00,,soon\n"
    "Bad Three,b3@example.net,09/06/2027 10:00:00,,\n"
    "Bad Four,b4@example.net,not a time,09/06/2027 11:00:00,60\n"
)
TEAMS_CSV = (
    "Full Name\tUser Action\tTimestamp\n"
    "Ana Pérez\tJoined\t9/6/2027, 10:00:00 AM\n"
    "Bad One\tWaved\t9/6/2027, 10:01:00 AM\n"
    "Bad Two\tLeft\t9/6/2027, 10:02:00 AM\n"
    "Bad Three\tJoined\tlater\n"
    "Ana Pérez\tLeft\t9/6/2027, 11:50:00 AM\n"
)
MEET_CSV = (
    "First name,Last name,Email,Duration,Time joined,Time exited\n"
    "Ana,Pérez,ana@example.org,2 hr,09/06/2027 10:00,09/06/2027 12:00\n"
    "Bad,One,b1@example.net,1 hr,,09/06/2027 11:00\n"
    "Bad,Two,b2@example.net,whenever,09/06/2027 10:00,\n"
    "Bad,Three,b3@example.net,1 hr,yesterday,09/06/2027 11:00\n"
)

#: format, file text, the keys its errors name, in the file's order
CASES: list[tuple[str, str, list[str]]] = [
    (
        "zoom-csv",
        ZOOM_CSV,
        ["rows[2].Join Time", "rows[3].Join Time", "rows[4].Leave Time", "rows[5]"],
    ),
    (
        "zoom-json",
        ZOOM_JSON,
        [
            "participants[1].join_time",
            "participants[2].leave_time",
            "participants[3].leave_time",
            "participants[4].join_time",
        ],
    ),
    (
        "webex-csv",
        WEBEX_CSV,
        ["rows[3].Join Time", "rows[4].Duration", "rows[5].Leave Time", "rows[6].Join Time"],
    ),
    ("teams-csv", TEAMS_CSV, ["line 3", "line 4", "line 5, Timestamp"]),
    ("meet-csv", MEET_CSV, ["rows[2].Time joined", "rows[3].Time exited", "rows[4].Time joined"]),
]


@pytest.mark.parametrize(("fmt", "text", "keys"), CASES, ids=[c[0] for c in CASES])
def test_every_format_reports_all_its_bad_rows_at_once(fmt: str, text: str, keys: list[str]) -> None:
    formats = make_plugin_manager().formats
    if fmt not in formats:
        pytest.skip(f"no plugin gives {fmt}")
    request = ImportRequest(
        path=Path(f"export.{fmt}"),
        data=text.encode("utf-8"),
        course=make_course(),
        timezone=ZoneInfo("America/Port_of_Spain"),
        date_order="mdy",
    )
    with pytest.raises(InputError) as caught:
        list(formats[fmt].parse(request))
    error = caught.value
    assert isinstance(error, InputErrors), str(error)
    assert sorted(str(e.key) for e in error.errors) == sorted(keys), str(error)
    assert all(e.source == f"export.{fmt}" for e in error.errors)


def test_zoom_csv_import_with_several_mistakes_exits_2_and_stores_nothing(tmp_path: Path) -> None:
    if "zoom-csv" not in make_plugin_manager().formats:
        pytest.skip("the zoom plugin is not installed")
    course = write_default(tmp_path)
    export = tmp_path / "participants.csv"
    export.write_text(ZOOM_CSV, encoding="utf-8")
    args = ["--format", "zoom-csv", "--timezone", "America/Port_of_Spain", "--date-order", "mdy"]
    result = run("attendance", "import", str(course), str(export), *args)
    assert result.exit_code == 2
    assert len(error_lines(result)) == 4, result.stderr
    assert stored(course) == 0


def test_rows_naming_sessions_not_live_are_counted_once_per_session(tmp_path: Path) -> None:
    if "zoom-csv" not in make_plugin_manager().formats:
        pytest.skip("the zoom plugin is not installed")
    course = write_default(tmp_path)
    export = tmp_path / "participants.csv"
    export.write_text(
        "Name (Original Name),User Email,Join Time,Leave Time,Session\n"
        "Ana,ana@example.org,09/06/2027 10:00:00,09/06/2027 12:00:00,s01\n"
        "Ben,ben@example.org,09/06/2027 10:00:00,09/06/2027 12:00:00,s09\n"
        "Cy,cy@example.org,09/06/2027 10:00:00,09/06/2027 12:00:00,s09\n"
        "Di,di@example.org,09/06/2027 10:00:00,not a time,s01\n",
        encoding="utf-8",
    )
    args = ["--format", "zoom-csv", "--timezone", "America/Port_of_Spain", "--date-order", "mdy"]
    result = run("attendance", "import", str(course), str(export), *args)
    assert result.exit_code == 2
    first, second = error_lines(result)
    assert "rows[4].Leave Time" in first and "2 row(s) name session 's09'" in second
    export.write_text(export.read_text("utf-8").replace("not a time", "09/06/2027 11:00:00"), "utf-8")
    result = run("attendance", "import", str(course), str(export), *args)
    assert result.exit_code == 2
    [line] = error_lines(result)
    assert "2 row(s) name session 's09', which is not on the course" in line and "(s01, s02)" in line
    assert stored(course) == 0


def test_rows_outside_every_session_count_once_a_later_edit_of_the_course_brings_them_in(
    tmp_path: Path, with_zoom: Recorder
) -> None:
    course = write_course(tmp_path)
    export = tmp_path / "participants.csv"
    ana_early = "Ana Pérez,ana@example.org,08/09/2020 10:00:00,08/09/2020 11:00:00,60,No\n"
    export.write_text(ZOOM + ana_early, encoding="utf-8")
    first = _import(course, export, "--json")
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    assert json.loads(first.stdout)["outside_sessions"] == 2  # type: ignore[attr-defined]
    before = report_json(course)
    assert [s["id"] for s in before["sessions"]] == ["s01", "s02"]
    assert all(u["session"] == "s01" for u in before["unmatched"])
    # the coordinator adds the eve-of-course session the early rows belong to: they count there now
    eve = table("[[sessions]]", session("s00", "2020-08-09T10:00:00", 60, title="Eve"))
    write_course(tmp_path, extra=eve)
    after = report_json(course)
    ana = after["participants"][0]
    assert ana["sessions"]["s00"] == {"status": "present", "minutes": 60}
    assert after["participants"][1]["sessions"]["s00"] == {"status": "absent", "minutes": 0}
    assert {"session": "s00", "name": "Early Bird", "email": "early@example.net", "minutes": 60} in after[
        "unmatched"
    ]
    again = _import(course, export, "--json")  # nothing new, and nothing outside any more
    assert json.loads(again.stdout) == {  # type: ignore[attr-defined]
        "imported": 0,
        "duplicates": 4,
        "outside_sessions": 0,
        "unmatched": 2,
    }
    assert report_json(course) == after
    # moved away again: the rows, outside once more, are still the rows already stored
    write_course(tmp_path, extra=eve.replace("2020-08-09", "2020-08-20"))
    moved = _import(course, export, "--json")
    assert json.loads(moved.stdout) == {  # type: ignore[attr-defined]
        "imported": 0,
        "duplicates": 4,
        "outside_sessions": 2,
        "unmatched": 1,
    }
