"""Every example course passes ``check``, or shows exactly the finding its README documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.coursefile import load_course

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OURS = ("rtpc-caribbean-2027", "ecowas-services-2027", "mongolia-agriculture-2027")

EXPECTED = {
    "rtpc-caribbean-2027": [],
    "ecowas-services-2027": [],
    "mongolia-agriculture-2027": [
        {
            "rule": "outside-working-hours",
            "severity": "warning",
            "session": "d1-opening",
            "person": "ek",
            "message": "d1-opening runs Mon 2027-09-27 07:30-09:30 Europe/Zurich for ek, "
            "outside their working hours 08:00-18:00",
        }
    ],
}


def all_examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*/course.toml"))


def test_our_examples_exist() -> None:
    for name in OURS:
        assert (EXAMPLES / name / "course.toml").is_file()
        assert (EXAMPLES / name / "README.md").is_file()


@pytest.mark.parametrize("path", all_examples(), ids=lambda p: p.parent.name)
def test_every_example_checks(path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    data = json.loads(result.output)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert result.exit_code == (1 if errors else 0), result.output
    if path.parent.name in EXPECTED:
        assert data == {"course": load_course(path).id, "findings": EXPECTED[path.parent.name]}
        readme = (path.parent / "README.md").read_text(encoding="utf-8")
        for finding in EXPECTED[path.parent.name]:
            assert finding["message"] in readme


def test_rtpc_uses_a_series_a_roster_and_jitsi() -> None:
    course = load_course(EXAMPLES / "rtpc-caribbean-2027" / "course.toml")
    assert course.provider == "jitsi"
    assert len(course.participants) == 15
    assert all(p.email.endswith("@example.org") for p in course.people)
    weekly = [s for s in course.sessions if s.id.startswith("w")]
    assert [s.id for s in weekly] == [f"w{n:02d}" for n in range(1, 13)]
    local = {s.start.astimezone(course.zone).strftime("%a %H:%M") for s in weekly}
    assert local == {"Wed 10:00"}
    first, last = min(s.start for s in course.sessions), max(s.start for s in course.sessions)
    assert first.astimezone(course.zone).strftime("%a %Y-%m-%d") == "Mon 2027-08-09"
    assert last.astimezone(course.zone).strftime("%a %Y-%m-%d") == "Fri 2027-11-12"


def test_ecowas_is_in_french_with_some_english() -> None:
    course = load_course(EXAMPLES / "ecowas-services-2027" / "course.toml")
    assert course.language == "fr"
    assert {course.language_of(p) for p in course.participants} == {"fr", "en"}
    days = sorted({s.start.astimezone(course.zone).date().isoformat() for s in course.sessions})
    assert days[0] == "2027-08-26"
    assert days[-1] == "2027-09-02"


def test_mongolia_dates() -> None:
    course = load_course(EXAMPLES / "mongolia-agriculture-2027" / "course.toml")
    days = sorted({s.start.astimezone(course.zone).strftime("%a %Y-%m-%d") for s in course.live_sessions})
    assert days == ["Mon 2027-09-27", "Tue 2027-09-28"]


def python_blocks() -> list[tuple[str, str]]:
    """Each ```python block of docs/python-api.md with the ```text block that follows it."""
    text = (EXAMPLES.parent / "docs" / "python-api.md").read_text(encoding="utf-8")
    pairs: list[tuple[str, str]] = []
    parts = text.split("```")
    for i in range(1, len(parts) - 2, 2):
        if parts[i].startswith("python\n") and parts[i + 2].startswith("text\n"):
            pairs.append((parts[i].removeprefix("python\n"), parts[i + 2].removeprefix("text\n")))
    return pairs


@pytest.mark.parametrize(("code", "expected"), python_blocks())
def test_python_api_docs_run(
    code: str, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    exec(compile(code, "python-api.md", "exec"), {"__name__": "docs"})
    assert capsys.readouterr().out == expected
