"""plan/apply: desired state, idempotence, the invite lifecycle, crashes and partial failures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs
import pytest

from helpers.world import World, make_course
from ta_delivery.errors import StoreError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer
from ta_delivery.testing.faults import Fault, FaultyTransport

CHANGING = {"POST", "PATCH", "DELETE", "PUT"}


def changing_calls(world: World) -> list[tuple[str, str]]:
    return [c for c in world.server.calls if c[0] in CHANGING]


def test_first_apply_creates_a_classroom_per_live_session_and_invites_everyone(world: World) -> None:
    course = make_course()
    result = world.syncer(course).apply()
    assert result.ok
    assert len(world.server.rooms) == 3
    # every session's trainer plus the three participants
    assert len(world.transport.sent) == 3 * 4
    assert {s.method for s in world.transport.sent} == {"REQUEST"}
    assert {s.sequence for s in world.transport.sent} == {0}
    uids = {s.uid for s in world.transport.sent}
    assert len(uids) == 3


def test_second_apply_changes_nothing(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    before = len(changing_calls(world))
    sent = len(world.transport.sent)
    plan = world.syncer(course).plan()
    assert plan.empty
    result = world.syncer(course).apply()
    assert result.ok
    assert result.items == ()
    assert len(changing_calls(world)) == before
    assert len(world.transport.sent) == sent


def test_moving_a_session_updates_it_and_reinvites_only_its_people(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    first = len(world.transport.sent)
    moved = attrs.evolve(course.sessions[1], start=course.sessions[1].start + timedelta(hours=1))
    course2 = attrs.evolve(course, sessions=(course.sessions[0], moved, course.sessions[2]))
    plan = world.syncer(course2).plan()
    assert [(c.session_id, c.action) for c in plan.classrooms] == [("s02", "update")]
    world.syncer(course2).apply()
    new = world.transport.sent[first:]
    assert len(new) == 4
    assert {s.method for s in new} == {"REQUEST"}
    assert {s.sequence for s in new} == {1}
    old_uid = next(s.uid for s in world.transport.sent[:first] if "Session 2" in s.session)
    assert {s.uid for s in new} == {old_uid}
    assert len(world.server.rooms) == 3


def test_a_person_who_leaves_a_session_gets_a_cancel(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    first = len(world.transport.sent)
    only_two = attrs.evolve(course.sessions[0], participants=("jm-01", "tt-01"))
    course2 = attrs.evolve(course, sessions=(only_two, *course.sessions[1:]))
    world.syncer(course2).apply()
    new = world.transport.sent[first:]
    assert [(s.method, s.sequence) for s in new] == [("CANCEL", 1)]
    assert "Dawn@Example.org" in new[0].to


def test_removing_a_session_cancels_its_classroom_and_invites(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    first = len(world.transport.sent)
    course2 = attrs.evolve(course, sessions=course.sessions[:2])
    world.syncer(course2).apply()
    assert len(world.server.rooms) == 2
    new = world.transport.sent[first:]
    assert len(new) == 4
    assert {s.method for s in new} == {"CANCEL"}
    assert {s.sequence for s in new} == {1}
    # and nothing more on the next run
    world.syncer(course2).apply()
    assert len(world.transport.sent) == first + 4


def test_cancelling_the_course_cancels_everything(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    world.syncer(attrs.evolve(course, status="cancelled")).apply()
    assert world.server.rooms == {}
    assert sum(s.method == "CANCEL" for s in world.transport.sent) == 12


def test_ended_sessions_are_left_alone(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    calls = len(changing_calls(world))
    sent = len(world.transport.sent)
    world.clock.current = course.sessions[0].end + timedelta(minutes=1)
    # s01 has ended: dropping it from the file changes nothing for it
    course2 = attrs.evolve(course, sessions=course.sessions[1:])
    assert world.syncer(course2).plan().empty
    world.syncer(course2).apply()
    assert len(changing_calls(world)) == calls
    assert len(world.transport.sent) == sent
    assert len(world.server.rooms) == 3


def test_a_lost_create_response_never_duplicates(world: World) -> None:
    course = make_course()
    faulty = FaultyTransport(world.server.transport())
    faulty.inject(Fault("lost", method="POST", path="/rooms$"))
    world.context.transport = faulty
    result = world.syncer(course).apply()
    assert not result.ok
    assert len(world.server.rooms) == 3  # the server did create all three
    failed = [i for i in result.items if not i.ok]
    assert [i.target for i in failed] == ["s01"]
    plan = world.syncer(course).plan()
    assert [(c.session_id, c.action) for c in plan.classrooms] == [("s01", "recover")]
    result2 = world.syncer(course).apply()
    assert result2.ok
    assert len(world.server.rooms) == 3
    assert sorted(world.server.count(f"ta-delivery:rtpc-test/s0{i}") for i in (1, 2, 3)) == [1, 1, 1]


def test_plan_on_a_lost_store_says_apply_may_adopt_what_it_finds(world: World, tmp_path: Path) -> None:
    course = make_course()
    assert world.syncer(course).apply().ok
    lost = open_store(f"sqlite:///{tmp_path / 'replaced.db'}")  # the state store was lost or replaced
    try:
        syncer = Syncer(course, lost, world.plugins, world.context, workers=1)
        plan = syncer.plan()
        # still a create (totals, --exit-code and the JSON shape are unchanged) but said honestly:
        # apply looks before creating (decision 0091) and adopts the meeting its key finds
        assert [c.action for c in plan.classrooms] == ["create"] * 3
        assert all("adopt" in c.reason and "key" in c.reason for c in plan.classrooms)
        result = syncer.apply()
        assert result.ok
        done = [i for i in result.items if i.kind == "classroom"]
        assert [i.action for i in done] == ["update"] * 3
        assert len(world.server.rooms) == 3
    finally:
        lost.close()


def test_plan_says_a_plain_create_where_the_provider_cannot_find_by_key(world: World) -> None:
    course = make_course(provider="jitsi")  # Jitsi rooms carry nothing to find (decision 0091)
    assert not world.plugins.providers["jitsi"].capabilities.find_by_key
    plan = world.syncer(course).plan()
    assert [(c.action, c.reason) for c in plan.classrooms] == [("create", "new live session")] * 3


def test_a_crash_after_the_remote_call_is_recovered(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    course = make_course()
    real = world.store.save_classroom
    calls = {"n": 0}

    def crash_once(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise StoreError("disk vanished")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(world.store, "save_classroom", crash_once)
    result = world.syncer(course).apply()
    assert not result.ok
    monkeypatch.setattr(world.store, "save_classroom", real)
    assert world.syncer(course).apply().ok
    assert len(world.server.rooms) == 3
    assert world.syncer(course).plan().empty


def test_some_failures_do_not_stop_the_others(world: World) -> None:
    course = make_course()
    faulty = FaultyTransport(world.server.transport())
    faulty.inject(Fault("status", status=400, method="POST", path="/rooms$"))
    world.context.transport = faulty
    result = world.syncer(course).apply()
    assert not result.ok
    assert len(world.server.rooms) == 2
    # invites went out for the two sessions that have a classroom
    assert len({s.uid for s in world.transport.sent}) == 2
    world.context.transport = world.server.transport()
    assert world.syncer(course).apply().ok
    assert len(world.server.rooms) == 3
    assert len({s.uid for s in world.transport.sent}) == 3


def test_a_failed_classroom_update_holds_its_requests_until_the_classroom_matches(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    first = len(world.transport.sent)
    moved = attrs.evolve(course.sessions[1], start=course.sessions[1].start + timedelta(hours=1))
    course2 = attrs.evolve(course, sessions=(course.sessions[0], moved, course.sessions[2]))
    faulty = FaultyTransport(world.server.transport())
    faulty.inject(Fault("status", status=400, method="PATCH", path="/rooms/"))
    world.context.transport = faulty
    result = world.syncer(course2).apply()
    assert [(i.kind, i.action, i.ok) for i in result.items] == [("classroom", "update", False)]
    assert len(world.transport.sent) == first, "no REQUEST with a time the classroom does not have"
    world.context.transport = world.server.transport()
    assert world.syncer(course2).apply().ok
    assert [s.method for s in world.transport.sent[first:]] == ["REQUEST"] * 4


def test_a_failed_send_is_retried_next_run_with_the_same_sequence(world: World) -> None:
    course = make_course()
    world.transport.fail = 1
    result = world.syncer(course).apply()
    assert [i.kind for i in result.items if not i.ok] == ["invite"]
    assert len(world.transport.sent) == 11
    result2 = world.syncer(course).apply()
    assert result2.ok
    assert len(world.transport.sent) == 12
    assert world.transport.sent[-1].sequence == 0
    assert world.syncer(course).plan().empty


def test_recorded_sessions_get_no_classroom(world: World) -> None:
    course = make_course()
    recorded = attrs.evolve(course.sessions[2], kind="recorded")
    course2 = attrs.evolve(course, sessions=(*course.sessions[:2], recorded))
    world.syncer(course2).apply()
    assert len(world.server.rooms) == 2


def test_planned_course_does_nothing_and_says_why(world: World) -> None:
    plan = world.syncer(make_course(status="planned")).plan()
    assert plan.empty
    assert any("planned" in n for n in plan.notes)


def _plain_text(sent: object) -> str:
    message = sent.message  # type: ignore[attr-defined]
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return str(part.get_content())
    raise AssertionError("no text/plain part")


def test_a_cancel_says_why(world: World) -> None:
    course = make_course()
    world.syncer(course).apply()
    first = len(world.transport.sent)
    fewer = attrs.evolve(course.sessions[0], participants=("jm-01", "tt-01"))
    world.syncer(attrs.evolve(course, sessions=(fewer, course.sessions[1]))).apply()
    new = world.transport.sent[first:]
    removed = [s for s in new if "Dawn@Example.org" in s.to and "Session 1" in s.session]
    dropped = [s for s in new if "Session 3" in s.session]
    assert "no longer expected" in _plain_text(removed[0])
    assert "This session of" in _plain_text(dropped[0])
    second = len(world.transport.sent)
    world.syncer(attrs.evolve(course, status="cancelled", sessions=(fewer, course.sessions[1]))).apply()
    assert all("has been cancelled, and with it" in _plain_text(s) for s in world.transport.sent[second:])


def test_a_listener_that_raises_does_not_stop_apply(world: World, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        @hookimpl
        def ta_delivery_classroom_provisioned(
            self, course: object, session: object, classroom: object
        ) -> None:
            raise RuntimeError("listener bug")

    world.plugins.register(Broken())
    result = world.syncer(make_course()).apply()
    assert result.ok
    assert len(world.server.rooms) == 3 and len(world.transport.sent) == 12
    assert "listener bug" in caplog.text


def test_plan_json_items_carry_the_kind_apply_reports_them_under() -> None:
    from ta_delivery.planning import ClassroomChange, InviteChange, Plan
    from ta_delivery.records import LmsChange

    plan = Plan(
        "c",
        (ClassroomChange("s01", "memory", "create", "new live session"),),
        (
            InviteChange("s01", "rf", "rf@example.org", "REQUEST", 0, "new"),
            InviteChange("s01", "jm-01", "ana@example.org", "SEND", 0, "new", kind="recording"),
            InviteChange("*", "jm-01", "ana@example.org", "SEND", 0, "new", kind="welcome"),
        ),
        (LmsChange("enrol", "jm-01", "enrol Ana"),),
    )
    data = plan.to_json()
    assert [c["kind"] for c in data["classrooms"]] == ["classroom"]
    assert [i["kind"] for i in data["invites"]] == ["invite", "recording", "welcome"]
    assert [c["kind"] for c in data["lms"]] == ["lms"]
    assert data["invites"][0] == {
        "kind": "invite",
        "session": "s01",
        "person": "rf",
        "email": "rf@example.org",
        "method": "REQUEST",
        "sequence": 0,
        "reason": "new",
    }
