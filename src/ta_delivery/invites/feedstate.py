"""What a calendar feed reads from the state store: each session's join link and the SEQUENCE its event
has reached.

``ta-delivery calendar`` and ``serve``'s personal feeds both read it here, so a feed lists the same links
and numbers whichever way it is fetched. The SEQUENCE rule itself is the invitations' own
(:func:`.lifecycle.event_sequence`): an imported feed never reads as older than the invitation beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Course
from . import lifecycle

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["store_feed_state"]


def store_feed_state(
    course: Course, store: Store, person_id: str | None
) -> tuple[dict[str, str], dict[str, int]]:
    """Join links and SEQUENCEs by session, read from an open ``store``.

    Links: the live classrooms' (the person's own link where the provider gives one), none for a cancelled
    one. A SEQUENCE, for a person, is the one reached at their mailbox or in messages to them.
    """
    rooms = store.classrooms(course.id)
    history = store.messages(course.id)
    links: dict[str, str] = {}
    for sid, row in rooms.items():
        if row.state != "cancelled":
            room = row.classroom
            links[sid] = room.join_url_for(person_id) if person_id else room.join_url
    email = course.person(person_id).email if person_id is not None else None
    sequences = {
        sid: lifecycle.event_sequence(history, sid, email=email, person_id=person_id)
        for sid in {m.session_id for m in history}
    }
    return links, sequences
