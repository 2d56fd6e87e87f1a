"""Reconciliation (PRODUCT.md section 4): raw intervals -> statuses -> completion.

For each participant and live session the attended time is the measure of the union of their
join-leave intervals clipped to the scheduled window; the course's ``[attendance]`` policy turns it into
``present``, ``late``, ``partial`` or ``absent``. Thresholds compare exact times (whole microseconds against
the fraction read as the decimal written in the course file), never rounded minutes.

This module walks the course; the rule for one session is :mod:`.status`, the records it gives are in
:mod:`.results`, and the segments it reads are collected by :mod:`.accumulator`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from ..models import Course, Participant, Session
from ..records import AttendanceStatus, Status
from .accumulator import Accumulator
from .intervals import ZERO, coverage
from .results import (
    AttendanceReport,
    CentreDevice,
    NameSuggestion,
    ParticipantResult,
    SessionResult,
    Unmatched,
    centre_of,
)
from .status import PENDING, Thresholds, classify, exact_fraction

# the records and the status rule live in .results, .status and .accumulator; re-exported here, where
# callers have always imported them from
__all__ = [
    "PENDING",
    "Accumulator",
    "AttendanceReport",
    "CentreDevice",
    "NameSuggestion",
    "ParticipantResult",
    "SessionResult",
    "Thresholds",
    "Unmatched",
    "centre_of",
    "classify",
    "exact_fraction",
    "reconcile",
    "reconcile_statuses",
    "recorded_in",
]


def _select(course: Course, session_ids: Iterable[str] | None) -> tuple[Session, ...]:
    sessions = course.live_sessions
    if session_ids is not None:
        wanted = set(session_ids)
        sessions = tuple(s for s in sessions if s.id in wanted)
    return sessions


_Evaluation = tuple[Session, Participant, Status, timedelta, "datetime | None", str, Status, "str | None"]


def recorded_in(acc: Accumulator, marked: Iterable[str]) -> frozenset[str]:
    """Sessions whose attendance is recorded: marked by an import or pull, or holding a row."""
    return frozenset(marked) | frozenset(key[0] for key in acc.intervals)


def _evaluate(
    course: Course,
    acc: Accumulator,
    excuses: Mapping[tuple[str, str], str],
    sessions: Sequence[Session],
    recorded: frozenset[str] | None = None,
    now: datetime | None = None,
) -> Iterator[_Evaluation]:
    """(session, participant, status, attended, first join, reason, computed status, excuse) per pair."""
    policy = course.attendance
    person_keys = {p.id: f"person:{p.id}" for p in course.participants}
    intervals = acc.intervals
    for session in sessions:
        limits = Thresholds.of(session, policy)
        sid, start, end = session.id, session.start, session.end
        if recorded is not None and sid not in recorded:
            ahead = now is not None and end > now
            pending: Status = "upcoming" if ahead else "unrecorded"
            why = "the session has not ended yet" if ahead else "no attendance imported or pulled yet"
            for participant in course.participants_of(session):
                excuse = excuses.get((sid, participant.id)) if excuses else None
                yield session, participant, pending, ZERO, None, why, pending, excuse
            continue
        for participant in course.participants_of(session):
            bucket = intervals.get((sid, person_keys[participant.id]))
            if bucket is None:
                attended, first = ZERO, None
            else:
                attended, first = coverage(bucket, start, end)
            status, reason = classify(
                attended, first, session, policy, recorded=bucket is not None, thresholds=limits
            )
            computed = status
            excuse = excuses.get((sid, participant.id)) if excuses else None
            if excuse is not None and status not in ("present", "late"):
                status, reason = "excused", f"excused: {excuse}"
            yield session, participant, status, attended, first, reason, computed, excuse


def reconcile(
    course: Course,
    acc: Accumulator,
    excuses: Mapping[tuple[str, str], str] | None = None,
    *,
    prerequisites: Mapping[str, bool] | None = None,
    session_ids: Iterable[str] | None = None,
    recorded: frozenset[str] | None = None,
    now: datetime | None = None,
) -> AttendanceReport:
    """Statuses of every participant in every live session, completion, unmatched and suggestions.

    With ``session_ids``, only those sessions are reconciled (completion then counts only them). With
    ``recorded``, the other sessions are ``upcoming`` (not ended at ``now``) or ``unrecorded``.
    """
    policy = course.attendance
    sessions = _select(course, session_ids)
    per: dict[str, dict[str, SessionResult]] = {p.id: {} for p in course.participants}
    linked = acc.linked
    for session, participant, status, attended, first, reason, computed, excuse in _evaluate(
        course, acc, excuses or {}, sessions, recorded, now
    ):
        per[participant.id][session.id] = SessionResult(
            session.id,
            status,
            attended,
            first,
            reason,
            computed,
            excuse,
            (session.id, participant.id) in linked,
        )
    completion = exact_fraction(policy.completion_fraction)
    results: list[ParticipantResult] = []
    for participant in course.participants:
        mine = per[participant.id]
        attended_n = sum(1 for r in mine.values() if r.status in ("present", "late"))
        live_n = sum(1 for r in mine.values() if r.status != "excused")
        pending_n = sum(1 for r in mine.values() if r.status in PENDING)
        num, den = completion.numerator, completion.denominator
        completed: bool | None
        if live_n > 0 and attended_n * den >= num * live_n:
            completed = True
        elif live_n == 0 or (attended_n + pending_n) * den < num * live_n:
            completed = False
        else:
            completed = None
        met = None if prerequisites is None else bool(prerequisites.get(participant.id, False))
        results.append(ParticipantResult(participant, mine, attended_n, live_n, completed, met))
    unmatched, suggestions = _unmatched(sessions, acc)
    devices: list[CentreDevice] = []
    if course.centres:
        kept: list[Unmatched] = []
        for u in unmatched:
            cid = centre_of(u.name, u.email, course.centres)
            if cid is None:
                kept.append(u)
            else:
                devices.append(CentreDevice(u.session_id, cid, u.attended))
        unmatched = kept
        suggestions = [g for g in suggestions if centre_of(g.name, g.email, course.centres) is None]
    return AttendanceReport(
        course,
        sessions,
        tuple(results),
        tuple(unmatched),
        tuple(suggestions),
        recorded,
        now,
        tuple(devices),
    )


def reconcile_statuses(
    course: Course,
    acc: Accumulator,
    excuses: Mapping[tuple[str, str], str] | None = None,
    *,
    session_ids: Iterable[str] | None = None,
    recorded: frozenset[str] | None = None,
    now: datetime | None = None,
) -> tuple[list[AttendanceStatus], int]:
    """Only the status records of :func:`reconcile` (same order) and the number of unmatched entries.

    What recording needs, without the report's per-participant objects.
    """
    sessions = _select(course, session_ids)
    statuses = [
        AttendanceStatus(sess.id, participant.id, status, attended.total_seconds(), first, reason)
        for sess, participant, status, attended, first, reason, _computed, _excuse in _evaluate(
            course, acc, excuses or {}, sessions, recorded, now
        )
    ]
    live = {s.id for s in sessions}
    unmatched = sum(1 for key in acc.identities if key[0] in live and key in acc.intervals)
    return statuses, unmatched


def _unmatched(sessions: Sequence[Session], acc: Accumulator) -> tuple[list[Unmatched], list[NameSuggestion]]:
    order = {s.id: i for i, s in enumerate(sessions)}
    by_id = {s.id: s for s in sessions}
    unmatched: list[Unmatched] = []
    suggestions: list[NameSuggestion] = []
    for (sid, key), bucket in acc.intervals.items():
        ident = acc.identities.get((sid, key))
        if ident is None or ident.person_id is not None or sid not in order:
            continue
        session = by_id[sid]
        attended, _first = coverage(bucket, session.start, session.end)
        entry = Unmatched(sid, key, ident.name, ident.email, attended)
        unmatched.append(entry)
        for pid, why in acc.index.suggest_with_reason(ident.name):
            suggestions.append(NameSuggestion(sid, ident.name or "", ident.email, pid, entry.minutes, why))
    unmatched.sort(key=lambda u: (order[u.session_id], u.key))
    suggestions.sort(key=lambda s: (order[s.session_id], s.name, s.participant_id))
    return unmatched, suggestions
