"""Limits on input sizes (issue 19): past them an input error naming the key or file, exit 2, nothing done.

A 10 MB title used to be accepted, and `apply` then wrote a 105 MB email per recipient.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.limits import MAX_COURSE_FILE_BYTES, MAX_SERIES_TABLES, MAX_SESSIONS, TEXT_LIMITS
from ta_delivery.testing.courses import ORG, course_toml, person, series, session, table


def _session(i: int, description: str) -> str:
    return table(
        "[[sessions]]",
        session(
            f"s{i:04d}", "2027-08-10T14:00:00", 60, title="Session", trainers=None, description=description
        ),
    )


def _series(i: int, first: str, count: int) -> str:
    return table("[[series]]", series(f"w{i}", first, 60, count, title="Weekly"))


def _check(tmp_path: Path, text: str) -> tuple[int, str]:
    course = tmp_path / "course.toml"
    course.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["apply", str(course)], env={"TA_DELIVERY_STATE": None})
    assert not (tmp_path / ".ta-delivery").exists(), "nothing was done"
    return result.exit_code, result.stderr


def _head(title: str = "Course", name: str = "Part One", **course: str) -> str:
    """The ``[course]`` table and participant ``p1``: sessions and series are appended."""
    return course_toml(
        id="limits",
        title=title,
        timezone="UTC",
        organizer=ORG,
        trainers=(),
        participants=[person("p1", name, timezone="UTC")],
        sessions=(),
        **course,
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (_head(title="T" * (TEXT_LIMITS["title"] + 1)), "course.title"),
        (_head(name="N" * (TEXT_LIMITS["name"] + 1)), "participants[0].name"),
        (
            _head() + _session(1, "d" * (TEXT_LIMITS["description"] + 1)),
            "sessions[0].description",
        ),
    ],
)
def test_a_text_past_its_limit_is_an_input_error_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    code, err = _check(tmp_path, text)
    assert code == 2
    assert f"{key}: is " in err and "at most" in err


def test_a_huge_title_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    code, err = _check(tmp_path, _head(title="T" * (10 * 1024 * 1024)))
    assert code == 2
    assert "course.toml" in err and "larger than" in err and MAX_COURSE_FILE_BYTES < 10 * 1024 * 1024


def test_too_many_series_tables_is_an_input_error(tmp_path: Path) -> None:
    series = "".join(_series(i, "2027-08-10T14:00:00", 1) for i in range(MAX_SERIES_TABLES + 1))
    code, err = _check(tmp_path, _head() + series)
    assert code == 2 and "series: " in err and f"at most {MAX_SERIES_TABLES}" in err


def test_series_making_too_many_sessions_is_an_input_error(tmp_path: Path) -> None:
    series = "".join(_series(i, "2027-08-10T14:00:00", 999) for i in range(3))
    code, err = _check(tmp_path, _head() + series)
    assert code == 2 and "series: " in err and f"at most {MAX_SESSIONS}" in err


def test_a_series_running_past_the_last_supported_year_is_an_input_error(tmp_path: Path) -> None:
    code, err = _check(tmp_path, _head() + _series(1, "7999-06-01T10:00:00", 100))
    assert code == 2
    assert "series[0].count" in err and "past the year 8000" in err


def test_a_roster_past_its_limit_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ta_delivery.coursefile.people as people

    monkeypatch.setattr(people, "MAX_ROSTER_BYTES", 100)
    (tmp_path / "people.csv").write_text("id,name,email,timezone\n" + "p9,X,x@example.org,UTC\n" * 10)
    text = _head(roster="people.csv")
    code, err = _check(tmp_path, text)
    assert code == 2 and "course.roster" in err and "larger than" in err


def test_an_import_file_past_its_limit_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ta_delivery.attendance.service as service

    monkeypatch.setattr(service, "MAX_IMPORT_FILE_BYTES", 100)
    course = tmp_path / "course.toml"
    course.write_text(_head() + _session(1, "d"), encoding="utf-8")
    rows = tmp_path / "att.csv"
    rows.write_text("participant,join,leave\n" + "p1,2027-08-10T14:00:00Z,2027-08-10T15:00:00Z\n" * 10)
    result = CliRunner().invoke(main, ["attendance", "import", str(course), str(rows), "--session", "s0001"])
    assert result.exit_code == 2 and "att.csv" in result.stderr and "larger than" in result.stderr
