"""Attendance use cases: import a file, pull from providers, excuse, reconcile and report.

Each recording stores raw segments first (one transaction: a malformed file stores nothing), then
reconciles the affected live sessions, stores their statuses, and fires ``ta_delivery_attendance_recorded``.
"""

from __future__ import annotations

import csv
import gc
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs

from ..context import RunContext
from ..errors import BadResponse, InputError, ProviderError, TaDeliveryError
from ..importfiles import Problems
from ..limits import MAX_IMPORT_FILE_BYTES, read_limited
from ..models import Course, Session
from ..plugins import Plugins
from ..records import AttendanceStatus, ClassroomProvider, ImportRequest, Segment
from ..store import Store
from .formats.common import stranger_session
from .identity import IdentityIndex, name_key, normalise_email
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

__all__ = ["Attendance", "Outcome", "SessionFailure", "check_lms"]

log = logging.getLogger(__name__)

DEFAULT_FORMAT = "register-csv"


@attrs.frozen
class SessionFailure:
    """A session whose attendance could not be fetched, or a notification that failed."""

    session_id: str | None
    error: str


@attrs.frozen
class Outcome:
    """What an import or pull did."""

    recorded: tuple[RecordResult, ...] = ()
    statuses: tuple[AttendanceStatus, ...] = ()
    failures: tuple[SessionFailure, ...] = ()
    notes: tuple[str, ...] = ()
    unmatched: int = 0
    #: rows of the file in no live session's window (kept, not counted in any session)
    outside: int = 0
    #: unknown identifiers per session among this file's rows
    file_unmatched: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    @property
    def total(self) -> int:
        """Segments read."""
        return sum(r.total for r in self.recorded)

    @property
    def inserted(self) -> int:
        """Segments newly stored."""
        return sum(r.inserted for r in self.recorded)

    @property
    def sessions(self) -> tuple[str, ...]:
        """Sessions that received segments."""
        return tuple(sorted({s for r in self.recorded for s in r.sessions} - {UNPLACED}))

    def summary(self) -> dict[str, int]:
        """``attendance import --json``: exactly the keys of PRODUCT.md section 4."""
        return {
            "imported": self.inserted,
            "duplicates": self.total - self.inserted,
            "outside_sessions": self.outside,
            "unmatched": self.file_unmatched,
        }


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around bulk work.

    Recording creates millions of small acyclic objects (tuples, datetimes); each collection of the oldest
    generation would walk all of them again. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_segment(seg: Segment, course: Course, live: Mapping[str, Session], source: str) -> None:
    if seg.session_id not in live and seg.session_id != UNPLACED:
        what = (
            "recorded, not live"
            if any(s.id == seg.session_id for s in course.sessions)
            else "not on the course"
        )
        raise InputError(f"a segment names session {seg.session_id!r}, which is {what}", source=source)
    for name in ("join", "leave"):
        value = getattr(seg, name)
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError(f"a segment's {name} time has no zone", source=source)
    if seg.leave < seg.join:
        raise InputError("a segment leaves before it joins", source=source)


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
    _providers: dict[str, ClassroomProvider] = attrs.field(factory=dict, init=False)

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
        counts = [0, 0]  # rows, rows outside every live session's window
        keys: dict[str, set[int]] = {}  # hashes of the file's row keys per session
        with _gc_paused():
            result = self.records.record(
                self.course.id, self._checked(parsed, acc, source, counts, keys), self.context.clock.now()
            )
            file_unmatched = sum(1 for key in acc.identities if key in acc.intervals)
            if session_id is not None:
                mark_recorded(self.store, self.course.id, [session_id], self.context.clock.now())
                result = attrs.evolve(result, sessions=result.sessions | {session_id})
            # a session whose stored rows are all in this file (a re-import) needs no reading back
            stored = self.records.counts(self.course.id, result.had_data - {UNPLACED})
            complete = {sid for sid, n in stored.items() if n == len(keys.get(sid, ()))}
            keys.clear()
            outcome = self._after([result], acc, notes=(), complete=complete)
        return attrs.evolve(outcome, outside=counts[1], file_unmatched=file_unmatched)

    def _checked(
        self,
        segments: Iterable[Segment],
        acc: Accumulator,
        source: str,
        counts: list[int],
        keys: dict[str, set[int]] | None = None,
    ) -> Iterator[Segment]:
        """``segments`` checked and collected into ``acc``; ``counts`` gets the rows and those outside.

        A file with rows but none in a live session's window is an input error (raised after the last row,
        so the transaction storing them rolls back).
        """
        live = {s.id: s for s in self.course.live_sessions}
        placer = Placer(live.values())
        windows = {sid: (s.start, s.end) for sid, s in live.items()}
        add = acc.add
        rows = outside = 0
        problems = Problems(source)
        strangers: dict[str, int] = {}  # sessions named that are not live -> how many rows name them
        try:
            for seg in segments:
                join, leave = seg.join, seg.leave
                sid = seg.session_id
                if sid not in live and sid != UNPLACED:
                    strangers[sid] = strangers.get(sid, 0) + 1
                    continue
                if join.tzinfo is None or leave.tzinfo is None or leave < join:
                    try:
                        _check_segment(seg, self.course, live, source)
                    except InputError as exc:
                        problems.add(exc)
                        continue
                rows += 1
                if problems:
                    continue  # the file will be refused: only its problems matter now
                window = windows.get(sid)
                if (window is None or join > window[1] or leave < window[0]) and placer.place(
                    join, leave
                ) == UNPLACED:
                    outside += 1  # in no live session's window (closed intervals, see windows.py)
                if sid != UNPLACED:
                    add(sid, seg.person_id, seg.external_id, seg.email, seg.name, join, leave)
                if keys is not None:  # one source per file: its raw keys identify the rows
                    bucket = keys.get(sid)
                    if bucket is None:
                        bucket = keys[sid] = set()
                    bucket.add(hash(seg.raw_key))
                yield seg
        except InputError as exc:
            problems.add(exc)
        except (ValueError, KeyError, IndexError, OverflowError, UnicodeError, csv.Error) as exc:
            problems.add(InputError(f"malformed file: {exc}", source=source))
        for sid, n in strangers.items():
            problems.add(stranger_session(sid, n, self.course, source))
        problems.check()  # every problem of the file at once; the transaction storing its rows rolls back
        counts[0], counts[1] = rows, outside
        if rows and outside == rows:
            raise InputError(
                f"none of the file's {rows} row(s) falls in a live session's window: check the course's "
                "dates, --timezone and --date-order (dmy, mdy or ymd); nothing was stored",
                source=source,
            )

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
        from ..sync import classroom_request

        now = self.context.clock.now()
        if session_id is not None:
            try:
                session = self.course.session(session_id)
            except KeyError:
                raise InputError(f"no session {session_id!r} on the course", key="--session") from None
            if not session.live:
                raise InputError(f"session {session_id!r} is recorded, not live", key="--session")
            if session.end > now:
                raise InputError(f"session {session_id!r} has not ended yet", key="--session")
            sessions: tuple[Session, ...] = (session,)
        else:
            sessions = tuple(s for s in self.course.live_sessions if s.end <= now)
        rooms = self.store.classrooms(self.course.id)
        specs = self.plugins.providers
        # build the providers first: a missing or bad setting is an input error before anything is stored
        for name in sorted(
            {
                row.classroom.provider
                for session in sessions
                if (row := rooms.get(session.id)) is not None and row.state != "cancelled"
            }
        ):
            spec = specs.get(name)
            if spec is not None and spec.capabilities.attendance_fetch and name not in self._providers:
                try:
                    self._providers[name] = spec.factory(self.context)
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
                provider = self._providers.get(name) or spec.factory(self.context)
                self._providers[name] = provider
                fetched = list(
                    provider.fetch_attendance(row.classroom, classroom_request(self.course, session))
                )
                segments = [
                    seg if seg.session_id == session.id else attrs.evolve(seg, session_id=session.id)
                    for seg in fetched
                ]
                live = {session.id: session}
                for seg in segments:
                    try:
                        _check_segment(seg, self.course, live, name)
                    except InputError as exc:
                        raise BadResponse(exc.message, provider=name) from None
                result = self.records.record(self.course.id, segments, self.context.clock.now())
                mark_recorded(self.store, self.course.id, [session.id], self.context.clock.now())
                results.append(attrs.evolve(result, sessions=result.sessions | {session.id}))
            except (ProviderError, TaDeliveryError) as exc:
                log.warning("attendance of %s from %s failed: %s", session.id, name, exc)
                failures.append(SessionFailure(session.id, f"{type(exc).__name__}: {exc}"))
        with _gc_paused():
            return self._after(results, None, tuple(notes), tuple(failures))

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
        with _gc_paused():
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
