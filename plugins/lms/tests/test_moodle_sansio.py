"""The pure parts: bracket encoding, error shapes, names, marks, role ids and the register plan."""
# ruff: noqa: E501

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from moodle_course import NOW, make_course
from moodle_ws import clean_param, parse_php_form

from ta_delivery.errors import AuthError, BadResponse, ConflictError, NotFound, Unavailable
from ta_delivery.records import AttendanceStatus
from ta_delivery_lms.decisions import (
    Slot,
    acronym_for,
    clean_text,
    parse_mark,
    plan_register,
    resolve_roles,
    session_mark,
    slot_for,
    split_name,
    username_candidates,
)
from ta_delivery_lms.options import LmsOptions, parse_options
from ta_delivery_lms.sansio import encode, error_code, error_from_body, redact, warnings_of

# --- encoding -----------------------------------------------------------------------------------------


def test_bracket_encoding() -> None:
    assert encode(
        {
            "courses": [{"shortname": "x", "categoryid": 7, "visible": True}],
            "criteria": [{"key": "email", "value": "a@b.org"}],
            "skip": None,
        }
    ) == [
        ("courses[0][shortname]", "x"),
        ("courses[0][categoryid]", "7"),
        ("courses[0][visible]", "1"),
        ("criteria[0][key]", "email"),
        ("criteria[0][value]", "a@b.org"),
    ]


def _php(value: Any) -> Any:
    """What PHP's $_POST holds for ``value`` (lists become 0..n keyed arrays, scalars strings)."""
    if isinstance(value, dict):
        return {k: _php(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): _php(v) for i, v in enumerate(value)}
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
scalars = st.one_of(st.integers(-(10**9), 10**9), st.booleans(), st.text(max_size=20))
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3), st.dictionaries(keys, inner, min_size=1, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, trees, min_size=1, max_size=4))
def test_encoding_round_trips_through_php_form_parsing(params: dict[str, Any]) -> None:
    assert parse_php_form(urlencode(encode(params))) == _php(params)


# --- error shapes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error", "code"),
    [
        ({"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token"}, AuthError, "invalidtoken"),
        ({"exception": "webservice_access_exception", "errorcode": "accessexception", "message": "Access"}, AuthError, "accessexception"),
        ({"exception": "dml_missing_record_exception", "errorcode": "invalidrecord", "message": "x"}, NotFound, "invalidrecord"),
        ({"exception": "invalid_parameter_exception", "errorcode": "invalidparameter", "message": "Invalid parameter value detected"}, BadResponse, "invalidparameter"),
        ({"exception": "invalid_parameter_exception", "errorcode": "invalidparameter", "message": "Invalid parameter value detected", "debuginfo": "Username already exists: x"}, ConflictError, "invalidparameter"),
        ({"exception": "moodle_exception", "errorcode": "sitemaintenance", "message": "maintenance"}, Unavailable, "sitemaintenance"),
        ({"error": "Web services are not enabled", "errorcode": "enablewsdescription"}, AuthError, "enablewsdescription"),
        ({"error": "something odd"}, BadResponse, "error"),
        ({"exception": "Exception", "message": "no code"}, BadResponse, "Exception"),
    ],
)  # fmt: skip
def test_error_bodies_map_to_our_exceptions(body: dict, error: type, code: str) -> None:
    found = error_from_body("core_x", body)
    assert type(found) is error
    assert error_code(found) == code  # type: ignore[arg-type]
    assert str(found).startswith("moodle: core_x: ")


@pytest.mark.parametrize("body", [None, [], [{"id": 1}], {"courses": []}, "OK", True, {"warnings": []}])
def test_successful_bodies_are_not_errors(body: Any) -> None:
    assert error_from_body("core_x", body) is None


def test_warnings_and_redaction() -> None:
    assert warnings_of({"warnings": [{"warningcode": "w", "message": "m"}, "junk"]}) == [
        {"warningcode": "w", "message": "m"}
    ]
    assert warnings_of([1, 2]) == []
    assert redact("token abcd1234 here", ["abcd1234"]) == "token ******** here"
    assert redact("x", ["", "ab"]) == "x"


# --- names --------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.emails())
def test_usernames_pass_moodles_param_username(email: str) -> None:
    for name in username_candidates(email):
        assert clean_param(name, "USERNAME") == name
        assert 0 < len(name) <= 100
    assert len(set(username_candidates(email))) == 5


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_names_pass_moodles_param_notags(name: str) -> None:
    first, last = split_name(name)
    for part in (first, last):
        assert part
        assert clean_param(part, "NOTAGS") == part
        assert not any(ord(c) < 32 for c in part)


def test_split_name() -> None:
    assert split_name("Ana Pérez") == ("Ana", "Pérez")
    assert split_name("Juan Carlos  Pérez Soto") == ("Juan Carlos Pérez", "Soto")
    assert split_name("Mia") == ("Mia", "-")
    assert split_name("<script>") == ("script", "-")
    assert clean_text("a\x00b\nc <d>") == "a b c d"


@example("c", "\U00010000" * 64)  # the longest mark: 64 four-byte characters, 12 characters each encoded
@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"[a-z0-9-]{1,64}", fullmatch=True),
    st.text(min_size=1, max_size=64).filter(lambda s: not any(c.isspace() for c in s)),
)
def test_marks_round_trip(course_id: str, session_id: str) -> None:
    description = f"<p>Title [ta-delivery:other/zz]?</p><p>{session_mark(course_id, session_id)}</p>"
    assert parse_mark(description.replace("[ta-delivery:other/zz]?", "")) == (course_id, session_id)


