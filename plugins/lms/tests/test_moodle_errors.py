"""Moodle's HTTP-200 errors become our exceptions; faults never duplicate; the token never leaks."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fake_moodle import Running

from ta_delivery.clock import FakeClock
from ta_delivery.context import MemoryKeyValue, RunContext
from ta_delivery.errors import (
    AuthError,
    BadResponse,
    ConflictError,
    InputError,
    NotFound,
    ProviderError,
    Unavailable,
)
from ta_delivery.models import Course
from ta_delivery.settings import Settings
from ta_delivery.testing.faults import Fault, FaultyTransport
from ta_delivery_lms.client import FEEDBACK_FUNCTIONS, REQUIRED_FUNCTIONS, MoodleClient
from ta_delivery_lms.plugin import make_moodle


def _client(context: RunContext) -> MoodleClient:
    return make_moodle(context).client


def test_bad_token_is_an_auth_error(moodle: Running, env: dict, clock: FakeClock) -> None:
    ctx = RunContext(
        settings=Settings({**env, "TA_DELIVERY_MOODLE_TOKEN": "wrong-token"}), clock=clock, states={}
    )
    with pytest.raises(AuthError, match="invalidtoken"):
        _client(ctx).site_info()


def test_function_outside_the_service_is_an_auth_error(moodle: Running, context: RunContext) -> None:
    moodle.site.allowed.discard("core_course_get_courses_by_field")
    with pytest.raises(AuthError, match="accessexception"):
        _client(context).courses_by_shortname("x")


def test_unknown_function_is_not_found(moodle: Running, context: RunContext) -> None:
    with pytest.raises(NotFound, match="external_functions"):
        _client(context).call("core_nonexistent_function")


def test_unknown_parameter_is_rejected_as_moodle_does(moodle: Running, context: RunContext) -> None:
    with pytest.raises(BadResponse, match=r"invalidparameter.*Unexpected keys \(colour\)"):
        _client(context).call("core_webservice_get_site_info", {"colour": "red"})


def test_wrong_type_is_rejected(moodle: Running, context: RunContext) -> None:
    with pytest.raises(BadResponse, match="invalidparameter"):
        _client(context).call("core_course_get_contents", {"courseid": "twelve"})


def test_missing_required_key_is_rejected(moodle: Running, context: RunContext) -> None:
    with pytest.raises(BadResponse, match="Missing required key"):
        _client(context).call("core_user_create_users", {"users": [{"username": "x"}]})


def test_missing_record_is_not_found(moodle: Running, context: RunContext) -> None:
    with pytest.raises(NotFound, match="invalidrecord"):
        _client(context).sessions(424242)


def test_duplicate_short_name_is_a_conflict(moodle: Running, context: RunContext) -> None:
    moodle.site.add_course("taken")
    with pytest.raises(ConflictError, match="shortnametaken"):
        _client(context).create_course({"fullname": "T", "shortname": "taken", "categoryid": 7})


def test_existing_email_is_a_conflict(moodle: Running, context: RunContext) -> None:
    moodle.site.add_user("someone", "a@example.org")
    user = {
        "username": "other",
        "createpassword": True,
        "firstname": "A",
        "lastname": "B",
        "email": "a@example.org",
    }
    with pytest.raises(ConflictError, match="already exists"):
        _client(context).create_user(user)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"error": "Invalid token", "errorcode": "invalidtoken"}, AuthError),
        (
            {
                "exception": "moodle_exception",
                "errorcode": "sitemaintenance",
                "message": "Site is in maintenance",
            },
            Unavailable,
        ),
        (
            {"exception": "coding_exception", "errorcode": "codingerror", "message": "Coding error"},
            BadResponse,
        ),
        (
            {"courses": [], "warnings": [{"item": "x", "warningcode": "nope", "message": "denied"}]},
            BadResponse,
        ),
    ],
)
def test_error_shapes_with_http_200_raise(
    moodle: Running, context: RunContext, body: dict[str, Any], error: type[ProviderError]
) -> None:
    moodle.site.errors["core_course_get_courses_by_field"] = [body]
    with pytest.raises(error):
        _client(context).courses_by_shortname("x")


def test_an_error_in_apply_is_never_a_silent_success(
    moodle: Running, context: RunContext, course: Course
) -> None:
    moodle.site.errors["mod_attendance_add_attendance"] = [
        {
            "exception": "required_capability_exception",
            "errorcode": "nopermissions",
            "message": "No permission",
        }
    ]
    with pytest.raises(AuthError):
        make_moodle(context).apply(course)
    moodle.site.errors["mod_attendance_add_session"] = [
        {"exception": "invalid_parameter_exception", "errorcode": "invalidparameter", "message": "Invalid"}
    ]
    changes = make_moodle(context).apply(course)
    failed = [c for c in changes if not c.ok]
    assert len(failed) == 1
    assert failed[0].target.startswith("register session")
    assert "invalidparameter" in (failed[0].error or "")
    retry = make_moodle(context).apply(course)  # the next run does what is left
    assert [(c.action, c.target, c.ok) for c in retry] == [("create", failed[0].target, True)]


# --- faults at the HTTP level (the contract kit's fault injector around a real loopback server) ---------


def _faulty(env: dict, clock: FakeClock, *faults: Fault) -> tuple[RunContext, FaultyTransport]:
    transport = FaultyTransport(httpx.HTTPTransport())
    for fault in faults:
        transport.inject(fault)
    ctx = RunContext(
        settings=Settings(env), clock=clock, transport=transport, states={"moodle": MemoryKeyValue()}
    )
    return ctx, transport


def _function(request: httpx.Request) -> str:
    return dict(httpx.QueryParams(request.content.decode()))["wsfunction"]


def test_lost_create_response_never_duplicates(moodle: Running, context: RunContext, course: Course) -> None:
    moodle.site.lose["core_course_create_courses"] = 1
    (failed,) = make_moodle(context).apply(course)  # the course was made, the answer lost: no blind retry
    assert (failed.action, failed.target, failed.ok) == ("create", "course rtpc-2020", False)
    assert "no response" in (failed.error or "")
    assert len(moodle.site.courses) == 1
    assert [f for f, _ in moodle.site.calls].count("core_course_create_courses") == 1
    changes = make_moodle(context).apply(course)
    assert ("create", "course rtpc-2020") not in [(c.action, c.target) for c in changes]
    assert len(moodle.site.courses) == 1
    assert make_moodle(context).apply(course) == []


def test_lost_session_response_is_found_by_its_mark_in_the_same_run(
    moodle: Running, context: RunContext, course: Course
) -> None:
    moodle.site.lose["mod_attendance_add_session"] = 1
    changes = make_moodle(context).apply(course)
    assert all(c.ok for c in changes), changes  # the register was read: it was added despite the lost answer
    assert len(moodle.site.sessions) == 3
    assert [f for f, _ in moodle.site.calls].count("mod_attendance_add_session") == 3  # never sent twice
    assert make_moodle(context).apply(course) == []
    assert len(moodle.site.sessions) == 3


def test_reads_are_retried_after_a_5xx(moodle: Running, env: dict, clock: FakeClock) -> None:
    ctx, transport = _faulty(env, clock, Fault("status", status=503, times=2))
    assert make_moodle(ctx).client.site_info()["userid"] == moodle.site.ws_user
    assert len(transport.requests) == 3


def test_writes_are_not_retried_after_a_timeout(moodle: Running, env: dict, clock: FakeClock) -> None:
    ctx, transport = _faulty(env, clock, Fault("timeout", times=None))
    with pytest.raises(Unavailable):
        make_moodle(ctx).client.add_attendance(1, "x", "")
    assert len(transport.requests) == 1


def test_malformed_body_is_a_bad_response(moodle: Running, env: dict, clock: FakeClock) -> None:
    ctx, _ = _faulty(env, clock, Fault("malformed"))
    with pytest.raises(BadResponse, match="malformed"):
        make_moodle(ctx).client.site_info()


def test_html_instead_of_json_is_a_bad_response(moodle: Running, env: dict, clock: FakeClock) -> None:
    ctx, _ = _faulty(env, clock, Fault("status", status=200, body=b"<html>Login</html>"))
    with pytest.raises(BadResponse):
        make_moodle(ctx).client.site_info()


def test_wrong_site_url_is_not_found(moodle: Running, env: dict, clock: FakeClock) -> None:
    ctx = RunContext(
        settings=Settings({**env, "TA_DELIVERY_MOODLE_URL": moodle.url + "/moodle"}), clock=clock
    )
    with pytest.raises(NotFound):
        make_moodle(ctx).client.site_info()


def test_requests_are_form_posts_with_the_token_in_the_body(
    moodle: Running, env: dict, clock: FakeClock
) -> None:
    ctx, transport = _faulty(env, clock)
    make_moodle(ctx).client.courses_by_shortname("rtpc 2020")
    (request,) = transport.requests
    assert request.method == "POST"
    assert request.url.path == "/webservice/rest/server.php"
    assert not request.url.query
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form["wsfunction"] == "core_course_get_courses_by_field"
    assert form["moodlewsrestformat"] == "json"
    assert form["field"] == "shortname" and form["value"] == "rtpc 2020"
    assert _function(request) == "core_course_get_courses_by_field"


# --- settings and secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"TA_DELIVERY_MOODLE_URL": ""}, "TA_DELIVERY_MOODLE_URL"),
        ({"TA_DELIVERY_MOODLE_URL": "ftp://moodle.example.org"}, "TA_DELIVERY_MOODLE_URL"),
        ({"TA_DELIVERY_MOODLE_TOKEN": ""}, "TA_DELIVERY_MOODLE_TOKEN"),
        ({"TA_DELIVERY_MOODLE_CATEGORY_ID": "misc"}, "TA_DELIVERY_MOODLE_CATEGORY_ID"),
        ({"TA_DELIVERY_MOODLE_STUDENT_ROLE_ID": "-5"}, "TA_DELIVERY_MOODLE_STUDENT_ROLE_ID"),
    ],
)
def test_bad_settings_are_input_errors(env: dict, clock: FakeClock, changes: dict, variable: str) -> None:
    ctx = RunContext(settings=Settings({**env, **changes}), clock=clock)
    with pytest.raises(InputError) as info:
        make_moodle(ctx)
    assert info.value.source == variable
    assert env["TA_DELIVERY_MOODLE_TOKEN"] not in str(info.value)


def test_the_token_never_leaks(
    moodle: Running, context: RunContext, course: Course, caplog: pytest.LogCaptureFixture
) -> None:
    token = moodle.site.token
    caplog.set_level(logging.DEBUG)
    provider = make_moodle(context)
    provider.apply(course)
    texts = [
        repr(provider),
        repr(provider.client),
        repr(provider.settings),
        str(provider.settings),
        repr(context),
    ]
    # a server that echoes the token in its error message: we mask it
    moodle.site.errors["core_webservice_get_site_info"] = [
        {
            "exception": "moodle_exception",
            "errorcode": "invalidtoken",
            "message": f"Invalid token {token}",
            "debuginfo": f"token={token}",
        }
    ]
    with pytest.raises(AuthError) as info:
        provider.client.site_info()
    texts += [str(info.value), repr(info.value)]
    moodle.site.errors["mod_attendance_add_session"] = [
        {"exception": "moodle_exception", "errorcode": "x", "message": f"bad {token}"}
    ]
    import attrs

    s02 = course.session("s02")
    moved = attrs.evolve(course, sessions=(*course.sessions[:2], attrs.evolve(s02, minutes=30)))
    texts += [repr(c) for c in provider.apply(moved)]
    texts += [r.getMessage() for r in caplog.records]
    for text in texts:
        assert token not in text
    assert "********" in str(info.value)


def test_required_functions_are_all_known_to_the_fake() -> None:
    from moodle_ws import SIGNATURES

    assert set(REQUIRED_FUNCTIONS) | set(FEEDBACK_FUNCTIONS) == set(SIGNATURES)


def test_a_service_lacking_functions_is_named_before_anything_is_written(
    moodle: Running, context: RunContext, course: Course
) -> None:
    moodle.site.allowed -= {"mod_attendance_add_session", "enrol_manual_enrol_users"}
    with pytest.raises(AuthError) as info:
        make_moodle(context).apply(course)
    assert "enrol_manual_enrol_users, mod_attendance_add_session" in str(info.value)
    assert moodle.site.writes == []


def test_without_a_register_the_attendance_functions_are_not_needed(
    moodle: Running, context: RunContext
) -> None:
    from moodle_course import make_course

    from ta_delivery.models import LmsSettings

    moodle.site.allowed = {n for n in moodle.site.allowed if not n.startswith("mod_attendance_")}
    course = make_course(lms=LmsSettings("moodle", "rtpc-2020", attendance=False))
    assert all(c.ok for c in make_moodle(context).apply(course))
