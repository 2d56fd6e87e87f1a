"""Course completion on Moodle: who completed the prerequisite courses (decision 0064), and who completed
the courses of a programme (its progression report)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from ta_delivery.errors import ProviderError
from ta_delivery.models import Course

from .sansio import error_code
from .site import _NOT_ENROLLED, MoodleSite

__all__ = ["Completion"]

log = logging.getLogger(__name__)


class Completion(MoodleSite):
    """Reads of ``core_completion_get_course_completion_status`` for enrolled users."""

    __slots__ = ()

    def prerequisites(self, course: Course) -> Mapping[str, bool]:
        """Participant id -> completed every ``course.prerequisites`` course on Moodle.

        False where the participant has no account, is not enrolled in a prerequisite course, or has
        not completed it; a prerequisite course missing on Moodle counts as not completed by anyone.
        """
        self._lms(course)
        participants = course.participants
        if not course.prerequisites:
            return {p.id: True for p in participants}
        accounts = self._accounts(participants)
        result: dict[str, bool] = {}
        ids: dict[str, int] = {}
        for p in participants:
            user = accounts.get(p.email.lower())
            result[p.id] = user is not None
            if user is not None:
                ids[p.id] = int(user["id"])
        for shortname in course.prerequisites:
            remote = self._course(shortname)
            if remote is None:
                log.warning("prerequisite course %r is not on the Moodle site", shortname)
                result = dict.fromkeys(result, False)
                break
            course_id = int(remote["id"])
            enrolled = {int(u["id"]) for u in self.client.enrolled_users(course_id) if "id" in u}
            for p in participants:
                if not result[p.id]:
                    continue
                user_id = ids[p.id]
                if user_id not in enrolled:
                    result[p.id] = False
                    continue
                try:
                    status = self.client.completion_status(course_id, user_id)
                except ProviderError as exc:
                    if error_code(exc) in _NOT_ENROLLED:
                        result[p.id] = False
                        continue
                    raise
                result[p.id] = status.get("completed") is True
        return result

    def completions(self, course: Course, shortnames: Sequence[str]) -> dict[str, list[str]]:
        """Moodle course short name -> the emails of its enrolled users who completed it (the programme
        report's progression); a course missing on the site maps to an empty list."""
        self._lms(course)
        out: dict[str, list[str]] = {}
        for shortname in shortnames:
            remote = self._course(shortname)
            out[shortname] = []
            if remote is None:
                continue
            course_id = int(remote["id"])
            for user in self.client.enrolled_users(course_id):
                if "id" not in user or not user.get("email"):
                    continue
                try:
                    status = self.client.completion_status(course_id, int(user["id"]))
                except ProviderError as exc:
                    if error_code(exc) in _NOT_ENROLLED:
                        continue
                    raise
                if status.get("completed") is True:
                    out[shortname].append(str(user["email"]))
        return out
