"""One store per programme: the default store of its courses, carrying a course's own store over, shared
provider budgets, and plan/apply PROGRAMME course by course."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from helpers.world import calendar_of
from ta_delivery.cli import main
from ta_delivery.store import Store, open_store
from ta_delivery.testing.courses import course_toml, person, session
from test_programme_reader import write

NOW = "2027-03-01T12:00:00Z"
PROGRAMME = '[programme]\nid = "p-2027"\ntitle = "P"\ncourses = ["*/course.toml"]\n'


def course_text(cid: str, day: str = "2027-03-10", provider: str = "jitsi") -> str:
    return course_toml(
        id=cid,
        title=f"Course {cid}",
        timezone="Europe/Zurich",
        provider=provider,
        organizer={"name": "Institute", "email": "training@example.org"},
        trainers=[person("rf", "R F", timezone="Europe/Zurich")],
        participants=[person("ana", "Ana", f"ana-{cid}@example.org", "Europe/Zurich")],
        sessions=[
            session("s1", f"{day}T10:00:00", 60, title="Opening"),
            session("s2", f"{day}T14:00:00", 60, title="Second"),
        ],
    )


def run(*args: str, now: str = NOW, **env: str) -> Result:
    return CliRunner().invoke(
        main, list(args), env={"TA_DELIVERY_NOW": now, "TA_DELIVERY_STATE": None, **env}
    )


def outbox(folder: Path) -> list[Path]:
    return sorted((folder / ".ta-delivery" / "outbox").glob("*.eml"))


def rows(db: Path, course_id: str) -> tuple[int, int]:
    store = open_store(f"sqlite:///{db}")
    try:
        return len(store.classrooms(course_id)), len(store.invites(course_id))
    finally:
        store.close()


def test_a_course_in_a_programme_folder_uses_the_programme_store(tmp_path: Path) -> None:
    write(tmp_path, "programme.toml", PROGRAMME)
    course = write(tmp_path, "a/course.toml", course_text("a"))
    applied = run("apply", str(course))
    assert applied.exit_code == 0, applied.output
    assert (tmp_path / ".ta-delivery" / "state.db").is_file()
    assert not (tmp_path / "a" / ".ta-delivery" / "state.db").exists()
    assert rows(tmp_path / ".ta-delivery" / "state.db", "a") == (2, 4)
    # the programme sees what the course did: nothing left to do
    again = run("apply", str(tmp_path / "programme.toml"), "--json")
    assert again.exit_code == 0, again.output
    assert [c["items"] for c in json.loads(again.output)["courses"]] == [[]]


def test_a_course_with_its_own_store_is_carried_over_once_and_nothing_is_created_twice(
    tmp_path: Path,
) -> None:
    course = write(tmp_path, "a/course.toml", course_text("a"))
    first = run("apply", str(course))
    assert first.exit_code == 0, first.output
    own = tmp_path / "a" / ".ta-delivery" / "state.db"
    assert rows(own, "a") == (2, 4)
    sent = outbox(tmp_path / "a")
    assert len(sent) == 4

    write(tmp_path, "programme.toml", PROGRAMME)  # the course now belongs to a programme
    moved = run("apply", str(course), "--json")
    assert moved.exit_code == 0, moved.output
    assert "carried over into the programme's store" in moved.stderr
    assert json.loads(moved.stdout)["items"] == []  # no classroom created again, no invitation re-sent
    assert outbox(tmp_path / "a") == sent
    shared = tmp_path / ".ta-delivery" / "state.db"
    assert rows(shared, "a") == (2, 4)

    quiet = run("apply", str(tmp_path / "programme.toml"))
    assert quiet.exit_code == 0, quiet.output
    assert "carried over" not in quiet.output

    # a change is an update of the same classroom, with the next SEQUENCE: the invitations came along too
    course.write_text(course_text("a").replace("T14:00:00", "T15:00:00"), encoding="utf-8")
    changed = run("apply", str(course), "--json")
    assert changed.exit_code == 0, changed.output
    actions = sorted((i["kind"], i["action"]) for i in json.loads(changed.stdout)["items"])
    assert ("classroom", "create") not in actions
    new = [p for p in outbox(tmp_path / "a") if p not in sent]
    assert len(new) == 2
    for path in new:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        [event] = calendar_of(message).walk("VEVENT")
        assert event["SEQUENCE"] == 1  # the carried-over invitations had SEQUENCE 0


def test_two_stores_that_both_hold_the_course_are_refused_and_nothing_changes(tmp_path: Path) -> None:
    course = write(tmp_path, "a/course.toml", course_text("a"))
    shared = tmp_path / ".ta-delivery" / "state.db"
    assert run("apply", str(course)).exit_code == 0
    assert run("apply", str(course), "--state", str(shared), now="2027-03-02T09:00:00Z").exit_code == 0
    write(tmp_path, "programme.toml", PROGRAMME)
    before = shared.read_bytes()
    refused = run("apply", str(course))
    assert refused.exit_code == 2, refused.output
    assert "cannot be merged safely" in refused.stderr
    assert "--state" in refused.stderr
    assert rows(shared, "a") == (2, 4)
    assert shared.read_bytes() == before or rows(shared, "a") == (2, 4)
    # naming a store explicitly still works, as always
    chosen = run("apply", str(course), "--state", str(tmp_path / "a" / ".ta-delivery" / "state.db"))
    assert chosen.exit_code == 0, chosen.output


def _fake_zoom() -> Any:
    return pytest.importorskip("fake_zoom")  # plugins/zoom/tests is on pytest's pythonpath


def test_two_courses_sharing_a_zoom_host_share_its_daily_budget_and_one_failing_course_stops_no_other(
    tmp_path: Path,
) -> None:
    fake_zoom = _fake_zoom()
    from ta_delivery.testing.loopback import LoopbackServer

    programme = write(tmp_path, "programme.toml", PROGRAMME)
    write(tmp_path, "a/course.toml", course_text("a", "2027-03-10", "zoom"))
    write(tmp_path, "b/course.toml", course_text("b", "2027-03-11", "zoom"))
    zoom = fake_zoom.FakeZoom(now=lambda: datetime(2027, 3, 1, 12, tzinfo=UTC))
    # course a's first meeting is refused (a 400): a fails, b is still applied
    zoom.faults.append(
        fake_zoom.Fault(
            method="POST",
            path_contains="/users/",
            response=httpx.Response(400, json={"code": 300, "message": "Invalid request"}),
        )
    )
    with LoopbackServer(zoom.handle) as server:
        env = {
            **fake_zoom.ENV,
            "TA_DELIVERY_ZOOM_API_URL": f"{server.url}/v2",
            "TA_DELIVERY_ZOOM_OAUTH_URL": f"{server.url}/oauth/token",
        }
        applied = run("apply", str(programme), **env)
        assert applied.exit_code == 1, applied.output
        assert "p-2027: 1 of 2 courses applied; failed: a" in applied.stdout
        assert rows(tmp_path / ".ta-delivery" / "state.db", "b") == (2, 4)
        resumed = run("apply", str(programme), **env)
        assert resumed.exit_code == 0, resumed.output
        assert "p-2027: 2 courses applied" in resumed.stdout
        writes = sum(zoom.writes.values())
        assert writes >= 4
        planned = run("plan", str(tmp_path / "a" / "course.toml"), "--json", **env)
    assert planned.exit_code == 0, planned.output
    [note] = json.loads(planned.stdout)["notes"]
    left = int(note.split(" has ")[1].split(" of ")[0])
    # course a made 2 meetings (and tried once more), course b 2: a alone would see at least 97 left
    assert left <= 100 - writes <= 96, note


def test_plan_programme_prints_every_course_and_one_summary(tmp_path: Path) -> None:
    programme = write(tmp_path, "programme.toml", PROGRAMME)
    write(tmp_path, "a/course.toml", course_text("a"))
    write(tmp_path, "b/course.toml", course_text("b", "2027-03-11"))
    planned = run("plan", str(programme), "--json")
    assert planned.exit_code == 0, planned.output
    doc = json.loads(planned.stdout)
    assert doc["programme"] == "p-2027" and doc["ok"] is True
    assert [c["course"] for c in doc["courses"]] == ["a", "b"]
    assert not (tmp_path / ".ta-delivery").exists()  # planning creates no store
    table = run("plan", str(programme))
    assert table.exit_code == 0
    last = "p-2027: 2 courses planned: 4 to create, 0 to update, 0 to cancel, 8 invitations"
    assert table.stdout.rstrip().endswith(last)
    assert doc["totals"]["create"] == 4 and doc["pending"] is True
    assert run("plan", str(programme), "--exit-code").exit_code == 3  # changes pending, as for a course
    assert run("apply", str(programme), "--yes").exit_code == 0
    assert run("plan", str(programme), "--exit-code").exit_code == 0


def test_apply_programme_changes_nothing_when_a_rule_fails_across_courses(tmp_path: Path) -> None:
    programme = write(tmp_path, "programme.toml", PROGRAMME)
    write(tmp_path, "a/course.toml", course_text("a"))
    # b's opening overlaps a's for trainer rf: each course alone is fine, the programme is not
    write(
        tmp_path,
        "b/course.toml",
        course_text("b").replace("T14:00:00", "T16:00:00").replace("T10:00", "T10:30"),
    )
    assert run("check", str(tmp_path / "b" / "course.toml")).exit_code == 0
    refused = run("apply", str(programme), "--json")
    assert refused.exit_code == 1, refused.output
    doc = json.loads(refused.stdout)
    assert doc["applied"] is False
    # rf: a/s1 10:00, b/s1 10:30 (overlap), a/s2 14:00, b/s2 16:00 (four on one day, two allowed)
    assert [[(f["rule"], f["session"]) for f in c["findings"]] for c in doc["courses"]] == [
        [("double-booked", "b/s1"), ("too-many-live-sessions-per-day", "s2")],
        [("double-booked", "s1"), ("too-many-live-sessions-per-day", "a/s2")],
    ]
    assert "apply changed nothing" in refused.stderr
    assert not (tmp_path / ".ta-delivery").exists()
    assert not outbox(tmp_path / "a") and not outbox(tmp_path / "b")


def apply_while_the_programme_runs(shared: Store, *args: str) -> tuple[Result, float]:
    """``apply ARGS`` while another run holds the programme's lock in ``shared`` for 1.5 s: the result, and
    the seconds it took."""
    import threading
    import time

    held = threading.Event()
    release = threading.Event()

    def other_run() -> None:  # another course's apply, holding the programme's lock for a moment
        with shared.run_lock("p-2027.programme"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=other_run)
    holder.start()
    try:
        assert held.wait(10)
        threading.Timer(1.5, release.set).start()
        started = time.monotonic()
        applied = run("apply", *args)
        return applied, time.monotonic() - started
    finally:
        release.set()
        holder.join()


def test_runs_of_two_courses_of_one_programme_take_turns(tmp_path: Path) -> None:
    write(tmp_path, "programme.toml", PROGRAMME)
    course = write(tmp_path, "b/course.toml", course_text("b"))
    shared = open_store(f"sqlite:///{tmp_path / '.ta-delivery' / 'state.db'}")
    try:
        applied, waited = apply_while_the_programme_runs(shared, str(course))
    finally:
        shared.close()
    assert applied.exit_code == 0, applied.output
    assert "waiting for another run" in applied.stderr and "p-2027.programme" in applied.stderr
    assert waited >= 1.0


def test_a_course_run_waits_for_the_programme_run_on_a_postgresql_store(
    postgresql_url: str, tmp_path: Path
) -> None:
    """``--state postgresql://...``: the programme's lock is an advisory lock every process sees; a run of
    one of its courses says it waits, then does its work once (nothing done twice)."""
    write(tmp_path, "programme.toml", PROGRAMME)
    course = write(tmp_path, "b/course.toml", course_text("b"))
    shared = open_store(postgresql_url)
    try:
        applied, waited = apply_while_the_programme_runs(shared, str(course), "--state", postgresql_url)
        assert applied.exit_code == 0, applied.output
        assert "waiting for another run" in applied.stderr and "p-2027.programme" in applied.stderr
        assert waited >= 1.0
        assert (len(shared.classrooms("b")), len(shared.invites("b"))) == (2, 4)
        again = run("apply", str(tmp_path / "programme.toml"), "--state", postgresql_url, "--json")
        assert again.exit_code == 0, again.output
        assert [c["items"] for c in json.loads(again.stdout)["courses"]] == [[]]
    finally:
        shared.close()
    assert not (tmp_path / ".ta-delivery" / "state.db").exists()


def test_doctor_on_a_course_with_its_own_store_in_a_programme_changes_nothing(tmp_path: Path) -> None:
    """``doctor`` checks "without changing anything": it names the programme's store the next run will use
    but neither creates it nor carries the course's own store over (``apply`` does that)."""
    course = write(tmp_path, "a/course.toml", course_text("a"))
    assert run("apply", str(course)).exit_code == 0
    own = tmp_path / "a" / ".ta-delivery" / "state.db"
    before = own.read_bytes()
    write(tmp_path, "programme.toml", PROGRAMME)
    checked = run("doctor", str(course), "--json")
    assert checked.exit_code == 0, checked.output
    [store] = [c for c in json.loads(checked.stdout)["checks"] if c["area"] == "store"]
    assert str(tmp_path / ".ta-delivery" / "state.db") in store["name"]
    assert not (tmp_path / ".ta-delivery").exists(), "the programme's store is not created"
    assert own.read_bytes() == before, "the course's own store is not marked as carried over"
    assert "carried over" not in checked.stderr
    moved = run("apply", str(course), "--json")  # the carry-over happens on the next real run
    assert "carried over into the programme's store" in moved.stderr
    assert json.loads(moved.stdout)["items"] == []
