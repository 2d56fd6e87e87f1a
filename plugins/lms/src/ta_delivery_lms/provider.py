"""The Moodle LMS provider: course space, accounts, enrolments, attendance register, prerequisites.

Reads happen first, :mod:`.decisions` decides, then writes follow. ``plan`` only reads. ``apply`` looks
before it creates anything (course by short name, accounts by email, the register by its remembered id
or name, register sessions by the mark in their description), so a rerun — or a run after a lost
response — changes nothing that is already there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ta_delivery.clock import Clock
from ta_delivery.context import KeyValue
from ta_delivery.errors import (
    AuthError,
    BadResponse,
    InputError,
    NotFound,
    ProviderError,
    TaDeliveryError,
    Unavailable,
)
from ta_delivery.models import Course, LmsSettings, Person, Session
from ta_delivery.records import AttendanceStatus, LmsChange

from .client import REQUIRED_FUNCTIONS, MoodleClient
from .decisions import (
    RegisterPlan,
    Roles,
    Slot,
    acronym_for,
    by_email,
    clean_text,
    parse_mark,
    people_of,
    plan_register,
    resolve_roles,
    session_description,
    slot_for,
    split_name,
    username_candidates,
)
from .options import LmsOptions, MoodleSettings, parse_options
from .sansio import PROVIDER, error_code

if TYPE_CHECKING:
    from ta_delivery.doctor import Check

__all__ = ["MoodleLms"]

log = logging.getLogger(__name__)

_NOT_ENROLLED = frozenset({"usernotenroled", "notenroled", "nottracked"})


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _active(course: Course) -> bool:
    return course.status in ("scheduled", "delivered")


def _failed(action: str, target: str, exc: ProviderError, detail: str = "") -> LmsChange:
    return LmsChange(action, target, detail, ok=False, error=str(exc))


@attrs.define
class MoodleLms:
    """Implements :class:`ta_delivery.records.LmsProvider` for a Moodle site."""

    client: MoodleClient
    settings: MoodleSettings
    clock: Clock = attrs.field(repr=False)
    state: KeyValue = attrs.field(repr=False)
    _site: dict[str, Any] | None = attrs.field(default=None, init=False, repr=False)

    def _site_info(self, needed: Iterable[str] = ()) -> dict[str, Any]:
        """The token's site info (once per run); an :class:`AuthError` naming functions it may not call."""
        if self._site is None:
            self._site = self.client.site_info()
        offered = self._site.get("functions")
        if isinstance(offered, list):
            names = {f.get("name") for f in offered if isinstance(f, Mapping)}
            missing = sorted(set(needed) - names)
            if missing:
                raise AuthError(
                    "the token's external service lacks the functions "
                    + ", ".join(missing)
                    + " (see docs/providers/moodle.md)",
                    provider=PROVIDER,
                )
        return self._site

    def doctor(self) -> list[Check]:
        """``ta-delivery doctor``: ``core_webservice_get_site_info``, and the functions the token lacks."""
        from ta_delivery.doctor import Check

        host = httpx.URL(self.settings.url).host or self.settings.url
        try:
            site = self.client.site_info()
        except TaDeliveryError as exc:
            return [Check("moodle", "core_webservice_get_site_info", False, f"{exc} (at {host})")]
        user = site.get("username", "?")
        checks = [Check("moodle", "core_webservice_get_site_info", True, f"token of {user} (at {host})")]
        offered = site.get("functions")
        names = (
            {f.get("name") for f in offered if isinstance(f, Mapping)} if isinstance(offered, list) else None
        )
        if names is None:
            return checks
        optional = ("mod_attendance_", "core_completion_")
        missing = [n for n in REQUIRED_FUNCTIONS if n not in names and not n.startswith(optional)]
        later = [n for n in REQUIRED_FUNCTIONS if n not in names and n.startswith(optional)]
        detail = "the token's service offers every function apply needs"
        if missing:
            detail = "the token's external service lacks " + ", ".join(missing)
        if later:
            detail += "; for [lms] attendance or prerequisites it also lacks " + ", ".join(later)
        checks.append(Check("moodle", "web service functions", not missing, detail))
        return checks

    @staticmethod
    def _needed(course: Course, lms: LmsSettings) -> list[str]:
        """The functions plan/apply will call for ``course``."""
        names = [n for n in REQUIRED_FUNCTIONS if not n.startswith(("mod_attendance_", "core_completion_"))]
        if lms.attendance:
            names += [n for n in REQUIRED_FUNCTIONS if n.startswith("mod_attendance_")]
        if course.prerequisites:
            names.append("core_completion_get_course_completion_status")
        return names

    # --- shared reads ----------------------------------------------------------------------------

    def _lms(self, course: Course) -> tuple[LmsSettings, LmsOptions]:
        lms = course.lms
        if lms is None or lms.provider != PROVIDER:
            raise InputError("the course does not name moodle as its LMS", key="lms.provider")
        if not lms.course.strip():
            raise InputError("must name the Moodle course's short name", key="lms.course")
        return lms, parse_options(lms.options)

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def _course(self, shortname: str) -> dict[str, Any] | None:
        found = self.client.courses_by_shortname(shortname)
        return min(found, key=lambda c: int(c.get("id") or 0)) if found else None

    def _accounts(self, people: Iterable[Person]) -> dict[str, dict[str, Any]]:
        """Moodle accounts by lower-cased email: one exact lookup, then a case-insensitive one per miss."""
        wanted = {p.email.lower(): p.email for p in people}
        emails: list[str] = []
        for pair in wanted.items():
            for value in pair:
                if value not in emails:
                    emails.append(value)
        found = by_email(self.client.users_by_field("email", emails))
        for lowered, email in wanted.items():
            if lowered not in found:
                matches = by_email(self.client.users_by_email_like(email))
                if lowered in matches:
                    found[lowered] = matches[lowered]
        return found

    def _register_id(self, course_id: int, options: LmsOptions) -> int | None:
        """The course's attendance register: the one we remember, else the one with our name."""
        registers: dict[int, str] = {}
        for section in self.client.course_contents(course_id):
            for module in section.get("modules") or ():
                if isinstance(module, Mapping) and module.get("modname") == "attendance":
                    try:
                        registers[int(module["instance"])] = str(module.get("name") or "")
                    except (KeyError, TypeError, ValueError):
                        continue
        key = f"register:{course_id}"
        remembered = self.state.get(key)
        if remembered is not None and remembered.isdigit() and int(remembered) in registers:
            return int(remembered)
        named = sorted(i for i, name in registers.items() if name == options.register)
        if named:
            self.state.put(key, str(named[0]))
            return named[0]
        return None

    def _slots(self, register_id: int) -> list[Slot]:
        return [Slot.from_api(s) for s in self.client.sessions(register_id)]

    def _roles(self, enrolled: list[dict[str, Any]]) -> Roles:
        return resolve_roles(self.settings.teacher_role_id, self.settings.student_role_id, enrolled)

    # --- plan ------------------------------------------------------------------------------------

    def plan(self, course: Course) -> list[LmsChange]:
        """What :meth:`apply` would change. Reads only."""
        lms, options = self._lms(course)
        self._site_info(self._needed(course, lms))
        changes: list[LmsChange] = []
        remote = self._course(lms.course)
        active = _active(course)
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
        if self.settings.category_id is None and _active(course) and self._course(lms.course) is None:
            self._category_detail()

    def _category_detail(self) -> str:
        if self.settings.category_id is None:
            raise InputError(
                "is not set: the category the LMS course is created in",
                source="TA_DELIVERY_MOODLE_CATEGORY_ID",
            )
        return f"in category {self.settings.category_id}"

    @staticmethod
    def _held_roles(enrolled: list[dict[str, Any]]) -> dict[int, set[int]]:
        held: dict[int, set[int]] = {}
        for user in enrolled:
            try:
                uid = int(user["id"])
            except (KeyError, TypeError, ValueError):
                continue
            roles = held.setdefault(uid, set())
            for role in user.get("roles") or ():
                if isinstance(role, Mapping) and role.get("roleid") is not None:
                    roles.add(int(role["roleid"]))
        return held

    @staticmethod
    def _session_changes(course: Course, plan: RegisterPlan) -> list[LmsChange]:
        out: list[LmsChange] = []
        for sid, slot, reason in plan.remove:
            out.append(LmsChange("delete", f"register session {sid}", f"{_iso(slot.start)}: {reason}"))
        for session, slot in plan.move:
            out.append(
                LmsChange(
                    "update",
                    f"register session {session.id}",
                    f"moved {_iso(slot.start)} -> {_iso(int(session.start.timestamp()))}",
                )
            )
        for session in plan.add:
            out.append(
                LmsChange("create", f"register session {session.id}", _iso(int(session.start.timestamp())))
            )
        for sid, _slot, reason in plan.blocked:
            out.append(LmsChange("update", f"register session {sid}", reason, ok=False, error=reason))
        return out

    # --- apply -----------------------------------------------------------------------------------

    def apply(self, course: Course) -> list[LmsChange]:
        """Make the Moodle course, accounts, enrolments and register match ``course``. Idempotent."""
        lms, options = self._lms(course)
        self._site_info(self._needed(course, lms))
        changes: list[LmsChange] = []
        active = _active(course)
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
                return [_failed("create", f"course {lms.course}", exc, detail)]
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

    def _user_fields(self, person: Person, username: str) -> dict[str, Any]:
        first, last = split_name(person.name)
        fields: dict[str, Any] = {
            "username": username,
            "auth": "manual",
            "createpassword": True,
            "firstname": first,
            "lastname": last,
            "email": person.email,
            "timezone": person.timezone,
        }
        if person.country:
            fields["country"] = person.country.upper()
        return fields

    def _create_accounts(self, missing: list[Person]) -> tuple[dict[str, int], list[LmsChange]]:
        """Create an account for each of ``missing`` with a free username; ids by lower-cased email."""
        created: dict[str, int] = {}
        changes: list[LmsChange] = []
        if not missing:
            return created, changes
        candidates = {p.id: username_candidates(p.email) for p in missing}
        wanted = sorted({u for names in candidates.values() for u in names})
        taken = {str(u.get("username")) for u in self.client.users_by_field("username", wanted)}
        for person in missing:
            target = f"account {person.id}"
            free = [u for u in candidates[person.id] if u not in taken]
            if not free:
                changes.append(
                    LmsChange(
                        "create", target, person.email, ok=False, error="no free username derived from email"
                    )
                )
                continue
            try:
                user_id = self.client.create_user(self._user_fields(person, free[0]))
            except AuthError:
                raise
            except ProviderError as exc:
                changes.append(_failed("create", target, exc, person.email))
                continue
            taken.add(free[0])
            created[person.email.lower()] = user_id
            changes.append(LmsChange("create", target, person.email))
        return created, changes

    def _apply_people(self, course: Course, course_id: int) -> list[LmsChange]:
        people = people_of(course)
        accounts = self._accounts(p for p, _ in people)
        ids = {email: int(user["id"]) for email, user in accounts.items()}
        created, changes = self._create_accounts([p for p, _ in people if p.email.lower() not in ids])
        ids.update(created)
        enrolled = self.client.enrolled_users(course_id)
        roles = self._roles(enrolled)
        held = self._held_roles(enrolled)
        pending: list[tuple[Person, str, dict[str, int]]] = []
        for person, role in people:
            user_id = ids.get(person.email.lower())
            if user_id is None:
                continue
            role_id = roles.teacher if role == "teacher" else roles.student
            if role_id not in held.get(user_id, set()):
                pending.append((person, role, {"roleid": role_id, "userid": user_id, "courseid": course_id}))
        if not pending:
            return changes
        try:
            self.client.enrol([e for _, _, e in pending])
        except AuthError:
            raise
        except ProviderError:
            # one bad enrolment fails Moodle's whole batch: enrol one by one to isolate it
            for person, role, item in pending:
                try:
                    self.client.enrol([item])
                except AuthError:
                    raise
                except ProviderError as exc:
                    changes.append(_failed("enrol", f"enrolment {person.id}", exc, role))
                else:
                    changes.append(LmsChange("enrol", f"enrolment {person.id}", role))
            return changes
        changes.extend(LmsChange("enrol", f"enrolment {p.id}", role) for p, role, _ in pending)
        return changes

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
                return [_failed("create", "register", exc, options.register)]
            self.state.put(f"register:{course_id}", str(register))
            changes.append(LmsChange("create", "register", options.register))
            plan = RegisterPlan(add=course.live_sessions)
        else:
            plan = plan_register(course, self._slots(register), self._now(), active)
        for sid, slot, reason in plan.remove:
            changes.append(self._remove(sid, slot, reason))
        for session, slot in plan.move:
            target = f"register session {session.id}"
            detail = f"moved {_iso(slot.start)} -> {_iso(int(session.start.timestamp()))}"
            try:
                self.client.remove_session(slot.id)
                self._add(course, register, session)
            except AuthError:
                raise
            except ProviderError as exc:
                changes.append(_failed("update", target, exc, detail))
            else:
                changes.append(LmsChange("update", target, detail))
        for session in plan.add:
            target = f"register session {session.id}"
            detail = _iso(int(session.start.timestamp()))
            try:
                self._add(course, register, session)
            except AuthError:
                raise
            except ProviderError as exc:
                changes.append(_failed("create", target, exc, detail))
            else:
                changes.append(LmsChange("create", target, detail))
        for sid, _slot, reason in plan.blocked:
            changes.append(LmsChange("update", f"register session {sid}", reason, ok=False, error=reason))
        return changes

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
        detail = f"{_iso(slot.start)}: {reason}"
        try:
            self.client.remove_session(slot.id)
        except NotFound:
            return LmsChange("delete", target, detail)  # already gone counts as done
        except AuthError:
            raise
        except ProviderError as exc:
            return _failed("delete", target, exc, detail)
        return LmsChange("delete", target, detail)

    # --- prerequisites ---------------------------------------------------------------------------

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

    # --- attendance --------------------------------------------------------------------------------

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
