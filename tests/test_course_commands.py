"""The course file, ``check`` and ``slots`` as a user drives them (PRODUCT.md 1 and 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import ORG, P1, T1, course_toml

HEAD = course_toml(
    id="qa2-course",
    title="QA",
    timezone="Europe/Berlin",
    organizer=ORG,
    roster="people.csv",
    trainers=[T1],
    participants=[P1],
    sessions=[],
)

ROSTER_HEADER = "id,name,email,timezone\n"


def run(tmp_path: Path, text: str, *args: str, roster: str = ROSTER_HEADER) -> tuple[int, str, str]:
    (tmp_path / "people.csv").write_text(roster, encoding="utf-8")
    course = tmp_path / "course.toml"
    course.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, [args[0], str(course), *args[1:]])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("roster", "key", "line"),
    [
        (ROSTER_HEADER + "\nr1,R One,not-an-email,Europe/Paris\n", "roster[0].email", 3),
        (
            ROSTER_HEADER + "r1,R One,r1@example.org,Europe/Paris\nr2,R Two,r2@example.org,Nowhere/Zone\n",
            "roster[1].timezone",
            3,
        ),
        (
            ROSTER_HEADER + "r1,R One,r1@example.org,Europe/Paris\np1,Dup,d@example.org,UTC\n",
            "roster[1].id",
            3,
        ),
        (
            ROSTER_HEADER + 'r1,"R\nOne",r1@example.org,Europe/Paris\nr2,R Two,r2@example.org,UTC,extra\n',
            "roster[1]",
            4,
        ),
    ],
    ids=["email-after-blank-line", "zone", "duplicate-id", "cell-count-after-multiline-cell"],
)
def test_roster_row_errors_name_the_csv_file_and_line(
    tmp_path: Path, roster: str, key: str, line: int
) -> None:
    code, _, err = run(tmp_path, HEAD, "check", roster=roster)
    assert code == 2
    assert f"course.toml: {key}: " in err
    assert f"'people.csv' line {line}" in err


def test_series_occurrence_in_a_dst_gap_asks_for_an_offset(tmp_path: Path) -> None:
    series = """
[[series]]
id = "w"
title = "Weekly"
first_start = 2027-03-14T02:30:00
minutes = 60
count = 3
"""
    code, _, err = run(tmp_path, HEAD + series, "check")
    assert code == 2
    assert "series[0].first_start" in err and "2027-03-28" in err
    assert "offset date-time" in err


@pytest.mark.parametrize("value", ["20270802", "2027-W31-1", "2027-214", "2027-08-02\n"])
def test_slots_dates_must_be_written_yyyy_mm_dd(tmp_path: Path, value: str) -> None:
    code, out, err = run(
        tmp_path, HEAD, "slots", "--minutes", "60", "--from", value, "--to", "2027-08-06", "--json"
    )
    assert code == 2, out
    assert "--from" in err and "YYYY-MM-DD" in err


def test_series_id_too_long_for_its_session_ids_is_reported_at_the_series_id(tmp_path: Path) -> None:
    series = f"""
[[series]]
id = "{"w" * 63}"
title = "Weekly"
first_start = 2027-09-01T10:00:00
minutes = 60
count = 2
"""
    code, _, err = run(tmp_path, HEAD + series, "check")
    assert code == 2
    assert "course.toml: series[0].id: " in err


@pytest.mark.parametrize("nested", ["[" * 20000 + "]" * 20000, "{a=" * 20000 + "1" + "}" * 20000])
def test_deeply_nested_toml_is_an_input_error_not_a_traceback(tmp_path: Path, nested: str) -> None:
    code, _, err = run(tmp_path, HEAD.replace("[course]\n", f"[course]\nx = {nested}\n"), "check")
    assert code == 2
    assert "course.toml: not valid TOML" in err
