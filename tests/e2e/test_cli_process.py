"""The installed ``ta-delivery`` script as a separate process (exit statuses, streams)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.rehearsal import CLI, run_cli
from ta_delivery.testing.courses import ORG, PARTICIPANT, TRAINER, course_toml, session

SCRIPT = Path(sys.executable).parent / "ta-delivery"
if not SCRIPT.exists():  # pragma: no cover - an unusual layout
    SCRIPT = Path(shutil.which("ta-delivery") or "ta-delivery")

COURSE = course_toml(
    id="proc-2020",
    title="Process",
    organizer=ORG,
    trainers=[{**TRAINER, "working_hours": "08:00-19:00"}],
    participants=[{**PARTICIPANT, "language": "es"}],
    sessions=[session("s01", "2020-08-10T10:00:00", 120, title="Opening webinar")],
)


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TA_DELIVERY_")}
    environ.update(env)
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


@pytest.fixture
def course(tmp_path: Path) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(COURSE, encoding="utf-8")
    return path


def test_check_json_in_a_process(tmp_path: Path, course: Path) -> None:
    # 10:00-12:00 Port of Spain (UTC-4) is 16:00-18:00 in Zurich and 09:00-11:00 in Jamaica: all inside
    result = run(tmp_path, "check", str(course), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"course": "proc-2020", "findings": []}


def test_input_error_in_a_process(tmp_path: Path, course: Path) -> None:
    course.write_text(COURSE.replace("minutes = 120", "minutes = 0"), encoding="utf-8")
    result = run(tmp_path, "apply", "course.toml", TA_DELIVERY_NOW="2020-08-01T00:00:00Z")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "course.toml" in result.stderr and "sessions[0].minutes" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()


def test_rule_errors_exit_1_in_a_process(tmp_path: Path, course: Path) -> None:
    course.write_text(COURSE.replace("minutes = 120", "minutes = 150"), encoding="utf-8")
    result = run(tmp_path, "check", "course.toml", "--json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["live-session-too-long"]


def test_apply_then_report_in_a_process(tmp_path: Path, course: Path) -> None:
    now = {"TA_DELIVERY_NOW": "2020-08-01T00:00:00Z"}
    result = run(tmp_path, "apply", "course.toml", **now)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / ".ta-delivery" / "outbox").glob("*.eml"))) == 2
    again = run(tmp_path, "apply", "course.toml", "--json", **now)
    assert again.returncode == 0 and json.loads(again.stdout)["items"] == []
    (tmp_path / "att.csv").write_text(
        "participant,join,leave\nANA@example.org,2020-08-10T14:05:00Z,2020-08-10T16:00:00Z\n",
        encoding="utf-8",
    )
    imported = run(tmp_path, "attendance", "import", "course.toml", "att.csv", "--session", "s01")
    assert imported.returncode == 0, imported.stderr
    report = run(tmp_path, "report", "course.toml", "--format", "json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["sessions"] == [{"id": "s01", "start": "2020-08-10T14:00:00Z", "minutes": 120}]
    assert data["participants"] == [
        {
            "id": "jm-01",
            "completed": True,
            "attended_sessions": 1,
            "live_sessions": 1,
            "prerequisites_met": None,
            "sessions": {"s01": {"status": "present", "minutes": 115}},
        }
    ]
    assert data["unmatched"] == []


# --- output: an ASCII terminal, a full device, ``python -m`` -----------------------------------------


def test_output_in_an_ascii_terminal_does_not_crash(example_course: Path) -> None:
    course = str(example_course)
    for args in (
        ["plan", course],
        ["report", course],
        ["check", course],
    ):
        done = run_cli(*args, env={"PYTHONIOENCODING": "ascii"})
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode in (0, 1), done.stderr
    assert not (example_course.parent / ".ta-delivery").exists()


def test_json_in_an_ascii_terminal_stays_valid_and_lossless() -> None:
    code = "from ta_delivery.cli.common import print_json; print_json({'name': 'Ana Pérez'})"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.decode("ascii")) == {"name": "Ana Pérez"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["plugins"], ["plugins", "--json"]])
def test_output_to_a_full_device_is_a_one_line_error(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", CLI, *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "No space left on device" in done.stderr


def test_python_dash_m_runs_the_command_line(example_course: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ta_delivery", "check", str(example_course), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["course"] == "rtpc-caribbean-2027"
