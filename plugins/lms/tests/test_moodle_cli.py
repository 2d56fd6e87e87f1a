"""A coordinator's Moodle cycle through ``ta-delivery`` against the fake site on loopback.

The register follows reschedules and removals, prerequisites show in ``plan`` and ``report`` (false without
an account or an enrolment, null without prerequisites), and every recorded status is pushed as P/L/E/A.
``plan`` shows prerequisites read from Moodle, ``apply`` makes the course space and enrols people, and an
attendance import pushes each participant's status into the register; missing settings exit 2 before
anything changes, and with the LMS down trainers are still invited.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_moodle import FakeMoodle, Running
from moodle_course import ANA, KIRAN, cli_course, serve_for_cli

from ta_delivery.testing import cli
from ta_delivery.testing.courses import person, session

LEE = person("p3", "Lee", "lee@example.org", "UTC")


def course_text(sessions: dict[str, str], prerequisites: str = "", lms_extra: str = "") -> str:
    """``prerequisites``: a ``[course]`` key as written (``prerequisites = [...]``) or nothing."""
    course = cli_course(
        f'course = "tr-qa2"\n{lms_extra}',
        id="lms-qa2",
        title="Trade remedies",
        participants=({**ANA, "email": "Ana@Example.org"}, KIRAN, LEE),
        sessions=[session(sid, start, 60) for sid, start in sessions.items()],
        extra="[attendance]\nlate_after_minutes = 10\n",
    )
    return course.replace("[[trainers]]", f"{prerequisites}\n[[trainers]]", 1) if prerequisites else course


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMoodle]:
    with serve_for_cli(FakeMoodle(now=1_785_571_200), monkeypatch) as running:
        yield running.site


def run(*args: str, now: str | None = None) -> tuple[int, str, str]:
    return cli.run(*args, env={"TA_DELIVERY_NOW": now} if now else None)


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def register(fake: FakeMoodle) -> dict[str, int]:
    """Our register's sessions: session id (from the mark) -> start (Unix time)."""
    out = {}
    for s in fake.sessions.values():
        mark = s["description"].rsplit("[ta-delivery:lms-qa2/", 1)
        assert len(mark) == 2, s["description"]
        out[mark[1].rstrip("]").strip()] = s["sessdate"]
    return out


