"""``plan`` and ``apply`` from the command line on a course file: exit codes, JSON, state, outbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rtpc-caribbean-2027"


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("course.toml", "participants.csv"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-07-01T12:00:00Z")
    for var in ("TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "course.toml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def outbox(course: Path) -> list[Path]:
    folder = course.parent / ".ta-delivery" / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_plan_creates_nothing_and_apply_does_it_once(course: Path) -> None:
    code, out, _ = run("plan", str(course), "--json")
    assert code == 0
    plan = json.loads(out)
    assert plan["course"] == "rtpc-caribbean-2027"
    creates = [c for c in plan["classrooms"] if c["action"] == "create"]
    assert creates and {c["provider"] for c in creates} == {"jitsi"}
    assert plan["invites"] and {i["method"] for i in plan["invites"]} == {"REQUEST"}
    assert not (course.parent / ".ta-delivery").exists(), "plan changes nothing"

    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["ok"] is True
    made = [i for i in result["items"] if i["kind"] == "classroom" and i["action"] == "create"]
    assert len(made) == len(creates)
    assert (course.parent / ".ta-delivery" / "state.db").exists()
    sent = outbox(course)
    assert len(sent) == len(plan["invites"])

    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    assert json.loads(out)["items"] == []
    assert len(outbox(course)) == len(sent), "a run with nothing changed sends nothing"
    code, out, _ = run("plan", str(course), "--json")
    plan2 = json.loads(out)
    assert plan2["classrooms"] == [] and plan2["invites"] == []


def test_editing_the_file_changes_exactly_what_was_edited(course: Path) -> None:
    assert run("apply", str(course))[0] == 0
    before = len(outbox(course))
    text = course.read_text(encoding="utf-8")
    edited = text.replace(
        'title = "Opening webinar: the multilateral trading system and the Caribbean"',
        'title = "Opening webinar: the WTO and the Caribbean"',
    )
    assert edited != text
    course.write_text(edited, encoding="utf-8")
    _code, out, _ = run("plan", str(course), "--json")
    plan = json.loads(out)
    assert [(c["session"], c["action"]) for c in plan["classrooms"]] == [("opening", "update")]
    assert {i["session"] for i in plan["invites"]} == {"opening"}
    assert {i["sequence"] for i in plan["invites"]} == {1}
    assert run("apply", str(course))[0] == 0
    assert len(outbox(course)) == before + len(plan["invites"])


def test_bad_input_exits_2_and_changes_nothing(course: Path) -> None:
    course.write_text(course.read_text(encoding="utf-8").replace("minutes = 120", "minutes = 0", 1))
    code, _out, err = run("apply", str(course))
    assert code == 2
    assert str(course) in err and "minutes" in err
    assert not (course.parent / ".ta-delivery").exists()


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    code, _out, err = run("plan", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml" in err


def test_state_can_live_elsewhere(course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "states" / "mine.db"
    elsewhere.parent.mkdir()  # a folder named by --state must exist (only .ta-delivery/ is created)
    monkeypatch.setenv("TA_DELIVERY_STATE", str(elsewhere))
    assert run("apply", str(course))[0] == 0
    assert elsewhere.exists()
    assert not (course.parent / ".ta-delivery" / "state.db").exists()
    other = tmp_path / "other.db"
    assert run("apply", str(course), "--state", str(other))[0] == 0
    assert other.exists()


def test_ended_sessions_are_left_alone(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("apply", str(course))[0] == 0
    sent = len(outbox(course))
    # long after the course: nothing is created, changed, cancelled or sent, even if sessions are removed
    monkeypatch.setenv("TA_DELIVERY_NOW", "2028-01-01T00:00:00Z")
    text = course.read_text(encoding="utf-8")
    course.write_text(text.replace('status = "scheduled"', 'status = "cancelled"'), encoding="utf-8")
    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    assert json.loads(out)["items"] == []
    assert len(outbox(course)) == sent


def test_cancelling_the_course_sends_cancels(course: Path) -> None:
    assert run("apply", str(course))[0] == 0
    requests = len(outbox(course))
    text = course.read_text(encoding="utf-8")
    course.write_text(text.replace('status = "scheduled"', 'status = "cancelled"'), encoding="utf-8")
    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    items = json.loads(out)["items"]
    assert {i["action"] for i in items if i["kind"] == "invite"} == {"CANCEL"}
    assert len(outbox(course)) == 2 * requests


def test_a_broken_transport_setting_is_an_input_error(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TA_DELIVERY_TRANSPORT", "pigeon")
    code, _out, err = run("apply", str(course))
    assert code == 2 and "TA_DELIVERY_TRANSPORT" in err
    assert not (course.parent / ".ta-delivery").exists()


def test_plan_json_says_what_each_item_is_about(course: Path) -> None:
    code, out, _ = run("plan", str(course), "--json")
    assert code == 0
    plan = json.loads(out)
    assert plan["classrooms"] and {c["kind"] for c in plan["classrooms"]} == {"classroom"}
    assert plan["invites"] and {i["kind"] for i in plan["invites"]} == {"invite"}
    # Jitsi rooms cannot be found by a key: a plain create, nothing to adopt
    assert {c["reason"] for c in plan["classrooms"]} == {"new live session"}
