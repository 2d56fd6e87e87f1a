"""Reference centres as recipients: a centre's contact holds one invitation for the people attending from it.

Pure: no store and no I/O. A centre's contact is logged under ``centre <id>`` (person ids hold no space, so
it never clashes with a person), and its invitation lists who attends from the centre, so a change to
that list raises the SEQUENCE as a new time or link would (decision 0120).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from ..models import Centre, Course, Person, Session
from ..records import Classroom
from .ids import invite_fingerprint

__all__ = ["CENTRE", "centre_recipient", "centres_of", "content_fingerprint", "ghost_person"]

#: How a reference centre's contact is named in the message log (person ids hold no space).
CENTRE = "centre "


def content_fingerprint(
    room: Classroom, session: Session, join_url: str | None, names: Sequence[str] = ()
) -> str:
    """What an invitation says that calls for a new SEQUENCE when it changes: the session, the link, the
    dial-in details and, for a reference centre's contact, who attends from the centre."""
    base = invite_fingerprint(session, join_url, room.dial_in)
    if not names:
        return base
    return hashlib.sha256("\x1f".join((base, *names)).encode("utf-8")).hexdigest()


def centres_of(
    course: Course, session: Session, eligible: Callable[[Person], bool]
) -> list[tuple[Centre, tuple[str, ...]]]:
    """The reference centres people attend ``session`` from, each with those people's names."""
    names: dict[str, list[str]] = {}
    for person in course.participants_of(session):
        if person.centre is not None and eligible(person):
            names.setdefault(person.centre, []).append(person.name)
    return [(course.centre(cid), tuple(sorted(n))) for cid, n in sorted(names.items())]


def ghost_person(course: Course, person_id: str, email: str) -> Person:
    """A person removed from the file, rebuilt from the message log for their CANCEL."""
    return Person(id=person_id, name=email.split("@")[0], email=email, timezone=course.timezone)


def centre_recipient(
    course: Course, person_id: str, email: str, session: Session
) -> tuple[Person, tuple[str, tuple[str, ...]] | None]:
    """A centre's contact as the recipient of an invitation, with the centre's list of people."""
    cid = person_id.removeprefix(CENTRE)
    try:
        centre = course.centre(cid)
    except KeyError:  # the centre left the file: its contact still gets the CANCEL
        return ghost_person(course, cid, email), None
    contact = Person(
        id=cid,
        name=centre.contact.name,
        email=email,
        timezone=centre.timezone,
        country=centre.country,
    )
    found = dict(centres_of(course, session, lambda _person: True))
    return contact, (centre.name, found.get(centre, ()))
