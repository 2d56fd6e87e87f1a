"""``ta-delivery check`` and ``ta-delivery slots`` (PRODUCT.md sections 2 and 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import ORG, P1, T1, course_toml, person

HEAD = course_toml(
    id="rules-2020",
    title="Rules",
    timezone="Europe/Berlin",
    organizer=ORG,
    trainers=[T1],
    participants=[P1],
    sessions=[],
)


def session(sid: str, start: str, minutes: int = 60, extra: str = "") -> str:
    return f'\n[[sessions]]\nid = "{sid}"\ntitle = "T {sid}"\nstart = {start}\nminutes = {minutes}\n{extra}'


def check(
    tmp_path: Path, text: str
) -> tuple[int, list[tuple[str, str, str | None, str | None]], dict[str, object]]:
    course = tmp_path / "course.toml"
    course.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(course), "--json"])
    assert result.exit_code in (0, 1), result.stderr
    data = json.loads(result.stdout)
    rows = [(f["rule"], f["severity"], f["session"], f["person"]) for f in data["findings"]]
    return result.exit_code, rows, data


def test_json_document_shape(tmp_path: Path) -> None:
    code, _rows, data = check(tmp_path, HEAD + session("s1", "2020-08-10T07:00:00", 150))
    assert code == 1
    assert set(data) == {"course", "findings"}
    assert data["course"] == "rules-2020"
    findings = data["findings"]
    assert isinstance(findings, list)
    for f in findings:
        assert set(f) == {"rule", "severity", "session", "person", "message"}
        assert isinstance(f["message"], str) and f["message"]
    too_long = [f for f in findings if f["rule"] == "live-session-too-long"]
    assert len(too_long) == 1 and too_long[0]["person"] is None and too_long[0]["session"] == "s1"


def test_no_findings_exit_0(tmp_path: Path) -> None:
    code, rows, _ = check(tmp_path, HEAD + session("s1", "2020-08-10T10:00:00"))
    assert (code, rows) == (0, [])


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    text = (
        HEAD
        + session("s1", "2020-08-10T10:00:00", 121)
        + '\n[rules.severity]\nlive-session-too-long = "warning"\n'
    )
    code, rows, _ = check(tmp_path, text)
    assert code == 0
    assert rows == [("live-session-too-long", "warning", "s1", None)]


def test_max_live_minutes_is_inclusive(tmp_path: Path) -> None:
    text = HEAD + session("s1", "2020-08-10T08:00:00", 120) + session("s2", "2020-08-11T08:00:00", 121)
    _, rows, _ = check(tmp_path, text)
    assert rows == [("live-session-too-long", "error", "s2", None)]


def test_recorded_sessions_are_not_counted_by_live_rules(tmp_path: Path) -> None:
    text = (
        HEAD
        + session("a", "2020-08-10T08:00:00")
        + session("b", "2020-08-10T10:00:00")
        + session("c", "2020-08-10T08:30:00", 500, 'kind = "recorded"\n')
    )
    assert check(tmp_path, text)[:2] == (0, [])


def test_sessions_touching_exactly_do_not_overlap(tmp_path: Path) -> None:
    text = HEAD + session("a", "2020-08-10T10:00:00") + session("b", "2020-08-10T11:00:00")
    assert check(tmp_path, text)[:2] == (0, [])


def test_touching_across_offsets_measured_in_utc(tmp_path: Path) -> None:
    # 10:00+02:00 for 60 minutes ends 09:00Z; the second starts 09:00Z exactly
    text = HEAD + session("a", "2020-08-10T10:00:00+02:00") + session("b", "2020-08-10T09:00:00Z")
    assert check(tmp_path, text)[:2] == (0, [])


def test_double_booked_names_the_later_session_per_person(tmp_path: Path) -> None:
    text = (
        HEAD
        + session("b", "2020-08-10T10:30:00", 60, 'trainers = ["t1"]\n')
        + session("a", "2020-08-10T10:00:00", 61, 'trainers = ["t1"]\n')
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [("double-booked", "error", "b", "t1"), ("double-booked", "error", "b", "p1")]


def test_double_booked_same_start_names_greater_id(tmp_path: Path) -> None:
    text = HEAD + session("zz", "2020-08-10T10:00:00") + session("aa", "2020-08-10T10:00:00")
    _, rows, _ = check(tmp_path, text)
    assert rows == [("double-booked", "error", "zz", "p1")]


def test_double_booked_one_finding_per_pair(tmp_path: Path) -> None:
    text = (
        HEAD
        + session("a", "2020-08-10T10:00:00", 120)
        + session("b", "2020-08-10T10:30:00", 30)
        + session("c", "2020-08-10T11:00:00", 30)
        + "\n[rules]\nmax_live_sessions_per_day = 5\n"
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [("double-booked", "error", "b", "p1"), ("double-booked", "error", "c", "p1")]


def test_working_window_edges_are_inside(tmp_path: Path) -> None:
    text = HEAD + session("a", "2020-08-10T08:00:00", 120) + session("b", "2020-08-11T16:00:00", 120)
    assert check(tmp_path, text)[:2] == (0, [])


def test_one_minute_outside_the_window(tmp_path: Path) -> None:
    text = HEAD + session("a", "2020-08-10T07:59:00") + session("b", "2020-08-11T17:01:00")
    _, rows, _ = check(tmp_path, text)
    assert rows == [
        ("outside-working-hours", "error", "a", "p1"),
        ("outside-working-hours", "error", "b", "p1"),
    ]


def test_working_hours_per_person_override(tmp_path: Path) -> None:
    text = (
        HEAD
        + 'working_hours = "09:00-17:00"\n'
        + session("a", "2020-08-10T08:00:00", 60, 'trainers = ["t1"]\n')
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [("outside-working-hours", "error", "a", "p1")]


def test_rules_working_hours_default_applies(tmp_path: Path) -> None:
    text = HEAD + session("a", "2020-08-10T06:00:00") + '\n[rules]\nworking_hours = "06:00-07:00"\n'
    assert check(tmp_path, text)[:2] == (0, [])


def test_window_uses_the_person_zone(tmp_path: Path) -> None:
    text = (
        HEAD
        + (
            '\n[[participants]]\nid = "ny"\nname = "NY"\nemail = "ny@example.org"\n'
            'timezone = "America/New_York"\n'
        )
        + session("a", "2020-08-10T10:00:00")
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [("outside-working-hours", "error", "a", "ny")]


def test_session_past_local_midnight_is_judged_on_its_start_date(tmp_path: Path) -> None:
    # 23:00-01:00 is not inside 20:00-24:00 of its start date
    text = (
        HEAD + 'working_hours = "20:00-24:00"\n' + session("a", "2020-08-10T23:00:00", 120, "trainers = []\n")
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [("outside-working-hours", "error", "a", "p1")]


def test_session_ending_at_local_midnight_is_inside_a_window_ending_at_24(tmp_path: Path) -> None:
    text = (
        HEAD + 'working_hours = "20:00-24:00"\n' + session("a", "2020-08-10T22:00:00", 120, "trainers = []\n")
    )
    assert check(tmp_path, text)[:2] == (0, [])


def test_day_count_uses_the_local_start_date_of_the_person(tmp_path: Path) -> None:
    """Three sessions on one Berlin date fall on two Tokyo dates: only the Berlin person is over."""
    tokyo = (
        '\n[[participants]]\nid = "tk"\nname = "TK"\nemail = "tk@example.org"\n'
        'timezone = "Asia/Tokyo"\nworking_hours = "00:00-24:00"\n'
    )
    text = (
        HEAD
        + tokyo
        + session("a", "2020-08-10T08:00:00", 60, "trainers = []\n")
        + session("b", "2020-08-10T12:00:00", 60, "trainers = []\n")
        + session("c", "2020-08-10T17:30:00", 30, "trainers = []\n")  # 00:30 next day in Tokyo
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [("too-many-live-sessions-per-day", "error", "c", "p1")]


def test_day_count_counts_a_session_running_past_midnight_on_its_start_date(tmp_path: Path) -> None:
    text = (
        HEAD
        + ('\n[rules]\nworking_hours = "00:00-24:00"\n[rules.severity]\noutside-working-hours = "warning"\n')
        + (
            session("a", "2020-08-10T20:00:00", 60, "trainers = []\n")
            + session("b", "2020-08-10T23:30:00", 60, "trainers = []\n")
            + session("c", "2020-08-11T00:45:00", 30, "trainers = []\n")
        )
    )
    # b ends past midnight, so it leaves the 00:00-24:00 window of its start date (a warning here);
    # it counts on 10 Aug, so 11 Aug has one session and 10 Aug two: no day is over the limit
    assert check(tmp_path, text)[:2] == (0, [("outside-working-hours", "warning", "b", "p1")])


def test_too_many_names_the_first_session_over_the_limit(tmp_path: Path) -> None:
    text = HEAD + (
        session("a", "2020-08-10T08:00:00", 30, 'trainers = ["t1"]\n')
        + session("b", "2020-08-10T09:00:00", 30, 'trainers = ["t1"]\n')
        + session("c", "2020-08-10T10:00:00", 30, 'trainers = ["t1"]\n')
        + session("d", "2020-08-10T11:00:00", 30, 'trainers = ["t1"]\n')
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [
        ("too-many-live-sessions-per-day", "error", "c", "t1"),
        ("too-many-live-sessions-per-day", "error", "c", "p1"),
    ]


def test_durations_are_measured_in_utc_across_a_dst_change(tmp_path: Path) -> None:
    """01:30 CEST to 02:30 CET on 25 Oct 2020 is two hours, not one."""
    text = (
        HEAD
        + session("a", "2020-10-25T01:30:00+02:00", 120)
        + ('\n[rules]\nmax_live_minutes = 90\nworking_hours = "00:00-24:00"\nworking_days = "mon-sun"\n')
    )
    _, rows, _ = check(tmp_path, text)
    assert rows == [("live-session-too-long", "error", "a", None)]


def test_overlap_is_measured_in_utc_on_the_fold_night(tmp_path: Path) -> None:
    """02:00-03:00 CEST and 02:00-03:00 CET are different hours: no overlap."""
    text = (
        HEAD
        + session("a", "2020-10-25T02:00:00+02:00")
        + session("b", "2020-10-25T02:00:00+01:00")
        + ('\n[rules]\nworking_hours = "00:00-24:00"\nworking_days = "mon-sun"\n')
    )
    assert check(tmp_path, text)[:2] == (0, [])


def test_check_on_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "nope.toml" in result.stderr


def test_unknown_option_exits_2(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(HEAD, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "course.toml"), "--jsonn"])
    assert result.exit_code == 2


# --- slots -------------------------------------------------------------------------------------------

SLOTS = course_toml(
    id="slots-2020",
    title="Slots",
    timezone="Europe/Berlin",
    organizer=ORG,
    trainers=[person("t1", "T", timezone="Europe/Berlin", working_hours="08:00-18:00")],
    participants=[
        person("ber", "Berlin", timezone="Europe/Berlin"),
        person("ny", "New York", timezone="America/New_York"),
    ],
    sessions=(),
)


def slots(tmp_path: Path, text: str, *args: str) -> tuple[int, dict[str, object], str]:
    course = tmp_path / "course.toml"
    course.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["slots", str(course), *args])
    data = json.loads(result.stdout) if result.exit_code == 0 and "--json" in args else {}
    return result.exit_code, data, result.stderr


def test_slots_json_shape_and_ranking(tmp_path: Path) -> None:
    code, data, err = slots(
        tmp_path, SLOTS, "--minutes", "120", "--from", "2020-08-10", "--to", "2020-08-10", "--json"
    )
    assert code == 0, err
    assert set(data) == {"minutes", "slots"} and data["minutes"] == 120
    found = data["slots"]
    assert isinstance(found, list) and found
    for slot in found:
        assert set(slot) == {"start", "suits", "of", "missing"}
        assert slot["start"].endswith("Z") and len(slot["start"]) == len("2020-08-10T14:00:00Z")
        assert slot["of"] == 2
        assert slot["suits"] == 2 - len(slot["missing"])
    # best first: everyone suits 12:00Z-14:00Z (Berlin 14-16, New York 08-10)
    assert found[0] == {"start": "2020-08-10T12:00:00Z", "suits": 2, "of": 2, "missing": []}
    suits = [s["suits"] for s in found]
    assert suits == sorted(suits, reverse=True)
    # the trainer must be inside: nothing before 06:00Z (08:00 Berlin) nor ending after 16:00Z
    starts = {s["start"] for s in found}
    assert "2020-08-10T05:45:00Z" not in starts
    assert "2020-08-10T14:15:00Z" not in starts


def test_slots_json_lists_every_candidate_including_window_edges(tmp_path: Path) -> None:
    """No truncation in the machine-readable output: both edges of the trainer's window are there."""
    code, data, err = slots(
        tmp_path, SLOTS, "--minutes", "120", "--from", "2020-08-10", "--to", "2020-08-10", "--json"
    )
    assert code == 0, err
    starts = [s["start"] for s in data["slots"]]  # type: ignore[attr-defined]
    # trainer 08:00-18:00 Berlin = 06:00Z-16:00Z; a 2-hour session can start 06:00Z..14:00Z
    assert "2020-08-10T06:00:00Z" in starts
    assert "2020-08-10T14:00:00Z" in starts
    assert len(starts) == 33
    missing_ny = [s for s in data["slots"] if s["missing"] == ["ny"]]  # type: ignore[attr-defined]
    assert {"start": "2020-08-10T06:00:00Z", "suits": 1, "of": 2, "missing": ["ny"]} in missing_ny


