"""``attendance pull``: the attendance of ended live sessions, fetched from their classrooms' providers."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..errors import BadResponse, InputError, ProviderError, TaDeliveryError
from ..models import Course, Session
from .intake import check_segment
from .outcome import SessionFailure
from .storage import RecordResult, mark_recorded

if TYPE_CHECKING:
    from .service import Attendance

__all__ = ["ended_sessions", "fetch_ended"]

log = logging.getLogger(__name__)


def ended_sessions(course: Course, session_id: str | None, now: datetime) -> tuple[Session, ...]:
    """The live sessions a pull asks about: ``session_id`` (an input error unless it is a live session
    that has ended by ``now``), else every live session ended by ``now``."""
    if session_id is None:
        return tuple(s for s in course.live_sessions if s.end <= now)
    try:
        session = course.session(session_id)
    except KeyError:
        raise InputError(f"no session {session_id!r} on the course", key="--session") from None
    if not session.live:
        raise InputError(f"session {session_id!r} is recorded, not live", key="--session")
    if session.end > now:
        raise InputError(f"session {session_id!r} has not ended yet", key="--session")
    return (session,)


def fetch_ended(
    attendance: Attendance, session_id: str | None = None
) -> tuple[list[RecordResult], tuple[SessionFailure, ...], tuple[str, ...]]:
    """Fetch and store the attendance of ended live sessions (only ``session_id``, when given) from the
    providers that made their classrooms: what was stored, what failed, and notes on what was skipped.

    Providers are built first: a missing or bad setting is an input error before anything is stored. A
    provider's failure is one session's failure; the others are still fetched.
    """
    from ..desired import classroom_request

    providers = attendance.providers
    course, clock = attendance.course, attendance.context.clock
    sessions = ended_sessions(course, session_id, clock.now())
    rooms = attendance.store.classrooms(course.id)
    specs = attendance.plugins.providers
    # build the providers first: a missing or bad setting is an input error before anything is stored
    for name in sorted(
        {
            row.classroom.provider
            for session in sessions
            if (row := rooms.get(session.id)) is not None and row.state != "cancelled"
        }
    ):
        spec = specs.get(name)
        if spec is not None and spec.capabilities.attendance_fetch and name not in providers:
            try:
                providers[name] = spec.factory(attendance.context)
            except InputError:
                raise
            except TaDeliveryError:
                continue  # a failure of each of its sessions, below
    results: list[RecordResult] = []
    failures: list[SessionFailure] = []
    notes: list[str] = []
    for session in sessions:
        row = rooms.get(session.id)
        if row is None:
            notes.append(f"{session.id}: no classroom was made for it; nothing to pull")
            continue
        if row.state == "cancelled":
            notes.append(f"{session.id}: its classroom was cancelled; nothing to pull")
            continue
        name = row.classroom.provider
        spec = specs.get(name)
        if spec is None:
            failures.append(SessionFailure(session.id, f"classroom provider {name!r} is not installed"))
            continue
        if not spec.capabilities.attendance_fetch:
            notes.append(f"{session.id}: {name} cannot report attendance; import an export file instead")
            continue
        try:
            provider = providers.get(name) or spec.factory(attendance.context)
            providers[name] = provider
            fetched = list(provider.fetch_attendance(row.classroom, classroom_request(course, session)))
            segments = [
                seg if seg.session_id == session.id else attrs.evolve(seg, session_id=session.id)
                for seg in fetched
            ]
            live = {session.id: session}
            for seg in segments:
                try:
                    check_segment(seg, course, live, name)
                except InputError as exc:
                    raise BadResponse(exc.message, provider=name) from None
            result = attendance.records.record(course.id, segments, clock.now())
            mark_recorded(attendance.store, course.id, [session.id], clock.now())
            results.append(attrs.evolve(result, sessions=result.sessions | {session.id}))
        except (ProviderError, TaDeliveryError) as exc:
            log.warning("attendance of %s from %s failed: %s", session.id, name, exc)
            failures.append(SessionFailure(session.id, f"{type(exc).__name__}: {exc}"))
    return results, tuple(failures), tuple(notes)
