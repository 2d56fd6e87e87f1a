"""Who gets a live session's recording, and which link: pure decisions, no store and no provider.

PRODUCT.md section 7: once a live session has ended and its recording is known (the course file's
``recording_url``, which wins, or the one the provider found), ``apply`` sends the link to those
``[recordings] send_to`` names: ``missed`` (the default) means the participants whose status is not present
or late, once the session's attendance is recorded; ``all`` every participant of the session; ``none``
nobody. Trainers never get it. The messages themselves are decided by the ``recording`` rule of
:mod:`ta_delivery.invites.lifecycle` (once per person and link, a correction when the link changes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from .invites import lifecycle
from .invites.recording import recording_fingerprint
from .models import Course, Participant, Person, Session
from .records import Recording

__all__ = ["ATTENDED", "NOT_RECORDED", "audience", "ended_sessions", "owed_messages", "recording_of"]

#: Statuses that mean the participant was there: they are not sent the recording under ``missed``.
ATTENDED = frozenset({"present", "late"})
#: Statuses of a session whose attendance is not recorded yet: ``missed`` waits for it.
NOT_RECORDED = frozenset({"upcoming", "unrecorded"})


def recording_of(session: Session, found: Recording | None) -> Recording | None:
    """The link to send: the course file's ``recording_url`` wins over what the provider found."""
    if session.recording_url:
        return Recording(url=session.recording_url)
    return found


def audience(
    course: Course,
    session: Session,
    statuses: Mapping[str, str] | None,
    eligible: Callable[[Person], bool] = lambda _p: True,
) -> tuple[Participant, ...]:
    """The participants of an ended live ``session`` who get its recording.

    ``statuses`` maps participant ids to their status in the session, ``None`` (or any status of
    :data:`NOT_RECORDED`) while its attendance is not recorded. ``eligible`` leaves out people who were not
    invited (an unmet prerequisite).
    """
    policy = course.recordings.send_to
    if policy == "none" or not session.live:
        return ()
    people = tuple(p for p in course.participants_of(session) if eligible(p))
    if policy == "all":
        return people
    if statuses is None or any(statuses.get(p.id) in NOT_RECORDED for p in people):
        return ()
    return tuple(p for p in people if statuses.get(p.id) not in ATTENDED)


def ended_sessions(course: Course, now: datetime) -> list[Session]:
    """The live sessions whose recording may be owed now: ended, in a course that sends recordings."""
    if course.recordings.send_to == "none" or course.status not in ("scheduled", "delivered"):
        return []
    return [s for s in course.live_sessions if s.end <= now]


def owed_messages(
    course: Course,
    ended: Sequence[Session],
    statuses: Mapping[str, Mapping[str, str]],
    found: Callable[[Session], Recording | None],
    eligible: Callable[[Person], bool],
    history: Sequence[lifecycle.Sent],
) -> tuple[list[lifecycle.Owed], dict[str, Recording]]:
    """The recording messages owed for ``ended`` sessions, and each session's link.

    ``found`` looks up what the provider has; it is asked only for sessions someone should get the link
    for, since asking may cost a remote call.
    """
    wanted: list[lifecycle.Wanted] = []
    links: dict[str, Recording] = {}
    for session in ended:
        people = audience(course, session, statuses.get(session.id), eligible)
        if not people:
            continue
        link = recording_of(session, found(session))
        if link is None:
            continue
        links[session.id] = link
        fp = recording_fingerprint(link)
        wanted.extend(
            lifecycle.Wanted(session.id, p.id, p.email, fp, kind=lifecycle.RECORDING) for p in people
        )
    log = [m for m in history if m.kind == lifecycle.RECORDING]
    return lifecycle.owed(wanted, log), links
