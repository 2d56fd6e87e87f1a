"""``ta-delivery init DIR``: a starting course that passes check and applies as written; never overwrites."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.cli import main
from ta_delivery.coursefile import parse_course
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.rules import check_course
from ta_delivery.starter import course_toml, first_monday, roster_csv

PLUGINS = make_plugin_manager(entry_points=False)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-03-10T09:00:00Z")
    for var in ("TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT"):
        monkeypatch.delenv(var, raising=False)


def test_init_writes_a_course_that_checks_clean_and_applies(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    code, out, _ = run("init", str(folder))
    assert code == 0 and "course.toml" in out
    course = folder / "course.toml"
    assert course.read_text(encoding="utf-8").count("#") > 20  # commented
    code, out, _ = run("check", str(course), "--json")
    assert code == 0
    assert json.loads(out)["findings"] == []
    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["ok"] and any(i["kind"] == "invite" for i in result["items"])
    assert list((folder / ".ta-delivery" / "outbox").glob("*.eml"))


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "participants.csv").write_text("mine\n", encoding="utf-8")
    code, _, err = run("init", str(tmp_path))
    assert code == 2
    assert "participants.csv" in err and "never overwrites" in err
    assert not (tmp_path / "course.toml").exists()  # nothing written, not even the other file
    assert (tmp_path / "participants.csv").read_text(encoding="utf-8") == "mine\n"


@pytest.fixture(scope="module")
def roster_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("roster")
    (base / "participants.csv").write_text(roster_csv(), encoding="utf-8")
    return base


@settings(max_examples=40, deadline=None)
@given(today=st.dates(min_value=date(2026, 1, 1), max_value=date(2040, 12, 31)))
def test_the_starting_course_checks_clean_whatever_the_day(roster_dir: Path, today: date) -> None:
    """Whatever day init runs (clock changes included), the course it writes follows every rule."""
    base = roster_dir
    course = parse_course(course_toml(today), source="course.toml", base=base, plugins=PLUGINS)
    assert check_course(course, PLUGINS) == []
    assert min(s.start.date() for s in course.sessions) >= today + timedelta(weeks=4) - timedelta(days=1)
    assert first_monday(today).weekday() == 0
