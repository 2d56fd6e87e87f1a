"""A fake Moodle web-service server on loopback, built from Moodle's documented function signatures.

It speaks the REST protocol as Moodle does: a form POST to ``/webservice/rest/server.php`` with
``wstoken``, ``wsfunction`` and ``moodlewsrestformat``; parameters in PHP bracket encoding, validated
the way ``external_api::validate_parameters`` does (required keys, defaults, unexpected keys, and
``validate_param``'s "cleaned value must equal the sent value" rule per PARAM type); every answer is
HTTP 200, errors as ``{"exception", "errorcode", "message", "debuginfo"}``.

Long on purpose: one fake site, one state, one function per web-service function the plugin calls; split
across modules, each function would need the whole site anyway.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moodle_ws import (
    ROLES,
    SIGNATURES,
    WRITE_FUNCTIONS,
    WsError,
    _like_regex,
    invalid_parameter,
    missing_record,
    moodle_exception,
    parse_php_form,
    validate,
)

# --- the site ---------------------------------------------------------------------------------------


@dataclass
class FakeMoodle:
    """The state of one Moodle site and the web-service functions over it."""

    token: str = "s3cr3t-token-0123456789abcdef"
    allowed: set[str] = field(default_factory=lambda: set(SIGNATURES))
    categories: set[int] = field(default_factory=lambda: {1, 7})
    roles: dict[int, str] = field(default_factory=lambda: dict(ROLES))
    courses: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    enrolments: dict[int, dict[int, set[int]]] = field(default_factory=dict)
    completions: dict[tuple[int, int], bool] = field(default_factory=dict)
    modules: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    attendances: dict[int, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    logs: dict[int, dict[int, int]] = field(default_factory=dict)
    #: feedback id -> {"course", "cmid", "idnumber", "anonymous", "items": [...], "attempts": [...]}
    feedbacks: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: function -> list of canned error bodies answered (HTTP 200) instead of running the function.
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: functions whose next call runs but whose response is lost (the connection is closed).
    lose: dict[str, int] = field(default_factory=dict)
    ws_user: int = 2
    now: int = 0
    #: compare short names as MySQL's default collation does (case-insensitively); PostgreSQL does not.
    ci_collation: bool = False
    #: mod_attendance releases that declare a session's description PARAM_TEXT: Moodle's return
    #: validation (cleaned value must equal the value) then refuses a description holding HTML tags.
    text_descriptions: bool = False
    _next: int = 100
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.users[self.ws_user] = self._user_record(
            self.ws_user, "wsuser", "Web", "Service", "ws@example.net"
        )

    def new_id(self) -> int:
        self._next += 1
        return self._next

    @property
    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        return [(f, p) for f, p in self.calls if f in WRITE_FUNCTIONS]

    # --- seeding helpers for tests ----------------------------------------------------------------

    def add_course(self, shortname: str, *, completion: bool = True, fullname: str | None = None) -> int:
        cid = self.new_id()
        self.courses[cid] = {
            "id": cid,
            "shortname": shortname,
            "fullname": fullname or shortname,
            "categoryid": 1,
            "enablecompletion": 1 if completion else 0,
            "criteria": completion,
        }
        self.enrolments[cid] = {}
        self.modules[cid] = []
        return cid

    def add_user(self, username: str, email: str, first: str = "Some", last: str = "One") -> int:
        uid = self.new_id()
        self.users[uid] = self._user_record(uid, username, first, last, email)
        return uid

    def enrol_user(self, course_id: int, user_id: int, role_id: int = 5) -> None:
        self.enrolments[course_id].setdefault(user_id, set()).add(role_id)

    @staticmethod
    def _user_record(uid: int, username: str, first: str, last: str, email: str) -> dict[str, Any]:
        return {
            "id": uid,
            "username": username,
            "firstname": first,
            "lastname": last,
            "fullname": f"{first} {last}",
            "email": email,
            "auth": "manual",
            "confirmed": True,
            "suspended": False,
        }

    def add_feedback(
        self, course_id: int, idnumber: str, items: list[dict[str, Any]], *, anonymous: bool
    ) -> int:
        """A Feedback activity with ``items`` (each ``{"typ", "name", "label", "presentation"}``)."""
        fid, cmid = self.new_id(), self.new_id()
        full = []
        for n, item in enumerate(items):
            full.append({"id": self.new_id(), "feedback": fid, "position": n + 1, "hasvalue": 1, **item})
        self.feedbacks[fid] = {
            "course": course_id,
            "cmid": cmid,
            "idnumber": idnumber,
            "anonymous": anonymous,
            "items": full,
            "attempts": [],
        }
        return fid

    def answer_feedback(self, fid: int, user_id: int | None, values: dict[str, str]) -> None:
        """One completed attempt: item label -> stored value (a rated choice stores its 1-based position)."""
        feedback = self.feedbacks[fid]
        by_label = {i["label"]: i for i in feedback["items"]}
        feedback["attempts"].append(
            {
                "id": self.new_id(),
                "userid": user_id,
                "values": {by_label[k]["id"]: v for k, v in values.items()},
            }
        )

    # --- mod_feedback -----------------------------------------------------------------------------

    def mod_feedback_get_feedbacks_by_courses(self, courseids: list[int]) -> dict[str, Any]:
        out = [
            {
                "id": fid,
                "course": f["course"],
                "name": f"Evaluation {fid}",
                "intro": "",
                "introformat": 1,
                "anonymous": 1 if f["anonymous"] else 2,
                "multiple_submit": False,
                "autonumbering": True,
                "publish_stats": False,
                "completionsubmit": False,
                "coursemodule": f["cmid"],
                "introfiles": [],
            }
            for fid, f in sorted(self.feedbacks.items())
            if f["course"] in courseids
        ]
        return {"feedbacks": out, "warnings": []}

    def core_course_get_course_module(self, cmid: int) -> dict[str, Any]:
        for fid, f in self.feedbacks.items():
            if f["cmid"] == cmid:
                cm = {
                    "id": cmid,
                    "course": f["course"],
                    "module": 7,
                    "name": f"Evaluation {fid}",
                    "modname": "feedback",
                    "instance": fid,
                    "section": 1,
                    "visible": 1,
                }
                if f["idnumber"]:
                    cm["idnumber"] = f["idnumber"]
                return {"cm": cm, "warnings": []}
        raise missing_record("course_modules")

    def mod_feedback_get_items(self, feedbackid: int, courseid: int) -> dict[str, Any]:
        if feedbackid not in self.feedbacks:
            raise missing_record("feedback")
        items = [
            {
                "id": i["id"],
                "feedback": feedbackid,
                "template": 0,
                "name": i["name"],
                "label": i.get("label", ""),
                "presentation": i.get("presentation", ""),
                "typ": i["typ"],
                "hasvalue": i["hasvalue"],
                "position": i["position"],
                "required": False,
                "dependitem": 0,
                "dependvalue": "",
                "options": "",
                "itemfiles": [],
                "itemnumber": i["position"],
                "otherdata": "",
            }
            for i in self.feedbacks[feedbackid]["items"]
        ]
        return {"items": items, "warnings": []}

    @staticmethod
    def _printval(item: dict[str, Any], raw: str) -> str:
        if item["typ"] in ("multichoicerated", "multichoice"):
            lines = item["presentation"].partition(">>>>>")[2].split("|")
            picked = [lines[int(v) - 1] for v in raw.split("|") if v.isdigit() and 0 < int(v) <= len(lines)]
            return "; ".join(p.partition("####")[2] if "####" in p else p for p in picked)
        return raw

    def mod_feedback_get_responses_analysis(
        self, feedbackid: int, groupid: int, page: int, perpage: int, courseid: int
    ) -> dict[str, Any]:
        if feedbackid not in self.feedbacks:
            raise missing_record("feedback")
        feedback = self.feedbacks[feedbackid]
        items = {i["id"]: i for i in feedback["items"]}

        def responses(attempt: dict[str, Any]) -> list[dict[str, Any]]:
            return [
                {
                    "id": iid,
                    "name": items[iid]["name"],
                    "printval": self._printval(items[iid], v),
                    "rawval": v,
                }
                for iid, v in attempt["values"].items()
            ]

        named = [a for a in feedback["attempts"] if not feedback["anonymous"]]
        anon = [a for a in feedback["attempts"] if feedback["anonymous"]]

        def window(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return rows[page * perpage : (page + 1) * perpage] if perpage else rows

        return {
            "attempts": [
                {
                    "id": a["id"],
                    "courseid": feedback["course"],
                    "userid": a["userid"],
                    "timemodified": self.now,
                    "fullname": self.users[a["userid"]]["fullname"],
                    "responses": responses(a),
                }
                for a in window(named)
            ],
            "totalattempts": len(named),
            "anonattempts": [
                {"id": a["id"], "courseid": feedback["course"], "number": n + 1, "responses": responses(a)}
                for n, a in enumerate(window(anon))
            ],
            "totalanonattempts": len(anon),
            "warnings": [],
        }

    # --- dispatch ---------------------------------------------------------------------------------

    def handle(self, form: dict[str, Any]) -> tuple[Any, bool]:
        """The body for one request and whether to lose the response."""
        token = form.pop("wstoken", None)
        function = form.pop("wsfunction", None)
        fmt = form.pop("moodlewsrestformat", "xml")
        if fmt != "json":
            raise AssertionError("the client must ask for moodlewsrestformat=json")
        if token != self.token:
            raise WsError("moodle_exception", "invalidtoken", "Invalid token - token not found")
        if function not in SIGNATURES:
            raise missing_record("external_functions")
        if function not in self.allowed:
            raise WsError(
                "webservice_access_exception",
                "accessexception",
                "Access control exception",
                f"Access to the function {function}() is not allowed. There could be multiple reasons...",
            )
        params = validate(SIGNATURES[function], form, "")
        with self.lock:
            self.calls.append((function, params))
            canned = self.errors.get(function)
            if canned:
                return canned.pop(0), False
            result = getattr(self, function)(**params)
            lost = self.lose.get(function, 0) > 0
            if lost:
                self.lose[function] -= 1
            return result, lost

    # --- core_webservice --------------------------------------------------------------------------

    def core_webservice_get_site_info(self, serviceshortnames: list[str]) -> dict[str, Any]:
        user = self.users[self.ws_user]
        return {
            "sitename": "Fake Moodle",
            "username": user["username"],
            "firstname": user["firstname"],
            "lastname": user["lastname"],
            "fullname": user["fullname"],
            "lang": "en",
            "userid": self.ws_user,
            "siteurl": "http://127.0.0.1",
            "userpictureurl": "http://127.0.0.1/pix/u/f1.png",
            "functions": [{"name": n, "version": "2024100700"} for n in sorted(self.allowed)],
            "release": "4.5 (Build: 20241007)",
            "version": "2024100700",
        }

    # --- core_course ------------------------------------------------------------------------------

    def _course_out(self, c: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "fullname": c["fullname"],
            "displayname": c["fullname"],
            "shortname": c["shortname"],
            "categoryid": c["categoryid"],
            "categoryname": "Miscellaneous",
            "sortorder": 10001,
            "summary": c.get("summary", ""),
            "summaryformat": 1,
            "summaryfiles": [],
            "overviewfiles": [],
            "showactivitydates": True,
            "showcompletionconditions": True,
            "contacts": [],
            "enrollmentmethods": ["manual"],
            "idnumber": c.get("idnumber", ""),
            "format": "topics",
            "startdate": c.get("startdate", 0),
            "enddate": 0,
            "visible": 1,
            "enablecompletion": c["enablecompletion"],
        }

    def _same_shortname(self, a: str, b: str) -> bool:
        return a.lower() == b.lower() if self.ci_collation else a == b

    def core_course_get_courses_by_field(self, field: str, value: str) -> dict[str, Any]:
        if field not in ("", "id", "ids", "shortname", "idnumber", "category", "sectionid"):
            raise invalid_parameter("Invalid field name")
        found = [
            c
            for c in self.courses.values()
            if field == ""
            or (field == "shortname" and self._same_shortname(c["shortname"], value))
            or (field == "id" and str(c["id"]) == value)
        ]
        return {"courses": [self._course_out(c) for c in found], "warnings": []}

    def core_course_create_courses(self, courses: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for course in courses:
            if course["categoryid"] not in self.categories:
                raise moodle_exception(
                    "errorcatcontextnotvalid", "You cannot execute functions in the category context"
                )
            if not course["fullname"].strip() or not course["shortname"].strip():
                raise moodle_exception("errorinvalidparam", "Invalid parameter")
            if any(self._same_shortname(c["shortname"], course["shortname"]) for c in self.courses.values()):
                raise moodle_exception(
                    "shortnametaken", f"Short name is already used for another course ({course['shortname']})"
                )
            cid = self.add_course(
                course["shortname"],
                completion=bool(course.get("enablecompletion")),
                fullname=course["fullname"],
            )
            self.courses[cid].update(
                {k: course[k] for k in ("summary", "startdate", "idnumber", "categoryid") if k in course}
            )
            out.append({"id": cid, "shortname": course["shortname"]})
        return out

    def core_course_get_contents(self, courseid: int, options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if courseid not in self.courses:
            raise missing_record("course")
        return [
            {
                "id": courseid * 10,
                "name": "General",
                "visible": 1,
                "summary": "",
                "summaryformat": 1,
                "section": 0,
                "hiddenbynumsections": 0,
                "uservisible": True,
                "modules": list(self.modules[courseid]),
            }
        ]

    # --- core_user --------------------------------------------------------------------------------

    def core_user_get_users_by_field(self, field: str, values: list[str]) -> list[dict[str, Any]]:
        if field not in ("id", "idnumber", "username", "email"):
            raise invalid_parameter("Invalid field")
        # exact matching, as on PostgreSQL (no case folding)
        return [dict(u) for u in self.users.values() if str(u.get(field)) in values]

    def core_user_get_users(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        found = [u for u in self.users.values() if not u.get("deleted")]
        warnings = []
        used: set[str] = set()
        for item in criteria:
            key, value = item["key"], item["value"]
            if key in used:
                raise moodle_exception("keyalreadyset", "The key can only be sent once")
            used.add(key)
            if key in ("email", "firstname", "lastname"):  # $DB->sql_like(..., false): case-insensitive
                pattern = re.compile(_like_regex(value), re.IGNORECASE | re.DOTALL)
                found = [u for u in found if pattern.fullmatch(str(u.get(key, "")))]
            elif key in ("id", "idnumber", "username", "auth"):
                found = [u for u in found if str(u.get(key, "")) == value]
            else:
                warnings.append(
                    {
                        "item": key,
                        "warningcode": "invalidfieldparameter",
                        "message": f"The search key '{key}' is not supported",
                    }
                )
        return {"users": [dict(u) for u in found], "warnings": warnings}

    def core_user_create_users(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for user in users:
            if any(u["username"] == user["username"] for u in self.users.values()):
                raise invalid_parameter(f"Username already exists: {user['username']}")
            if user["auth"] not in ("manual", "email", "nologin"):
                raise invalid_parameter(f"Invalid authentication type: {user['auth']}")
            if not user.get("createpassword") and not user.get("password"):
                raise invalid_parameter(
                    "Invalid password: you must provide a password, or set createpassword."
                )
            if any(u["email"].lower() == user["email"].lower() for u in self.users.values()):
                raise invalid_parameter(f"Email address already exists: {user['email']}")
            uid = self.new_id()
            record = self._user_record(
                uid, user["username"], user["firstname"], user["lastname"], user["email"]
            )
            record.update({k: user[k] for k in ("timezone", "country") if k in user})
            self.users[uid] = record
            out.append({"id": uid, "username": user["username"]})
        return out

    # --- enrolments -------------------------------------------------------------------------------

    def core_enrol_get_enrolled_users(
        self, courseid: int, options: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if courseid not in self.courses:
            raise missing_record("course")
        for option in options:
            if option["name"] not in (
                "withcapability",
                "groupid",
                "onlyactive",
                "onlysuspended",
                "userfields",
                "limitfrom",
                "limitnumber",
                "sortby",
                "sortdirection",
            ):
                raise invalid_parameter(f"Invalid option name {option['name']}")
        out = []
        for uid, roles in sorted(self.enrolments[courseid].items()):
            user = self.users[uid]
            out.append(
                {
                    "id": uid,
                    "fullname": user["fullname"],
                    "email": user["email"],
                    "roles": [
                        {"roleid": r, "name": self.roles[r], "shortname": self.roles[r], "sortorder": 0}
                        for r in sorted(roles)
                    ],
                }
            )
        return out

    def enrol_manual_enrol_users(self, enrolments: list[dict[str, Any]]) -> None:
        for item in enrolments:
            if item["roleid"] not in self.roles or self.roles[item["roleid"]] == "manager":
                raise moodle_exception(
                    "wscannotenrol", "Plugin instance cannot manually enrol a user in this role"
                )
            if item["courseid"] not in self.courses:
                raise moodle_exception(
                    "wsnoinstance",
                    "Manual enrolment plugin instance doesn't exist or is disabled for the course",
                )
            if item["userid"] not in self.users:
                raise missing_record("user")
        for item in enrolments:
            self.enrol_user(item["courseid"], item["userid"], item["roleid"])
        return

    def core_completion_get_course_completion_status(self, courseid: int, userid: int) -> dict[str, Any]:
        course = self.courses.get(courseid)
        if course is None:
            raise missing_record("course")
        if userid not in self.users:
            raise missing_record("user")
        if not course["enablecompletion"]:
            raise moodle_exception("cannotviewreport", "Cannot view report")
        if userid not in self.enrolments[courseid]:
            raise moodle_exception("usernotenroled", "User is not enrolled in this course")
        if not course["criteria"]:
            raise moodle_exception("nocriteriaset", "No completion criteria set for this course")
        done = self.completions.get((courseid, userid), False)
        return {
            "completionstatus": {
                "completed": done,
                "aggregation": 1,
                "completions": [
                    {
                        "type": 4,
                        "title": "Activity completion",
                        "status": "Yes" if done else "No",
                        "complete": done,
                        "timecompleted": 1600000000 if done else 0,
                        "details": {
                            "type": "Activity",
                            "criteria": "Quiz",
                            "requirement": "Complete",
                            "status": "",
                        },
                    }
                ],
            },
            "warnings": [],
        }

    # --- mod_attendance ---------------------------------------------------------------------------

    def mod_attendance_add_attendance(
        self, courseid: int, name: str, intro: str, groupmode: int
    ) -> dict[str, Any]:
        if courseid not in self.courses:
            raise missing_record("course")
        if groupmode not in (0, 1, 2):
            raise invalid_parameter("Group mode is invalid.")
        aid = self.new_id()
        cmid = self.new_id()
        self.attendances[aid] = {"id": aid, "course": courseid, "name": name, "intro": intro}
        # each register gets its own status set, with its own ids (never assume ids)
        self.statuses[aid] = [
            {
                "id": self.new_id(),
                "attendanceid": aid,
                "acronym": acronym,
                "description": desc,
                "grade": grade,
                "visible": 1,
                "deleted": 0,
                "setnumber": 0,
            }
            for acronym, desc, grade in (
                ("P", "Present", 2.0),
                ("A", "Absent", 0.0),
                ("L", "Late", 1.0),
                ("E", "Excused", 1.0),
            )
        ]
        self.modules[courseid].append(
            {
                "id": cmid,
                "name": name,
                "instance": aid,
                "modname": "attendance",
                "modplural": "Attendance",
                "url": f"http://127.0.0.1/mod/attendance/view.php?id={cmid}",
                "visible": 1,
                "uservisible": True,
            }
        )
        return {"attendanceid": aid}

    def _session_out(self, sid: int) -> dict[str, Any]:
        s = self.sessions[sid]
        if self.text_descriptions and re.sub(r"<[^>]*>", "", s["description"]) != s["description"]:
            raise WsError(
                "invalid_response_exception",
                "invalidresponse",
                "Invalid response value detected",
                "description => Invalid response value detected: Invalid external api response",
            )
        aid = s["attendanceid"]
        courseid = self.attendances[aid]["course"]
        return {
            **s,
            "courseid": courseid,
            "statuses": [dict(x) for x in self.statuses[aid]],
            "attendance_log": [
                {"studentid": u, "statusid": str(st), "remarks": "", "id": str(1000 + u)}
                for u, st in sorted(self.logs.get(sid, {}).items())
            ],
            "users": [
                {"id": u, "firstname": self.users[u]["firstname"], "lastname": self.users[u]["lastname"]}
                for u in sorted(self.enrolments[courseid])
            ],
        }

    def mod_attendance_add_session(
        self,
        attendanceid: int,
        description: str,
        sessiontime: int,
        duration: int,
        groupid: int,
        addcalendarevent: bool,
    ) -> dict[str, Any]:
        if attendanceid not in self.attendances:
            raise missing_record("course_modules")
        if groupid:
            raise invalid_parameter("Group id is specified, but group mode is disabled for activity")
        sid = self.new_id()
        self.sessions[sid] = {
            "id": sid,
            "attendanceid": attendanceid,
            "groupid": 0,
            "sessdate": sessiontime,
            "duration": duration,
            "lasttaken": 0,
            "lasttakenby": 0,
            "timemodified": self.now,
            "description": description,
            "descriptionformat": 1,
            "studentscanmark": 0,
            "absenteereport": 1,
            "autoassignstatus": 0,
            "preventsharedip": 0,
            "preventsharediptime": 0,
            "statusset": 0,
            "includeqrcode": 0,
            "studentsearlyopentime": 0,
        }
        return {"sessionid": sid}

    def mod_attendance_remove_session(self, sessionid: int) -> bool:
        if sessionid not in self.sessions:
            raise missing_record("attendance_sessions")
        del self.sessions[sessionid]
        self.logs.pop(sessionid, None)
        return True

    def mod_attendance_get_sessions(self, attendanceid: int) -> list[dict[str, Any]]:
        if attendanceid not in self.attendances:
            raise missing_record("course_modules")
        return [
            self._session_out(s)
            for s in sorted(self.sessions)
            if self.sessions[s]["attendanceid"] == attendanceid
        ]

    def mod_attendance_get_session(self, sessionid: int) -> dict[str, Any]:
        if sessionid not in self.sessions:
            raise missing_record("attendance_sessions")
        return self._session_out(sessionid)

    def mod_attendance_update_user_status(
        self, sessionid: int, studentid: int, takenbyid: int, statusid: int, statusset: str
    ) -> str:
        session = self.sessions.get(sessionid)
        if session is None:
            raise missing_record("attendance_sessions")
        if studentid not in self.users or takenbyid not in self.users:
            raise missing_record("user")
        if int(statusset) != session["statusset"]:
            raise invalid_parameter("Invalid status")
        allowed = {s["id"] for s in self.statuses[session["attendanceid"]] if not s["deleted"]}
        if statusid not in allowed:
            raise invalid_parameter("Invalid status")
        self.logs.setdefault(sessionid, {})[studentid] = statusid
        session["lasttaken"] = self.now or 1
        session["lasttakenby"] = takenbyid
        return "OK"

    # --- inspection helpers -----------------------------------------------------------------------

    def status_acronym(self, sessionid: int, userid: int) -> str | None:
        statusid = self.logs.get(sessionid, {}).get(userid)
        aid = self.sessions[sessionid]["attendanceid"]
        return next((s["acronym"] for s in self.statuses[aid] if s["id"] == statusid), None)

    def user_by_email(self, email: str) -> dict[str, Any]:
        return next(u for u in self.users.values() if u["email"].lower() == email.lower())


# --- HTTP -------------------------------------------------------------------------------------------


def make_handler(site: FakeMoodle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self._headers_buffer.append(b"\r\n" + body)  # headers and body in one write
            self.flush_headers()

        def do_GET(self) -> None:
            self._send(404, b"<html>Not found</html>", "text/html")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            if self.path != "/webservice/rest/server.php":
                self._send(404, b"<html>Not found</html>", "text/html")
                return
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                self._send(200, json.dumps(invalid_parameter("not a form").body).encode(), "application/json")
                return
            lost = False
            try:
                result, lost = site.handle(parse_php_form(raw))
                body = json.dumps(result)
            except WsError as err:
                body = json.dumps(err.body)
            if lost:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(200, body.encode("utf-8"), "application/json; charset=utf-8")

    return Handler


@dataclass
class Running:
    site: FakeMoodle
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve(site: FakeMoodle) -> Running:
    """Start ``site`` on 127.0.0.1 on a free port, in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="fake-moodle", daemon=True)
    thread.start()
    return Running(site, server, thread)
