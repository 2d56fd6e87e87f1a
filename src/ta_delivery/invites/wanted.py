"""Who should hold each live session's invitation now, and which invitations are owed: pure.

This gathers the course's side of the decision (people, reference centres, prerequisites, the classroom
each session has) into :class:`~ta_delivery.invites.lifecycle.Wanted` records, then lets
:func:`~ta_delivery.invites.lifecycle.owed` compare them with the message log. ``plan`` and ``apply``
both come here, so they cannot disagree about who is owed what. No store, no clock: the store's rows
and "now" come in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from ..classroom_plan import Desired, active, ended
from ..models import Course, Person
from ..records import ProviderSpec
from ..store import ClassroomRow, InviteRow
from . import lifecycle
from .centres import CENTRE, centres_of, content_fingerprint
from .content import stopped_reason

__all__ = ["cancel_reason", "eligibility", "feeds", "owed_invitations", "wanted_invitations"]


def feeds(course: Course) -> bool:
    """Whether people get one welcome with their feed address instead of one invitation per session."""
    return course.invitations.delivery == "feed"


def eligibility(course: Course, prerequisites: Mapping[str, bool] | None) -> Callable[[Person], bool]:
    """Who may be invited: everyone, unless the LMS says a participant has not met the prerequisites."""
    lms = course.lms
    if lms is None or not lms.require_prerequisites or prerequisites is None:
        return lambda person: True
    return lambda person: person.role != "participant" or prerequisites.get(person.id, False)


def wanted_invitations(
    course: Course,
    desired: Mapping[str, Desired],
    rooms: Mapping[str, ClassroomRow],
    prerequisites: Mapping[str, bool] | None,
    spec: Callable[[str], ProviderSpec],
    *,
    assume_created: bool,
    only: str | None,
) -> list[lifecycle.Wanted]:
    """Who should hold each live session's event now, with the fingerprint of what it should say.

    A session whose classroom is missing (its operation failed) has its people held back: no REQUEST
    this run, and nothing withdrawn from them either. ``assume_created`` (``plan``): a classroom to
    make has links nobody knows yet, a participant's own where the provider gives them.
    """
    eligible = eligibility(course, prerequisites)
    out: list[lifecycle.Wanted] = []
    for sid, want in desired.items():
        if only is not None and sid != only:
            continue
        row = rooms.get(sid)
        ready = row is not None and row.state == "active" and row.classroom.provider == want.provider
        room = row.classroom if ready and row is not None else None
        personal = spec(want.provider).capabilities.personal_join_links
        for person in course.people_of(want.session):
            if not eligible(person) or feeds(course):  # a feed's people hold no invitation
                continue
            fp: str | None = None
            if room is not None:
                fp = content_fingerprint(room, want.session, room.join_url_for(person.id))
            elif assume_created:
                fp = f"?{person.id}" if personal and person.role == "participant" else "?"
            out.append(lifecycle.Wanted(sid, person.id, person.email, fp))
        for centre, names in centres_of(course, want.session, eligible):
            fp = None
            if room is not None:
                fp = content_fingerprint(room, want.session, room.join_url, names)
            elif assume_created:
                fp = "?"
            out.append(lifecycle.Wanted(sid, CENTRE + centre.id, centre.contact.email, fp))
    return out


def cancel_reason(course: Course, sid: str, desired: Mapping[str, Desired]) -> str:
    """Why a session's invitations are withdrawn: the course stopped, or the session went."""
    if not active(course):
        return stopped_reason(course.status)
    if sid not in desired:
        return "session-cancelled"
    return "removed"


def owed_invitations(
    course: Course,
    desired: Mapping[str, Desired],
    rooms: Mapping[str, ClassroomRow],
    prerequisites: Mapping[str, bool] | None,
    history: Sequence[InviteRow],
    spec: Callable[[str], ProviderSpec],
    now: datetime,
    *,
    assume_created: bool,
    only: str | None = None,
) -> list[lifecycle.Owed]:
    """The invitations owed (:mod:`ta_delivery.invites.lifecycle` decides), leaving ended sessions alone.

    ``only`` limits the decision to one session.
    """
    is_ended = ended(course, now)
    ends: dict[str, datetime] = {}
    for m in history:
        if m.kind != lifecycle.WELCOME and (only is None or m.session_id == only):
            ends[m.session_id] = max(ends.get(m.session_id, m.session_end), m.session_end)
    log = [m for m in history if m.session_id in ends and not is_ended(m.session_id, ends[m.session_id])]
    withdrawn = {sid: cancel_reason(course, sid, desired) for sid in ends if sid not in desired}
    if feeds(course):  # an invitation sent before the switch: its event is in the feed now
        withdrawn.update({sid: lifecycle.SUBSCRIBED for sid in ends if sid in desired})
    wanted = wanted_invitations(
        course, desired, rooms, prerequisites, spec, assume_created=assume_created, only=only
    )
    return lifecycle.owed(wanted, log, withdrawn)
