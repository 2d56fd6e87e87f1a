"""``attendance import --json``, rows outside every session, ``--date-order``, ``attendance link`` and the
mid-course statuses, driven through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_attendance_cli import Recorder, recorder, report_json, run, write_course

__all__ = ["recorder"]  # the fixture, used by name

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