def test_slots_session_days_in_the_course_zone(tmp_path: Path) -> None:
    # 8-9 Aug 2020 is a weekend: the default (mon-fri) has nothing, sat has Saturday only (when the
    # people work on Saturdays: rules.working_days)
    code, data, _ = slots(
        tmp_path, SLOTS, "--minutes", "60", "--from", "2020-08-08", "--to", "2020-08-09", "--json"
    )
    assert code == 0 and data["slots"] == []
    code, data, _ = slots(
        tmp_path,
        SLOTS.replace("[course]", '[rules]\nworking_days = "mon-sun"\n\n[course]'),
        "--minutes",
        "60",
        "--from",
        "2020-08-08",
        "--to",
        "2020-08-09",
        "--session-days",
        "sat",
        "--json",
    )
    assert code == 0
    assert data["slots"] and all(s["start"].startswith("2020-08-08") for s in data["slots"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "args",
    [
        ["--minutes", "0", "--from", "2020-08-10", "--to", "2020-08-10"],
        ["--minutes", "-60", "--from", "2020-08-10", "--to", "2020-08-10"],
        ["--minutes", "60", "--from", "2020-08-11", "--to", "2020-08-10"],
        ["--minutes", "60", "--from", "10/08/2020", "--to", "2020-08-10"],
        ["--minutes", "60", "--from", "2020-08-10", "--to", "2020-08-10", "--session-days", "mon,funday"],
        ["--from", "2020-08-10", "--to", "2020-08-10"],
    ],
    ids=["zero", "negative", "reversed", "bad-date", "bad-day", "no-minutes"],
)
def test_slots_bad_input_exits_2(tmp_path: Path, args: list[str]) -> None:
    code, _, _ = slots(tmp_path, SLOTS, *args, "--json")
    assert code == 2


@pytest.mark.parametrize("value", ["20270802", "2027-W31-1", "2027-214", "2027-08-02\n"])
def test_slots_dates_must_be_written_yyyy_mm_dd(tmp_path: Path, value: str) -> None:
    code, _, err = slots(tmp_path, SLOTS, "--minutes", "60", "--from", value, "--to", "2027-08-06", "--json")
    assert code == 2, err
    assert "--from" in err and "YYYY-MM-DD" in err


def test_slots_on_a_programme_file_says_to_name_one_of_its_courses(tmp_path: Path) -> None:
    """``check`` takes a programme; ``slots`` takes a course file, and says so instead of listing the
    programme's keys as mistakes of a course file."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "course.toml").write_text(course_toml(id="course-a"), encoding="utf-8")
    programme = tmp_path / "programme.toml"
    programme.write_text('[programme]\nid = "p-2027"\ntitle = "P"\ncourses = ["*/course.toml"]\n')
    args = ["--minutes", "60", "--from", "2027-09-06", "--to", "2027-09-06", "--json"]
    result = CliRunner().invoke(main, ["slots", str(programme), *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(programme) in result.stderr
    assert "programme file" in result.stderr and "course file" in result.stderr
    assert "unknown table" not in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()
    assert CliRunner().invoke(main, ["check", str(programme), "--json"]).exit_code == 0
