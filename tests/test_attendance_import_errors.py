"""Bad import files: every mistake of a file is reported at once (file, row, column, what to do), the
command exits 2, and nothing is stored, whatever the format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ta_delivery.attendance import AttendanceStore
from ta_delivery.attendance.formats.stamps import Stamp
from ta_delivery.attendance.formats.tabular import Row, segments
from ta_delivery.cli import main
from ta_delivery.errors import InputError, InputErrors
from ta_delivery.importfiles import MAX_PROBLEMS, Problems
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import ImportRequest
from ta_delivery.store import open_store, state_location
from ta_delivery.testing.courses import course_toml, make_course, write_course

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


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"TA_DELIVERY_STATE": ""}, catch_exceptions=False)


def report(course: Path) -> Any:
    result = run("report", str(course), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


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
    course = write_course(tmp_path, course_toml())
    first = tmp_path / "first.csv"
    first.write_text("participant,join,leave,session\n" + GOOD, encoding="utf-8")
    assert run("attendance", "import", str(course), str(first)).exit_code == 0
    before = report(course)

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
    assert report(course) == before  # the good new row of the bad file was not stored either
    assert stored(course) == 1


def test_many_mistakes_are_capped_with_a_count_of_the_rest(tmp_path: Path, builtin_only: None) -> None:
    course = write_course(tmp_path, course_toml())
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


def test_problems_collects_located_errors_and_keeps_only_the_first_ones() -> None:
    problems = Problems("f.csv")
    assert not problems
    problems.check()  # nothing found: nothing raised
    for n in range(MAX_PROBLEMS + 3):
        with problems.collecting():
            raise InputError(f"bad {n}", key=f"rows[{n}]")
    problems.add(InputErrors([InputError("x", key="a"), InputError("y", key="b")], total=5))
    with pytest.raises(InputErrors) as caught:
        problems.check()
    error = caught.value
    assert len(error.errors) == MAX_PROBLEMS
    assert error.total == MAX_PROBLEMS + 3 + 5
    assert error.errors[0].source == "f.csv" and error.errors[0].key == "rows[0]"


def test_one_problem_is_raised_as_itself() -> None:
    problems = Problems("f.csv")
    problems.add(InputError("only", key="rows[1]"))
    with pytest.raises(InputError) as caught:
        problems.check()
    assert not isinstance(caught.value, InputErrors)
    assert str(caught.value) == "f.csv: rows[1]: only"


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
    course = write_course(tmp_path, course_toml())
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
    course = write_course(tmp_path, course_toml())
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
