"""The attendance commands and the report, driven through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
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
    Capabilities,
    Classroom,
    ClassroomRequest,
    LmsSpec,
    ProviderSpec,
    Segment,
)
from ta_delivery.store import open_store, state_location

COURSE = """
[course]
id = "demo"
title = "Demo course"
timezone = "America/Port_of_Spain"
organizer = { name = "Institute", email = "training@example.org" }
%(extra)s

[attendance]
late_after_minutes = 10
present_fraction = 0.75
partial_fraction = 0.25
completion_fraction = 0.5

[[trainers]]
id = "rf"
name = "Roberto F."
email = "rf@example.org"
timezone = "Europe/Zurich"

[[participants]]
id = "jm-01"
name = "Ana Pérez"
email = "Ana@Example.org"
timezone = "America/Jamaica"
country = "JM"

[[participants]]
id = "tt-02"
name = "%(name2)s"
email = "ben@example.org"
timezone = "America/Port_of_Spain"
country = "TT"

[[sessions]]
id = "s01"
title = "Opening"
start = 2020-08-10T10:00:00
minutes = 120
trainers = ["rf"]

[[sessions]]
id = "s02"
title = "Second"
start = 2020-08-11T10:00:00
minutes = 60

[[sessions]]
id = "rec"
title = "Recording"
start = 2020-08-12T10:00:00
minutes = 60
kind = "recorded"
"""

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


def write_course(tmp_path: Path, *, extra: str = "", name2: str = "Ben Ali") -> Path:
    path = tmp_path / "course.toml"
    path.write_text(COURSE % {"extra": extra, "name2": name2}, encoding="utf-8")
    return path


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
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    assert run("attendance", "import", str(course), str(data)).exit_code == 0
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
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    assert run("attendance", "import", str(course), str(data)).exit_code == 0
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
    course = write_course(tmp_path, name2='=HYPERLINK(\\"http://evil\\")')
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
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    assert run("attendance", "import", str(course), str(data)).exit_code == 0
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


# --- pull ---------------------------------------------------------------------------------------


class FakeProvider:
    def __init__(self, fail: set[str]) -> None:
        self.fail = fail

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        if request.session_id in self.fail:
            raise Unavailable("try later", provider="fake", status=503)
        join = request.start
        return [
            Segment(
                session_id=request.session_id,
                join=join,
                leave=request.end,
                source="fake",
                raw_key=Segment.key_of(request.session_id, "p1"),
                person_id="jm-01",
            ),
            Segment(
                session_id=request.session_id,
                join=join,
                leave=request.end,
                source="fake",
                raw_key=Segment.key_of(request.session_id, "x"),
                external_id="reg-77",
                name="Visitor",
            ),
        ]


class FakePlugin:
    def __init__(self, fail: set[str]) -> None:
        self.provider = FakeProvider(fail)

    @hookimpl
    def ta_delivery_register_providers(self) -> list[ProviderSpec]:
        return [
            ProviderSpec("fake", lambda ctx: self.provider, Capabilities(attendance_fetch=True)),  # type: ignore[arg-type,return-value]
        ]


def _plugins_with(monkeypatch: pytest.MonkeyPatch, *extra: object) -> Plugins:
    plugins = make_plugin_manager(entry_points=False, extra=list(extra))
    monkeypatch.setattr("ta_delivery.cli.attendance.plugin_manager", lambda: plugins)
    return plugins


def _remember_rooms(course: Path, sessions: Sequence[str]) -> None:
    from datetime import UTC, datetime

    store = open_store(state_location(course))
    try:
        now = datetime(2020, 8, 1, tzinfo=UTC)
        store.remember_course("demo", "Demo", "UTC", now)
        for sid in sessions:
            store.save_classroom(
                "demo",
                sid,
                Classroom("fake", f"k-{sid}", f"ext-{sid}", "https://x.example/j"),
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


def test_pull_keeps_what_succeeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    _plugins_with(monkeypatch, FakePlugin({"s02"}), rec)
    course = write_course(tmp_path, extra='provider = "fake"')
    _remember_rooms(course, ["s01", "s02"])
    result = run("attendance", "pull", str(course), env={"TA_DELIVERY_NOW": "2020-08-12T00:00:00Z"})
    assert result.exit_code == 1, result.output
    assert "s02" in result.stderr
    assert "Unavailable" in result.stderr
    data = report_json(course)
    assert data["participants"][0]["sessions"] == {
        "s01": {"status": "present", "minutes": 120},
        "s02": {"status": "unrecorded", "minutes": 0},  # its pull failed: nothing is known yet
    }
    assert data["unmatched"] == [{"session": "s01", "name": "Visitor", "email": None, "minutes": 120}]
    assert {s.session_id for s in rec.calls[0]} == {"s01"}


def test_pull_only_ended_sessions_and_one_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _plugins_with(monkeypatch, FakePlugin(set()))
    course = write_course(tmp_path, extra='provider = "fake"')
    _remember_rooms(course, ["s01", "s02"])
    env = {"TA_DELIVERY_NOW": "2020-08-10T20:00:00Z"}
    result = run("attendance", "pull", str(course), "--session", "s02", env=env)
    assert result.exit_code == 2
    assert "has not ended" in result.stderr
    result = run("attendance", "pull", str(course), env=env)
    assert result.exit_code == 0, result.output
    data = report_json(course)
    assert data["participants"][0]["sessions"]["s01"]["status"] == "present"
    assert data["participants"][0]["sessions"]["s02"]["status"] == "unrecorded"
    again = run("attendance", "pull", str(course), env=env)
    assert "0 new, 2 already recorded" in again.stdout
    later = run(
        "attendance", "pull", str(course), "--session", "s02", env={"TA_DELIVERY_NOW": "2020-09-01T00:00:00Z"}
    )
    assert later.exit_code == 0
    assert report_json(course)["participants"][0]["sessions"]["s02"]["status"] == "present"


def test_pull_without_capability_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _plugins_with(monkeypatch)
    course = write_course(tmp_path)
    store = open_store(state_location(course))
    try:
        from datetime import UTC, datetime

        now = datetime(2020, 8, 1, tzinfo=UTC)
        store.remember_course("demo", "Demo", "UTC", now)
        store.save_classroom(
            "demo",
            "s01",
            Classroom("jitsi", "k", "room", "https://meet.jit.si/room"),
            fingerprint="f",
            state="active",
            start=now,
            end=now,
            title="s",
            minutes=60,
            now=now,
        )
    finally:
        store.close()
    result = run("attendance", "pull", str(course), env={"TA_DELIVERY_NOW": "2020-09-01T00:00:00Z"})
    assert result.exit_code == 0, result.output
    assert "jitsi cannot report attendance" in result.stdout
    assert "s02: no classroom" in result.stdout


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


LMS = 'prerequisites = ["mta-elearning"]\n\n[lms]\nprovider = "fakelms"\ncourse = "demo"'


def test_prerequisites_are_asked_from_the_lms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _plugins_with(monkeypatch, LmsPlugin({"jm-01": True}))
    course = write_course(tmp_path, extra=LMS)
    data = report_json(course)
    assert [p["prerequisites_met"] for p in data["participants"]] == [True, False]


def test_a_failing_lms_leaves_prerequisites_null_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plugins_with(monkeypatch, LmsPlugin(Unavailable("down", provider="fakelms")))
    course = write_course(tmp_path, extra=LMS)
    result = run("report", str(course), "--format", "json")
    assert result.exit_code == 1
    assert "prerequisites unknown" in result.stderr
    assert [p["prerequisites_met"] for p in json.loads(result.stdout)["participants"]] == [None, None]


def test_no_prerequisites_means_null_even_with_an_lms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plugins_with(monkeypatch, LmsPlugin({"jm-01": True}))
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
    _plugins_with(monkeypatch, FailingLmsPush())
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    result = run("attendance", "import", str(course), str(data))
    assert result.exit_code == 1
    assert "register down" in result.stderr
    assert report_json(course) == EXPECTED


def test_html_report_to_a_file(tmp_path: Path, recorder: Recorder) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(ROWS, encoding="utf-8")
    assert run("attendance", "import", str(course), str(data)).exit_code == 0
    out = tmp_path / "out" / "report.html"
    result = run("report", str(course), "--format", "html", "--out", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'id="heatmap"' in page
    assert "Ana Pérez" in page
    assert "guest@x.org" in page
