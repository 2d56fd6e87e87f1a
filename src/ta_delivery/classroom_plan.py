"""Which classroom operations a course needs: a pure decision, no store, no provider and no clock.

``plan`` shows these operations and ``apply`` carries them out (:mod:`ta_delivery.classroom_ops`); both
take them from here so that what ``plan`` says is what ``apply`` does. The store's rows, its pending
intents and "now" come in as arguments; whether a provider finds a classroom stale is asked through a
callable, since only the provider knows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import attrs

from .desired import classroom_request, request_fingerprint
from .models import Course, Session
from .planning import ClassroomChange
from .records import Classroom, ClassroomRequest, ProviderSpec
from .store import ClassroomRow, Intent

__all__ = [
    "ADOPTABLE",
    "RELINK",
    "Desired",
    "active",
    "classroom_changes",
    "desired_classrooms",
    "ended",
    "fresh_creates",
    "touched",
]

#: The reason of an update that gives the classroom a new join link (the provider's settings changed).
RELINK = "provider settings changed"
#: The reason of a create that ``apply`` turns into adopting the provider's meeting when it finds one by
#: its key (decision 0091): the store has no record of the session, as after a lost or replaced store.
ADOPTABLE = "new live session (or adopt an existing meeting found by its key)"


@attrs.frozen
class Desired:
    """The classroom a live session should have now, on which provider, and its fingerprint."""

    session: Session
    provider: str
    request: ClassroomRequest
    fingerprint: str


def active(course: Course) -> bool:
    """Whether the course is one whose sessions get classrooms and invitations."""
    return course.status in ("scheduled", "delivered")


def desired_classrooms(
    course: Course, spec: Callable[[str], ProviderSpec], now: datetime
) -> dict[str, Desired]:
    """Live sessions that should have a classroom now (not ended, course scheduled)."""
    out: dict[str, Desired] = {}
    if not active(course):
        return out
    for session in course.live_sessions:
        if session.end <= now:
            continue
        name = course.provider_of(session)
        personal = spec(name).capabilities.personal_join_links
        request = classroom_request(course, session)
        fp = request_fingerprint(name, request, personal)
        out[session.id] = Desired(session, name, request, fp)
    return out


def ended(course: Course, now: datetime) -> Callable[[str, datetime], bool]:
    """Whether a session has ended: by the file's times when the file lists it, else the store's.

    A session moved into the past has ended too: it is left alone, its classroom and invitations kept.
    """
    ends = {s.id: s.end for s in course.sessions}
    return lambda sid, stored_end: ends.get(sid, stored_end) <= now


def classroom_changes(
    course: Course,
    desired: Mapping[str, Desired],
    stored: Mapping[str, ClassroomRow],
    pending: Mapping[str, list[Intent]],
    now: datetime,
    stale: Callable[[Classroom], bool],
    findable: Callable[[str], bool] = lambda _provider: False,
) -> list[ClassroomChange]:
    """The operations that make the providers match ``desired``, given the store's rows and intents.

    ``stale`` says whether a provider finds a classroom out of date with its settings; ``findable``
    whether a provider can find a classroom by its key, so that ``apply`` looks before creating one the
    store has no record of, and adopts what it finds: the plan says so rather than promise a new one.
    """
    is_ended = ended(course, now)
    listed = {s.id for s in course.sessions}
    changes: list[ClassroomChange] = []
    for sid, want in desired.items():
        row = stored.get(sid)
        if sid in pending and (row is None or row.state != "active"):
            changes.append(ClassroomChange(sid, want.provider, "recover", "a previous run was interrupted"))
        elif row is None or row.state != "active":
            reason = ADOPTABLE if row is None and findable(want.provider) else "new live session"
            changes.append(ClassroomChange(sid, want.provider, "create", reason))
        elif row.classroom.provider != want.provider:
            changes.append(ClassroomChange(sid, row.classroom.provider, "cancel", "provider changed"))
            changes.append(ClassroomChange(sid, want.provider, "create", "provider changed"))
        elif row.fingerprint != want.fingerprint or sid in pending:
            changes.append(ClassroomChange(sid, want.provider, "update", "session changed"))
        elif stale(row.classroom):
            changes.append(ClassroomChange(sid, want.provider, "update", RELINK))
    for sid, row in sorted(stored.items()):
        if sid in desired or row.state != "active" or is_ended(sid, row.session_end):
            continue
        if not active(course):
            reason = "course " + course.status
        else:
            reason = "session removed" if sid not in listed else "session no longer live"
        changes.append(ClassroomChange(sid, row.classroom.provider, "cancel", reason))
    for sid, intents in sorted(pending.items()):
        row = stored.get(sid)
        last = intents[-1]
        if sid in desired or (row is not None and row.state == "active") or is_ended(sid, last.end):
            continue
        reason = "an interrupted run may have left a classroom behind"
        changes.append(ClassroomChange(sid, last.provider, "cleanup", reason))
    return changes


def touched(changes: list[ClassroomChange], spec: Callable[[str], ProviderSpec]) -> set[str]:
    """Sessions whose classroom gets a new link in ``changes``.

    A classroom updated in place keeps its links, so its invitations are judged as ``apply`` will judge
    them; one created (again) gets a new link, so everyone of its session is owed a REQUEST.
    """
    return {
        c.session_id
        for c in changes
        if c.action != "update" or c.reason == RELINK or not spec(c.provider).capabilities.update_in_place
    }


def fresh_creates(
    changes: list[ClassroomChange],
    desired: Mapping[str, Desired],
    stored: Mapping[str, ClassroomRow],
    spec: Callable[[str], ProviderSpec],
) -> dict[str, list[ClassroomRequest]]:
    """Per provider, the creates of sessions the store has never seen that the provider could find by key.

    These are looked up before anything is created (decision 0091): the store may have been lost.
    """
    fresh: dict[str, list[ClassroomRequest]] = {}
    for change in changes:
        sid = change.session_id
        if change.action != "create" or sid in stored or sid not in desired:
            continue
        if spec(change.provider).capabilities.find_by_key:
            fresh.setdefault(change.provider, []).append(desired[sid].request)
    return fresh
