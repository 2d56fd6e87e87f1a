"""Calendar feeds: a course's (or one person's) sessions as one METHOD:PUBLISH calendar."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import icalendar

from ..models import Course, Person, Session
from .events import build_calendar, build_event, organizer_person
from .text import Text, clean_line

if TYPE_CHECKING:
    from ..plugins import Plugins

__all__ = ["build_feed", "feed_events"]


def build_feed(
    course: Course,
    *,
    person_id: str | None,
    join_urls: Mapping[str, str],
    sequences: Mapping[str, int],
    dtstamp: datetime,
    plugins: Plugins | None = None,
) -> bytes:
    """The sessions of ``course`` (of ``person_id`` only, when given) as METHOD:PUBLISH bytes.

    Recorded sessions are listed too, at their scheduled time, without a join link. No ATTENDEE is
    written. UIDs are the invites' UIDs (derived the same way for a recorded session, so a session turned
    live keeps its event): importing the feed next to the invitations does not duplicate events.
    ``join_urls`` and ``sequences`` map session ids to the link to show and the last SEQUENCE sent (0 when
    absent). The words use the person's language and zone, else the course's. ``KeyError`` if
    ``person_id`` names nobody on the course.
    """
    person: Person | None = course.person(person_id) if person_id is not None else None
    if person is not None:
        name = f"{clean_line(course.title)} – {clean_line(person.name)}"
    else:
        name = clean_line(course.title)
    events = [event for _, event in feed_events(course, person, sequences, dtstamp, join_urls, plugins)]
    cal = build_calendar("PUBLISH", events)
    cal.add("NAME", Text(name))
    cal.add("X-WR-CALNAME", Text(name))
    cal.add("REFRESH-INTERVAL", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", "PT12H")
    data: bytes = cal.to_ical()
    return data


def feed_events(
    course: Course,
    person: Person | None,
    sequences: Mapping[str, int],
    dtstamp: datetime,
    join_urls: Mapping[str, str] | None = None,
    plugins: Plugins | None = None,
) -> list[tuple[Session, icalendar.Event]]:
    """The events of :func:`build_feed` for ``person`` (everyone: ``None``), each with its session, by
    (start, id): the catalogue merges the courses' events into one programme calendar."""
    links = join_urls or {}
    sessions = list(course.sessions_of(person.id)) if person is not None else list(course.sessions)
    sessions.sort(key=lambda s: (s.start, s.id))
    hook_person = person or organizer_person(course)
    return [
        (
            session,
            build_event(
                course,
                session,
                method="PUBLISH",
                sequence=sequences.get(session.id, 0),
                dtstamp=dtstamp,
                join_url=links.get(session.id),
                attendee=None,
                audience=person,
                plugins=plugins,
                hook_person=hook_person,
            ),
        )
        for session in sessions
    ]
