"""Cross-course rules: ``double-booked`` and ``too-many-live-sessions-per-day`` over a whole programme.

A person is the same across courses when the email is, ignoring case (PRODUCT.md section 3). Each course
reports the findings that involve its own sessions; a session of another course is written
``COURSE_ID/SESSION_ID``. For a person in no other course, the findings are exactly the course's own
(same order, same messages), so a programme of one course checks like the course alone.

Pure: no I/O. The two rules replace the built-in ones of the same id in :func:`check_programme`; every other
registered rule runs per course unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from ..models import Course, Person, Session
from ..plugins import Plugins, make_plugin_manager
from ..records import Finding, RuleSpec
from ..rules import DOUBLE_BOOKED, TOO_MANY, run_rules
from ..rules import builtin as _builtin
from .model import Programme

__all__ = ["ProgrammeIndex", "check_programme", "programme_rules"]


@attrs.frozen
class _Entry:
    """One live session as a person of one course sees it."""

    start: datetime
    end: datetime
    course_id: str
    session: Session
    id: str  # as the reporting course writes it: ``s01`` or ``other-course/s01`` (what findings name)

    @property
    def order(self) -> tuple[datetime, str, str]:
        return (self.start, self.course_id, self.session.id)


class ProgrammeIndex:
    """Every live session of the programme by the lower-cased email of each of its people."""

    def __init__(self, courses: Iterable[Course]) -> None:
        self.by_email: dict[str, dict[tuple[str, str], Session]] = {}
        for course in courses:
            for session in course.live_sessions:
                for person in course.people_of(session):
                    mine = self.by_email.setdefault(person.email.lower(), {})
                    mine[(course.id, session.id)] = session

    def timeline(self, course: Course, person: Person) -> list[_Entry]:
        """``person``'s live sessions in ``course`` and those of the same email in the other courses."""
        own = [
            _Entry(s.start, s.end, course.id, s, s.id)
            for s in course.live_sessions
            if any(p.id == person.id for p in course.people_of(s))
        ]
        others = [
            _Entry(s.start, s.end, cid, s, f"{cid}/{sid}")
            for (cid, sid), s in self.by_email.get(person.email.lower(), {}).items()
            if cid != course.id
        ]
        return sorted(own + others, key=lambda e: e.order)


def double_booked(index: ProgrammeIndex, course: Course) -> Iterable[Finding]:
    """One finding per person and overlapping pair of live sessions, at least one of them in ``course``."""
    for person in course.people:
        yield from _builtin.double_bookings(
            person,
            index.timeline(course, person),
            lambda first, second: course.id in (first.course_id, second.course_id),
        )


def too_many_live_sessions_per_day(index: ProgrammeIndex, course: Course) -> Iterable[Finding]:
    """One finding per person and local date over ``course``'s limit, counting every course's sessions."""
    limit = course.rules.max_live_sessions_per_day
    for person in course.people:
        yield from _builtin.crowded_days(
            person,
            index.timeline(course, person),
            limit,
            lambda on_day: any(e.course_id == course.id for e in on_day),
        )


def programme_rules(rules: Mapping[str, RuleSpec], index: ProgrammeIndex) -> dict[str, RuleSpec]:
    """``rules`` with the built-in ``double-booked`` and ``too-many-...`` counting the whole programme.

    A plugin that registered its own rule under one of those ids keeps it.
    """
    out = dict(rules)
    replacements = {
        DOUBLE_BOOKED: (_builtin.double_booked, double_booked),
        TOO_MANY: (_builtin.too_many_live_sessions_per_day, too_many_live_sessions_per_day),
    }
    for rule_id, (builtin, crossing) in replacements.items():
        spec = out.get(rule_id)
        if spec is not None and spec.check is builtin:
            out[rule_id] = attrs.evolve(spec, check=functools.partial(crossing, index))
    return out


def check_programme(programme: Programme, plugins: Plugins | None = None) -> dict[str, list[Finding]]:
    """Every course's findings (by course id, in the programme's order), cross-course rules included."""
    registry = (plugins or make_plugin_manager()).rules
    rules = programme_rules(registry, ProgrammeIndex(programme.courses))
    return {course.id: run_rules(course, rules) for course in programme.courses}
