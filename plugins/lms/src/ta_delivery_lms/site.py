"""A Moodle site as the provider reads it: the token's site info, the course, accounts, the register.

:class:`MoodleSite` holds what every part of the Moodle provider shares (the web-service client, the
settings, the clock and the run's key-value state) and the reads they all make first. The provider's
concerns are mixins on top of it: :mod:`.enrolment`, :mod:`.register`, :mod:`.prerequisites`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ta_delivery.clock import Clock
from ta_delivery.context import KeyValue
from ta_delivery.errors import AuthError, InputError, ProviderError, TaDeliveryError
from ta_delivery.models import Course, LmsSettings, Person
from ta_delivery.records import LmsChange

from .client import REQUIRED_FUNCTIONS, MoodleClient
from .decisions import Roles, Slot, by_email, resolve_roles
from .options import LmsOptions, MoodleSettings, parse_options
from .sansio import PROVIDER

if TYPE_CHECKING:
    from ta_delivery.doctor import Check

__all__ = ["MoodleSite", "failed_change", "is_active", "iso_time"]

_NOT_ENROLLED = frozenset({"usernotenroled", "notenroled", "nottracked"})


def iso_time(ts: int) -> str:
    """A Moodle timestamp (seconds since the epoch) as ISO 8601 UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_active(course: Course) -> bool:
    """Whether the course still runs, so that its LMS course and enrolments are kept up."""
    return course.status in ("scheduled", "delivered")


def failed_change(action: str, target: str, exc: ProviderError, detail: str = "") -> LmsChange:
    """The change ``action`` on ``target`` that the site refused, with its error, for the run's report."""
    return LmsChange(action, target, detail, ok=False, error=str(exc))


@attrs.define
class MoodleSite:
    """One Moodle site through its web services, and the reads every part of the provider makes."""

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

    def _category_detail(self) -> str:
        if self.settings.category_id is None:
            raise InputError(
                "is not set: the category the LMS course is created in",
                source="TA_DELIVERY_MOODLE_CATEGORY_ID",
            )
        return f"in category {self.settings.category_id}"
