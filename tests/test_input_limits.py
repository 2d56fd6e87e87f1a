"""Limits on input sizes (issue 19): past them an input error naming the key or file, exit 2, nothing done.

A 10 MB title used to be accepted, and `apply` then wrote a 105 MB email per recipient.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.limits import MAX_COURSE_FILE_BYTES, MAX_SERIES_TABLES, MAX_SESSIONS, TEXT_LIMITS

HEAD = """
[course]
id = "limits"
title = "{title}"
timezone = "UTC"
organizer = {{ name = "Org", email = "org@example.org" }}

[[participants]]
id = "p1"
name = "{name}"
email = "p1@example.org"
timezone = "UTC"
"""
SESSION = """
[[sessions]]
id = "s{i:04d}"
title = "Session"
start = 2027-08-10T14:00:00
minutes = 60
description = "{description}"
"""
SERIES = """
[[series]]
id = "w{i}"
title = "Weekly"
first_start = {first}
count = {count}
minutes = 60
"""


def _check(tmp_path: Path, text: str) -> tuple[int, str]:
    course = tmp_path / "course.toml"
    course.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["apply", str(course)], env={"TA_DELIVERY_STATE": None})
    assert not (tmp_path / ".ta-delivery").exists(), "nothing was done"
    return result.exit_code, result.stderr


def _head(title: str = "Course", name: str = "Part One") -> str:
    return HEAD.format(title=title, name=name)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (_head(title="T" * (TEXT_LIMITS["title"] + 1)), "course.title"),
        (_head(name="N" * (TEXT_LIMITS["name"] + 1)), "participants[0].name"),
        (
            _head() + SESSION.format(i=1, description="d" * (TEXT_LIMITS["description"] + 1)),
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
    series = "".join(
        SERIES.format(i=i, first="2027-08-10T14:00:00", count=1) for i in range(MAX_SERIES_TABLES + 1)
    )
    code, err = _check(tmp_path, _head() + series)
    assert code == 2 and "series: " in err and f"at most {MAX_SERIES_TABLES}" in err


def test_series_making_too_many_sessions_is_an_input_error(tmp_path: Path) -> None:
    series = "".join(SERIES.format(i=i, first="2027-08-10T14:00:00", count=999) for i in range(3))
    code, err = _check(tmp_path, _head() + series)
    assert code == 2 and "series: " in err and f"at most {MAX_SESSIONS}" in err


def test_a_series_running_past_the_last_supported_year_is_an_input_error(tmp_path: Path) -> None:
    code, err = _check(tmp_path, _head() + SERIES.format(i=1, first="7999-06-01T10:00:00", count=100))
    assert code == 2
    assert "series[0].count" in err and "past the year 8000" in err


def test_a_roster_past_its_limit_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ta_delivery.coursefile.people as people

    monkeypatch.setattr(people, "MAX_ROSTER_BYTES", 100)
    (tmp_path / "people.csv").write_text("id,name,email,timezone\n" + "p9,X,x@example.org,UTC\n" * 10)
    text = _head().replace(
        'timezone = "UTC"\norganizer', 'timezone = "UTC"\nroster = "people.csv"\norganizer', 1
    )
    code, err = _check(tmp_path, text)
    assert code == 2 and "course.roster" in err and "larger than" in err


def test_an_import_file_past_its_limit_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ta_delivery.attendance.service as service

    monkeypatch.setattr(service, "MAX_IMPORT_FILE_BYTES", 100)
    course = tmp_path / "course.toml"
    course.write_text(_head() + SESSION.format(i=1, description="d"), encoding="utf-8")
    rows = tmp_path / "att.csv"
    rows.write_text("participant,join,leave\n" + "p1,2027-08-10T14:00:00Z,2027-08-10T15:00:00Z\n" * 10)
    result = CliRunner().invoke(main, ["attendance", "import", str(course), str(rows), "--session", "s0001"])
    assert result.exit_code == 2 and "att.csv" in result.stderr and "larger than" in result.stderr
