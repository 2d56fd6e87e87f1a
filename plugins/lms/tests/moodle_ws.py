"""Moodle's web-service parameter rules and the documented signatures of the functions we use.

``validate`` checks parameters the way ``external_api::validate_parameters`` does (required keys, defaults,
unexpected keys, and ``validate_param``'s "cleaned value must equal the sent value" rule per PARAM type);
``parse_php_form`` reads PHP bracket encoding. Used by the fake site in ``fake_moodle``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

REQUIRED, OPTIONAL, DEFAULT = "required", "optional", "default"


class WsError(Exception):
    """A Moodle exception, serialised as the REST server does."""

    def __init__(self, exception: str, errorcode: str, message: str, debuginfo: str | None = None) -> None:
        super().__init__(message)
        self.body: dict[str, Any] = {"exception": exception, "errorcode": errorcode, "message": message}
        if debuginfo is not None:
            self.body["debuginfo"] = debuginfo


def invalid_parameter(debuginfo: str) -> WsError:
    return WsError(
        "invalid_parameter_exception", "invalidparameter", "Invalid parameter value detected", debuginfo
    )


def missing_record(table: str) -> WsError:
    return WsError(
        "dml_missing_record_exception",
        "invalidrecord",
        f"Can't find data record in database table {table}.",
        f"SELECT * FROM {{{table}}} WHERE id = ?",
    )


def moodle_exception(errorcode: str, message: str) -> WsError:
    return WsError("moodle_exception", errorcode, message)


# --- PHP form decoding -----------------------------------------------------------------------------

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_php_form(body: str) -> dict[str, Any]:
    """Decode a form body as PHP builds ``$_POST``: ``a[0][b]=x`` -> ``{"a": {"0": {"b": "x"}}}``."""
    out: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True, strict_parsing=False):
        match = _KEY.match(raw_key)
        if match is None:
            raise invalid_parameter(f"malformed parameter name {raw_key!r}")
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = out
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if part == "":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise invalid_parameter(f"{raw_key!r} mixes a value and an array")
                node = child
    return out


# --- parameter descriptions (core_external) ----------------------------------------------------------


@dataclass
class Value:
    type: str
    mode: str = REQUIRED
    default: Any = None


@dataclass
class Single:
    keys: dict[str, Any]
    mode: str = REQUIRED
    default: Any = None


@dataclass
class Multiple:
    content: Any
    mode: str = REQUIRED
    default: Any = None


_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)


def clean_param(value: str, ptype: str) -> str:
    """The cleaned value, as Moodle's ``clean_param`` would return it (as a string)."""
    if ptype == "INT":
        return value if re.fullmatch(r"-?\d+", value) else str(int(float(value))) if _number(value) else "0"
    if ptype == "BOOL":
        low = value.strip().lower()
        return "1" if low in ("1", "true", "yes", "on") else "0"
    if ptype == "FLOAT":
        return value if _number(value) else "0"
    if ptype == "RAW":
        return value
    if ptype in ("TEXT", "NOTAGS"):
        return re.sub(r"<[^>]*>", "", value)
    if ptype == "ALPHA":
        return re.sub(r"[^a-zA-Z]", "", value)
    if ptype == "ALPHANUM":
        return re.sub(r"[^a-zA-Z0-9]", "", value)
    if ptype in ("ALPHANUMEXT", "SAFEDIR"):
        return re.sub(r"[^a-zA-Z0-9_-]", "", value)
    if ptype == "PLUGIN":
        return value if re.fullmatch(r"[a-z][a-z0-9_]*", value) else ""
    if ptype == "USERNAME":
        return re.sub(r"[^-.@_a-z0-9]", "", value.strip().lower())
    if ptype == "EMAIL":
        return value if _EMAIL.match(value) else ""
    if ptype == "TIMEZONE":
        return value if re.fullmatch(r"[A-Za-z0-9_+\-/.]+", value) else ""
    raise AssertionError(f"unknown PARAM type {ptype}")


