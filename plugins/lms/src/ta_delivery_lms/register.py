"""The Moodle attendance register: one register session per live session, moved or removed with it, and
the participants' statuses pushed into it (decision 0063)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ta_delivery.errors import AuthError, BadResponse, NotFound, ProviderError, Unavailable
from ta_delivery.models import Course, Session
from ta_delivery.records import AttendanceStatus, LmsChange

from .client import REQUIRED_FUNCTIONS
from .decisions import (
    RegisterPlan,
    Slot,
    acronym_for,
    clean_text,
    parse_mark,
    plan_register,
    session_description,
    slot_for,
)
from .options import LmsOptions
from .sansio import PROVIDER
from .site import MoodleSite, failed_change, iso_time

__all__ = ["Register"]

log = logging.getLogger(__name__)


class Register(MoodleSite):
    """The course's attendance register kept in step with its live sessions, and attendance written to it."""

    __slots__ = ()

    @staticmethod
    def _session_changes(course: Course, plan: RegisterPlan) -> list[LmsChange]:
        out: list[LmsChange] = []
        for sid, slot, reason in plan.remove:
            out.append(LmsChange("delete", f"register session {sid}", f"{iso_time(slot.start)}: {reason}"))
        for session, slot in plan.move:
            out.append(
                LmsChange(
                    "update",
                    f"register session {session.id}",
                    f"moved {iso_time(slot.start)} -> {iso_time(int(session.start.timestamp()))}",
                )
            )
        for session in plan.add:
            out.append(
                LmsChange(
                    "create", f"register session {session.id}", iso_time(int(session.start.timestamp()))
                )
            )
        for sid, _slot, reason in plan.blocked:
            out.append(LmsChange("update", f"register session {sid}", reason, ok=False, error=reason))
        return out

    def _apply_register(
        self, course: Course, course_id: int, options: LmsOptions, active: bool
    ) -> list[LmsChange]:
        changes: list[LmsChange] = []
        register = self._register_id(course_id, options)
        if register is None:
            if not active:
                return changes
            intro = f"<p>Live sessions of {clean_text(course.title)}, kept in step by ta-delivery.</p>"
            try:
                register = self.client.add_attendance(course_id, options.register, intro)
            except AuthError:
                raise
            except ProviderError as exc:
                return [failed_change("create", "register", exc, options.register)]
            self.state.put(f"register:{course_id}", str(register))
            changes.append(LmsChange("create", "register", options.register))
            plan = RegisterPlan(add=course.live_sessions)
        else:
            plan = plan_register(course, self._slots(register), self._now(), active)
        for sid, slot, reason in plan.remove:
            changes.append(self._remove(sid, slot, reason))
        for session, slot in plan.move:
            detail = f"moved {iso_time(slot.start)} -> {iso_time(int(session.start.timestamp()))}"
            changes.append(self._write("update", session, detail, course, register, remove=slot.id))
        for session in plan.add:
            detail = iso_time(int(session.start.timestamp()))
            changes.append(self._write("create", session, detail, course, register))
        for sid, _slot, reason in plan.blocked:
            changes.append(LmsChange("update", f"register session {sid}", reason, ok=False, error=reason))
        return changes

    def _write(
        self,
        action: str,
        session: Session,
        detail: str,
        course: Course,
        register: int,
        remove: int | None = None,
    ) -> LmsChange:
        """Add ``session`` to the register (removing its slot ``remove`` first, for a move): the change, or
        its failure; a refused token still stops the run."""
        target = f"register session {session.id}"
        try:
            if remove is not None:
                self.client.remove_session(remove)
            self._add(course, register, session)
        except AuthError:
            raise
        except ProviderError as exc:
            return failed_change(action, target, exc, detail)
        return LmsChange(action, target, detail)

    def _add(self, course: Course, register: int, session: Session) -> int:
        """Give ``session`` its place in the register. ``mod_attendance_add_session`` is not idempotent:
        when its answer is lost or a passing fault stops it (``Unavailable``; a refusal is not retried),
        the register is read for the session's mark first, and the session is added again only when it
        is not there (two sends at most, never a duplicate)."""
        description = session_description(course, session)
        start = int(session.start.timestamp())
        for attempt in (1, 2):
            try:
                return self.client.add_session(register, description, start, session.minutes * 60)
            except Unavailable:  # no answer, or a passing fault: Moodle may have added it
                for slot in self._slots(register):
                    if parse_mark(slot.description) == (course.id, session.id) and slot.start == start:
                        return slot.id
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _remove(self, sid: str, slot: Slot, reason: str) -> LmsChange:
        target = f"register session {sid}"
        detail = f"{iso_time(slot.start)}: {reason}"
        try:
            self.client.remove_session(slot.id)
        except NotFound:
            return LmsChange("delete", target, detail)  # already gone counts as done
        except AuthError:
            raise
        except ProviderError as exc:
            return failed_change("delete", target, exc, detail)
        return LmsChange("delete", target, detail)

    def _ended(self, course: Course, session_id: str) -> bool:
        """True unless ``session_id`` is a session of ``course`` still to end."""
        try:
            return course.session(session_id).end <= self.clock.now()
        except KeyError:
            return True

    def push_attendance(self, course: Course, statuses: Iterable[AttendanceStatus]) -> None:
        """Write each participant's status into the register, by the session's own status set.

        Statuses already in the register are not written again. A session that has not ended and in
        which nobody attended yet (an excuse given ahead) waits: writing it would mark everyone else
        absent and the register session taken, so no longer movable; its statuses are written once
        attendance is recorded. Every status is tried; if any could not be pushed, one
        :class:`ProviderError` names them afterwards.
        """
        given = list(statuses)
        attended = {s.session_id for s in given if s.status not in ("absent", "excused")}
        wanted = [s for s in given if s.session_id in attended or self._ended(course, s.session_id)]
        lms, options = self._lms(course)
        if not wanted or not lms.attendance:
            return
        remote = self._course(lms.course)
        if remote is None:
            raise NotFound(f"course {lms.course!r} is not on Moodle: run apply first", provider=PROVIDER)
        register = self._register_id(int(remote["id"]), options)
        if register is None:
            raise NotFound(
                f"course {lms.course!r} has no attendance register: run apply first", provider=PROVIDER
            )
        slots = self._slots(register)
        people = {p.id: p for p in course.participants}
        accounts = self._accounts(people[s.participant_id] for s in wanted if s.participant_id in people)
        site = self._site_info(
            n for n in REQUIRED_FUNCTIONS if n.startswith(("mod_attendance_", "core_user_"))
        )
        try:
            taken_by = int(site["userid"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse("core_webservice_get_site_info: no userid", provider=PROVIDER) from exc
        fresh: dict[int, Slot] = {}
        failures: list[str] = []
        written = 0
        for status in wanted:
            where = f"{status.participant_id}@{status.session_id}"
            person = people.get(status.participant_id)
            user = accounts.get(person.email.lower()) if person is not None else None
            slot = slot_for(course, slots, status.session_id)
            if person is None or user is None:
                failures.append(f"{where}: no Moodle account")
                continue
            if slot is None:
                failures.append(f"{where}: no register session (run apply)")
                continue
            if slot.id not in fresh:
                try:
                    fresh[slot.id] = Slot.from_api(self.client.session(slot.id))
                except AuthError:
                    raise
                except ProviderError as exc:
                    failures.append(f"{where}: {exc}")
                    continue
            current = fresh[slot.id]
            acronym = acronym_for(status, options.partial)
            status_id = current.statuses.get(acronym)
            if status_id is None:
                failures.append(f"{where}: the session's status set has no {acronym!r}")
                continue
            user_id = int(user["id"])
            if current.log.get(user_id) == status_id:
                continue
            try:
                self.client.update_user_status(current.id, user_id, taken_by, status_id, current.statusset)
            except AuthError:
                raise
            except ProviderError as exc:
                failures.append(f"{where}: {exc}")
                continue
            written += 1
        log.info("moodle: %d attendance statuses written, %d failed", written, len(failures))
        if failures:
            shown = "; ".join(failures[:5]) + (f"; and {len(failures) - 5} more" if len(failures) > 5 else "")
            raise ProviderError(
                f"{len(failures)} of {len(wanted)} statuses not pushed: {shown}", provider=PROVIDER
            )
