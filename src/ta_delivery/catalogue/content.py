"""What the public catalogue shows (PRODUCT.md section 5), decided apart from rendering and files.

Pure: from a :class:`~ta_delivery.programme.Programme`, a clock reading and the announcement times, it
builds plain dictionaries that the templates render. Only public facts go in: titles, summaries, dates,
the organizer and programme contacts. No participant, no trainer's email, no join, host or recording link.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import attrs

from ..models import Course, Session
from ..programme import CATALOGUE_STATUSES, Elearning, Programme, localized

__all__ = [
    "FILTERS",
    "Listing",
    "catalogue_json",
    "course_instance_json_ld",
    "course_span",
    "listed_courses",
    "utc_text",
]

#: The filter dimensions of the index, each with the course attribute it reads.
FILTERS = ("kind", "level", "scope", "language")


def utc_text(moment: datetime) -> str:
    """``2027-08-09T13:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def course_span(course: Course) -> tuple[datetime, datetime] | None:
    """The first start and the last end of the course's sessions (``None`` without sessions)."""
    if not course.sessions:
        return None
    return min(s.start for s in course.sessions), max(s.end for s in course.sessions)


def is_listed(course: Course) -> bool:
    """Public, and neither planned nor cancelled."""
    return course.public and course.status in CATALOGUE_STATUSES


@attrs.frozen
class Listing:
    """The courses the catalogue lists, upcoming first (by start), then the past ones (latest first)."""

    upcoming: tuple[Course, ...]
    past: tuple[Course, ...]

    @property
    def all(self) -> tuple[Course, ...]:
        return (*self.upcoming, *self.past)

    def only(self, dimension: str, value: str) -> Listing:
        """The courses whose ``dimension`` (kind, level, scope, language) is ``value``."""
        return Listing(
            tuple(c for c in self.upcoming if getattr(c, dimension) == value),
            tuple(c for c in self.past if getattr(c, dimension) == value),
        )

    def values(self, dimension: str, order: Sequence[str]) -> list[str]:
        """The values of ``dimension`` that some listed course has, in ``order``."""
        present = {getattr(c, dimension) for c in self.all}
        return [v for v in order if v in present]


def listed_courses(programme: Programme, now: datetime) -> Listing:
    """The listed courses: a course is upcoming until its last session has ended."""
    upcoming: list[tuple[datetime, str, Course]] = []
    past: list[tuple[datetime, str, Course]] = []
    for course in programme.courses:
        if not is_listed(course):
            continue
        span = course_span(course)
        if span is None or span[1] > now:
            upcoming.append((span[0] if span else now, course.id, course))
        else:
            past.append((span[0], course.id, course))
    upcoming.sort(key=lambda t: (t[0], t[1]))
    past.sort(key=lambda t: (-t[0].timestamp(), t[1]))
    return Listing(tuple(c for *_, c in upcoming), tuple(c for *_, c in past))


def page_path(language: str, course_id: str) -> str:
    """A course page's path from the site's root."""
    return f"{language}/courses/{course_id}.html"


def ics_path(course_id: str) -> str:
    """A course calendar's path from the site's root."""
    return f"courses/{course_id}.ics"


def catalogue_json(programme: Programme, listing: Listing, base_url: str) -> dict[str, Any]:
    """``catalogue.json``: exactly the keys PRODUCT.md section 5 lists, URLs absolute."""
    courses = []
    for course in listing.all:
        span = course_span(course)
        courses.append(
            {
                "id": course.id,
                "title": course.title,
                "kind": course.kind,
                "level": course.level,
                "scope": course.scope,
                "language": course.language,
                "start": utc_text(span[0]) if span else None,
                "end": utc_text(span[1]) if span else None,
                "status": course.status,
                "url": base_url + page_path(programme.language, course.id),
                "ics": base_url + ics_path(course.id),
            }
        )
    return {
        "programme": programme.id,
        "courses": courses,
        "elearning": [elearning_json(programme, e) for e in programme.elearning],
    }


def elearning_json(programme: Programme, entry: Elearning) -> dict[str, Any]:
    """One e-learning course in ``catalogue.json``."""
    return {
        "id": entry.id,
        "title": localized(entry.title, programme.language, programme.languages),
        "url": entry.url,
        "languages": list(entry.languages),
        "hours": entry.hours,
    }


def course_instance_json_ld(
    programme: Programme, course: Course, language: str, base_url: str
) -> dict[str, Any]:
    """schema.org ``Course`` data with one ``CourseInstance`` (this run of the course)."""
    span = course_span(course)
    page = base_url + page_path(language, course.id)
    instance: dict[str, Any] = {
        "@type": "CourseInstance",
        "name": course.title,
        "courseMode": "online",
        "inLanguage": course.language,
        "location": {"@type": "VirtualLocation", "url": page},
        "organizer": {"@type": "Organization", "name": course.organizer.name},
    }
    if span:
        instance["startDate"] = utc_text(span[0])
        instance["endDate"] = utc_text(span[1])
    live = [s for s in course.sessions if s.live]
    if live:
        hours = sum(s.minutes for s in live) / 60
        instance["courseWorkload"] = f"PT{hours:g}H"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Course",
        "@id": page,
        "url": page,
        "name": course.title,
        "courseCode": course.id,
        "inLanguage": course.language,
        "provider": {
            "@type": "Organization",
            "name": (programme.contact or course.organizer).name,
            "url": base_url,
        },
        "hasCourseInstance": [instance],
    }
    if course.summary:
        data["description"] = course.summary
    if course.level:
        data["educationalLevel"] = course.level
    if course.audience:
        data["audience"] = {"@type": "Audience", "audienceType": course.audience}
    prereqs: list[Any] = []
    for pid in course.prerequisites:
        entry = programme.elearning_course(pid)
        if entry is not None:
            prereqs.append(
                {
                    "@type": "Course",
                    "name": localized(entry.title, language, programme.languages),
                    "url": entry.url,
                }
            )
        else:
            prereqs.append(pid)
    if prereqs:
        data["coursePrerequisites"] = prereqs
    return data


def json_for_script(data: Mapping[str, Any]) -> str:
    """JSON safe inside ``<script type="application/ld+json">``: no ``<``, ``>`` or ``&`` as such."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def session_rows(course: Course) -> list[Session]:
    """The course's sessions, live and recorded, by start."""
    return sorted(course.sessions, key=lambda s: (s.start, s.id))


def deadline_open(deadline: date | None, now: datetime, course: Course) -> bool:
    """Whether the registration deadline (a date in the course's zone) has not passed."""
    if deadline is None:
        return True
    return now.astimezone(course.zone).date() <= deadline
