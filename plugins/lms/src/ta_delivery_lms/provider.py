"""The Moodle LMS provider: course space, accounts, enrolments, attendance register, prerequisites.

Reads happen first, :mod:`.decisions` decides, then writes follow. ``plan`` only reads. ``apply`` looks
before it creates anything (course by short name, accounts by email, the register by its remembered id
or name, register sessions by the mark in their description), so a rerun — or a run after a lost
response — changes nothing that is already there.

The shared reads live in :mod:`.site`; each concern is a mixin of its own: :mod:`.enrolment`,
:mod:`.register` (the attendance register) and :mod:`.prerequisites` (course completion). This module
holds the course space itself and the ``plan``/``apply`` that walk all of them.
"""

from __future__ import annotations

from typing import Any

from ta_delivery.errors import AuthError, InputError, ProviderError
from ta_delivery.models import Course, LmsSettings
from ta_delivery.records import LmsChange

from .decisions import RegisterPlan, clean_text, people_of, plan_register
from .enrolment import Enrolment
from .prerequisites import Completion
from .register import Register
from .site import failed_change, is_active

__all__ = ["MoodleLms"]


class MoodleLms(Enrolment, Register, Completion):
    """Implements :class:`ta_delivery.records.LmsProvider` for a Moodle site."""

    __slots__ = ()

    def plan(self, course: Course) -> list[LmsChange]:
        """What :meth:`apply` would change. Reads only."""
        lms, options = self._lms(course)
        self._site_info(self._needed(course, lms))
        changes: list[LmsChange] = []
        remote = self._course(lms.course)
        active = is_active(course)
        if remote is None:
            if not active:
                return []
            changes.append(LmsChange("create", f"course {lms.course}", self._category_detail()))
            accounts = self._accounts(p for p, _ in people_of(course))
            for person, role in people_of(course):
                if person.email.lower() not in accounts:
                    changes.append(LmsChange("create", f"account {person.id}", person.email))
                changes.append(LmsChange("enrol", f"enrolment {person.id}", role))
            if lms.attendance:
                changes.append(LmsChange("create", "register", options.register))
                changes.extend(self._session_changes(course, RegisterPlan(add=course.live_sessions)))
            return changes
        course_id = int(remote["id"])
        if active:
            people = people_of(course)
            accounts = self._accounts(p for p, _ in people)
            enrolled = self.client.enrolled_users(course_id)
            roles = self._roles(enrolled)
            held = self._held_roles(enrolled)
            for person, role in people:
                user = accounts.get(person.email.lower())
                if user is None:
                    changes.append(LmsChange("create", f"account {person.id}", person.email))
                role_id = roles.teacher if role == "teacher" else roles.student
                if user is None or role_id not in held.get(int(user["id"]), set()):
                    changes.append(LmsChange("enrol", f"enrolment {person.id}", role))
        if lms.attendance:
            register = self._register_id(course_id, options)
            if register is None:
                if active:
                    changes.append(LmsChange("create", "register", options.register))
                    changes.extend(self._session_changes(course, RegisterPlan(add=course.live_sessions)))
            else:
                plan = plan_register(course, self._slots(register), self._now(), active)
                changes.extend(self._session_changes(course, plan))
        return changes

    def preflight(self, course: Course) -> None:
        """The input errors only the site can reveal, with one read: a course to create and no category.

        Called by ``apply`` before it changes anything, so such an error exits 2 with nothing done.
        """
        lms, _options = self._lms(course)
        if self.settings.category_id is None and is_active(course) and self._course(lms.course) is None:
            self._category_detail()

    def apply(self, course: Course) -> list[LmsChange]:
        """Make the Moodle course, accounts, enrolments and register match ``course``. Idempotent."""
        lms, options = self._lms(course)
        self._site_info(self._needed(course, lms))
        changes: list[LmsChange] = []
        active = is_active(course)
        remote = self._course(lms.course)
        if remote is None:
            if not active:
                return []
            detail = self._category_detail()
            try:
                course_id = self.client.create_course(self._course_fields(course, lms))
            except AuthError:
                raise
            except ProviderError as exc:
                return [failed_change("create", f"course {lms.course}", exc, detail)]
            changes.append(LmsChange("create", f"course {lms.course}", detail))
        else:
            course_id = int(remote["id"])
        if active:
            changes.extend(self._apply_people(course, course_id))
        if lms.attendance:
            changes.extend(self._apply_register(course, course_id, options, active))
        return changes

    def _course_fields(self, course: Course, lms: LmsSettings) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "fullname": clean_text(course.title) or lms.course,
            "shortname": lms.course,
            "categoryid": self.settings.category_id,
            "summary": f"<p>{clean_text(course.title)}</p><p>[ta-delivery:{course.id}]</p>",
            "enablecompletion": 1,
        }
        starts = [s.start for s in course.sessions]
        if starts:
            fields["startdate"] = int(min(starts).timestamp())
        return fields

    def feedback_table(self, course: Course, idnumber: str) -> tuple[list[str], list[list[str]]]:
        """The answers of the course's Feedback activity with ID number ``idnumber``, as a table (see
        :mod:`ta_delivery_lms.feedback`)."""
        from .client import FEEDBACK_FUNCTIONS
        from .feedback import feedback_table

        lms, _ = self._lms(course)
        self._site_info(FEEDBACK_FUNCTIONS)
        remote = self._course(lms.course)
        if remote is None:
            raise InputError(f"the Moodle course {lms.course!r} does not exist yet", key="lms.course")
        return feedback_table(self.client, int(remote["id"]), idnumber)
