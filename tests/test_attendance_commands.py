"""``attendance import`` and ``report`` (PRODUCT.md section 4), driven through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import ORG, T1, course_toml, person, session

# s01: 2020-08-10 10:00-12:00 Berlin = 08:00Z-10:00Z (120 min); s02: next day, same time;
# rec: a recorded session; s03: only p1, 60 minutes (2020-08-12 08:00Z-09:00Z)
COURSE = course_toml(
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
    def __init__(self, tmp_path: Path, text: str = COURSE) -> None:
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
    text = COURSE + "\n[attendance]\ncompletion_fraction = 0.5\n"
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


def test_state_option_and_environment(world: World, tmp_path: Path) -> None:
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
    text = COURSE.replace('title = "Attendance"', 'title = "Attendance"\nprerequisites = ["intro-elearning"]')
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
    text = COURSE.replace("minutes = 120\ntrainers", "minutes = 45\ntrainers", 1) + (
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
    text = COURSE.replace('name = "Part One"', 'name = "Part\\u0007 One\\u001b[31m"')
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
