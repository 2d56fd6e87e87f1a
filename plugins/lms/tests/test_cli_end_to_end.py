"""End to end through the command line: a course linked to Moodle (the fake site on loopback).

``plan`` shows prerequisites read from Moodle, ``apply`` makes the course space and enrols people, and an
attendance import pushes each participant's status into the register; ``report`` shows prerequisites_met.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_moodle import FakeMoodle, Running
from moodle_course import cli_course, serve_for_cli

from ta_delivery.testing.cli import run

COURSE = cli_course(
    'course = "tr-2027"\nattendance = true\nrequire_prerequisites = true',
    id="lms-e2e",
    title="Advanced course on trade remedies",
    prerequisites=["elearning-tr"],
)


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    with serve_for_cli(FakeMoodle(now=1_788_000_000), monkeypatch, "/") as running:
        fake = running.site
        prereq = fake.add_course("elearning-tr")
        done = fake.add_user("ana", "ana@example.org", "Ana", "Pérez")
        fake.enrol_user(prereq, done)
        fake.completions[(prereq, done)] = True
        yield running


def test_plan_apply_attendance_and_report_with_moodle(site: Running, tmp_path: Path) -> None:
    fake = site.site
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")

    code, out, err = run("plan", str(course), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["prerequisites"] == {"p1": True, "p2": False}
    assert {i["person"] for i in plan["invites"]} == {"rf", "p1"}, "p2 has not completed the prerequisite"
    assert any("p2" in note for note in plan["notes"])
    assert plan["lms"], "plan lists what the LMS sync would change"
    assert fake.writes == [], "plan writes nothing to Moodle"

    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    space = [c for c in fake.courses.values() if c["shortname"] == "tr-2027"]
    assert len(space) == 1
    enrolled = {fake.users[u]["email"] for u in fake.enrolments[space[0]["id"]]}
    assert enrolled == {"rf@example.org", "ana@example.org", "kiran@example.org"}
    assert len(fake.sessions) == 1, "one register session per live session"
    outbox = list((tmp_path / ".ta-delivery" / "outbox").glob("*.eml"))
    assert len(outbox) == 2

    writes = len(fake.writes)
    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    assert len(fake.writes) == writes, "a second apply changes nothing in Moodle"

    export = tmp_path / "register.csv"
    export.write_text(
        "participant,join,leave\n"
        "ana@example.org,2027-09-06T10:00:00+00:00,2027-09-06T11:00:00+00:00\n"
        "p2,2027-09-06T10:30:00+00:00,2027-09-06T10:45:00+00:00\n",
        encoding="utf-8",
    )
    code, out, err = run("attendance", "import", str(course), str(export), "--session", "s01")
    assert code == 0, err + out
    (session_id,) = fake.sessions
    ana = fake.user_by_email("ana@example.org")["id"]
    kiran = fake.user_by_email("kiran@example.org")["id"]
    assert fake.status_acronym(session_id, ana) == "P"
    assert fake.status_acronym(session_id, kiran) == "A", "partial is pushed as A by default"

    code, out, err = run("report", str(course), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    by_id = {p["id"]: p for p in report["participants"]}
    assert by_id["p1"]["prerequisites_met"] is True
    assert by_id["p2"]["prerequisites_met"] is False
    assert by_id["p1"]["sessions"]["s01"] == {"status": "present", "minutes": 60}
    assert by_id["p2"]["sessions"]["s01"] == {"status": "partial", "minutes": 15}


def test_missing_moodle_url_exits_2_before_any_state_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("TA_DELIVERY_MOODLE_URL", "TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TA_DELIVERY_MOODLE_TOKEN", "token")
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-08-01T08:00:00Z")
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    for command in ("plan", "apply"):
        code, _, err = run(command, str(course))
        assert code == 2, err
        assert "TA_DELIVERY_MOODLE_URL" in err
    assert not (tmp_path / ".ta-delivery").exists()


def test_a_course_to_create_without_a_category_exits_2_before_anything_changes(
    site: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TA_DELIVERY_MOODLE_CATEGORY_ID")
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    code, _, err = run("apply", str(course))
    assert code == 2, err
    assert "TA_DELIVERY_MOODLE_CATEGORY_ID" in err
    assert not (tmp_path / ".ta-delivery").exists(), "no classroom, no invitation, no store"
    site.site.add_course("tr-2027")  # once the course exists, no category is needed
    code, _, err = run("apply", str(course))
    assert code == 0, err


def test_with_the_lms_down_trainers_are_still_invited_and_participants_wait(
    site: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TA_DELIVERY_MOODLE_TOKEN", "not-the-token")
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    code, out, err = run("apply", str(course), "--json")
    assert code == 1, err
    result = json.loads(out)
    assert any("participants' invitations held back" in n for n in result["notes"])
    sent = [i["target"] for i in result["items"] if i["kind"] == "invite" and i["ok"]]
    assert sent == ["s01/rf"]
    monkeypatch.setenv("TA_DELIVERY_MOODLE_TOKEN", site.site.token)
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err
    sent = [i["target"] for i in json.loads(out)["items"] if i["kind"] == "invite"]
    assert sent == ["s01/p1"], "the participant who met the prerequisites, once the LMS answers"