def test_text_without_a_mark_is_not_ours() -> None:
    assert parse_mark("") is None
    assert parse_mark("<p>Tutorial</p>") is None
    assert parse_mark("[ta-delivery:UPPER/s1]") is None


# --- options and roles ------------------------------------------------------------------------------


def test_options() -> None:
    assert parse_options({}) == LmsOptions()
    assert parse_options({"partial": " l ", "register": "Register"}) == LmsOptions("L", "Register")
    for bad in ({"partial": "X"}, {"partial": 1}, {"register": ""}, {"other": 1}):
        with pytest.raises(Exception, match="lms"):
            parse_options(bad)


def test_role_resolution() -> None:
    site = [
        {"roles": [{"roleid": 13, "shortname": "editingteacher"}]},
        {"roles": [{"roleid": 15, "shortname": "student"}]},
    ]
    assert attrs.astuple(resolve_roles(None, None, [])) == (3, 5, "default/default")
    assert attrs.astuple(resolve_roles(None, None, site)) == (13, 15, "site/site")
    assert attrs.astuple(resolve_roles(30, None, site)) == (30, 15, "settings/site")
    assert attrs.astuple(resolve_roles(None, None, [{"roles": [{"bad": 1}]}, {}])) == (
        3,
        5,
        "default/default",
    )


def test_acronyms() -> None:
    def status(value: str) -> AttendanceStatus:
        return AttendanceStatus("s", "p", value, 0)  # type: ignore[arg-type]

    assert [acronym_for(status(s)) for s in ("present", "late", "excused", "absent", "partial")] == list(
        "PLEAA"
    )
    assert acronym_for(status("partial"), "L") == "L"


# --- the register plan --------------------------------------------------------------------------------


def _slot(course_id: str, sid: str, start: int, duration: int, **kw: Any) -> Slot:
    return Slot(
        id=kw.pop("id", 1), start=start, duration=duration, description=session_mark(course_id, sid), **kw
    )


def test_plan_register_cases() -> None:
    course = make_course()
    now = int(NOW.timestamp())
    s00, s01, s02 = (course.session(x) for x in ("s00", "s01", "s02"))
    ts = lambda s: int(s.start.timestamp())  # noqa: E731
    slots = [
        _slot("rtpc-2020", "s00", ts(s00) - 600, 3600, id=1),  # ended, differs: kept as is
        _slot("rtpc-2020", "s01", ts(s01) + 600, 7200, id=2),  # moved
        _slot("rtpc-2020", "gone", now + 100, 60, id=3),  # removed from the file
        _slot("rtpc-2020", "old", now - 10_000, 60, id=4),  # removed but ended: kept
        _slot("other-course", "s02", ts(s02), 5400, id=5),  # not ours
        Slot(id=6, start=now + 50, duration=60, description="hand-made"),
    ]
    plan = plan_register(course, slots, now)
    assert [s.id for s in plan.add] == ["s02"]
    assert [(s.id, slot.id) for s, slot in plan.move] == [("s01", 2)]
    assert [(sid, slot.id) for sid, slot, _ in plan.remove] == [("gone", 3)]
    assert plan.kept["s00"].id == 1 and plan.kept["old"].id == 4
    assert not plan.blocked
    assert plan_register(course, [], now, active=False).empty


def test_plan_register_duplicates_and_taken() -> None:
    course = make_course()
    now = int(NOW.timestamp())
    s01 = course.session("s01")
    ts = int(s01.start.timestamp())
    dup = [_slot("rtpc-2020", "s01", ts + 60, 7200, id=7), _slot("rtpc-2020", "s01", ts, 7200, id=9)]
    plan = plan_register(attrs.evolve(course, sessions=(s01,)), dup, now)
    assert plan.kept["s01"].id == 9  # the one that matches wins
    assert [slot.id for _, slot, _ in plan.remove] == [7]
    taken = [_slot("rtpc-2020", "s01", ts + 60, 7200, id=7, lasttaken=5)]
    plan = plan_register(attrs.evolve(course, sessions=(s01,)), taken, now)
    assert [slot.id for _, slot, _ in plan.blocked] == [7]
    assert not plan.move and not plan.remove
    # a removed session whose register session was already taken keeps it
    gone = [
        _slot("rtpc-2020", "gone", now + 600, 60, id=11, lasttaken=5),
        _slot("rtpc-2020", "gone2", now + 600, 60, id=12),
    ]
    plan = plan_register(course, gone, now)
    assert [slot.id for _, slot, _ in plan.remove] == [12]
    assert plan.kept["gone"].id == 11
    assert slot_for(course, dup, "s01").id == 9  # type: ignore[union-attr]
    assert slot_for(course, dup, "s02") is None


def test_slot_from_api_rejects_garbage() -> None:
    with pytest.raises(BadResponse):
        Slot.from_api({"id": "x"})
    slot = Slot.from_api(
        {
            "id": 3,
            "sessdate": 10,
            "duration": 60,
            "statuses": [{"id": 7, "acronym": "p", "deleted": 0}, {"id": 8, "acronym": "A", "deleted": 1}],
            "attendance_log": [{"studentid": 4, "statusid": "7"}],
        }
    )
    assert slot.statuses == {"P": 7} and slot.log == {4: 7} and slot.end == 70
