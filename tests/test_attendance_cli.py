"""The attendance commands (``attendance import``, ``link``, ``excuse``, ``pull``) and ``report``
(PRODUCT.md section 4), driven through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.errors import Unavailable
from ta_delivery.hookspecs import hookimpl
from ta_delivery.plugins import Plugins, make_plugin_manager
from ta_delivery.records import (
    AttendanceStatus,
    LmsSpec,
)
from ta_delivery.store import open_store, state_location
from ta_delivery.testing.courses import ORG, T1, course_toml, person, session

#: the course's own policy, appended to the default course file
POLICY = """
[attendance]
late_after_minutes = 10
present_fraction = 0.75
partial_fraction = 0.25
completion_fraction = 0.5
"""


def course_text(*, extra: str = "", name2: str = "Ben Ali", **course: Any) -> str:
    """The course most tests here share: ``demo`` in Port of Spain, live sessions s01 (taught by rf) and
    s02 in August 2020 and a recorded one; ``extra`` (tables) is appended, ``course`` keys go to [course]."""
    return course_toml(
        id="demo",
        organizer={"name": "Institute", "email": "training@example.org"},
        participants=(
            person("jm-01", "Ana Pérez", "Ana@Example.org", "America/Jamaica", country="JM"),
            person("tt-02", name2, "ben@example.org", "America/Port_of_Spain", country="TT"),
        ),
        sessions=(
            session("s01", "2020-08-10T10:00:00", 120, title="Opening"),
            session("s02", "2020-08-11T10:00:00", 60, title="Second", trainers=None),
            session("rec", "2020-08-12T10:00:00", 60, title="Recording", kind="recorded", trainers=None),
        ),
        extra=POLICY + extra,
        **course,
    )


ROWS = """participant,join,leave,session
jm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z,s01
 ANA@example.org ,2020-08-10T10:50:00-04:00,2020-08-10T16:10:00Z,s01
ben@example.org,2020-08-10T14:30:00Z,2020-08-10T15:00:00.5Z,s01
guest@x.org,2020-08-10T14:00:00Z,2020-08-10T14:30:00Z,s01
GUEST@x.org,2020-08-10T14:20:00Z,2020-08-10T14:45:00Z,s01
Ben Ali,2020-08-11T14:00:00Z,2020-08-11T15:00:00Z,s02
tt-02,2020-08-11T14:11:00Z,2020-08-11T15:30:00Z,s02
rf,2020-08-10T13:50:00Z,2020-08-10T16:00:00Z,s01
"""

EXPECTED: dict[str, Any] = {
    "course": "demo",
    "sessions": [
        {"id": "s01", "start": "2020-08-10T14:00:00Z", "minutes": 120},
        {"id": "s02", "start": "2020-08-11T14:00:00Z", "minutes": 60},
    ],
    "participants": [
        {
            "id": "jm-01",
            "completed": True,
            "attended_sessions": 1,
            "live_sessions": 2,
            "prerequisites_met": None,
            "sessions": {
                "s01": {"status": "present", "minutes": 120},
                "s02": {"status": "absent", "minutes": 0},
            },
        },
        {
            "id": "tt-02",
            "completed": True,
            "attended_sessions": 1,
            "live_sessions": 2,
            "prerequisites_met": None,
            "sessions": {
                "s01": {"status": "partial", "minutes": 30},
                "s02": {"status": "late", "minutes": 49},
            },
        },
    ],
    "unmatched": [
        {"session": "s01", "name": None, "email": "guest@x.org", "minutes": 45},
        {"session": "s02", "name": "Ben Ali", "email": None, "minutes": 60},
    ],
}


class Recorder:
    """A plugin that remembers every attendance_recorded call."""

    def __init__(self) -> None:
        self.calls: list[list[AttendanceStatus]] = []

    @hookimpl
    def ta_delivery_attendance_recorded(
        self, course: Any, statuses: Sequence[AttendanceStatus], context: Any
    ) -> None:
        self.calls.append(list(statuses))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    monkeypatch.setattr(
        "ta_delivery.cli.attendance.plugin_manager",
        lambda: make_plugin_manager(entry_points=False, extra=[rec]),
    )
    return rec


def write_course(tmp_path: Path, *, extra: str = "", name2: str = "Ben Ali", **course: Any) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(course_text(extra=extra, name2=name2, **course), encoding="utf-8")
    return path


def imported(tmp_path: Path, rows: str = ROWS) -> Path:
    """The shared course with ``rows`` (register-csv) imported; the course file's path."""
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(rows, encoding="utf-8")
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    return course


def run(*args: str, env: Mapping[str, str] | None = None) -> Any:
    runner = CliRunner()
    return runner.invoke(
        main, list(args), env={"TA_DELIVERY_STATE": "", **(env or {})}, catch_exceptions=False
    )