def test_register_follows_reschedules_and_removals(site: FakeMoodle, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    sessions = {"s01": "2027-09-06T10:00:00", "s02": "2027-09-13T10:00:00", "s03": "2027-09-20T10:00:00"}
    course.write_text(course_text(sessions), encoding="utf-8")
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    [space] = [c for c in site.courses.values() if c["shortname"] == "tr-qa2"]
    roles = {site.users[u]["email"].lower(): r for u, r in site.enrolments[space["id"]].items()}
    assert roles == {
        "rf@example.org": {3},
        "ana@example.org": {5},
        "kiran@example.org": {5},
        "lee@example.org": {5},
    }
    assert register(site) == {sid: ts(start) for sid, start in sessions.items()}

    sessions["s02"] = "2027-09-14T09:00:00"
    del sessions["s03"]
    course.write_text(course_text(sessions), encoding="utf-8")
    code, out, err = run("plan", str(course), "--json")
    assert code == 0, err
    lms = {(c["action"], c["target"]) for c in json.loads(out)["lms"]}
    assert lms == {("update", "register session s02"), ("delete", "register session s03")}
    assert json.loads(out)["prerequisites"] is None
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    assert register(site) == {"s01": ts("2027-09-06T10:00:00"), "s02": ts("2027-09-14T09:00:00")}
    writes = len(site.writes)
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    assert len(site.writes) == writes

    # attendance: present, late, partial (pushed as A), and an excuse
    export = tmp_path / "register.csv"
    export.write_text(
        "participant,join,leave\n"
        "ana@example.org,2027-09-06T10:00:00+00:00,2027-09-06T11:00:00+00:00\n"
        "kiran@example.org,2027-09-06T10:20:00+00:00,2027-09-06T11:00:00+00:00\n"
        "p3,2027-09-06T10:00:00+00:00,2027-09-06T10:20:00+00:00\n",
        encoding="utf-8",
    )
    after = "2027-09-07T08:00:00Z"
    code, out, err = run("attendance", "import", str(course), str(export), "--session", "s01", now=after)
    assert code == 0, err + out
    s01 = next(sid for sid, s in site.sessions.items() if "lms-qa2/s01" in s["description"])
    acronyms = {
        email: site.status_acronym(s01, site.user_by_email(email)["id"])
        for email in ("ana@example.org", "kiran@example.org", "lee@example.org")
    }
    assert acronyms == {"ana@example.org": "P", "kiran@example.org": "A", "lee@example.org": "A"}
    code, out, err = run(
        "attendance",
        "excuse",
        str(course),
        "--session",
        "s01",
        "--participant",
        "p3",
        "--reason",
        "ill",
        now=after,
    )
    assert code == 0, err + out
    assert site.status_acronym(s01, site.user_by_email("lee@example.org")["id"]) == "E"

    code, out, err = run("report", str(course), "--format", "json", now=after)
    assert code == 0, err
    report = json.loads(out)
    assert {p["id"]: p["prerequisites_met"] for p in report["participants"]} == {
        "p1": None,
        "p2": None,
        "p3": None,
    }


def test_partial_acronym_configured_and_late_pushed(site: FakeMoodle, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(
        course_text({"s01": "2027-09-06T10:00:00"}, lms_extra='partial = "L"'), encoding="utf-8"
    )
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    export = tmp_path / "register.csv"
    export.write_text(
        "participant,join,leave,session\n"
        "kiran@example.org,2027-09-06T10:20:00+00:00,2027-09-06T11:00:00+00:00,s01\n"
        "p3,2027-09-06T10:00:00+00:00,2027-09-06T10:20:00+00:00,s01\n",
        encoding="utf-8",
    )
    code, out, err = run("attendance", "import", str(course), str(export), now="2027-09-07T08:00:00Z")
    assert code == 0, err + out
    [s01] = site.sessions
    got = {
        e: site.status_acronym(s01, site.user_by_email(e)["id"])
        for e in ("kiran@example.org", "lee@example.org", "ana@example.org")
    }
    assert got == {"kiran@example.org": "L", "lee@example.org": "L", "ana@example.org": "A"}


def test_prerequisites_false_without_account_or_enrolment(site: FakeMoodle, tmp_path: Path) -> None:
    prereq = site.add_course("mta-elearning")
    ana = site.add_user("ana", "ana@example.org", "Ana", "Pérez")  # the file writes Ana@Example.org
    site.enrol_user(prereq, ana)
    site.completions[(prereq, ana)] = True
    site.add_user("kiran", "kiran@example.org", "Kiran", "R.")  # an account, but not enrolled
    course = tmp_path / "course.toml"
    course.write_text(
        course_text(
            {"s01": "2027-09-06T10:00:00"},
            prerequisites='prerequisites = ["mta-elearning"]',
            lms_extra="require_prerequisites = true",
        ),
        encoding="utf-8",
    )
    code, out, err = run("plan", str(course), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["prerequisites"] == {"p1": True, "p2": False, "p3": False}
    assert {i["person"] for i in plan["invites"]} == {"rf", "p1"}
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    sent = list((tmp_path / ".ta-delivery" / "outbox").glob("*.eml"))
    assert len(sent) == 2
    code, out, err = run("report", str(course), "--format", "json")
    assert code == 0, err
    met = {p["id"]: p["prerequisites_met"] for p in json.loads(out)["participants"]}
    assert met == {"p1": True, "p2": False, "p3": False}


class DocsMoodle(FakeMoodle):
    """A site whose ``core_user_get_users`` does what its API documentation says of ``email``: compared
    case-insensitively, ``%`` a wildcard, and nothing else special (no backslash escapes)."""

    def core_user_get_users(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        [item] = criteria
        assert item["key"] == "email"
        pattern = ".*".join(re.escape(part) for part in item["value"].lower().split("%"))
        found = [dict(u) for u in self.users.values() if re.fullmatch(pattern, u["email"].lower())]
        return {"users": found, "warnings": []}


def test_an_account_whose_email_differs_in_case_and_holds_an_underscore_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_for_cli(DocsMoodle(now=1_785_571_200), monkeypatch) as running:
        site = running.site
        ana = site.add_user("ana", "ANA_PEREZ@example.org", "Ana", "Pérez")
        course = tmp_path / "course.toml"
        text = course_text({"s01": "2027-09-06T10:00:00"}).replace("Ana@Example.org", "Ana_Perez@Example.org")
        course.write_text(text, encoding="utf-8")
        code, out, err = run("apply", str(course), "--json")
        assert code == 0, err + out
        assert "account p1" not in {i["target"] for i in json.loads(out)["items"]}
        [space] = [c for c in site.courses.values() if c["shortname"] == "tr-qa2"]
        assert site.enrolments[space["id"]][ana] == {5}


def test_an_excuse_ahead_of_a_session_does_not_take_its_register(site: FakeMoodle, tmp_path: Path) -> None:
    """Excusing someone before the session writes nothing yet: no A for the others, and the register
    session stays movable; the statuses are written once attendance is recorded after the session."""
    course = tmp_path / "course.toml"
    course.write_text(course_text({"s01": "2027-09-06T10:00:00"}), encoding="utf-8")
    assert run("apply", str(course))[0] == 0
    code, out, err = run(
        "attendance", "excuse", str(course), "--session", "s01", "--participant", "p3", "--reason", "trip"
    )
    assert code == 0, err + out
    assert all(not log for log in site.logs.values())
    course.write_text(course_text({"s01": "2027-09-07T10:00:00"}), encoding="utf-8")
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    assert register(site) == {"s01": ts("2027-09-07T10:00:00")}

    export = tmp_path / "register.csv"
    export.write_text(
        "participant,join,leave\nana@example.org,2027-09-07T10:00:00+00:00,2027-09-07T11:00:00+00:00\n",
        encoding="utf-8",
    )
    after = "2027-09-08T08:00:00Z"
    code, out, err = run("attendance", "import", str(course), str(export), "--session", "s01", now=after)
    assert code == 0, err + out
    [s01] = site.sessions
    got = {
        e: site.status_acronym(s01, site.user_by_email(e)["id"])
        for e in ("ana@example.org", "kiran@example.org", "lee@example.org")
    }
    assert got == {"ana@example.org": "P", "kiran@example.org": "A", "lee@example.org": "E"}


# --- a course with a prerequisite, from plan to report ---------------------------------------------

PREREQ_COURSE = cli_course(
    'course = "tr-2027"\nattendance = true\nrequire_prerequisites = true',
    id="lms-e2e",
    title="Advanced course on trade remedies",
    prerequisites=["elearning-tr"],
)


@pytest.fixture
def prereq_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    with serve_for_cli(FakeMoodle(now=1_788_000_000), monkeypatch, "/") as running:
        fake = running.site
        prereq = fake.add_course("elearning-tr")
        done = fake.add_user("ana", "ana@example.org", "Ana", "Pérez")
        fake.enrol_user(prereq, done)
        fake.completions[(prereq, done)] = True
        yield running


def test_plan_apply_attendance_and_report_with_moodle(prereq_site: Running, tmp_path: Path) -> None:
    fake = prereq_site.site
    course = tmp_path / "course.toml"
    course.write_text(PREREQ_COURSE, encoding="utf-8")

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
    course.write_text(PREREQ_COURSE, encoding="utf-8")
    for command in ("plan", "apply"):
        code, _, err = run(command, str(course))
        assert code == 2, err
        assert "TA_DELIVERY_MOODLE_URL" in err
    assert not (tmp_path / ".ta-delivery").exists()


def test_a_course_to_create_without_a_category_exits_2_before_anything_changes(
    prereq_site: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TA_DELIVERY_MOODLE_CATEGORY_ID")
    course = tmp_path / "course.toml"
    course.write_text(PREREQ_COURSE, encoding="utf-8")
    code, _, err = run("apply", str(course))
    assert code == 2, err
    assert "TA_DELIVERY_MOODLE_CATEGORY_ID" in err
    assert not (tmp_path / ".ta-delivery").exists(), "no classroom, no invitation, no store"
    prereq_site.site.add_course("tr-2027")  # once the course exists, no category is needed
    code, _, err = run("apply", str(course))
    assert code == 0, err


def test_with_the_lms_down_trainers_are_still_invited_and_participants_wait(
    prereq_site: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TA_DELIVERY_MOODLE_TOKEN", "not-the-token")
    course = tmp_path / "course.toml"
    course.write_text(PREREQ_COURSE, encoding="utf-8")
    code, out, err = run("apply", str(course), "--json")
    assert code == 1, err
    result = json.loads(out)
    assert any("participants' invitations held back" in n for n in result["notes"])
    sent = [i["target"] for i in result["items"] if i["kind"] == "invite" and i["ok"]]
    assert sent == ["s01/rf"]
    monkeypatch.setenv("TA_DELIVERY_MOODLE_TOKEN", prereq_site.site.token)
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err
    sent = [i["target"] for i in json.loads(out)["items"] if i["kind"] == "invite"]
    assert sent == ["s01/p1"], "the participant who met the prerequisites, once the LMS answers"