def _like_regex(pattern: str) -> str:
    """SQL LIKE with Moodle's default escape character (backslash) as a regular expression."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return "".join(out)


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def validate(desc: Any, value: Any, where: str) -> Any:
    """``external_api::validate_parameters``: the cleaned structure, or an invalid_parameter error."""
    if isinstance(desc, Value):
        if isinstance(value, dict):
            raise invalid_parameter(f"{where} => Invalid external api parameter: the value is an array")
        cleaned = clean_param(value, desc.type)
        if cleaned != value:
            raise invalid_parameter(
                f'{where} => Invalid external api parameter: the value is "{value}", '
                f'the server was expecting "{desc.type.lower()}" type'
            )
        if desc.type == "INT":
            return int(value)
        if desc.type == "BOOL":
            return value == "1"
        if desc.type == "FLOAT":
            return float(value)
        return value
    if isinstance(desc, Multiple):
        if not isinstance(value, dict):
            raise invalid_parameter(f"{where} => Only arrays accepted. The bad value is: '{value}'")
        keys = list(value)
        if keys != [str(i) for i in range(len(keys))]:
            raise invalid_parameter(f"{where} => list keys must be 0..n-1, got {keys}")
        return [validate(desc.content, value[k], f"{where}[{k}]") for k in keys]
    assert isinstance(desc, Single)
    if not isinstance(value, dict):
        raise invalid_parameter(f"{where} => Only arrays accepted. The bad value is: '{value}'")
    rest = dict(value)
    out: dict[str, Any] = {}
    for key, sub in desc.keys.items():
        if key not in rest:
            if sub.mode == REQUIRED:
                raise invalid_parameter(f"{where} => Missing required key in single structure: {key}")
            if sub.mode == DEFAULT:
                out[key] = sub.default
            continue
        out[key] = validate(sub, rest.pop(key), f"{where}[{key}]" if where else key)
    if rest:
        raise invalid_parameter(f"Unexpected keys ({', '.join(rest)}) detected in parameter array.")
    return out


def _opt(ptype: str) -> Value:
    return Value(ptype, OPTIONAL)


def _def(ptype: str, default: Any) -> Value:
    return Value(ptype, DEFAULT, default)


NAME_VALUE = Multiple(Single({"name": Value("ALPHANUMEXT"), "value": Value("RAW")}), DEFAULT, [])

#: Parameters of each function, as documented in Moodle (core) and mod_attendance.
SIGNATURES: dict[str, Single] = {
    "core_webservice_get_site_info": Single(
        {"serviceshortnames": Multiple(Value("ALPHANUMEXT"), DEFAULT, [])}
    ),
    "core_course_get_courses_by_field": Single({"field": _def("ALPHA", ""), "value": _def("RAW", "")}),
    "core_course_create_courses": Single(
        {
            "courses": Multiple(
                Single(
                    {
                        "fullname": Value("TEXT"),
                        "shortname": Value("TEXT"),
                        "categoryid": Value("INT"),
                        "idnumber": _opt("RAW"),
                        "summary": _opt("RAW"),
                        "summaryformat": _def("INT", 1),
                        "format": _def("PLUGIN", "topics"),
                        "showgrades": _def("INT", 1),
                        "newsitems": _def("INT", 5),
                        "startdate": _opt("INT"),
                        "enddate": _opt("INT"),
                        "numsections": _opt("INT"),
                        "maxbytes": _def("INT", 0),
                        "showreports": _def("INT", 0),
                        "visible": _opt("INT"),
                        "hiddensections": _opt("INT"),
                        "groupmode": _def("INT", 0),
                        "groupmodeforce": _def("INT", 0),
                        "defaultgroupingid": _def("INT", 0),
                        "enablecompletion": _opt("INT"),
                        "completionnotify": _opt("INT"),
                        "lang": _opt("SAFEDIR"),
                        "forcetheme": _opt("PLUGIN"),
                        "courseformatoptions": Multiple(
                            Single({"name": Value("ALPHANUMEXT"), "value": Value("RAW")}), OPTIONAL
                        ),
                        "customfields": Multiple(
                            Single({"shortname": Value("ALPHANUMEXT"), "value": Value("RAW")}), OPTIONAL
                        ),
                    }
                )
            )
        }
    ),
    "core_course_get_contents": Single(
        {
            "courseid": Value("INT"),
            "options": Multiple(Single({"name": Value("ALPHANUM"), "value": Value("RAW")}), DEFAULT, []),
        }
    ),
    "core_user_get_users_by_field": Single({"field": Value("ALPHA"), "values": Multiple(Value("RAW"))}),
    "core_user_get_users": Single(
        {"criteria": Multiple(Single({"key": Value("ALPHA"), "value": Value("RAW")}))}
    ),
    "core_user_create_users": Single(
        {
            "users": Multiple(
                Single(
                    {
                        "createpassword": _opt("BOOL"),
                        "username": Value("USERNAME"),
                        "auth": _def("PLUGIN", "manual"),
                        "password": _opt("RAW"),
                        "firstname": Value("NOTAGS"),
                        "lastname": Value("NOTAGS"),
                        "email": Value("EMAIL"),
                        "maildisplay": _opt("INT"),
                        "city": _opt("NOTAGS"),
                        "country": _opt("ALPHA"),
                        "timezone": _opt("TIMEZONE"),
                        "description": _opt("RAW"),
                        "firstnamephonetic": _opt("NOTAGS"),
                        "lastnamephonetic": _opt("NOTAGS"),
                        "middlename": _opt("NOTAGS"),
                        "alternatename": _opt("NOTAGS"),
                        "idnumber": _def("RAW", ""),
                        "lang": _def("SAFEDIR", "en"),
                        "calendartype": _def("PLUGIN", "gregorian"),
                        "theme": _opt("PLUGIN"),
                        "mailformat": _opt("INT"),
                        "preferences": Multiple(
                            Single({"type": Value("ALPHANUMEXT"), "value": Value("RAW")}), OPTIONAL
                        ),
                        "customfields": Multiple(
                            Single({"type": Value("ALPHANUMEXT"), "value": Value("RAW")}), OPTIONAL
                        ),
                    }
                )
            )
        }
    ),
    "core_enrol_get_enrolled_users": Single({"courseid": Value("INT"), "options": NAME_VALUE}),
    "enrol_manual_enrol_users": Single(
        {
            "enrolments": Multiple(
                Single(
                    {
                        "roleid": Value("INT"),
                        "userid": Value("INT"),
                        "courseid": Value("INT"),
                        "timestart": _opt("INT"),
                        "timeend": _opt("INT"),
                        "suspend": _opt("INT"),
                    }
                )
            )
        }
    ),
    "core_completion_get_course_completion_status": Single(
        {"courseid": Value("INT"), "userid": Value("INT")}
    ),
    "mod_attendance_add_attendance": Single(
        {
            "courseid": Value("INT"),
            "name": Value("TEXT"),
            "intro": _def("RAW", ""),
            "groupmode": _def("INT", 0),
        }
    ),
    "mod_attendance_add_session": Single(
        {
            "attendanceid": Value("INT"),
            "description": _def("RAW", ""),
            "sessiontime": Value("INT"),
            "duration": _def("INT", 0),
            "groupid": _def("INT", 0),
            "addcalendarevent": _def("BOOL", True),
        }
    ),
    # mod_feedback (Moodle 3.3+, mod/feedback/classes/external.php) and core_course
    "mod_feedback_get_feedbacks_by_courses": Single({"courseids": Multiple(Value("INT"), DEFAULT, [])}),
    "core_course_get_course_module": Single({"cmid": Value("INT")}),
    "mod_feedback_get_items": Single({"feedbackid": Value("INT"), "courseid": _def("INT", 0)}),
    "mod_feedback_get_responses_analysis": Single(
        {
            "feedbackid": Value("INT"),
            "groupid": _def("INT", 0),
            "page": _def("INT", 0),
            "perpage": _def("INT", 0),
            "courseid": _def("INT", 0),
        }
    ),
    "mod_attendance_remove_session": Single({"sessionid": Value("INT")}),
    "mod_attendance_get_sessions": Single({"attendanceid": Value("INT")}),
    "mod_attendance_get_session": Single({"sessionid": Value("INT")}),
    "mod_attendance_update_user_status": Single(
        {
            "sessionid": Value("INT"),
            "studentid": Value("INT"),
            "takenbyid": Value("INT"),
            "statusid": Value("INT"),
            "statusset": Value("TEXT"),
        }
    ),
}

WRITE_FUNCTIONS = frozenset(
    {
        "core_course_create_courses",
        "core_user_create_users",
        "enrol_manual_enrol_users",
        "mod_attendance_add_attendance",
        "mod_attendance_add_session",
        "mod_attendance_remove_session",
        "mod_attendance_update_user_status",
    }
)

ROLES = {1: "manager", 3: "editingteacher", 4: "teacher", 5: "student"}