def report_json(course: Path) -> Any:
    result = run("report", str(course), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_then_report_json_exactly(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 0, result.output
    assert "8 new" in result.stdout
    assert report_json(course) == EXPECTED
    assert (tmp_path / ".ta-delivery" / "state.db").is_file()
    # the hook saw every participant's status in the affected sessions
    assert len(recorder.calls) == 1
    seen = {(s.session_id, s.participant_id): s.status for s in recorder.calls[0]}
    assert seen == {
        ("s01", "jm-01"): "present",
        ("s01", "tt-02"): "partial",
        ("s02", "jm-01"): "absent",
        ("s02", "tt-02"): "late",
    }
    # the statuses table holds them too
    store = open_store(state_location(course))
    try:
        from ta_delivery.attendance import AttendanceStore

        stored = AttendanceStore(store).statuses("demo")
    finally:
        store.close()
    assert {k: v[0] for k, v in stored.items()} == seen
    assert stored[("s01", "tt-02")][1] == pytest.approx(1800.5)


def test_reimport_changes_nothing(tmp_path: Path, recorder: Recorder) -> None:
    course = imported(tmp_path)
    first = report_json(course)
    shuffled = tmp_path / "again.csv"
    lines = ROWS.strip().splitlines()
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    result = run("attendance", "import", str(course), str(shuffled))
    assert result.exit_code == 0
    assert "0 new, 8 already recorded" in result.stdout
    assert report_json(course) == first


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "participant,join,leave\njm-01,2020-08-10T10:00:00,2020-08-10T11:00:00Z\n",
            ["--session", "s01"],
            "line 2, column join",
        ),
        (
            "participant,join,leave\njm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z\n",
            [],
            "--session is required",
        ),
        ("participant,join,leave,session\njm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z,s99\n", [], "s99"),
        (
            "participant,join,leave,session\njm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z,rec\n",
            [],
            "recorded",
        ),
        (
            "participant,join,leave\njm-01,2020-08-10T15:00:00Z,2020-08-10T14:00:00Z\n",
            ["--session", "s01"],
            "leave is before join",
        ),
        ("participant,join\njm-01,2020-08-10T15:00:00Z\n", ["--session", "s01"], "leave"),
        ("", ["--session", "s01"], "empty"),
        ("participant,join,leave\njm-01,yesterday,2020-08-10T14:00:00Z\n", ["--session", "s01"], "ISO 8601"),
        (
            "participant,join,leave\njm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z\n",
            ["--session", "nope"],
            "nope",
        ),
        (
            "participant,join,leave\njm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z\n",
            ["--format", "xls"],
            "xls",
        ),
        (
            "participant,join,leave\njm-01,2020-08-10T14:00:00Z,2020-08-10T15:00:00Z\n",
            ["--session", "s01", "--timezone", "Mars/Base"],
            "--timezone",
        ),
    ],
)
def test_malformed_input_exits_2_and_stores_nothing(
    tmp_path: Path, recorder: Recorder, content: str, args: list[str], message: str
) -> None:
    course = write_course(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = run("attendance", "import", str(course), str(bad), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()
    assert recorder.calls == []


def test_a_bad_row_after_good_ones_stores_nothing(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    good = tmp_path / "good.csv"
    good.write_text(ROWS, encoding="utf-8")
    assert run("attendance", "import", str(course), str(good)).exit_code == 0
    before = report_json(course)
    bad = tmp_path / "bad.csv"
    rows = ["participant,join,leave,session"]
    rows += [f"p{i}@example.org,2020-08-11T14:00:00Z,2020-08-11T15:00:00Z,s02" for i in range(50_000)]
    rows.append("jm-01,2020-08-11T14:00:00,2020-08-11T15:00:00Z,s02")
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("attendance", "import", str(course), str(bad))
    assert result.exit_code == 2
    assert f"{bad}: line 50002, column join" in result.stderr
    assert report_json(course) == before
    assert len(recorder.calls) == 1


def test_excuse_leaves_the_denominator(tmp_path: Path, recorder: Recorder) -> None:
    course = imported(tmp_path)
    result = run(
        "attendance", "excuse", str(course), "--session", "s02", "--participant", "jm-01", "--reason", "sick"
    )
    assert result.exit_code == 0, result.output
    assert "status now excused" in result.stdout
    ana = report_json(course)["participants"][0]
    assert ana == {
        "id": "jm-01",
        "completed": True,
        "attended_sessions": 1,
        "live_sessions": 1,
        "prerequisites_met": None,
        "sessions": {
            "s01": {"status": "present", "minutes": 120},
            "s02": {"status": "excused", "minutes": 0},
        },
    }
    assert [s.status for s in recorder.calls[-1] if s.participant_id == "jm-01"] == ["excused"]
    # an excuse does not hide attendance that counts
    result = run(
        "attendance", "excuse", str(course), "--session", "s02", "--participant", "tt-02", "--reason", "x"
    )
    assert report_json(course)["participants"][1]["sessions"]["s02"] == {"status": "late", "minutes": 49}
    table = run("report", str(course), env={"COLUMNS": "200"})
    assert "excused: sick" in table.stdout
    result = run(
        "attendance", "excuse", str(course), "--session", "s02", "--participant", "jm-01", "--withdraw"
    )
    assert result.exit_code == 0
    assert report_json(course)["participants"][0]["live_sessions"] == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--session", "s99", "--participant", "jm-01", "--reason", "x"],
        ["--session", "rec", "--participant", "jm-01", "--reason", "x"],
        ["--session", "s01", "--participant", "rf", "--reason", "x"],
        ["--session", "s01", "--participant", "jm-01", "--reason", "  "],
        ["--session", "s01", "--participant", "jm-01"],
    ],
)
def test_bad_excuses_exit_2(tmp_path: Path, recorder: Recorder, args: list[str]) -> None:
    course = write_course(tmp_path)
    result = run("attendance", "excuse", str(course), *args)
    assert result.exit_code == 2, result.output


def test_report_without_any_state_shows_every_ended_session_unrecorded(
    tmp_path: Path, recorder: Recorder
) -> None:
    course = write_course(tmp_path)
    data = report_json(course)
    assert data["unmatched"] == []
    assert all(
        p["sessions"]
        == {"s01": {"status": "unrecorded", "minutes": 0}, "s02": {"status": "unrecorded", "minutes": 0}}
        for p in data["participants"]
    )
    assert all(p["completed"] is None for p in data["participants"])  # still open: nothing recorded
    assert not (tmp_path / ".ta-delivery").exists()


def test_state_option_and_environment(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere.db"
    assert run("attendance", "import", str(course), str(data), "--state", str(elsewhere)).exit_code == 0
    assert elsewhere.is_file()
    assert not (tmp_path / ".ta-delivery").exists()
    via_env = run("report", str(course), "--format", "json", env={"TA_DELIVERY_STATE": str(elsewhere)})
    assert json.loads(via_env.stdout) == EXPECTED


def test_csv_report_neutralises_formulas(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path, name2='=HYPERLINK("http://evil")')
    data = tmp_path / "att.csv"
    data.write_text(ROWS.replace("Ben Ali", "@SUM(A1)"), encoding="utf-8")
    assert run("attendance", "import", str(course), str(data)).exit_code == 0
    out = tmp_path / "report.csv"
    result = run("report", str(course), "--format", "csv", "--out", str(out))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    names = {r["name"] for r in rows}
    assert '\'=HYPERLINK("http://evil")' in names
    assert "'@SUM(A1)" in {r["email"] for r in rows}
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    first = rows[0]
    assert first["participant"] == "jm-01"
    assert first["status"] == "present"
    assert first["minutes"] == "120"
    assert [r["status"] for r in rows[-2:]] == ["unmatched", "unmatched"]


def test_report_table_explains(tmp_path: Path, recorder: Recorder) -> None:
    course = imported(tmp_path)
    result = run("report", str(course), "--format", "table", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = result.stdout
    assert "Ana Pérez (jm-01)" in text
    assert "under the 75% needed to be present" in text
    assert "first joined 11 min after the start" in text
    assert "guest@x.org" in text
    assert "suggested name matches" in text


TEAMS = (
    "1. Summary\n"
    "Meeting title\tOpening\n"
    "Attended participants\t3\n"
    "Start time\t8/10/20, 9:55:02 AM\n"
    "End time\t8/10/20, 12:01:00 PM\n"
    "Meeting duration\t2h 5m 58s\n"
    "\n"
    "2. Participants\n"
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
    "Pérez, Ana\t8/10/20, 10:00:00 AM\t8/10/20, 12:00:00 PM\t1h 50m\t"
    "ana@example.org\tana@example.org\tAttendee\n"
    "Ben Ali\t8/10/20, 10:20:00 AM\t8/10/20, 11:00:00 AM\t40m\t\t\tAttendee\n"
    "Roberto F.\t8/10/20, 9:55:02 AM\t8/10/20, 12:01:00 PM\t2h 5m 58s\t"
    "rf@example.org\trf@example.org\tOrganizer\n"
    "\n"
    "3. In-Meeting activities\n"
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n"
    "Pérez, Ana\t8/10/20, 10:00:00 AM\t8/10/20, 10:30:00 AM\t30m\tana@example.org\tAttendee\n"
    "Pérez, Ana\t8/10/20, 10:40:00 AM\t8/10/20, 12:00:00 PM\t1h 20m\tana@example.org\tAttendee\n"
    "Ben Ali\t8/10/20, 10:20:00 AM\t8/10/20, 11:00:00 AM\t40m\t\tAttendee\n"
    "Roberto F.\t8/10/20, 9:55:02 AM\t8/10/20, 12:01:00 PM\t2h 5m 58s\trf@example.org\tOrganizer\n"
)


def test_teams_report_needs_a_zone_and_reads_utf16(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    report = tmp_path / "meetingAttendanceReport(Opening).csv"
    report.write_bytes(TEAMS.encode("utf-16"))
    result = run(
        "attendance", "import", str(course), str(report), "--format", "teams-csv", "--session", "s01"
    )
    assert result.exit_code == 2
    assert "--timezone" in result.stderr
    result = run(
        "attendance",
        "import",
        str(course),
        str(report),
        "--format",
        "teams-csv",
        "--timezone",
        "America/Port_of_Spain",
    )  # no --session: found from the summary's start time
    assert result.exit_code == 0, result.output
    data = report_json(course)
    assert data["participants"][0]["sessions"]["s01"] == {"status": "present", "minutes": 110}
    assert data["participants"][1]["sessions"]["s01"] == {"status": "absent", "minutes": 0}
    assert data["unmatched"] == [{"session": "s01", "name": "Ben Ali", "email": None, "minutes": 40}]
    table = run("report", str(course))
    assert "suggested name matches" in table.stdout


def test_teams_day_first_dates(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    text = (
        "1. Summary\nMeeting title\tSecond\nStart time\t11/08/2020, 10:00:00\n\n"
        "2. Participants\n"
        "Name\tFirst join\tLast leave\tIn-meeting duration\tEmail\tParticipant ID (UPN)\tRole\n"
        "Ana\t11/08/2020, 10:05:00\t11/08/2020, 11:00:00\t55m\tana@example.org\tana@example.org\tAttendee\n"
    )
    report = tmp_path / "teams.csv"
    report.write_bytes(text.encode("utf-16"))
    result = run(
        "attendance",
        "import",
        str(course),
        str(report),
        "--format",
        "teams-csv",
        "--session",
        "s02",
        "--timezone",
        "America/Port_of_Spain",
    )
    assert result.exit_code == 0, result.output
    assert report_json(course)["participants"][0]["sessions"]["s02"] == {"status": "present", "minutes": 55}


def test_teams_not_a_report(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    report = tmp_path / "teams.csv"
    report.write_bytes("Meeting\tSomething\n".encode("utf-16"))
    result = run(
        "attendance", "import", str(course), str(report), "--format", "teams-csv", "--session", "s01"
    )
    assert result.exit_code == 2
    assert "not a Teams attendance report" in result.stderr


def plugins_with(monkeypatch: pytest.MonkeyPatch, *extra: object) -> Plugins:
    plugins = make_plugin_manager(entry_points=False, extra=list(extra))
    monkeypatch.setattr("ta_delivery.cli.attendance.plugin_manager", lambda: plugins)
    return plugins


# --- prerequisites ------------------------------------------------------------------------------


class FakeLms:
    def __init__(self, answer: Mapping[str, bool] | Exception) -> None:
        self.answer = answer

    def prerequisites(self, course: Any) -> Mapping[str, bool]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class LmsPlugin:
    def __init__(self, answer: Mapping[str, bool] | Exception) -> None:
        self.lms = FakeLms(answer)

    @hookimpl
    def ta_delivery_register_lms(self) -> list[LmsSpec]:
        return [LmsSpec("fakelms", lambda ctx: self.lms)]  # type: ignore[arg-type,return-value]


LMS = '[lms]\nprovider = "fakelms"\ncourse = "demo"'


def test_prerequisites_are_asked_from_the_lms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugins_with(monkeypatch, LmsPlugin({"jm-01": True}))
    course = write_course(tmp_path, extra=LMS, prerequisites=["mta-elearning"])
    data = report_json(course)
    assert [p["prerequisites_met"] for p in data["participants"]] == [True, False]


def test_a_failing_lms_leaves_prerequisites_null_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins_with(monkeypatch, LmsPlugin(Unavailable("down", provider="fakelms")))
    course = write_course(tmp_path, extra=LMS, prerequisites=["mta-elearning"])
    result = run("report", str(course), "--format", "json")
    assert result.exit_code == 1
    assert "prerequisites unknown" in result.stderr
    assert [p["prerequisites_met"] for p in json.loads(result.stdout)["participants"]] == [None, None]


def test_no_prerequisites_means_null_even_with_an_lms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins_with(monkeypatch, LmsPlugin({"jm-01": True}))
    course = write_course(tmp_path, extra='\n[lms]\nprovider = "fakelms"\ncourse = "demo"')
    assert [p["prerequisites_met"] for p in report_json(course)["participants"]] == [None, None]


def test_teams_utc_headers_need_no_zone(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    text = (
        "1. Summary\nMeeting title\tOpening\nStart time\tsomewhen\n\n"
        "2. Participants\n"
        "Name\tFirst Join (UTC)\tLast Leave (UTC)\tIn-Meeting Duration\tEmail\tRole\n"
        "Ana\t2020-08-10 14:00:00\t2020-08-10 16:00:00\t2h\tana.other@x.org\tAttendee\n"
        "Ben\t2020-08-10 14:30:00\t2020-08-10 16:00:00\t1h 30m\tBEN@example.org\tAttendee\n"
    )
    report = tmp_path / "teams.csv"
    report.write_bytes(text.encode("utf-16"))
    result = run(
        "attendance", "import", str(course), str(report), "--format", "teams-csv", "--session", "s01"
    )
    assert result.exit_code == 0, result.output
    data = report_json(course)
    assert data["participants"][1]["sessions"]["s01"] == {"status": "late", "minutes": 90}
    assert data["unmatched"] == [
        {"session": "s01", "name": "Ana", "email": "ana.other@x.org", "minutes": 120}
    ]


def test_importing_in_parts_equals_importing_at_once(tmp_path: Path, recorder: Recorder) -> None:
    lines = ROWS.strip().splitlines()
    header, body = lines[0], lines[1:]
    whole_dir, parts_dir = tmp_path / "whole", tmp_path / "parts"
    whole_dir.mkdir()
    parts_dir.mkdir()
    whole = write_course(whole_dir)
    (whole_dir / "all.csv").write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    assert run("attendance", "import", str(whole), str(whole_dir / "all.csv")).exit_code == 0
    parts = write_course(parts_dir)
    # the second part touches s01 again (already holding data) and s02 for the first time
    for n, chunk in enumerate((body[:3], body[2:])):
        part = parts_dir / f"part{n}.csv"
        part.write_text("\n".join([header, *chunk]) + "\n", encoding="utf-8")
        assert run("attendance", "import", str(parts), str(part)).exit_code == 0
    assert report_json(parts) == report_json(whole) == EXPECTED
    last = {(s.session_id, s.participant_id): s.status for s in recorder.calls[-1]}
    assert last[("s01", "tt-02")] == "partial"
    assert last[("s02", "tt-02")] == "late"


class FailingLmsPush:
    @hookimpl
    def ta_delivery_attendance_recorded(self, course: Any, statuses: Any, context: Any) -> None:
        raise Unavailable("register down", provider="moodle", status=503)


def test_a_failing_plugin_keeps_the_attendance_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins_with(monkeypatch, FailingLmsPush())
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 1
    assert "register down" in result.stderr
    assert report_json(course) == EXPECTED


def test_html_report_to_a_file(tmp_path: Path, recorder: Recorder) -> None:
    course = imported(tmp_path)
    out = tmp_path / "out" / "report.html"
    result = run("report", str(course), "--format", "html", "--out", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'id="heatmap"' in page
    assert "Ana Pérez" in page
    assert "guest@x.org" in page


# --- import and report on a Berlin course, through a World (was test_attendance_commands.py) ------------

# s01: 2020-08-10 10:00-12:00 Berlin = 08:00Z-10:00Z (120 min); s02: next day, same time;
# rec: a recorded session; s03: only p1, 60 minutes (2020-08-12 08:00Z-09:00Z)
BERLIN_COURSE = course_toml(
    id="att-2020",
    title="Attendance",
    timezone="Europe/Berlin",
    organizer=ORG,
    trainers=[T1],
    participants=[person("p1", "Part One", "Part.One@Example.org"), person("p2", "Part Two")],
    sessions=[
        session("s01", "2020-08-10T10:00:00", 120, title="First", trainers=["t1"]),
        session("s02", "2020-08-11T08:00:00Z", 120, title="Second", trainers=["t1"]),
        session("rec", "2020-08-11T13:00:00", 45, title="Recorded", kind="recorded", trainers=None),
        session("s03", "2020-08-12T10:00:00", 60, title="Third", participants=["p1"], trainers=None),
    ],
)


class World:
    def __init__(self, tmp_path: Path, text: str = BERLIN_COURSE) -> None:
        self.dir = tmp_path
        self.course = tmp_path / "course.toml"
        self.course.write_text(text, encoding="utf-8")
        self.runner = CliRunner()
        self.env = {"TA_DELIVERY_NOW": "2020-09-01T00:00:00Z", "TA_DELIVERY_STATE": None}

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
        result = self.runner.invoke(main, list(args), env={**self.env, **(env or {})})
        return result.exit_code, result.stdout, result.stderr

    def csv(self, name: str, rows: str) -> Path:
        path = self.dir / name
        path.write_text(rows, encoding="utf-8")
        return path

    def imp(self, rows: str, *args: str, name: str = "att.csv") -> tuple[int, str, str]:
        path = self.csv(name, rows)
        return self.run("attendance", "import", str(self.course), str(path), *args)

    def report(self) -> dict[str, Any]:
        code, out, err = self.run("report", str(self.course), "--format", "json")
        assert code == 0, err
        data = json.loads(out)
        assert isinstance(data, dict)
        return data

    def status(self, pid: str, sid: str) -> tuple[str, int]:
        for entry in self.report()["participants"]:
            if entry["id"] == pid:
                s = entry["sessions"][sid]
                return s["status"], s["minutes"]
        raise AssertionError(pid)

    @property
    def state(self) -> Path:
        return self.dir / ".ta-delivery" / "state.db"


HEADER = "participant,join,leave\n"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_report_json_shape_with_nothing_recorded(world: World) -> None:
    data = world.report()
    assert set(data) == {"course", "sessions", "participants", "unmatched"}
    assert data["course"] == "att-2020"
    assert data["sessions"] == [
        {"id": "s01", "start": "2020-08-10T08:00:00Z", "minutes": 120},
        {"id": "s02", "start": "2020-08-11T08:00:00Z", "minutes": 120},
        {"id": "s03", "start": "2020-08-12T08:00:00Z", "minutes": 60},
    ]
    assert data["unmatched"] == []
    by_id = {p["id"]: p for p in data["participants"]}
    assert set(by_id) == {"p1", "p2"}
    for p in data["participants"]:
        assert set(p) == {
            "id",
            "completed",
            "attended_sessions",
            "live_sessions",
            "prerequisites_met",
            "sessions",
        }
        assert p["prerequisites_met"] is None
        # nothing recorded yet: the sessions are unrecorded (not absences) and completion is still open
        assert p["completed"] is None and p["attended_sessions"] == 0
    assert by_id["p1"]["live_sessions"] == 3
    assert by_id["p2"]["live_sessions"] == 2
    assert by_id["p1"]["sessions"] == {
        "s01": {"status": "unrecorded", "minutes": 0},
        "s02": {"status": "unrecorded", "minutes": 0},
        "s03": {"status": "unrecorded", "minutes": 0},
    }
    assert set(by_id["p2"]["sessions"]) == {"s01", "s02"}


def test_report_does_not_create_a_state(world: World) -> None:
    world.report()
    assert not (world.dir / ".ta-delivery").exists()


@pytest.mark.parametrize(
    ("join", "leave", "status", "minutes"),
    [
        ("08:00:00", "10:00:00", "present", 120),
        ("08:10:00", "10:00:00", "present", 110),  # exactly start + 10 min: not late
        ("08:10:01", "10:00:00", "late", 109),  # strictly after
        ("08:00:00", "09:30:00", "present", 90),  # exactly 0.75 x 120
        ("08:00:00", "09:29:59", "partial", 89),  # just under; minutes rounded down
        ("08:00:00", "08:30:00", "partial", 30),  # exactly 0.25 x 120
        ("08:00:00", "08:29:59", "absent", 29),
        ("07:00:00", "11:00:00", "present", 120),  # clipped to the window
        ("07:00:00", "08:00:00", "absent", 0),  # touches the start only
        ("10:00:00", "11:00:00", "absent", 0),  # touches the end only
        ("08:30:30", "10:00:00", "partial", 89),  # 89.5 min is under 90: partial (late needs 90)
    ],
    ids=[
        "whole",
        "late-edge",
        "late",
        "present-edge",
        "under-present",
        "partial-edge",
        "under-partial",
        "clipped",
        "before",
        "after",
        "late-but-short",
    ],
)
def test_statuses_and_thresholds(world: World, join: str, leave: str, status: str, minutes: int) -> None:
    rows = HEADER + f"p2,2020-08-10T{join}Z,2020-08-10T{leave}Z\n"
    code, _, err = world.imp(rows, "--session", "s01")
    assert code == 0, err
    assert world.status("p2", "s01") == (status, minutes)


def test_union_of_intervals_counts_overlaps_once(world: World) -> None:
    rows = HEADER + (
        "p2,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n"
        "p2,2020-08-10T08:30:00Z,2020-08-10T09:20:00Z\n"  # a second device
        "p2,2020-08-10T09:40:00Z,2020-08-10T10:30:00Z\n"  # rejoin after a drop
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    # 08:00-09:20 (80) + 09:40-10:00 (20) = 100
    assert world.status("p2", "s01") == ("present", 100)


def test_late_is_judged_on_the_first_join_among_intervals_overlapping_the_window(world: World) -> None:
    rows = HEADER + (
        "p2,2020-08-10T07:30:00Z,2020-08-10T07:45:00Z\n"  # a test call before the session
        "p2,2020-08-10T08:20:00Z,2020-08-10T10:00:00Z\n"
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.status("p2", "s01") == ("late", 100)


def test_joining_before_the_start_is_on_time(world: World) -> None:
    rows = HEADER + "p2,2020-08-10T07:45:00Z,2020-08-10T09:45:00Z\n"
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.status("p2", "s01") == ("present", 105)


def test_offsets_other_than_utc(world: World) -> None:
    rows = HEADER + "p2,2020-08-10T10:00:00+02:00,2020-08-10T06:00:00-04:00\n"
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.status("p2", "s01") == ("present", 120)


def test_email_matches_case_insensitively_and_id_matches(world: World) -> None:
    rows = HEADER + (
        "PART.ONE@example.ORG,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
        "p2,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.status("p1", "s01") == ("present", 120)
    assert world.status("p2", "s01") == ("present", 120)
    assert world.report()["unmatched"] == []


def test_unknown_people_are_kept_as_unmatched_once_per_identifier_and_session(world: World) -> None:
    rows = "session,participant,join,leave\n" + (
        "s01,guest@example.org,2020-08-10T08:00:00Z,2020-08-10T08:20:00Z\n"
        "s01,GUEST@example.org,2020-08-10T09:00:00Z,2020-08-10T09:10:00Z\n"
        "s01,visitor-7,2020-08-10T08:00:00Z,2020-08-10T08:30:00Z\n"
        "s02,guest@example.org,2020-08-11T08:00:00Z,2020-08-11T08:05:00Z\n"
    )
    code, _, err = world.imp(rows)
    assert code == 0, err
    unmatched = world.report()["unmatched"]
    for entry in unmatched:
        assert set(entry) == {"session", "name", "email", "minutes"}
    by_key = {(u["session"], (u["email"] or "").lower() or u["name"]): u for u in unmatched}
    assert len(unmatched) == 3, unmatched
    assert by_key[("s01", "guest@example.org")]["minutes"] == 30
    assert by_key[("s02", "guest@example.org")]["minutes"] == 5
    visitor = [u for u in unmatched if u["email"] is None]
    assert len(visitor) == 1 and visitor[0]["session"] == "s01" and visitor[0]["minutes"] == 30


def test_trainer_rows_are_kept_but_not_reported(world: World) -> None:
    rows = (
        HEADER
        + "t1,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
        + "T1@example.org,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    )
    code, _, err = world.imp(rows, "--session", "s01")
    assert code == 0, err
    data = world.report()
    assert {p["id"] for p in data["participants"]} == {"p1", "p2"}
    assert data["unmatched"] == []


def test_session_column_lets_session_option_be_left_out(world: World) -> None:
    rows = "participant,session,join,leave\n" + (
        "p1,s01,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
        "p1,s02,2020-08-11T08:00:00Z,2020-08-11T10:00:00Z\n"
        "p1,s03,2020-08-12T08:00:00Z,2020-08-12T09:00:00Z\n"
    )
    code, _, err = world.imp(rows)
    assert code == 0, err
    p1 = next(p for p in world.report()["participants"] if p["id"] == "p1")
    assert p1["attended_sessions"] == 3 and p1["live_sessions"] == 3 and p1["completed"] is True


def test_completion_fraction_is_inclusive(world: World) -> None:
    # p2 has two live sessions; attending one is 0.5
    rows = HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    text = BERLIN_COURSE + "\n[attendance]\ncompletion_fraction = 0.5\n"
    w = World(world.dir, text)
    assert w.imp(rows, "--session", "s01")[0] == 0
    p2 = next(p for p in w.report()["participants"] if p["id"] == "p2")
    assert (p2["attended_sessions"], p2["live_sessions"], p2["completed"]) == (1, 2, True)
    p1 = next(p for p in w.report()["participants"] if p["id"] == "p1")
    assert p1["completed"] is None  # s02 and s03 are not recorded yet: still open


def test_partial_does_not_count_towards_completion(world: World) -> None:
    rows = "participant,session,join,leave\n" + (
        "p2,s01,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
        "p2,s02,2020-08-11T08:00:00Z,2020-08-11T09:00:00Z\n"  # partial
    )
    assert world.imp(rows)[0] == 0
    p2 = next(p for p in world.report()["participants"] if p["id"] == "p2")
    assert p2["sessions"]["s02"] == {"status": "partial", "minutes": 60}
    assert (p2["attended_sessions"], p2["live_sessions"], p2["completed"]) == (1, 2, False)


def test_importing_twice_changes_nothing(world: World) -> None:
    rows = HEADER + (
        "p2,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\nnobody@example.org,2020-08-10T08:00:00Z,2020-08-10T08:10:00Z\n"
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    first = world.report()
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.report() == first
    assert first["participants"][1]["sessions"]["s01"]["minutes"] == 60


def test_missing_session_column_and_option_is_an_input_error(world: World) -> None:
    code, _, err = world.imp(HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n")
    assert code == 2
    assert "--session" in err
    assert not world.state.exists()


def test_timestamp_without_offset_is_an_input_error_and_nothing_changes(world: World) -> None:
    ok = HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n"
    assert world.imp(ok, "--session", "s01")[0] == 0
    before = world.report()
    bad = (
        HEADER + "p1,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\np2,2020-08-10T08:00:00,2020-08-10T10:00:00\n"
    )
    code, _, err = world.imp(bad, "--session", "s01", name="bad.csv")
    assert code == 2
    assert "bad.csv" in err
    assert world.report() == before


def test_timestamp_without_offset_fails_on_a_fresh_state_without_creating_it(world: World) -> None:
    bad = HEADER + "p2,2020-08-10T08:00:00,2020-08-10T10:00:00\n"
    code, _, err = world.imp(bad, "--session", "s01")
    assert code == 2 and "att.csv" in err
    assert not world.state.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--session", "nope"],
        ["--session", "s01", "--format", "no-such-format"],
        ["--session", "rec"],
    ],
    ids=["unknown-session", "unknown-format", "recorded-session"],
)
def test_bad_import_options_exit_2(world: World, args: list[str]) -> None:
    code, _, _ = world.imp(HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n", *args)
    assert code == 2
    assert not world.state.exists()


def test_format_option_register_csv_explicit(world: World) -> None:
    rows = HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    code, _, err = world.imp(rows, "--session", "s01", "--format", "register-csv")
    assert code == 0, err
    assert world.status("p2", "s01") == ("present", 120)


def test_state_option_environment_and_url_see_the_same_import(world: World, tmp_path: Path) -> None:
    rows = HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    path = world.csv("att.csv", rows)
    elsewhere = tmp_path / "elsewhere.db"
    code, _, err = world.run(
        "attendance", "import", str(world.course), str(path), "--session", "s01", "--state", str(elsewhere)
    )
    assert code == 0, err
    assert elsewhere.exists() and not world.state.exists()
    # the default location sees nothing; --state and TA_DELIVERY_STATE see the import
    assert world.status("p2", "s01") == ("unrecorded", 0)
    code, out, _ = world.run("report", str(world.course), "--format", "json", "--state", str(elsewhere))
    assert code == 0 and json.loads(out)["participants"][1]["sessions"]["s01"]["status"] == "present"
    code, out, _ = world.run(
        "report", str(world.course), "--format", "json", env={"TA_DELIVERY_STATE": str(elsewhere)}
    )
    assert code == 0 and json.loads(out)["participants"][1]["sessions"]["s01"]["status"] == "present"
    url = f"sqlite:///{elsewhere}"
    code, out, _ = world.run("report", str(world.course), "--format", "json", "--state", url)
    assert code == 0 and json.loads(out)["participants"][1]["sessions"]["s01"]["status"] == "present"


def test_report_formats(world: World) -> None:
    rows = (
        HEADER
        + "p2,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\nGuest 1,2020-08-10T08:00:00Z,2020-08-10T08:30:00Z\n"
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    code, out, _ = world.run("report", str(world.course))
    assert code == 0 and "p2" in out
    code, out, _ = world.run("report", str(world.course), "--format", "table")
    assert code == 0 and "p2" in out
    code, out, _ = world.run("report", str(world.course), "--format", "csv")
    assert code == 0
    table = list(csv.reader(io.StringIO(out)))
    assert len(table) > 1 and any("p2" in row for row in table)
    code, out, _ = world.run("report", str(world.course), "--format", "html")
    assert code == 0 and "<html" in out.lower() and "p2" in out
    target = world.dir / "out" / "report.json"
    code, out, _ = world.run("report", str(world.course), "--format", "json", "--out", str(target))
    assert code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == world.report()
    code, _, _ = world.run("report", str(world.course), "--format", "pdf")
    assert code == 2


def test_unmatched_name_entry(world: World) -> None:
    rows = HEADER + "Guest 1,2020-08-10T08:00:00Z,2020-08-10T08:30:00Z\n"
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.report()["unmatched"] == [
        {"session": "s01", "name": "Guest 1", "email": None, "minutes": 30}
    ]


def test_prerequisites_without_an_lms_are_null(world: World) -> None:
    text = BERLIN_COURSE.replace(
        'title = "Attendance"', 'title = "Attendance"\nprerequisites = ["intro-elearning"]'
    )
    w = World(world.dir, text)
    assert all(p["prerequisites_met"] is None for p in w.report()["participants"])


def test_the_same_person_by_id_and_by_email_counts_once(world: World) -> None:
    rows = HEADER + (
        "p1,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n"
        "part.one@example.org,2020-08-10T08:30:00Z,2020-08-10T09:15:00Z\n"
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    # 08:00-09:15 once (not 60 + 45 = 105 minutes, which would be present)
    assert world.status("p1", "s01") == ("partial", 75)


@pytest.mark.parametrize(
    "rows",
    [
        "session,participant,join,leave\ns99,p1,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n",
        HEADER + "p1,2020-08-10T09:00:00Z,2020-08-10T08:00:00Z\n",
        HEADER + "p1,yesterday,2020-08-10T08:00:00Z\n",
        "who,join,leave\np1,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n",
    ],
    ids=["unknown-session-cell", "leave-before-join", "not-a-time", "no-participant-column"],
)
def test_malformed_files_exit_2_and_store_nothing(world: World, rows: str) -> None:
    good = HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    assert world.imp(good, "--session", "s01", name="good.csv")[0] == 0
    before = world.report()
    bad = HEADER + "p1,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    code, _, err = world.imp(
        bad + rows.split("\n", 1)[1] if rows.startswith(HEADER) else rows, "--session", "s01"
    )
    assert code == 2, err
    assert "att.csv" in err
    assert world.report() == before


def test_unmatched_minutes_are_the_union_clipped_to_the_window(world: World) -> None:
    rows = HEADER + (
        "Guest 1,2020-08-10T07:30:00Z,2020-08-10T08:20:00Z\n"  # 20 minutes inside
        "Guest 1,2020-08-10T08:10:00Z,2020-08-10T08:40:00Z\n"  # overlaps: 20 more
        "Guest 1,2020-08-10T09:50:00Z,2020-08-10T11:00:00Z\n"  # 10 minutes inside
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.report()["unmatched"] == [
        {"session": "s01", "name": "Guest 1", "email": None, "minutes": 50}
    ]


def test_thresholds_compare_exact_times_not_floats(world: World) -> None:
    """0.55 x 45 minutes is exactly 24:45; in binary floating point it is a hair more."""
    text = BERLIN_COURSE.replace("minutes = 120\ntrainers", "minutes = 45\ntrainers", 1) + (
        "\n[attendance]\npresent_fraction = 0.55\npartial_fraction = 0.55\n"
    )
    w = World(world.dir, text)
    rows = (
        HEADER
        + "p1,2020-08-10T08:00:00Z,2020-08-10T08:24:45Z\np2,2020-08-10T08:00:00Z,2020-08-10T08:24:44Z\n"
    )
    assert w.imp(rows, "--session", "s01")[0] == 0
    assert w.status("p1", "s01") == ("present", 24)
    assert w.status("p2", "s01") == ("absent", 24)


def test_report_outputs_never_pass_control_characters(world: World) -> None:
    text = BERLIN_COURSE.replace('name = "Part One"', 'name = "Part\\u0007 One\\u001b[31m"')
    w = World(world.dir, text)
    rows = HEADER + "p1,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z\n"
    rows += "Evil\x07Guest,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n"
    assert w.imp(rows, "--session", "s01")[0] == 0
    for fmt in ("table", "csv", "html"):
        code, out, err = w.run("report", str(w.course), "--format", fmt)
        assert code == 0, err
        assert not any(c in out for c in "\x00\x07\x1b\x7f"), fmt


def test_register_csv_as_spreadsheets_write_it(world: World) -> None:
    """A byte-order mark, CRLF line ends, capitalised and padded headers, blank lines, other columns."""
    path = world.dir / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbfParticipant, Join , Leave ,Comment\r\n"
        b"p1,2020-08-10T08:00:00Z,2020-08-10T10:00:00Z,ok\r\n"
        b"\r\n"
        b"p2,2020-08-10T10:00:00+02:00,2020-08-10T11:00:00+02:00,left early\r\n"
    )
    code, _, err = world.run("attendance", "import", str(world.course), str(path), "--session", "s01")
    assert code == 0, err
    assert world.status("p1", "s01") == ("present", 120)
    assert world.status("p2", "s01") == ("partial", 60)


def test_register_csv_without_offsets_needs_a_timezone(world: World) -> None:
    rows = HEADER + "p2,2020-08-10T10:00:00,2020-08-10T12:00:00\n"
    code, _, err = world.imp(rows, "--session", "s01")
    assert code == 2 and "att.csv" in err and "--timezone" in err
    assert not world.state.exists()
    code, _, err = world.imp(rows, "--session", "s01", "--timezone", "Europe/Berlin")  # 08:00-10:00 UTC
    assert code == 0, err
    assert world.status("p2", "s01") == ("present", 120)


ZOOM_EXPORT = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "123 4567 8901,First,08/10/2020 09:58:00 AM,08/10/2020 12:05:00 PM,t1@example.org,127,3\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,"
    "In Waiting Room\n"
    "Part One,PART.ONE@example.org,08/10/2020 10:02:11 AM,08/10/2020 11:58:40 AM,117,No,,No\n"
    "Guest X,,08/10/2020 10:00:00 AM,08/10/2020 10:30:00 AM,30,Yes,,No\n"
)


def test_zoom_export_by_format_name(world: World) -> None:
    path = world.csv("zoom.csv", ZOOM_EXPORT)
    args = ["attendance", "import", str(world.course), str(path), "--format", "zoom-csv", "--session", "s01"]
    code, _, err = world.run(*args)
    assert code == 2 and "zoom.csv" in err  # local times without --timezone
    assert not world.state.exists()
    code, _, err = world.run(*args, "--timezone", "Europe/Berlin")
    assert code == 0, err
    assert world.status("p1", "s01") == ("present", 116)
    assert world.report()["unmatched"] == [
        {"session": "s01", "name": "Guest X", "email": None, "minutes": 30}
    ]
    code, _, err = world.run(*args, "--timezone", "Europe/Berlin")
    assert code == 0, err
    assert world.status("p1", "s01") == ("present", 116)


def test_bad_timezone_option_exits_2(world: World) -> None:
    code, _, _ = world.imp(
        HEADER + "p2,2020-08-10T08:00:00Z,2020-08-10T09:00:00Z\n",
        "--session",
        "s01",
        "--timezone",
        "Mars/Base",
    )
    assert code == 2
    assert not world.state.exists()


def test_an_interval_ending_exactly_at_the_start_does_not_overlap_the_window(world: World) -> None:
    rows = HEADER + (
        "p2,2020-08-10T07:50:00Z,2020-08-10T08:00:00Z\n"  # touches the start: not in the window
        "p2,2020-08-10T08:15:00Z,2020-08-10T10:00:00Z\n"
    )
    assert world.imp(rows, "--session", "s01")[0] == 0
    assert world.status("p2", "s01") == ("late", 105)
