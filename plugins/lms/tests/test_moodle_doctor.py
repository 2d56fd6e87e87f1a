"""``doctor`` with Moodle: ``core_webservice_get_site_info`` against the fake Moodle on loopback, the
functions the token's service lacks, and a bad token; nothing is written on the site."""

from __future__ import annotations

from fake_moodle import Running
from moodle_course import make_course

from ta_delivery.context import RunContext
from ta_delivery.doctor import SupportsDoctor, run_doctor
from ta_delivery.models import LmsSettings
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings


def _checks(env: dict[str, str], tmp_path_url: str) -> dict[str, tuple[bool, str]]:
    course = make_course(lms=LmsSettings("moodle", "rtpc-2020"))
    context = RunContext(settings=Settings({**env, "TA_DELIVERY_OUTBOX": "/tmp/never-used"}))
    found = run_doctor(course, make_plugin_manager(), context, tmp_path_url)
    return {f"{c.area}/{c.name}": (c.ok, c.detail) for c in found}


def test_doctor_reads_the_site_info_and_names_missing_functions(
    moodle: Running, env: dict[str, str], context: RunContext
) -> None:
    lms = make_plugin_manager().lms["moodle"].factory(context)
    assert isinstance(lms, SupportsDoctor)
    info, functions = lms.doctor()
    assert info.ok and "127.0.0.1" in info.detail
    assert functions.ok, functions.detail
    moodle.site.allowed.discard("core_course_create_courses")
    moodle.site.allowed.discard("mod_attendance_add_session")
    _info, functions = lms.doctor()
    assert not functions.ok
    assert "core_course_create_courses" in functions.detail
    assert "mod_attendance_add_session" in functions.detail
    assert moodle.site.writes == []


def test_doctor_fails_a_bad_moodle_token_without_printing_it(moodle: Running, env: dict[str, str]) -> None:
    bogus = "bogus-moodle-token-000000000000"
    checks = _checks({**env, "TA_DELIVERY_MOODLE_TOKEN": bogus}, "sqlite:////nonexistent/dir/state.db")
    ok, detail = checks["moodle/core_webservice_get_site_info"]
    assert not ok
    assert bogus not in detail
    assert checks["settings/LMS moodle"][0]
