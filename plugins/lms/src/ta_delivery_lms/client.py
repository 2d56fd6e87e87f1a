"""A thin client for Moodle's REST web services, on the core's :class:`~ta_delivery.http.HttpApi` seam.

Every call is a form POST to ``/webservice/rest/server.php`` with ``wstoken``, ``wsfunction`` and
``moodlewsrestformat=json``; the token travels only in the body (never in a URL, a log line or an
exception). Read functions are marked idempotent so the core's retry policy may repeat them; writes
are never repeated blindly (a lost response is raised, and the next run looks before creating again).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import attrs

from ta_delivery.errors import BadResponse, ProviderError
from ta_delivery.http import HttpApi
from ta_delivery.settings import Secret

from .sansio import ENDPOINT, PROVIDER, encode, error_from_body, redact, warning_text, warnings_of

__all__ = ["FEEDBACK_FUNCTIONS", "READ_FUNCTIONS", "REQUIRED_FUNCTIONS", "MoodleClient"]

log = logging.getLogger(__name__)

#: Every web-service function this plugin calls: the external service's token needs all of them.
REQUIRED_FUNCTIONS: tuple[str, ...] = (
    "core_webservice_get_site_info",
    "core_course_get_courses_by_field",
    "core_course_create_courses",
    "core_course_get_contents",
    "core_user_get_users_by_field",
    "core_user_get_users",
    "core_user_create_users",
    "core_enrol_get_enrolled_users",
    "enrol_manual_enrol_users",
    "core_completion_get_course_completion_status",
    "mod_attendance_add_attendance",
    "mod_attendance_get_sessions",
    "mod_attendance_get_session",
    "mod_attendance_add_session",
    "mod_attendance_remove_session",
    "mod_attendance_update_user_status",
)

#: Functions that change nothing: safe to retry after a timeout or a 5xx.
READ_FUNCTIONS = frozenset(
    {
        "core_webservice_get_site_info",
        "core_course_get_courses_by_field",
        "core_course_get_contents",
        "core_user_get_users_by_field",
        "core_user_get_users",
        "core_enrol_get_enrolled_users",
        "core_completion_get_course_completion_status",
        "mod_attendance_get_sessions",
        "mod_attendance_get_session",
        "mod_feedback_get_feedbacks_by_courses",
        "core_course_get_course_module",
        "mod_feedback_get_items",
        "mod_feedback_get_responses_analysis",
    }
)

#: The functions ``evaluation pull`` calls (Moodle's Feedback activity), needed only by that command.
FEEDBACK_FUNCTIONS: tuple[str, ...] = (
    "core_course_get_courses_by_field",
    "mod_feedback_get_feedbacks_by_courses",
    "core_course_get_course_module",
    "mod_feedback_get_items",
    "mod_feedback_get_responses_analysis",
    "core_user_get_users_by_field",
)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise BadResponse(f"{what} is not an id", provider=PROVIDER)
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise BadResponse(f"{what} is not an id", provider=PROVIDER) from exc


def _list(value: Any, what: str) -> list[dict[str, Any]]:
    if isinstance(value, Mapping):  # PHP arrays keyed by id arrive as JSON objects
        value = list(value.values())
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise BadResponse(f"{what}: expected a list of objects", provider=PROVIDER)
    return [dict(v) for v in value]


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise BadResponse(f"{what}: expected an object", provider=PROVIDER)
    return dict(value)


@attrs.define
class MoodleClient:
    """Calls Moodle web-service functions with a token; maps every error shape to our exceptions."""

    http: HttpApi = attrs.field(repr=False)
    token: Secret

    def _redact(self, text: str) -> str:
        return redact(text, [self.token.reveal()])

    def call(self, function: str, params: Mapping[str, Any] | None = None, *, warnings: bool = False) -> Any:
        """Call ``function`` and return the decoded body.

        ``warnings=False`` makes a non-empty ``warnings`` list an error (:class:`BadResponse`); with
        ``True`` the caller reads them.
        """
        fields = [
            ("wstoken", self.token.reveal()),
            ("wsfunction", function),
            ("moodlewsrestformat", "json"),
            *encode(params or {}),
        ]
        log.debug("moodle call %s", function)
        try:
            response = self.http.request(
                "POST",
                ENDPOINT,
                content=urlencode(fields).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                idempotent=function in READ_FUNCTIONS,
            )
        except ProviderError as exc:
            clean = self._redact(exc.message)
            if clean != exc.message:
                exc.message = clean
                exc.args = (str(exc),)
            raise
        text = response.text.strip()
        if not text:
            return None
        try:
            body = json.loads(text)
        except ValueError:
            raise BadResponse(f"{function}: malformed JSON body", provider=PROVIDER) from None
        error = error_from_body(function, body, [self.token.reveal()])
        if error is not None:
            raise error
        found = warnings_of(body)
        if found and not warnings:
            raise BadResponse(warning_text(function, found, [self.token.reveal()]), provider=PROVIDER)
        return body

    # --- site ---------------------------------------------------------------------------------

    def site_info(self) -> dict[str, Any]:
        """``core_webservice_get_site_info``: who the token acts as, and what it may call."""
        return _object(self.call("core_webservice_get_site_info"), "core_webservice_get_site_info")

    # --- courses ------------------------------------------------------------------------------

    def courses_by_shortname(self, shortname: str) -> list[dict[str, Any]]:
        """Courses whose short name is ``shortname``: exactly, else as the site's database compares.

        Moodle keeps short names unique as its database compares them: on MySQL (case-insensitive
        collation) ``RTPC-2020`` is the course ``rtpc-2020`` names, and creating that one again fails
        with ``shortnametaken``; so a course the site returns whose name differs only in case counts.
        """
        body = _object(
            self.call("core_course_get_courses_by_field", {"field": "shortname", "value": shortname}),
            "core_course_get_courses_by_field",
        )
        courses = _list(body.get("courses", []), "core_course_get_courses_by_field")
        found = [c for c in courses if c.get("shortname") == shortname] or [
            c for c in courses if str(c.get("shortname", "")).casefold() == shortname.casefold()
        ]
        for course in found:
            course["id"] = _int(course.get("id"), "core_course_get_courses_by_field id")
        return found

    def create_course(self, course: Mapping[str, Any]) -> int:
        """``core_course_create_courses`` with one course; its new id."""
        body = self.call("core_course_create_courses", {"courses": [course]})
        created = _list(body, "core_course_create_courses")
        if len(created) != 1:
            raise BadResponse("core_course_create_courses: expected one course back", provider=PROVIDER)
        return _int(created[0].get("id"), "core_course_create_courses id")

    def course_contents(self, course_id: int) -> list[dict[str, Any]]:
        """``core_course_get_contents``: the course's sections and their modules."""
        return _list(
            self.call("core_course_get_contents", {"courseid": course_id}), "core_course_get_contents"
        )

    # --- feedback activities ------------------------------------------------------------------

    def feedbacks(self, course_id: int) -> list[dict[str, Any]]:
        """``mod_feedback_get_feedbacks_by_courses``: the course's Feedback activities (with
        ``coursemodule``, the course-module id)."""
        body = _object(
            self.call("mod_feedback_get_feedbacks_by_courses", {"courseids": [course_id]}, warnings=True),
            "mod_feedback_get_feedbacks_by_courses",
        )
        return _list(body.get("feedbacks", []), "mod_feedback_get_feedbacks_by_courses")

    def course_module(self, cmid: int) -> dict[str, Any]:
        """``core_course_get_course_module``: one course module (with its ``idnumber``)."""
        body = _object(
            self.call("core_course_get_course_module", {"cmid": cmid}, warnings=True),
            "core_course_get_course_module",
        )
        return _object(body.get("cm"), "core_course_get_course_module cm")

    def feedback_items(self, feedback_id: int) -> list[dict[str, Any]]:
        """``mod_feedback_get_items``: the questions of a Feedback activity."""
        body = _object(
            self.call("mod_feedback_get_items", {"feedbackid": feedback_id}, warnings=True),
            "mod_feedback_get_items",
        )
        return _list(body.get("items", []), "mod_feedback_get_items")

    def feedback_responses(self, feedback_id: int, page: int, perpage: int) -> dict[str, Any]:
        """``mod_feedback_get_responses_analysis``: one page of named and anonymous attempts."""
        return _object(
            self.call(
                "mod_feedback_get_responses_analysis",
                {"feedbackid": feedback_id, "page": page, "perpage": perpage},
                warnings=True,
            ),
            "mod_feedback_get_responses_analysis",
        )

    # --- users and enrolments -----------------------------------------------------------------

    def users_by_field(self, field: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """``core_user_get_users_by_field`` (``field`` is id, idnumber, username or email)."""
        if not values:
            return []
        body = self.call("core_user_get_users_by_field", {"field": field, "values": list(values)})
        return _list(body, "core_user_get_users_by_field")

    def users_by_email_like(self, email: str) -> list[dict[str, Any]]:
        """``core_user_get_users`` by email: Moodle compares case-insensitively (SQL LIKE).

        The email is sent as it is, without LIKE escapes: the API documents ``%`` as its only wildcard, and
        a ``_`` matches itself under LIKE too; callers keep only the exact (case-insensitive) matches.
        """
        body = _object(
            self.call("core_user_get_users", {"criteria": [{"key": "email", "value": email}]}),
            "core_user_get_users",
        )
        return _list(body.get("users", []), "core_user_get_users")

    def create_user(self, user: Mapping[str, Any]) -> int:
        """``core_user_create_users`` with one user; the new id."""
        created = _list(self.call("core_user_create_users", {"users": [user]}), "core_user_create_users")
        if len(created) != 1:
            raise BadResponse("core_user_create_users: expected one user back", provider=PROVIDER)
        return _int(created[0].get("id"), "core_user_create_users id")

    def enrolled_users(self, course_id: int) -> list[dict[str, Any]]:
        """``core_enrol_get_enrolled_users``: who is enrolled, with their roles."""
        body = self.call(
            "core_enrol_get_enrolled_users",
            {"courseid": course_id, "options": [{"name": "userfields", "value": "id,email,roles"}]},
        )
        return _list(body, "core_enrol_get_enrolled_users")

    def enrol(self, enrolments: Sequence[Mapping[str, int]]) -> None:
        """``enrol_manual_enrol_users``: each item has roleid, userid and courseid."""
        if enrolments:
            self.call("enrol_manual_enrol_users", {"enrolments": list(enrolments)})

    def completion_status(self, course_id: int, user_id: int) -> dict[str, Any]:
        """``core_completion_get_course_completion_status`` of one user in one course."""
        body = _object(
            self.call(
                "core_completion_get_course_completion_status", {"courseid": course_id, "userid": user_id}
            ),
            "core_completion_get_course_completion_status",
        )
        return _object(body.get("completionstatus"), "completionstatus")

    # --- attendance register ------------------------------------------------------------------

    def add_attendance(self, course_id: int, name: str, intro: str) -> int:
        """``mod_attendance_add_attendance``: a new register in the course; its instance id."""
        body = _object(
            self.call("mod_attendance_add_attendance", {"courseid": course_id, "name": name, "intro": intro}),
            "mod_attendance_add_attendance",
        )
        return _int(body.get("attendanceid"), "mod_attendance_add_attendance attendanceid")

    def sessions(self, attendance_id: int) -> list[dict[str, Any]]:
        """``mod_attendance_get_sessions``: every session of the register, with status sets and logs."""
        return _list(
            self.call("mod_attendance_get_sessions", {"attendanceid": attendance_id}),
            "mod_attendance_get_sessions",
        )

    def session(self, session_id: int) -> dict[str, Any]:
        """``mod_attendance_get_session``: one session with its own status set."""
        return _object(
            self.call("mod_attendance_get_session", {"sessionid": session_id}), "mod_attendance_get_session"
        )

    def add_session(self, attendance_id: int, description: str, start: int, duration: int) -> int:
        """``mod_attendance_add_session``: ``start`` is a Unix time, ``duration`` seconds; the new id."""
        body = _object(
            self.call(
                "mod_attendance_add_session",
                {
                    "attendanceid": attendance_id,
                    "description": description,
                    "sessiontime": start,
                    "duration": duration,
                },
            ),
            "mod_attendance_add_session",
        )
        return _int(body.get("sessionid"), "mod_attendance_add_session sessionid")

    def remove_session(self, session_id: int) -> None:
        """``mod_attendance_remove_session``."""
        result = self.call("mod_attendance_remove_session", {"sessionid": session_id})
        if result is False:
            raise BadResponse("mod_attendance_remove_session: not removed", provider=PROVIDER)

    def update_user_status(
        self, session_id: int, student_id: int, taken_by: int, status_id: int, status_set: int
    ) -> None:
        """``mod_attendance_update_user_status``: one student's status in one session."""
        self.call(
            "mod_attendance_update_user_status",
            {
                "sessionid": session_id,
                "studentid": student_id,
                "takenbyid": taken_by,
                "statusid": status_id,
                "statusset": status_set,
            },
        )
