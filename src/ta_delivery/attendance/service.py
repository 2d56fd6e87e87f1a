"""Attendance use cases: import a file, pull from providers, excuse, reconcile and report.

Each recording stores raw segments first (one transaction: a malformed file stores nothing), then
reconciles the affected live sessions, stores their statuses, and fires ``ta_delivery_attendance_recorded``.
The checks on the way in are :mod:`.intake`, the fetching of a pull :mod:`.pulling`, and what a run did
:mod:`.outcome` (re-exported here, where callers import it from).
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs

from ..context import RunContext
from ..errors import InputError, TaDeliveryError
from ..importfiles import Problems
from ..limits import MAX_IMPORT_FILE_BYTES, read_limited
from ..models import Course, Session
from ..plugins import Plugins
from ..records import AttendanceStatus, ClassroomProvider, ImportRequest
from ..store import Store
from .identity import IdentityIndex, name_key, normalise_email
from .intake import Tally, check_segment, checked, gc_paused
from .outcome import Outcome, SessionFailure
from .pulling import fetch_ended
from .reconcile import PENDING, Accumulator, AttendanceReport, reconcile, reconcile_statuses, recorded_in
from .storage import (
    AttendanceStore,
    RawRow,
    RecordResult,
    links,
    mark_recorded,
    recorded_sessions,
    save_link,
)
from .windows import UNPLACED, Placer

__all__ = ["Attendance", "Outcome", "SessionFailure", "check_lms", "check_segment"]

log = logging.getLogger(__name__)

DEFAULT_FORMAT = "register-csv"


def check_lms(course: Course, plugins: Plugins, context: RunContext) -> None:
    """Build the LMS that recorded statuses are pushed to (``[lms] attendance``), contacting no server.

    Call it with a context that has no store: a missing or malformed setting is then an
    :class:`InputError` before anything is recorded.
    """
    lms = course.lms
    if lms is None or not lms.attendance:
        return
    if lms.provider not in plugins.lms:
        raise InputError(f"no LMS named {lms.provider!r} is installed", key="lms.provider")
    plugins.lms[lms.provider].factory(context)


@attrs.define
class Attendance:
    """Attendance of one course against the state store, the plugins and a run context."""

    course: Course
    store: Store
    plugins: Plugins
    context: RunContext
    external_ids: Mapping[str, str] = attrs.field(factory=dict)
    #: providers built by a pull, by name (built once per run)
    providers: dict[str, ClassroomProvider] = attrs.field(factory=dict, init=False)

    @property
    def records(self) -> AttendanceStore:
        """The persistence layer."""
        return AttendanceStore(self.store)

    def index(self) -> IdentityIndex:
        """A fresh identity index of the course."""
        return IdentityIndex(self.course, self.external_ids)

    def accumulator(self) -> Accumulator:
        """An empty accumulator that applies the links ``attendance link`` stored."""
        return Accumulator(self.index(), links=links(self.store, self.course.id))

    def _placed(self, rows: Iterable[RawRow]) -> Iterator[RawRow]:
        """Stored rows, those kept unplaced given the session whose window they now fall in (or dropped)."""
        placer: Placer | None = None
        for row in rows:
            if row[0] != UNPLACED:
                yield row
                continue
            if placer is None:
                placer = Placer(self.course.live_sessions)
            sid = placer.place(row[5], row[6])
            if sid != UNPLACED:
                yield (sid, *row[1:])

    # --- recording ----------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        *,
        fmt: str | None = None,
        session_id: str | None = None,
        timezone: ZoneInfo | None = None,
        date_order: str | None = None,
    ) -> Outcome:
        """Record an export file. A malformed file raises :class:`InputError` and stores nothing."""
        name = fmt or DEFAULT_FORMAT
        formats = self.plugins.formats
        if name not in formats:
            known = ", ".join(sorted(formats)) or "none"
            raise InputError(f"no import format named {name!r} (installed: {known})", key="--format")
        source = str(path)
        try:
            data = read_limited(path, MAX_IMPORT_FILE_BYTES, source=source)
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror}", source=source) from None
        request = ImportRequest(
            path=path,
            data=data,
            course=self.course,
            session_id=session_id,
            timezone=timezone,
            date_order=date_order,
        )
        acc = self.accumulator()
        try:  # a format may read eagerly: its errors are mapped as while iterating
            parsed = formats[name].parse(request)
        except InputError as exc:
            problems = Problems(source)
            problems.add(exc)  # located in the file, each of them when there are several
            problems.check()
            raise
        except (ValueError, KeyError, IndexError, OverflowError, UnicodeError, csv.Error) as exc:
            raise InputError(f"malformed file: {exc}", source=source) from exc
        tally = Tally()
        with gc_paused():
            result = self.records.record(
                self.course.id, checked(parsed, self.course, acc, source, tally), self.context.clock.now()
            )
            file_unmatched = sum(1 for key in acc.identities if key in acc.intervals)
            if session_id is not None:
                mark_recorded(self.store, self.course.id, [session_id], self.context.clock.now())
                result = attrs.evolve(result, sessions=result.sessions | {session_id})
            # a session whose stored rows are all in this file (a re-import) needs no reading back
            stored = self.records.counts(self.course.id, result.had_data - {UNPLACED})
            complete = {sid for sid, n in stored.items() if n == len(tally.keys.get(sid, ()))}
            tally.keys.clear()
            outcome = self._after([result], acc, notes=(), complete=complete)
        return attrs.evolve(outcome, outside=tally.outside, file_unmatched=file_unmatched)

    def _after(
        self,
        results: list[RecordResult],
        acc: Accumulator | None,
        notes: tuple[str, ...],
        failures: tuple[SessionFailure, ...] = (),
        complete: frozenset[str] | set[str] = frozenset(),
    ) -> Outcome:
        """Reconcile the sessions ``results`` touched, store their statuses, and notify plugins.

        ``complete``: sessions whose every stored row is in ``acc`` already (nothing to read back).
        """
        affected = {s for r in results for s in r.sessions} - {UNPLACED}
        if not affected:
            return Outcome(tuple(results), (), failures, notes)
        had = {s for r in results for s in r.had_data} - {UNPLACED} - set(complete)
        if acc is None or had:
            fresh = Accumulator(acc.index, links=acc.links) if acc is not None else self.accumulator()
            if acc is not None:
                for key, bucket in acc.intervals.items():
                    if key[0] not in had:
                        fresh.intervals[key] = bucket
                        if key in acc.identities:
                            fresh.adopt(acc, key)
                fresh.linked |= {pair for pair in acc.linked if pair[0] not in had}
                acc.clear()
                fresh.extend(self.records.rows(self.course.id, had))
            else:
                fresh.extend(self.records.rows(self.course.id, affected))
            acc = fresh
        statuses, unmatched = reconcile_statuses(
            self.course,
            acc,
            self.records.excuses(self.course.id),
            session_ids=affected,
            recorded=recorded_in(acc, recorded_sessions(self.store, self.course.id)),
            now=self.context.clock.now(),
        )
        acc.clear()
        self.records.save_statuses(self.course.id, statuses, self.context.clock.now())
        failures = failures + self._notify(statuses)
        return Outcome(tuple(results), tuple(statuses), failures, notes, unmatched)

    def _notify(self, statuses: list[AttendanceStatus]) -> tuple[SessionFailure, ...]:
        statuses = [s for s in statuses if s.status not in PENDING]  # never pushed as absences
        if not statuses:
            return ()
        try:
            self.plugins.hook.ta_delivery_attendance_recorded(
                course=self.course, statuses=statuses, context=self.context
            )
        except TaDeliveryError as exc:
            log.warning("a plugin failed on attendance_recorded: %s", exc)
            return (SessionFailure(None, f"attendance_recorded: {type(exc).__name__}: {exc}"),)
        return ()

    def pull(self, session_id: str | None = None) -> Outcome:
        """Fetch the attendance of ended live sessions (only ``session_id``, when given) from providers."""
        results, failures, notes = fetch_ended(self, session_id)
        with gc_paused():
            return self._after(results, None, notes, failures)

    # --- excuses ------------------------------------------------------------------------------

    def _participant_session(self, session_id: str, participant_id: str) -> Session:
        try:
            session = self.course.session(session_id)
        except KeyError:
            raise InputError(f"no session {session_id!r} on the course", key="--session") from None
        if not session.live:
            raise InputError(f"session {session_id!r} is recorded, not live", key="--session")
        if not any(p.id == participant_id for p in self.course.participants):
            raise InputError(f"no participant {participant_id!r} on the course", key="--participant")
        if not any(p.id == participant_id for p in self.course.participants_of(session)):
            raise InputError(
                f"{participant_id!r} is not a participant of {session_id!r}", key="--participant"
            )
        return session

    def excuse(self, session_id: str, participant_id: str, reason: str | None) -> Outcome:
        """Excuse a participant's absence (``reason`` None withdraws the excuse), then re-reconcile."""
        session = self._participant_session(session_id, participant_id)
        if reason is None:
            self.records.withdraw_excuse(self.course.id, session.id, participant_id)
        else:
            if not reason.strip():
                raise InputError("the reason must not be empty", key="--reason")
            self.records.excuse(
                self.course.id, session.id, participant_id, reason.strip(), self.context.clock.now()
            )
        result = RecordResult(0, 0, frozenset({session.id}), frozenset({session.id}))
        return self._after([result], None, ())

    # --- links --------------------------------------------------------------------------------

    def link(
        self, session_id: str, participant_id: str, *, email: str | None = None, name: str | None = None
    ) -> Outcome:
        """Record that the attendee with ``email`` (or, without one, ``name``) in a session is
        ``participant_id``; their rows count for them from now on, in every later import and report."""
        session = self._participant_session(session_id, participant_id)
        if email is not None:
            mail = normalise_email(email)
            if mail is None or "@" not in mail:
                raise InputError(f"{email!r} is not an email address", key="--email")
            who = f"email:{mail}"
        else:
            key = name_key(name)
            if key is None:
                raise InputError("the name is empty", key="--name")
            who = f"name:{key}"
        save_link(self.store, self.course.id, session.id, who, participant_id, self.context.clock.now())
        result = RecordResult(0, 0, frozenset({session.id}), frozenset({session.id}))
        return self._after([result], None, ())

    # --- reporting ----------------------------------------------------------------------------

    def prerequisites(self) -> Mapping[str, bool] | None:
        """Prerequisite status per participant from the LMS; None without prerequisites or LMS."""
        lms = self.course.lms
        if lms is None or not self.course.prerequisites:
            return None
        specs = self.plugins.lms
        if lms.provider not in specs:
            raise InputError(f"no LMS named {lms.provider!r} is installed", key="lms.provider")
        return specs[lms.provider].factory(self.context).prerequisites(self.course)

    def report(self, prerequisites: Mapping[str, bool] | None = None) -> AttendanceReport:
        """The whole course reconciled from everything stored."""
        acc = self.accumulator()
        with gc_paused():
            rows = self.records.rows(self.course.id)
            if self.records.counts(self.course.id, [UNPLACED])[UNPLACED]:
                rows = self._placed(rows)
            acc.extend(rows)
            return reconcile(
                self.course,
                acc,
                self.records.excuses(self.course.id),
                prerequisites=prerequisites,
                recorded=recorded_in(acc, recorded_sessions(self.store, self.course.id)),
                now=self.context.clock.now(),
            )
