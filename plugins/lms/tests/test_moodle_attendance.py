"""Statuses pushed into the register by the session's own status set; the hook; the ``[lms]`` table."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from fake_moodle import Running
from moodle_course import cli_course, make_course

from ta_delivery.context import RunContext
from ta_delivery.errors import ProviderError
from ta_delivery.models import Course, LmsSettings
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import AttendanceStatus
from ta_delivery_lms import plugin
from ta_delivery_lms.decisions import parse_mark
from ta_delivery_lms.plugin import make_moodle


def _slot(moodle: Running, sid: str) -> int:
    return next(
        s["id"] for s in moodle.site.sessions.values() if parse_mark(s["description"]) == ("rtpc-2020", sid)
    )


def _uid(moodle: Running, email: str) -> int:
    return int(moodle.site.user_by_email(email)["id"])


def _status(pid: str, status: str, session: str = "s00") -> AttendanceStatus:
    return AttendanceStatus(session_id=session, participant_id=pid, status=status, attended_seconds=0)  # type: ignore[arg-type]


@pytest.fixture
def applied(moodle: Running, context: RunContext, course: Course) -> Course:
    assert all(c.ok for c in make_moodle(context).apply(course))
    return course


def test_statuses_are_pushed_by_acronym(moodle: Running, context: RunContext, applied: Course) -> None:
    statuses = [
        _status("jm-01", "present"),
        _status("tt-02", "late"),
        _status("bb-03", "excused"),
        _status("jm-01", "absent", "s01"),
        _status("tt-02", "partial", "s01"),
    ]
    make_moodle(context).push_attendance(applied, statuses)
    site = moodle.site
    s00, s01 = _slot(moodle, "s00"), _slot(moodle, "s01")
    assert site.status_acronym(s00, _uid(moodle, "ana@example.org")) == "P"
    assert site.status_acronym(s00, _uid(moodle, "ben.ng+tt@example.org")) == "L"
    assert site.status_acronym(s00, _uid(moodle, "cleo@example.org")) == "E"
    assert site.status_acronym(s01, _uid(moodle, "ana@example.org")) == "A"
    assert site.status_acronym(s01, _uid(moodle, "ben.ng+tt@example.org")) == "A"  # partial -> A by default
    # written by the web-service user, with the session's own status set
    (call,) = [p for f, p in site.calls if f == "mod_attendance_update_user_status"][:1]
    assert call["takenbyid"] == site.ws_user
    assert call["statusset"] == "0"
    # the status ids are those of this register's own set
    (aid,) = site.attendances
    assert call["statusid"] in {s["id"] for s in site.statuses[aid]}


def test_pushing_again_writes_nothing(moodle: Running, context: RunContext, applied: Course) -> None:
    statuses = [_status("jm-01", "present"), _status("tt-02", "late")]
    make_moodle(context).push_attendance(applied, statuses)
    writes = len(moodle.site.writes)
    make_moodle(context).push_attendance(applied, statuses)
    assert len(moodle.site.writes) == writes
    make_moodle(context).push_attendance(applied, [_status("jm-01", "absent")])  # a change is written
    assert len(moodle.site.writes) == writes + 1
    assert moodle.site.status_acronym(_slot(moodle, "s00"), _uid(moodle, "ana@example.org")) == "A"


def test_partial_is_configurable(moodle: Running, context: RunContext, applied: Course) -> None:
    course = attrs.evolve(
        applied, lms=LmsSettings(provider="moodle", course="rtpc-2020", options={"partial": "l"})
    )
    make_moodle(context).push_attendance(course, [_status("jm-01", "partial")])
    assert moodle.site.status_acronym(_slot(moodle, "s00"), _uid(moodle, "ana@example.org")) == "L"


def test_a_moved_session_keeps_its_register_slot_for_pushes(
    moodle: Running, context: RunContext, applied: Course
) -> None:
    s02 = applied.session("s02")
    moved = attrs.evolve(
        applied, sessions=(*applied.sessions[:2], attrs.evolve(s02, start=s02.start + timedelta(days=1)))
    )
    make_moodle(context).apply(moved)
    make_moodle(context).push_attendance(moved, [_status("jm-01", "present", "s02")])
    assert moodle.site.status_acronym(_slot(moodle, "s02"), _uid(moodle, "ana@example.org")) == "P"


def test_failures_are_reported_after_trying_everyone(
    moodle: Running, context: RunContext, applied: Course
) -> None:
    site = moodle.site
    ghost = _uid(moodle, "cleo@example.org")
    site.users[ghost]["email"] = "elsewhere@example.net"  # cleo no longer has an account under her email
    statuses = [_status("bb-03", "present"), _status("jm-01", "present"), _status("jm-01", "late", "s99")]
    with pytest.raises(ProviderError) as info:
        make_moodle(context).push_attendance(applied, statuses)
    message = str(info.value)
    assert "2 of 3" in message
    assert "bb-03@s00: no Moodle account" in message
    assert "jm-01@s99: no register session" in message
    assert site.status_acronym(_slot(moodle, "s00"), _uid(moodle, "ana@example.org")) == "P"


def test_a_status_set_without_the_acronym_is_an_error(
    moodle: Running, context: RunContext, applied: Course
) -> None:
    (aid,) = moodle.site.attendances
    for status in moodle.site.statuses[aid]:
        if status["acronym"] == "E":
            status["deleted"] = 1
    with pytest.raises(ProviderError, match="has no 'E'"):
        make_moodle(context).push_attendance(applied, [_status("jm-01", "excused")])


def test_push_before_apply_says_so(moodle: Running, context: RunContext, course: Course) -> None:
    with pytest.raises(ProviderError, match="run apply first"):
        make_moodle(context).push_attendance(course, [_status("jm-01", "present")])


# --- the plugin and its hooks -----------------------------------------------------------------------


def test_the_plugin_registers_moodle() -> None:
    plugins = make_plugin_manager(entry_points=False, extra=[plugin])
    spec = plugins.lms["moodle"]
    assert spec.factory is make_moodle


def test_the_entry_point_is_installed() -> None:
    plugins = make_plugin_manager()
    assert "moodle" in plugins.lms


def test_the_hook_pushes_when_the_course_asks(moodle: Running, context: RunContext, applied: Course) -> None:
    plugins = make_plugin_manager(entry_points=False, extra=[plugin])
    statuses = [_status("jm-01", "late")]
    plugins.hook.ta_delivery_attendance_recorded(course=applied, statuses=statuses, context=context)
    assert moodle.site.status_acronym(_slot(moodle, "s00"), _uid(moodle, "ana@example.org")) == "L"


@pytest.mark.parametrize(
    "lms",
    [None, LmsSettings(provider="moodle", course="rtpc-2020", attendance=False), LmsSettings("other", "x")],
)
def test_the_hook_stays_quiet_otherwise(
    moodle: Running, context: RunContext, lms: LmsSettings | None
) -> None:
    plugins = make_plugin_manager(entry_points=False, extra=[plugin])
    course = make_course(lms=lms)
    plugins.hook.ta_delivery_attendance_recorded(
        course=course, statuses=[_status("jm-01", "late")], context=context
    )
    assert moodle.site.calls == []


# --- the course file's [lms] table --------------------------------------------------------------------


def course_file(extra: str) -> str:
    return cli_course(
        f'course = "rtpc-2020"\nrequire_prerequisites = true\n{extra}',
        id="rtpc-2020",
        title="Regional Trade Policy Course",
        timezone="America/Port_of_Spain",
        prerequisites=["mta-elearning"],
    )


def test_the_course_file_carries_moodle_options() -> None:
    from ta_delivery.coursefile import parse_course

    course = parse_course(course_file('partial = "L"'), "course.toml")
    assert course.lms is not None
    assert course.lms.options == {"partial": "L"}
    assert course.lms.require_prerequisites


@pytest.mark.parametrize(("extra", "key"), [('partial = "X"', "lms.partial"), ("colour = 1", "lms.colour")])
def test_bad_moodle_options_fail_when_the_file_is_read(extra: str, key: str) -> None:
    from ta_delivery.coursefile import parse_course
    from ta_delivery.errors import InputError

    with pytest.raises(InputError) as info:
        parse_course(course_file(extra), "course.toml")
    assert (info.value.source, info.value.key) == ("course.toml", key)
