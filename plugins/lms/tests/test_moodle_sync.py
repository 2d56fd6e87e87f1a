"""plan and apply against the fake Moodle: course, accounts, enrolments, register; reruns change nothing."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from fake_moodle import Running
from moodle_course import NOW, make_course

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.errors import InputError
from ta_delivery.models import Course, LmsSettings
from ta_delivery_lms.decisions import parse_mark
from ta_delivery_lms.plugin import make_moodle


def _targets(changes: list) -> list[tuple[str, str]]:
    return [(c.action, c.target) for c in changes]


def _ours(moodle: Running, course_id: str = "rtpc-2020") -> dict[str, dict]:
    out = {}
    for s in moodle.site.sessions.values():
        key = parse_mark(s["description"])
        if key and key[0] == course_id:
            out[key[1]] = s
    return out


def test_first_apply_builds_everything(moodle: Running, context: RunContext, course: Course) -> None:
    changes = make_moodle(context).apply(course)
    assert all(c.ok for c in changes), [c.error for c in changes if not c.ok]
    site = moodle.site
    (lms_course,) = [c for c in site.courses.values() if c["shortname"] == "rtpc-2020"]
    assert lms_course["categoryid"] == 7
    assert lms_course["fullname"] == "Regional Trade Policy Course"
    assert lms_course["enablecompletion"] == 1
    # one account per person, found by email afterwards; names split and cleaned
    ana = site.user_by_email("ana@example.org")
    assert (ana["firstname"], ana["lastname"], ana["username"]) == ("Ana", "Pérez", "ana@example.org")
    assert ana["country"] == "JM" and ana["timezone"] == "America/Jamaica"
    ben = site.user_by_email("Ben.Ng+tt@Example.org")
    assert ben["username"] == "ben.ngtt@example.org"
    assert "<" not in ben["firstname"] + ben["lastname"]
    mia = site.user_by_email("mk@example.org")
    assert (mia["firstname"], mia["lastname"]) == ("Mia", "-")
    # trainers as editing teachers (3), participants as students (5)
    roles = site.enrolments[lms_course["id"]]
    assert roles[site.user_by_email("rf@example.org")["id"]] == {3}
    assert roles[mia["id"]] == {3}
    assert roles[ana["id"]] == {5} and roles[ben["id"]] == {5}
    # one register, one session per live session (the ended one too), none for recorded sessions
    (register,) = site.attendances.values()
    assert register["name"] == "Attendance (live sessions)"
    ours = _ours(moodle)
    assert set(ours) == {"s00", "s01", "s02"}
    s01 = course.session("s01")
    assert ours["s01"]["sessdate"] == int(s01.start.timestamp())
    assert ours["s01"]["duration"] == 120 * 60
    assert ("create", "register session s01") in _targets(changes)


def test_second_apply_and_plan_change_nothing(moodle: Running, context: RunContext, course: Course) -> None:
    make_moodle(context).apply(course)
    writes = len(moodle.site.writes)
    assert make_moodle(context).apply(course) == []
    assert make_moodle(context).plan(course) == []
    assert len(moodle.site.writes) == writes


def test_rerun_without_remembered_state_finds_the_register(
    moodle: Running, context: RunContext, course: Course, env: dict, clock: FakeClock
) -> None:
    make_moodle(context).apply(course)
    fresh = RunContext(settings=context.settings, clock=clock, states={})
    assert make_moodle(fresh).apply(course) == []
    assert len(moodle.site.attendances) == 1


def test_plan_reads_only_and_lists_the_work(moodle: Running, context: RunContext, course: Course) -> None:
    changes = make_moodle(context).plan(course)
    assert moodle.site.writes == []
    targets = _targets(changes)
    assert targets[0] == ("create", "course rtpc-2020")
    for pid in ("rf", "mk", "jm-01", "tt-02", "bb-03"):
        assert ("create", f"account {pid}") in targets
        assert ("enrol", f"enrolment {pid}") in targets
    assert ("create", "register") in targets
    assert {t for a, t in targets if t.startswith("register session")} == {
        "register session s00",
        "register session s01",
        "register session s02",
    }
    # what plan announces is what apply does
    applied = make_moodle(context).apply(course)
    assert sorted(_targets(applied)) == sorted(targets)


def test_existing_course_accounts_and_enrolments_are_reused(
    moodle: Running, context: RunContext, course: Course
) -> None:
    site = moodle.site
    cid = site.add_course("rtpc-2020")
    ana = site.add_user("ana.perez", "Ana@Example.org")  # stored with other case
    site.enrol_user(cid, ana, 5)
    changes = make_moodle(context).apply(course)
    targets = _targets(changes)
    assert ("create", "course rtpc-2020") not in targets
    assert ("create", "account jm-01") not in targets
    assert ("enrol", "enrolment jm-01") not in targets
    assert len([c for c in site.courses.values() if c["shortname"] == "rtpc-2020"]) == 1
    assert len([u for u in site.users.values() if u["email"].lower() == "ana@example.org"]) == 1


def test_role_ids_are_read_from_the_site(moodle: Running, context: RunContext, course: Course) -> None:
    site = moodle.site
    site.roles = {1: "manager", 13: "editingteacher", 4: "teacher", 15: "student"}
    cid = site.add_course("rtpc-2020")
    site.enrol_user(cid, site.add_user("t", "t@example.net"), 13)
    site.enrol_user(cid, site.add_user("s", "s@example.net"), 15)
    make_moodle(context).apply(course)
    assert site.enrolments[cid][site.user_by_email("ana@example.org")["id"]] == {15}
    assert site.enrolments[cid][site.user_by_email("rf@example.org")["id"]] == {13}


def test_configured_role_ids_win(moodle: Running, env: dict, clock: FakeClock, course: Course) -> None:
    from ta_delivery.settings import Settings

    ctx = RunContext(
        settings=Settings({**env, "TA_DELIVERY_MOODLE_STUDENT_ROLE_ID": "4"}), clock=clock, states={}
    )
    make_moodle(ctx).apply(course)
    site = moodle.site
    (cid,) = [c["id"] for c in site.courses.values()]
    assert site.enrolments[cid][site.user_by_email("ana@example.org")["id"]] == {4}


def test_trainer_enrolled_as_student_gets_the_teacher_role(
    moodle: Running, context: RunContext, course: Course
) -> None:
    site = moodle.site
    cid = site.add_course("rtpc-2020")
    rf = site.add_user("rf", "rf@example.org")
    site.enrol_user(cid, rf, 5)
    changes = make_moodle(context).apply(course)
    assert ("enrol", "enrolment rf") in _targets(changes)
    assert 3 in site.enrolments[cid][rf]


def test_taken_username_gets_a_suffix(moodle: Running, context: RunContext, course: Course) -> None:
    moodle.site.add_user("ana@example.org", "someone-else@example.net")
    make_moodle(context).apply(course)
    assert moodle.site.user_by_email("ana@example.org")["username"] == "ana@example.org-2"


def test_moved_and_removed_sessions_keep_the_register_in_step(
    moodle: Running, context: RunContext, course: Course
) -> None:
    make_moodle(context).apply(course)
    before = _ours(moodle)
    s01 = course.session("s01")
    moved = attrs.evolve(s01, start=s01.start + timedelta(hours=3), minutes=60)
    changed = attrs.evolve(course, sessions=(course.session("s00"), moved))  # s02 removed
    plan = make_moodle(context).plan(changed)
    assert sorted(_targets(plan)) == [("delete", "register session s02"), ("update", "register session s01")]
    applied = make_moodle(context).apply(changed)
    assert sorted(_targets(applied)) == sorted(_targets(plan))
    assert all(c.ok for c in applied)
    after = _ours(moodle)
    assert set(after) == {"s00", "s01"}
    assert after["s01"]["sessdate"] == int(moved.start.timestamp())
    assert after["s01"]["duration"] == 3600
    assert after["s00"]["id"] == before["s00"]["id"]  # untouched
    assert make_moodle(context).apply(changed) == []


def test_ended_or_taken_slots_are_never_touched(
    moodle: Running, context: RunContext, course: Course, clock: FakeClock
) -> None:
    make_moodle(context).apply(course)
    ours = _ours(moodle)
    ours["s01"]["lasttaken"] = 1  # attendance already taken in Moodle
    s00, s01 = course.session("s00"), course.session("s01")
    changed = attrs.evolve(
        course,
        sessions=(
            attrs.evolve(s00, start=s00.start + timedelta(hours=1)),  # ended: leave its slot
            attrs.evolve(s01, start=s01.start + timedelta(hours=1)),  # taken: cannot move
        ),
    )
    changes = make_moodle(context).apply(changed)
    assert [(c.action, c.target, c.ok) for c in changes] == [
        ("delete", "register session s02", True),
        ("update", "register session s01", False),
    ]
    assert set(_ours(moodle)) == {"s00", "s01"}
    assert _ours(moodle)["s00"]["id"] == ours["s00"]["id"]


def test_cancelled_course_removes_future_slots_only(
    moodle: Running, context: RunContext, course: Course
) -> None:
    make_moodle(context).apply(course)
    writes = len(moodle.site.writes)
    cancelled = attrs.evolve(course, status="cancelled")
    changes = make_moodle(context).apply(cancelled)
    assert sorted(_targets(changes)) == [
        ("delete", "register session s01"),
        ("delete", "register session s02"),
    ]
    assert set(_ours(moodle)) == {"s00"}
    assert len(moodle.site.writes) == writes + 2
    assert make_moodle(context).apply(cancelled) == []


def test_cancelled_course_never_creates_anything(
    moodle: Running, context: RunContext, course: Course
) -> None:
    assert make_moodle(context).apply(attrs.evolve(course, status="cancelled")) == []
    assert moodle.site.writes == []


def test_attendance_false_leaves_the_register_alone(moodle: Running, context: RunContext) -> None:
    course = make_course(lms=LmsSettings(provider="moodle", course="rtpc-2020", attendance=False))
    changes = make_moodle(context).apply(course)
    assert not [c for c in changes if "register" in c.target]
    assert moodle.site.attendances == {}


def test_duplicate_slot_from_a_lost_response_is_removed(
    moodle: Running, context: RunContext, course: Course
) -> None:
    make_moodle(context).apply(course)
    site = moodle.site
    (aid,) = site.attendances
    s02 = course.session("s02")
    site.mod_attendance_add_session(
        aid, _ours(moodle)["s02"]["description"], int(s02.start.timestamp()), 5400, 0, True
    )
    changes = make_moodle(context).apply(course)
    assert _targets(changes) == [("delete", "register session s02")]
    assert make_moodle(context).apply(course) == []


def test_other_slots_are_not_ours(moodle: Running, context: RunContext, course: Course) -> None:
    make_moodle(context).apply(course)
    site = moodle.site
    (aid,) = site.attendances
    site.mod_attendance_add_session(
        aid, "<p>Extra tutorial</p>", int((NOW + timedelta(days=2)).timestamp()), 60, 0, True
    )
    other = make_course(id="other-course")
    assert make_moodle(context).apply(course) == []
    assert other.id not in {parse_mark(s["description"] or "") for s in site.sessions.values()}


def test_missing_category_is_an_input_error(
    moodle: Running, env: dict, clock: FakeClock, course: Course
) -> None:
    from ta_delivery.settings import Settings

    env = {k: v for k, v in env.items() if k != "TA_DELIVERY_MOODLE_CATEGORY_ID"}
    ctx = RunContext(settings=Settings(env), clock=clock, states={})
    with pytest.raises(InputError) as info:
        make_moodle(ctx).apply(course)
    assert info.value.source == "TA_DELIVERY_MOODLE_CATEGORY_ID"
    assert moodle.site.writes == []


def test_unknown_lms_option_is_an_input_error(moodle: Running, context: RunContext) -> None:
    course = make_course(lms=LmsSettings(provider="moodle", course="rtpc-2020", options={"colour": "red"}))
    with pytest.raises(InputError) as info:
        make_moodle(context).plan(course)
    assert info.value.key == "lms.colour"
    assert moodle.site.calls == []


def test_a_failing_enrolment_is_isolated(moodle: Running, context: RunContext, course: Course) -> None:
    site = moodle.site
    refusal = {"exception": "moodle_exception", "errorcode": "wscannotenrol", "message": "cannot enrol"}
    site.errors["enrol_manual_enrol_users"] = [dict(refusal), dict(refusal)]  # the batch, then rf alone
    changes = make_moodle(context).apply(course)
    enrol = {c.target: c for c in changes if c.action == "enrol"}
    assert len(enrol) == 5
    assert not enrol["enrolment rf"].ok
    assert "wscannotenrol" in (enrol["enrolment rf"].error or "")
    assert all(c.ok for t, c in enrol.items() if t != "enrolment rf")
    (cid,) = site.courses
    assert len(site.enrolments[cid]) == 4
    # the next run enrols the one left out, and nothing else
    assert _targets(make_moodle(context).apply(course)) == [("enrol", "enrolment rf")]
