"""Roster paths (issue 19): a roster outside the course's folder is refused unless its folder is allowed,
and an error never quotes a line of a file that is not a roster."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import ORG, course_toml, session

ROSTER = "id,name,email,timezone\np1,Part One,p1@example.org,UTC\n"
SECRET_LINE = "root:x:0:0:root:/root:/bin/bash"


def _check(course: Path, env: dict[str, str | None] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["check", str(course), "--json"], env={"TA_DELIVERY_ROSTER_DIRS": None, **(env or {})}
    )
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "people.csv").write_text(ROSTER, encoding="utf-8")
    (folder / "passwd").write_text(SECRET_LINE + "\n", encoding="utf-8")
    return folder


def _course(tmp_path: Path, roster: str) -> Path:
    home = tmp_path / "course"
    home.mkdir(exist_ok=True)
    course = home / "course.toml"
    course.write_text(
        course_toml(
            id="rosters",
            title="Roster course",
            timezone="UTC",
            organizer=ORG,
            roster=roster,
            trainers=(),
            participants=(),
            sessions=[session("s01", "2027-08-10T14:00:00", 60, title="Opening", trainers=None)],
        ),
        encoding="utf-8",
    )
    return course


@pytest.mark.parametrize("form", ["../elsewhere/people.csv", "{abs}"])
def test_a_roster_outside_the_course_folder_is_refused(tmp_path: Path, outside: Path, form: str) -> None:
    course = _course(tmp_path, form.format(abs=outside / "people.csv"))
    code, text = _check(course)
    assert code == 2
    assert (
        "course.roster" in text
        and "outside the course's folder" in text
        and "TA_DELIVERY_ROSTER_DIRS" in text
    )


def test_a_symlink_out_of_the_course_folder_is_refused_too(tmp_path: Path, outside: Path) -> None:
    course = _course(tmp_path, "people.csv")
    (course.parent / "people.csv").symlink_to(outside / "passwd")
    code, text = _check(course)
    assert code == 2 and "outside the course's folder" in text
    assert "root:x" not in text


def test_an_allowed_folder_may_hold_the_roster(tmp_path: Path, outside: Path) -> None:
    course = _course(tmp_path, "../elsewhere/people.csv")
    code, text = _check(course, {"TA_DELIVERY_ROSTER_DIRS": str(outside)})
    assert code == 0, text


def test_a_file_that_is_not_a_roster_is_never_quoted(tmp_path: Path, outside: Path) -> None:
    course = _course(tmp_path, "../elsewhere/passwd")
    code, text = _check(course, {"TA_DELIVERY_ROSTER_DIRS": str(outside)})
    assert code == 2
    assert "is not a roster CSV" in text
    assert "root:x" not in text and "/bin/bash" not in text
