"""Desired state: compare a course with the store and its providers, then make them agree.

``plan`` is read-only. ``apply`` records an intent before every remote call and closes it in the same
transaction that stores the result, so a crash or a lost response is found on the next run: a pending
create is looked up by its key (``find``) before anything is created again.

This module only orchestrates (decision 0131): it reads the store and asks the providers, hands what it
read to the pure decisions (:mod:`.classroom_plan`, :mod:`.invites.wanted`, :mod:`.invites.welcome_plan`,
:mod:`.recordings`), and has the operations carried out (:mod:`.classroom_ops`, :mod:`.invites.delivery`),
session by session, several at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import attrs

from . import recordings
from .classroom_ops import ClassroomOps
from .classroom_plan import Desired, classroom_changes, desired_classrooms, touched
from .context import RunContext
from .desired import classroom_key, classroom_request, request_fingerprint
from .errors import InputError, TaDeliveryError
from .invites import lifecycle
from .invites.centres import CENTRE
from .invites.delivery import Delivery
from .invites.wanted import eligibility, owed_invitations
from .invites.welcome_plan import feed_cancels, welcome_audience, welcomes_owed
from .models import Course, Person, Session
from .planning import ApplyResult, ClassroomChange, InviteChange, ItemResult, Plan, error_text
from .plugins import Plugins
from .preflight import preflight, serve_url, transport_spec
from .recording_lookup import find_recording, session_statuses
from .records import (
    Classroom,
    ClassroomProvider,
    LmsChange,
    ProviderSpec,
    Recording,
    SupportsClose,
    SupportsPlanNotes,
    SupportsStale,
    Transport,
)
from .store import ClassroomRow, InviteRow, Store

__all__ = [
    "CENTRE",
    "ApplyResult",
    "ClassroomChange",
    "InviteChange",
    "ItemResult",
    "Plan",
    "Syncer",
    "classroom_key",
    "classroom_request",
    "preflight",
    "request_fingerprint",
    "serve_url",
    "transport_spec",
]


def _planned(message: lifecycle.Owed) -> InviteChange:
    return InviteChange(
        message.session_id,
        message.person_id,
        message.email,
        message.method,
        message.sequence,
        message.reason,
        kind=message.kind,
        wording=message.wording,
    )


@attrs.define
class Syncer:
    """Plans and applies one course against the store, its providers, transport and LMS."""

    course: Course
    store: Store
    plugins: Plugins
    context: RunContext
    workers: int = 4
    on_progress: Callable[[str], None] | None = None
    transport: Transport | None = None
    _providers: dict[str, ClassroomProvider] = attrs.field(factory=dict, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    # --- what is wanted -------------------------------------------------------------------------

    def _spec(self, name: str) -> ProviderSpec:
        specs = self.plugins.providers
        if name not in specs:
            raise InputError(f"no classroom provider named {name!r} is installed", key="course.provider")
        return specs[name]

    def provider(self, name: str) -> ClassroomProvider:
        """The provider ``name`` for this run (made once)."""
        with self._lock:
            if name not in self._providers:
                self._providers[name] = self._spec(name).factory(self.context)
            return self._providers[name]

    def _now(self) -> datetime:
        return self.context.clock.now()

    def desired(self) -> dict[str, Desired]:
        """Live sessions that should have a classroom now (not ended, course scheduled)."""
        return desired_classrooms(self.course, self._spec, self._now())

    def _stale(self, classroom: Classroom) -> bool:
        """Whether the provider says ``classroom`` no longer matches its settings (a new Jitsi server)."""
        provider = self.provider(classroom.provider)
        return isinstance(provider, SupportsStale) and bool(provider.stale(classroom))

    def _classroom_changes(
        self, desired: Mapping[str, Desired], stored: Mapping[str, ClassroomRow]
    ) -> list[ClassroomChange]:
        pending = self.store.pending_intents(self.course.id)
        return classroom_changes(
            self.course, desired, stored, pending, self._now(), self._stale, self._findable
        )

    def _findable(self, provider: str) -> bool:
        """Whether ``apply`` looks for the provider's classroom by its key before creating one."""
        return self._spec(provider).capabilities.find_by_key

    def _owed(
        self,
        desired: Mapping[str, Desired],
        rooms: Mapping[str, ClassroomRow],
        prerequisites: Mapping[str, bool] | None,
        history: Sequence[InviteRow],
        *,
        assume_created: bool,
        only: str | None = None,
    ) -> list[lifecycle.Owed]:
        return owed_invitations(
            self.course,
            desired,
            rooms,
            prerequisites,
            history,
            self._spec,
            self._now(),
            assume_created=assume_created,
            only=only,
        )

    def _welcome_audience(
        self, desired: Mapping[str, Desired], prerequisites: Mapping[str, bool] | None
    ) -> list[Person]:
        return welcome_audience(self.course, desired, eligibility(self.course, prerequisites))

    def _welcomes_owed(
        self,
        desired: Mapping[str, Desired],
        prerequisites: Mapping[str, bool] | None,
        history: Sequence[InviteRow],
        *,
        issue: bool,
    ) -> tuple[list[lifecycle.Owed], dict[str, str]]:
        """The welcome messages owed and each owed person's feed address.

        ``issue`` (``apply``): a person without a feed token gets one now; ``plan`` only reads, and a
        person without one is owed a welcome to an address not issued yet.
        """
        from .serve.target import feed_url

        people = self._welcome_audience(desired, prerequisites)
        if not people:
            return [], {}
        base = serve_url(self.context)
        addresses: dict[str, str] = {}
        for person in people:
            if issue:
                token: str | None = self.store.feed_token(self.course.id, person.id, self._now())
            else:
                token = self.store.active_feed_token(self.course.id, person.id)
            if token is not None:
                addresses[person.id] = feed_url(base, token)
        return welcomes_owed(people, addresses, history), addresses

    def _recordings_owed(
        self,
        history: Sequence[InviteRow],
        rooms: Mapping[str, ClassroomRow],
        prerequisites: Mapping[str, bool] | None,
        *,
        remember: bool = True,
    ) -> tuple[list[lifecycle.Owed], dict[str, Recording]]:
        """The recording messages owed for ended live sessions, and each session's link.

        The link is looked up only for sessions someone should get it for; a link a provider found is
        remembered in the store (``remember``; ``plan`` does not), so it is asked once.
        """
        ended = recordings.ended_sessions(self.course, self._now())
        if not ended:
            return [], {}
        statuses: Mapping[str, Mapping[str, str]] = {}
        if self.course.recordings.send_to == "missed":
            statuses = session_statuses(self.course, self.store, self.plugins, self.context)

        def found(session: Session) -> Recording | None:
            row = rooms.get(session.id)
            return find_recording(
                self.course, self.store, session, row, self._spec, self.provider, remember=remember
            )

        eligible = eligibility(self.course, prerequisites)
        return recordings.owed_messages(self.course, ended, statuses, found, eligible, history)

    def prerequisites(self) -> Mapping[str, bool] | None:
        """Participants' prerequisite status from the LMS, or ``None`` when not applicable."""
        lms = self.course.lms
        if lms is None or not self.course.prerequisites:
            return None
        result: Mapping[str, bool] = self._lms().prerequisites(self.course)
        return result

    def _lms(self) -> Any:
        lms = self.course.lms
        assert lms is not None
        specs = self.plugins.lms
        if lms.provider not in specs:
            raise InputError(f"no LMS named {lms.provider!r} is installed", key="lms.provider")
        return specs[lms.provider].factory(self.context)

    def plan(self) -> Plan:
        """What ``apply`` would do, without changing anything anywhere."""
        desired = self.desired()
        stored = self.store.classrooms(self.course.id)
        prerequisites = self.prerequisites()
        notes: list[str] = []
        notes.extend(self._status_notes())
        changes = self._classroom_changes(desired, stored)
        relinked = touched(changes, self._spec)
        history = self.store.messages(self.course.id)
        owed = self._owed(
            desired,
            {k: v for k, v in stored.items() if k not in relinked},
            prerequisites,
            history,
            assume_created=True,
        )
        recorded, _links = self._recordings_owed(history, stored, prerequisites, remember=False)
        welcomes, _addresses = self._welcomes_owed(desired, prerequisites, history, issue=False)
        owed = feed_cancels(owed, self._welcome_audience(desired, prerequisites), None)
        owed = [*welcomes, *owed, *recorded]
        lms_changes: tuple[LmsChange, ...] = ()
        if self.course.lms is not None:
            lms_changes = tuple(self._lms().plan(self.course))
        notes.extend(self._provider_notes(desired))
        if prerequisites is not None and self.course.lms and self.course.lms.require_prerequisites:
            for pid, ok in sorted(prerequisites.items()):
                if not ok:
                    notes.append(f"{pid} has not completed the prerequisites and is not invited")
        return Plan(
            self.course.id,
            tuple(changes),
            tuple(_planned(o) for o in owed),
            lms_changes,
            tuple(notes),
            prerequisites,
        )

    def _status_notes(self) -> list[str]:
        if self.course.status == "planned":
            return ["course status is 'planned': no classroom or invitation until it is 'scheduled'"]
        return []

    def _provider_notes(self, desired: Mapping[str, Desired]) -> list[str]:
        notes: list[str] = []
        for name in sorted({d.provider for d in desired.values()}):
            provider = self.provider(name)
            if isinstance(provider, SupportsPlanNotes):
                notes.extend(str(n) for n in provider.plan_notes())
        return notes

    # --- doing it -------------------------------------------------------------------------------

    def _transport(self) -> Transport:
        if self.transport is None:
            self.transport = transport_spec(self.plugins, self.context).factory(self.context)
        return self.transport

    def apply(self) -> ApplyResult:
        """Make the providers, the invitations and the LMS match the course. Safe to run again.

        Each session runs as a small pipeline (classroom operations, then its invitations), several
        sessions at a time, so building messages overlaps waiting on the provider's rate limit.
        Runs of one course on one store take turns (:meth:`Store.run_lock`): a second run waits, then
        finds the first one's work done.
        """
        with self.store.run_lock(self.course.id):
            return self._apply()

    def _apply(self) -> ApplyResult:
        now = self._now()
        transport = self._transport()  # a bad setting stops the run before anything changes
        desired = self.desired()
        stored = self.store.classrooms(self.course.id)
        changes = self._classroom_changes(desired, stored)
        self.store.remember_course(self.course.id, self.course.title, self.course.timezone, now)
        ops = ClassroomOps(self.course, self.store, self.plugins, self.provider, self._spec, self._now)
        ops.look_before_create(changes, desired, stored)
        delivery = Delivery(self.course, self.store, self.plugins, transport, self._now, self.on_progress)
        results: list[ItemResult] = []
        notes: list[str] = self._status_notes()
        prerequisites: Mapping[str, bool] | None = None
        hold_invites = False
        if self.course.lms is not None:
            try:
                prerequisites = self.prerequisites()
            except TaDeliveryError as exc:
                results.append(ItemResult("lms", "prerequisites", "read", False, error=error_text(exc)))
                if self.course.lms.require_prerequisites:
                    hold_invites = True
                    notes.append(
                        "prerequisites unknown: participants' invitations held back until the LMS answers"
                    )
        participant_ids = {p.id for p in self.course.participants}
        by_session: dict[str, list[ClassroomChange]] = {sid: [] for sid in desired}
        for change in changes:
            by_session.setdefault(change.session_id, []).append(change)
        history = self.store.messages(self.course.id)
        for m in history:
            if m.kind != lifecycle.WELCOME:
                by_session.setdefault(m.session_id, [])
        # feeds: each person's welcome goes first; their invitations are withdrawn once it is delivered
        audience = self._welcome_audience(desired, prerequisites)
        welcomed: set[str] = set()
        if audience:
            welcomes, addresses = self._welcomes_owed(desired, prerequisites, history, issue=True)
            if hold_invites:  # as with invitations: participants wait for the LMS's answer
                welcomes = [w for w in welcomes if w.person_id not in participant_ids]
            results.extend(delivery.send_welcomes(welcomes, addresses))
            welcomed = {
                m.person_id
                for m in self.store.messages(self.course.id, lifecycle.WELCOME_SESSION)
                if m.kind == lifecycle.WELCOME and m.state == "sent"
            }

        def run(sid: str) -> list[ItemResult]:
            out: list[ItemResult] = []
            for change in by_session[sid]:
                result = ops.run(change, desired, stored)
                out.append(result)
                if self.on_progress:
                    self.on_progress(sid)
                if not result.ok:
                    break
            rooms = self.store.classrooms(self.course.id, sid)
            mine = [m for m in history if m.session_id == sid]
            owed = self._owed(desired, rooms, prerequisites, mine, assume_created=False, only=sid)
            if out and not out[-1].ok:
                # the classroom does not match the session yet: no REQUEST announcing what it does not
                # offer (the next run sends them); people who left are still told
                owed = [c for c in owed if c.method == "CANCEL"]
            if hold_invites:  # whether participants may come is unknown; trainers and CANCELs go on
                owed = [c for c in owed if c.method == "CANCEL" or c.person_id not in participant_ids]
            owed = feed_cancels(owed, audience, welcomed)
            if owed:
                out.extend(delivery.send_invites(owed, rooms))
            return out

        sessions = sorted(by_session)
        try:
            if self.workers > 1 and len(sessions) > 1:
                with ThreadPoolExecutor(max_workers=self.workers) as pool:
                    for out in pool.map(run, sessions):
                        results.extend(out)
            else:
                for sid in sessions:
                    results.extend(run(sid))
            recorded, links = self._recordings_owed(
                self.store.messages(self.course.id), self.store.classrooms(self.course.id), prerequisites
            )
            results.extend(delivery.send_recordings(recorded, links))
        finally:
            if isinstance(transport, SupportsClose):
                transport.close()
        if self.course.lms is not None:
            try:
                for c in self._lms().apply(self.course):
                    results.append(
                        ItemResult("lms", c.target, c.action, c.ok, error=c.error, detail=c.detail)
                    )
            except TaDeliveryError as exc:
                results.append(
                    ItemResult("lms", self.course.lms.course, "sync", False, error=error_text(exc))
                )
        return ApplyResult(self.course.id, tuple(results), tuple(notes))
