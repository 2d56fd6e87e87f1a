"""``ta-delivery check``: output and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import ORG, course_toml, person, session

COURSE = course_toml(
    id="check-demo",
    title="Check",
    timezone="Europe/Berlin",
    organizer=ORG,
    trainers=(),
    participants=[person("p", "P", timezone="Europe/Berlin")],
    sessions=[session("s1", "2027-08-10T07:00:00", 150, title="Early", trainers=None)],
)


def run(tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_errors_exit_1_with_json(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, COURSE, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["course"] == "check-demo"
    assert [(f["rule"], f["severity"], f["session"], f["person"]) for f in data["findings"]] == [
        ("live-session-too-long", "error", "s1", None),
        ("outside-working-hours", "error", "s1", "p"),
    ]
    assert set(data["findings"][0]) == {"rule", "severity", "session", "person", "message"}


def test_warnings_only_exit_0(tmp_path: Path) -> None:
    text = (
        COURSE + '\n[rules.severity]\nlive-session-too-long = "warning"\noutside-working-hours = "warning"\n'
    )
    code, out, _ = run(tmp_path, text)
    assert code == 0
    assert "WARNING" in out
    assert "live-session-too-long" in out
    assert "0 errors, 2 warnings" in out


def test_clean_course_exits_0(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, COURSE.replace("07:00:00", "09:00:00").replace("150", "120"))
    assert code == 0
    assert "No findings" in out


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("minutes = 150", "minutes = 0", "sessions[0].minutes"),
        ("2027-08-10T07:00:00", "2027-03-28T02:30:00", "sessions[0].start"),
        (
            'timezone = "Europe/Berlin"\norganizer',
            'timezone = "Europe/Nowhere"\norganizer',
            "course.timezone",
        ),
    ],
)
def test_input_errors_exit_2_naming_file_and_key(tmp_path: Path, old: str, new: str, where: str) -> None:
    code, out, err = run(tmp_path, COURSE.replace(old, new), "--json")
    assert code == 2
    assert out == ""
    assert str(tmp_path / "course.toml") in err
    assert where in err
    assert not (tmp_path / ".ta-delivery").exists()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
