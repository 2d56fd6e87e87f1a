"""Reconciliation (PRODUCT.md section 4): raw intervals -> statuses -> completion.

For each participant and live session the attended time is the measure of the union of their
join-leave intervals clipped to the scheduled window; the course's ``[attendance]`` policy turns it into
``present``, ``late``, ``partial`` or ``absent``. Thresholds compare exact times (whole microseconds against
the fraction read as the decimal written in the course file), never rounded minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import attrs

from ..models import AttendancePolicy, Centre, Course, Participant, Session
from ..records import AttendanceStatus, Status
from .identity import Identity, IdentityIndex, name_key
from .intervals import ZERO, coverage, micros

__all__ = [
    "PENDING",
    "Accumulator",
    "AttendanceReport",
    "NameSuggestion",
    "ParticipantResult",
    "SessionResult",
    "Thresholds",
    "Unmatched",
    "classify",
    "exact_fraction",
    "reconcile",
    "reconcile_statuses",
    "recorded_in",
]

_MINUTE_US = 60_000_000
#: Statuses of a live session whose attendance is not recorded yet (PRODUCT.md section 4).
PENDING = ("upcoming", "unrecorded")


def exact_fraction(value: float) -> Fraction:
    """A policy fraction as the decimal the course file wrote (``0.7`` is exactly 7/10)."""
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _pct(value: float) -> str:
    return f"{float(value) * 100:g}%"


@attrs.frozen
class Thresholds:
    """One session's thresholds under a policy, as exact integers (microseconds)."""

    total: int
    present: Fraction
    partial: Fraction
    late_limit: datetime

    @classmethod
    def of(cls, session: Session, policy: AttendancePolicy) -> Thresholds:
        """The thresholds of ``session``."""
        return cls(
            total=micros(session.end - session.start),
            present=exact_fraction(policy.present_fraction),
            partial=exact_fraction(policy.partial_fraction),
            late_limit=session.start + timedelta(minutes=policy.late_after_minutes),
        )


def classify(
    attended: timedelta,
    first_join: datetime | None,
    session: Session,
    policy: AttendancePolicy,
    *,
    recorded: bool = True,
    thresholds: Thresholds | None = None,
) -> tuple[Status, str]:
    """The status of ``attended`` time in ``session`` and a sentence saying why.

    ``recorded`` is False when nothing at all was recorded for the person: that is ``absent`` whatever the
    policy says.
    """
    if not recorded:
        return "absent", "no attendance recorded"
    t = thresholds or Thresholds.of(session, policy)
    got = micros(attended)
    minutes, of = got // _MINUTE_US, session.minutes
    if got * t.present.denominator >= t.present.numerator * t.total:
        if first_join is not None and first_join > t.late_limit:
            late_by = (first_join - session.start) // timedelta(minutes=1)
            return "late", (
                f"first joined {late_by} min after the start "
                f"(late after {policy.late_after_minutes:g} min); attended {minutes} of {of} min"
            )
        return "present", f"attended {minutes} of {of} min"
    if got * t.partial.denominator >= t.partial.numerator * t.total:
        return "partial", (
            f"attended {minutes} of {of} min, under the {_pct(policy.present_fraction)} needed to be present"
        )
    return "absent", (
        f"attended {minutes} of {of} min, under the {_pct(policy.partial_fraction)} needed for partial"
    )


@attrs.frozen
class SessionResult:
    """One participant in one live session."""

    session_id: str
    status: Status
    attended: timedelta
    first_join: datetime | None
    reason: str
    computed: Status
    excuse: str | None = None
    #: credited through ``attendance link`` (a match confirmed by hand)
    linked: bool = False

    @property
    def minutes(self) -> int:
        """Attended time in whole minutes, rounded down."""
        return micros(self.attended) // _MINUTE_US


@attrs.frozen
class ParticipantResult:
    """A participant's statuses and completion."""

    participant: Participant
    sessions: Mapping[str, SessionResult]
    attended_sessions: int
    live_sessions: int
    #: True: reached; False: can no longer be reached; None: still open (sessions to come or to record)
    completed: bool | None
    prerequisites_met: bool | None = None

    @property
    def rate(self) -> float | None:
        """Attended sessions over the recorded live sessions not excused (None before any is recorded)."""
        done = sum(1 for r in self.sessions.values() if r.status not in PENDING and r.status != "excused")
        return None if done == 0 else self.attended_sessions / done


@attrs.frozen
class Unmatched:
    """Attendance by someone not on the course: one entry per unknown identifier per session."""

    session_id: str
    key: str
    name: str | None
    email: str | None
    attended: timedelta

    @property
    def minutes(self) -> int:
        """Attended time in whole minutes, rounded down."""
        return micros(self.attended) // _MINUTE_US


@attrs.frozen
class CentreDevice:
    """A reference centre's own device in a session (it joined once for the people in its room): shown as
    the centre's, never as someone unknown. Its people are credited through the centre's register."""

    session_id: str
    centre_id: str
    attended: timedelta

    @property
    def minutes(self) -> int:
        """Attended time in whole minutes, rounded down."""
        return micros(self.attended) // _MINUTE_US


def centre_of(name: str | None, email: str | None, centres: Sequence[Centre]) -> str | None:
    """The centre an attendee is, by its contact's email or its name or id (any case), or ``None``."""
    mail = (email or "").strip().casefold()
    label = " ".join((name or "").split()).casefold()
    for centre in centres:
        if mail and mail == centre.contact.email.casefold():
            return centre.id
        if label and label in (" ".join(centre.name.split()).casefold(), centre.id.casefold()):
            return centre.id
    return None


@attrs.frozen
class NameSuggestion:
    """An unmatched entry whose name matches a participant: shown, never applied."""

    session_id: str
    name: str
    email: str | None
    participant_id: str
    minutes: int
    #: why the match is suggested
    reason: str = "same name"


@attrs.frozen
class AttendanceReport:
    """Everything the report shows."""

    course: Course
    sessions: tuple[Session, ...]
    participants: tuple[ParticipantResult, ...]
    unmatched: tuple[Unmatched, ...]
    suggestions: tuple[NameSuggestion, ...]
    #: sessions whose attendance is recorded (None: all of them)
    recorded: frozenset[str] | None = None
    #: when the report was made (None: unknown)
    now: datetime | None = None
    #: reference centres' own devices, by session
    centres: tuple[CentreDevice, ...] = ()

    @property
    def by_start(self) -> tuple[Session, ...]:
        """The sessions ordered by start (then id), as the table and the HTML page show them."""
        return tuple(sorted(self.sessions, key=lambda s: (s.start, s.id)))

    @property
    def in_progress(self) -> bool:
        """True while some live session is still upcoming or unrecorded."""
        return any(r.status in PENDING for p in self.participants for r in p.sessions.values()) or (
            self.recorded is not None and any(s.id not in self.recorded for s in self.sessions)
        )

    def statuses(self, session_ids: Iterable[str] | None = None) -> list[AttendanceStatus]:
        """Every participant's status in ``session_ids`` (all reported sessions by default)."""
        wanted = None if session_ids is None else set(session_ids)
        out: list[AttendanceStatus] = []
        for session in self.sessions:
            if wanted is not None and session.id not in wanted:
                continue
            for p in self.participants:
                r = p.sessions.get(session.id)
                if r is None:
                    continue
                out.append(
                    AttendanceStatus(
                        session_id=session.id,
                        participant_id=p.participant.id,
                        status=r.status,
                        attended_seconds=r.attended.total_seconds(),
                        first_join=r.first_join,
                        reason=r.reason,
                    )
                )
        return out


@attrs.define
class Accumulator:
    """Collects raw segments, resolved once per distinct raw identity, grouped by session and person."""

    index: IdentityIndex
    intervals: dict[tuple[str, str], list[tuple[datetime, datetime]]] = attrs.field(factory=dict)
    #: identities of the unknown (people on the course are keyed ``person:<id>``)
    identities: dict[tuple[str, str], Identity] = attrs.field(factory=dict)
    #: (session, ``email:...``/``name:...``) -> participant, from ``attendance link``
    links: Mapping[tuple[str, str], str] = attrs.field(factory=dict)
    #: (session, participant) pairs credited through a link: shown as confirmed by hand
    linked: set[tuple[str, str]] = attrs.field(factory=set)
    _seen: dict[tuple[str, str], tuple[datetime | None, datetime | None]] = attrs.field(
        factory=dict, init=False
    )

    def clear(self) -> None:
        """Drop everything collected (frees memory while the accumulator is still referenced)."""
        self.intervals.clear()
        self.identities.clear()
        self._seen.clear()

    def add(
        self,
        session_id: str,
        person_id: str | None,
        external_id: str | None,
        email: str | None,
        name: str | None,
        join: datetime,
        leave: datetime,
    ) -> None:
        """Take one raw segment."""
        ident = self.index.cached(person_id, external_id, email, name)
        if ident is None:
            ident = self.index.resolve(person_id, external_id, email, name)
        if ident.person_id is None and self.links:
            ident = self._linked(session_id, ident)
        key = (session_id, ident.key)
        bucket = self.intervals.get(key)
        if bucket is None:
            self.intervals[key] = [(join, leave)]
        else:
            bucket.append((join, leave))
        if ident.person_id is None:
            self._shown(key, ident, join)

    def _linked(self, session_id: str, ident: Identity) -> Identity:
        """``ident`` as the participant ``attendance link`` named for it in this session, if any."""
        pid = self.links.get((session_id, ident.key))
        if pid is None and ident.name:
            pid = self.links.get((session_id, f"name:{name_key(ident.name) or ''}"))
        if pid is None:
            return ident
        self.linked.add((session_id, pid))
        return Identity(pid, "participant", f"person:{pid}", ident.name, ident.email)

    def adopt(self, other: Accumulator, key: tuple[str, str]) -> None:
        """Take the unknown identity of ``key`` from ``other`` (with what decided its name and email)."""
        self.identities[key] = other.identities[key]
        self._seen[key] = other._seen[key]

    def _shown(self, key: tuple[str, str], ident: Identity, join: datetime) -> None:
        """Keep, for an unknown identifier, the name and the email of its earliest segment having one.

        Chosen by (join, value), so the entry never depends on the order rows were read in.
        """
        old = self.identities.get(key)
        if old is None:
            self.identities[key] = ident
            self._seen[key] = (join if ident.name else None, join if ident.email else None)
            return
        name_at, email_at = self._seen[key]
        name, email = old.name, old.email
        if ident.name and (name_at is None or (join, ident.name) < (name_at, name or "")):
            name, name_at = ident.name, join
        if ident.email and (email_at is None or (join, ident.email) < (email_at, email or "")):
            email, email_at = ident.email, join
        if (name, email) != (old.name, old.email):
            self.identities[key] = attrs.evolve(old, name=name, email=email)
        self._seen[key] = (name_at, email_at)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        """Take rows of ``(session_id, person_id, external_id, email, name, join, leave)``.

        The same as :meth:`add` per row, inlined: a report reads every stored row through here.
        """
        intervals = self.intervals
        resolve = self.index.resolve
        links = self.links
        shown = self._shown
        for sid, pid, ext, email, name, join, leave in rows:
            ident = resolve(pid, ext, email, name)
            if ident.person_id is None and links:
                ident = self._linked(sid, ident)
            key = (sid, ident.key)
            bucket = intervals.get(key)
            if bucket is None:
                intervals[key] = [(join, leave)]
            else:
                bucket.append((join, leave))
            if ident.person_id is None:
                shown(key, ident, join)


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
