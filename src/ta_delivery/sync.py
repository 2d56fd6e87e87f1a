"""Desired state: compare a course with the store and its providers, then make them agree.

``plan`` is read-only. ``apply`` records an intent before every remote call and closes it in the same
transaction that stores the result, so a crash or a lost response is found on the next run: a pending
create is looked up by its key (``find``) before anything is created again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

import attrs

from . import recordings
from .context import RunContext
from .desired import classroom_key, classroom_request, request_fingerprint
from .errors import InputError, ProviderError, TaDeliveryError, TransportError
from .invites import lifecycle
from .models import Centre, Course, Person, Session
from .planning import ApplyResult, ClassroomChange, InviteChange, ItemResult, Plan
from .plugins import Plugins
from .records import (
    Classroom,
    ClassroomProvider,
    ClassroomRequest,
    LmsChange,
    ProviderSpec,
    Recording,
    RecordingFinder,
    SupportsClose,
    SupportsFindMany,
    SupportsPlanNotes,
    SupportsPreflight,
    SupportsStale,
    Transport,
    TransportSpec,
)
from .store import ClassroomRow, Intent, InviteRow, Store

if TYPE_CHECKING:
    from email.message import EmailMessage

    from .invites.content import Reason

__all__ = [
    "ApplyResult",
    "ClassroomChange",
    "InviteChange",
    "ItemResult",
    "Plan",
    "Syncer",
    "classroom_key",
    "classroom_request",
    "request_fingerprint",
    "transport_spec",
]

log = logging.getLogger(__name__)


def transport_spec(plugins: Plugins, context: RunContext) -> TransportSpec:
    """The invite transport ``TA_DELIVERY_TRANSPORT`` names (``outbox`` by default)."""
    name = context.settings.get("transport") or "outbox"
    specs = plugins.transports
    if name not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise InputError(
            f"no invite transport named {name!r} is installed (installed: {known})",
            source="TA_DELIVERY_TRANSPORT",
        )
    return specs[name]


def preflight(course: Course, plugins: Plugins, context: RunContext, *, ask_lms: bool = False) -> None:
    """Build each provider and the LMS a run on ``course`` will use, to surface bad settings early.

    Call it with a context that has no store (its state is in memory): a missing or malformed
    ``TA_DELIVERY_*`` setting is then an :class:`InputError` before any state is created or changed.
    Building contacts no server. With ``ask_lms``, an LMS that has a ``preflight(course)`` method is asked
    too (it may read from its server): its input errors are raised, its other errors left for the run.
    """
    if course.status in ("scheduled", "delivered"):
        now = context.clock.now()
        names = {course.provider_of(s) for s in course.live_sessions if s.end > now}
        specs = plugins.providers
        for name in sorted(names):
            if name not in specs:
                raise InputError(f"no classroom provider named {name!r} is installed", key="course.provider")
            specs[name].factory(context)
    if course.invitations.delivery == "feed" and course.status in ("scheduled", "delivered"):
        serve_url(context)
    if course.lms is not None:
        if course.lms.provider not in plugins.lms:
            raise InputError(f"no LMS named {course.lms.provider!r} is installed", key="lms.provider")
        lms = plugins.lms[course.lms.provider].factory(context)
        if ask_lms and isinstance(lms, SupportsPreflight):
            try:
                lms.preflight(course)
            except InputError:
                raise
            except TaDeliveryError as exc:
                log.info("LMS preflight could not read the site (%s): the run will report it", exc)


def serve_url(context: RunContext) -> str:
    """The public address of ``ta-delivery serve`` (``TA_DELIVERY_SERVE_URL``), which a course that sends
    feeds instead of invitations needs for its welcome messages."""
    base = (context.settings.get("serve", "url") or "").strip()
    if not base.startswith(("https://", "http://")) or len(base) <= len("https://"):
        raise InputError(
            "is not set to the public http(s) address of `ta-delivery serve`, e.g. https://ta.example.org; "
            'a course with [invitations] delivery = "feed" sends it in each welcome message',
            source="TA_DELIVERY_SERVE_URL",
        )
    return base


#: The reason of an update that gives the classroom a new join link (the provider's settings changed).
_RELINK = "provider settings changed"


def _message_reason(message: lifecycle.Owed) -> Reason | None:
    """What the message's words should say: the CANCEL's reason, or a fresh invitation."""
    if message.method == "CANCEL":
        return cast("Reason", message.wording)
    return "invited" if message.wording == "invitation" else None


def _method(message: lifecycle.Owed) -> Literal["REQUEST", "CANCEL"]:
    if message.method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"not an invitation: {message.kind} {message.method}")
    return cast("Literal['REQUEST', 'CANCEL']", message.method)


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


@attrs.frozen
class _Desired:
    session: Session
    provider: str
    request: ClassroomRequest
    fingerprint: str


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


#: How a reference centre's contact is named in the message log (person ids hold no space).
CENTRE = "centre "


def _invite_fingerprint(
    room: Classroom, session: Session, join_url: str | None, names: Sequence[str] = ()
) -> str:
    """What an invitation says that calls for a new SEQUENCE when it changes: the session, the link, the
    dial-in details and, for a reference centre's contact, who attends from the centre."""
    from .invites import invite_fingerprint

    base = invite_fingerprint(session, join_url, room.dial_in)
    if not names:
        return base
    return hashlib.sha256("\x1f".join((base, *names)).encode("utf-8")).hexdigest()


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
    #: session id -> what the provider already has for a session the store has no record of
    _prefound: dict[str, Classroom | TaDeliveryError] = attrs.field(factory=dict, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)
    _send_lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

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

    def _active(self) -> bool:
        return self.course.status in ("scheduled", "delivered")

    def desired(self) -> dict[str, _Desired]:
        """Live sessions that should have a classroom now (not ended, course scheduled)."""
        now = self._now()
        out: dict[str, _Desired] = {}
        if not self._active():
            return out
        for session in self.course.live_sessions:
            if session.end <= now:
                continue
            name = self.course.provider_of(session)
            spec = self._spec(name)
            request = classroom_request(self.course, session)
            fp = request_fingerprint(name, request, spec.capabilities.personal_join_links)
            out[session.id] = _Desired(session, name, request, fp)
        return out

    def _ended(self) -> Callable[[str, datetime], bool]:
        """Whether a session has ended: by the file's times when the file lists it, else the store's.

        A session moved into the past has ended too: it is left alone, its classroom and invitations kept.
        """
        now = self._now()
        ends = {s.id: s.end for s in self.course.sessions}
        return lambda sid, stored_end: ends.get(sid, stored_end) <= now

    def _stale(self, classroom: Classroom) -> bool:
        """Whether the provider says ``classroom`` no longer matches its settings (a new Jitsi server)."""
        provider = self.provider(classroom.provider)
        return isinstance(provider, SupportsStale) and bool(provider.stale(classroom))

    def _classroom_changes(
        self, desired: Mapping[str, _Desired], stored: Mapping[str, ClassroomRow]
    ) -> list[ClassroomChange]:
        ended = self._ended()
        listed = {s.id for s in self.course.sessions}
        pending = self.store.pending_intents(self.course.id)
        changes: list[ClassroomChange] = []
        for sid, want in desired.items():
            row = stored.get(sid)
            if sid in pending and (row is None or row.state != "active"):
                changes.append(
                    ClassroomChange(sid, want.provider, "recover", "a previous run was interrupted")
                )
            elif row is None or row.state != "active":
                changes.append(ClassroomChange(sid, want.provider, "create", "new live session"))
            elif row.classroom.provider != want.provider:
                changes.append(ClassroomChange(sid, row.classroom.provider, "cancel", "provider changed"))
                changes.append(ClassroomChange(sid, want.provider, "create", "provider changed"))
            elif row.fingerprint != want.fingerprint or sid in pending:
                changes.append(ClassroomChange(sid, want.provider, "update", "session changed"))
            elif self._stale(row.classroom):
                changes.append(ClassroomChange(sid, want.provider, "update", _RELINK))
        for sid, row in sorted(stored.items()):
            if sid in desired or row.state != "active" or ended(sid, row.session_end):
                continue
            if not self._active():
                reason = "course " + self.course.status
            else:
                reason = "session removed" if sid not in listed else "session no longer live"
            changes.append(ClassroomChange(sid, row.classroom.provider, "cancel", reason))
        for sid, intents in sorted(pending.items()):
            row = stored.get(sid)
            last = intents[-1]
            if sid in desired or (row is not None and row.state == "active") or ended(sid, last.end):
                continue
            reason = "an interrupted run may have left a classroom behind"
            changes.append(ClassroomChange(sid, last.provider, "cleanup", reason))
        return changes

    def _eligible(self, prerequisites: Mapping[str, bool] | None) -> Callable[[Person], bool]:
        lms = self.course.lms
        if lms is None or not lms.require_prerequisites or prerequisites is None:
            return lambda person: True
        return lambda person: person.role != "participant" or prerequisites.get(person.id, False)

    def _wanted(
        self,
        desired: Mapping[str, _Desired],
        rooms: Mapping[str, ClassroomRow],
        prerequisites: Mapping[str, bool] | None,
        *,
        assume_created: bool,
        only: str | None,
    ) -> list[lifecycle.Wanted]:
        """Who should hold each live session's event now, with the fingerprint of what it should say.

        A session whose classroom is missing (its operation failed) has its people held back: no REQUEST
        this run, and nothing withdrawn from them either. ``assume_created`` (``plan``): a classroom to
        make has links nobody knows yet, a participant's own where the provider gives them.
        """
        eligible = self._eligible(prerequisites)
        out: list[lifecycle.Wanted] = []
        for sid, want in desired.items():
            if only is not None and sid != only:
                continue
            row = rooms.get(sid)
            ready = row is not None and row.state == "active" and row.classroom.provider == want.provider
            room = row.classroom if ready and row is not None else None
            personal = self._spec(want.provider).capabilities.personal_join_links
            for person in self.course.people_of(want.session):
                if not eligible(person) or self._feeds():  # a feed's people hold no invitation
                    continue
                fp: str | None = None
                if room is not None:
                    fp = _invite_fingerprint(room, want.session, room.join_url_for(person.id))
                elif assume_created:
                    fp = f"?{person.id}" if personal and person.role == "participant" else "?"
                out.append(lifecycle.Wanted(sid, person.id, person.email, fp))
            for centre, names in self._centres_of(want.session, eligible):
                fp = None
                if room is not None:
                    fp = _invite_fingerprint(room, want.session, room.join_url, names)
                elif assume_created:
                    fp = "?"
                out.append(lifecycle.Wanted(sid, CENTRE + centre.id, centre.contact.email, fp))
        return out

    def _centres_of(
        self, session: Session, eligible: Callable[[Person], bool]
    ) -> list[tuple[Centre, tuple[str, ...]]]:
        """The reference centres people attend ``session`` from, each with those people's names."""
        names: dict[str, list[str]] = {}
        for person in self.course.participants_of(session):
            if person.centre is not None and eligible(person):
                names.setdefault(person.centre, []).append(person.name)
        return [(self.course.centre(cid), tuple(sorted(n))) for cid, n in sorted(names.items())]

    def _centre_recipient(
        self, person_id: str, email: str, session: Session
    ) -> tuple[Person, tuple[str, tuple[str, ...]] | None]:
        """A centre's contact as the recipient of an invitation, with the centre's list of people."""
        cid = person_id.removeprefix(CENTRE)
        try:
            centre = self.course.centre(cid)
        except KeyError:  # the centre left the file: its contact still gets the CANCEL
            return self._ghost_person(cid, email), None
        contact = Person(
            id=cid,
            name=centre.contact.name,
            email=email,
            timezone=centre.timezone,
            country=centre.country,
        )
        found = dict(self._centres_of(session, self._eligible(None)))
        return contact, (centre.name, found.get(centre, ()))

    def _owed(
        self,
        desired: Mapping[str, _Desired],
        rooms: Mapping[str, ClassroomRow],
        prerequisites: Mapping[str, bool] | None,
        history: Sequence[InviteRow],
        *,
        assume_created: bool,
        only: str | None = None,
    ) -> list[lifecycle.Owed]:
        """The messages owed (:mod:`ta_delivery.invites.lifecycle` decides), leaving ended sessions alone.

        ``only`` limits the decision to one session.
        """
        ended = self._ended()
        ends: dict[str, datetime] = {}
        for m in history:
            if m.kind != lifecycle.WELCOME and (only is None or m.session_id == only):
                ends[m.session_id] = max(ends.get(m.session_id, m.session_end), m.session_end)
        log = [m for m in history if m.session_id in ends and not ended(m.session_id, ends[m.session_id])]
        withdrawn = {sid: self._cancel_reason(sid, desired) for sid in ends if sid not in desired}
        if self._feeds():  # an invitation sent before the switch: its event is in the feed now
            withdrawn.update({sid: lifecycle.SUBSCRIBED for sid in ends if sid in desired})
        wanted = self._wanted(desired, rooms, prerequisites, assume_created=assume_created, only=only)
        return lifecycle.owed(wanted, log, withdrawn)

    def _cancel_reason(self, sid: str, desired: Mapping[str, _Desired]) -> str:
        """Why a session's invitations are withdrawn: the course stopped, or the session went."""
        if not self._active():
            return "course-cancelled" if self.course.status == "cancelled" else "course-postponed"
        if sid not in desired:
            return "session-cancelled"
        return "removed"

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
        rooms = dict(stored)
        notes: list[str] = []
        notes.extend(self._status_notes())
        changes = self._classroom_changes(desired, stored)
        # a classroom updated in place keeps its links, so its invitations are judged as apply will
        # judge them; one created (again) gets a new link, so everyone of its session is owed a REQUEST
        touched = {
            c.session_id
            for c in changes
            if c.action != "update"
            or c.reason == _RELINK
            or not self._spec(c.provider).capabilities.update_in_place
        }
        owed = self._owed(
            desired,
            {k: v for k, v in rooms.items() if k not in touched},
            prerequisites,
            self.store.messages(self.course.id),
            assume_created=True,
        )
        recordings, _links = self._recordings_owed(
            self.store.messages(self.course.id), stored, prerequisites, remember=False
        )
        welcomes, _addresses = self._welcomes_owed(
            desired, prerequisites, self.store.messages(self.course.id), issue=False
        )
        owed = self._feed_cancels(owed, self._welcome_audience(desired, prerequisites), None)
        owed = [*welcomes, *owed, *recordings]
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

    def _provider_notes(self, desired: Mapping[str, _Desired]) -> list[str]:
        notes: list[str] = []
        for name in sorted({d.provider for d in desired.values()}):
            provider = self.provider(name)
            if isinstance(provider, SupportsPlanNotes):
                notes.extend(str(n) for n in provider.plan_notes())
        return notes

    # --- doing it -------------------------------------------------------------------------------

    def _record(self, sid: str, room: Classroom, want: _Desired | None, state: str, intent: int) -> None:
        now = self._now()
        if want is not None:
            session = want.session
            self.store.save_classroom(
                self.course.id,
                sid,
                room,
                fingerprint=want.fingerprint,
                state=state,
                start=session.start,
                end=session.end,
                title=session.title,
                minutes=session.minutes,
                now=now,
                intent_id=intent,
            )

    def _intent(self, sid: str, provider: str, action: str, request: ClassroomRequest) -> int:
        intent = Intent(sid, provider, action, request.key, request.start, request.end, request.title)
        return self.store.open_intent(self.course.id, intent, self._now())

    def _supersede(self, sid: str) -> None:
        for old in self.store.pending_intents(self.course.id).get(sid, []):
            assert old.id is not None
            self.store.finish_intent(old.id, "superseded", None, self._now())

    def _cancel(self, sid: str, provider: ClassroomProvider, row: ClassroomRow) -> None:
        room = row.classroom
        ghost = ClassroomRequest(
            key=room.key,
            course_id=self.course.id,
            session_id=sid,
            title=row.title,
            start=row.session_start,
            minutes=row.minutes,
            timezone=self.course.timezone,
        )
        self._supersede(sid)
        intent = self._intent(sid, room.provider, "cancel", ghost)
        provider.cancel(room)
        self.store.save_classroom(
            self.course.id,
            sid,
            room,
            fingerprint=row.fingerprint,
            state="cancelled",
            start=row.session_start,
            end=row.session_end,
            title=row.title,
            minutes=row.minutes,
            now=self._now(),
            intent_id=intent,
        )
        self._notify(sid, room, "cancel")

    def _cleanup(self, sid: str, provider: ClassroomProvider, spec: ProviderSpec) -> str:
        """Cancel what an interrupted create may have made for a session no longer wanted."""
        intents = self.store.pending_intents(self.course.id).get(sid, [])
        last = intents[-1]
        ghost = ClassroomRequest(
            key=last.key,
            course_id=self.course.id,
            session_id=sid,
            title=last.title,
            start=last.start,
            minutes=max(1, int((last.end - last.start).total_seconds() // 60)),
            timezone=self.course.timezone,
        )
        found = provider.find(ghost) if spec.capabilities.find_by_key else None
        if found is not None:
            provider.cancel(found)
        self._supersede(sid)
        return "removed a classroom left by an interrupted run" if found else "nothing was left behind"

    def _do_classroom(
        self, change: ClassroomChange, desired: Mapping[str, _Desired], stored: Mapping[str, ClassroomRow]
    ) -> ItemResult:
        sid = change.session_id
        try:
            provider = self.provider(change.provider)
            spec = self._spec(change.provider)
            if change.action == "cleanup":
                detail = self._cleanup(sid, provider, spec)
                return ItemResult("classroom", sid, "cleanup", True, detail=detail)
            row = stored.get(sid)
            if change.action == "cancel":
                assert row is not None
                self._cancel(sid, provider, row)
                return ItemResult("classroom", sid, "cancel", True, detail=change.reason)
            want = desired[sid]
            request = want.request
            found: Classroom | None = None
            lost_store = False
            if change.action == "recover" and spec.capabilities.find_by_key:
                found = provider.find(request)
            elif change.action == "create" and sid in self._prefound:
                looked = self._prefound[sid]
                if isinstance(looked, TaDeliveryError):
                    raise looked  # never create without having looked: it may already exist
                found, lost_store = looked, True
            self._supersede(sid)
            if found is not None:
                intent = self._intent(sid, change.provider, "update", request)
                room = provider.update(found, request)
                detail = "found the classroom of an interrupted run"
                if lost_store:
                    detail = "found its classroom, which the state store had no record of"
                action = "update"
            elif change.action in ("create", "recover"):
                intent = self._intent(sid, change.provider, "create", request)
                room = provider.create(request)
                action, detail = "create", room.join_url
            else:
                assert row is not None
                intent = self._intent(sid, change.provider, "update", request)
                if spec.capabilities.update_in_place:
                    room = provider.update(row.classroom, request)
                else:
                    provider.cancel(row.classroom)
                    room = provider.create(request)
                action, detail = "update", change.reason
            self._record(sid, room, want, "active", intent)
            self._notify(sid, room, action)
            return ItemResult("classroom", sid, action, True, detail=detail)
        except TaDeliveryError as exc:
            log.warning("classroom %s %s failed: %s", change.action, sid, exc)
            return ItemResult("classroom", sid, change.action, False, error=_error_text(exc))

    def _look_before_create(
        self,
        changes: Sequence[ClassroomChange],
        desired: Mapping[str, _Desired],
        stored: Mapping[str, ClassroomRow],
    ) -> dict[str, Classroom | TaDeliveryError]:
        """What providers already have for sessions the store has never seen (a lost or replaced store).

        Providers that can find a classroom by its key are asked before creating, once per provider:
        ``find_many`` (one listing per host) where the provider offers it, else ``find`` per session.
        A failed lookup fails those creates for this run rather than risk a duplicate.
        """
        fresh: dict[str, list[ClassroomRequest]] = {}
        for change in changes:
            sid = change.session_id
            if change.action != "create" or sid in stored or sid not in desired:
                continue
            if self._spec(change.provider).capabilities.find_by_key:
                fresh.setdefault(change.provider, []).append(desired[sid].request)
        out: dict[str, Classroom | TaDeliveryError] = {}
        for name, requests in fresh.items():
            provider = self.provider(name)
            try:
                if isinstance(provider, SupportsFindMany):
                    by_key: Mapping[str, Classroom] = provider.find_many(requests)
                else:
                    by_key = {r.key: room for r in requests if (room := provider.find(r)) is not None}
            except TaDeliveryError as exc:
                log.warning("%s: could not look for existing classrooms before creating: %s", name, exc)
                out.update({r.session_id: exc for r in requests})
                continue
            out.update({r.session_id: by_key[r.key] for r in requests if r.key in by_key})
        return out

    def _notify(self, sid: str, room: Classroom, action: str) -> None:
        try:
            session = self.course.session(sid)
        except KeyError:
            return
        try:
            self.plugins.hook.ta_delivery_classroom_provisioned(
                course=self.course, session=session, classroom=room, action=action
            )
        except Exception as exc:  # a listener's bug must not stop the run: the classroom is recorded
            log.warning(
                "a plugin failed on classroom_provisioned for %s: %s: %s", sid, type(exc).__name__, exc
            )

    def _transport(self) -> Transport:
        if self.transport is None:
            self.transport = transport_spec(self.plugins, self.context).factory(self.context)
        return self.transport

    def _send_invites(
        self, owed: Sequence[lifecycle.Owed], rooms: Mapping[str, ClassroomRow], transport: Transport
    ) -> list[ItemResult]:
        """Record each message as pending, send it, record it as sent (a failure stays pending)."""
        if not owed:
            return []
        from .invites import build_invite

        results: list[ItemResult] = []
        failed: set[tuple[str, str]] = set()
        for message in owed:
            target = f"{message.session_id}/{message.person_id}"
            if (message.session_id, message.person_id) in failed:
                # a person's messages go in order: their REQUEST waits with the CANCEL to their old
                # address that failed, and both go on the next run
                continue
            session = self._session_or_ghost(message.session_id, rooms)
            if session is None:
                continue
            centre: tuple[str, tuple[str, ...]] | None = None
            if message.person_id.startswith(CENTRE):
                person, centre = self._centre_recipient(message.person_id, message.email, session)
            else:
                try:
                    person = self.course.person(message.person_id)
                except KeyError:
                    person = self._ghost_person(message.person_id, message.email)
            if person.email != message.email:
                person = attrs.evolve(person, email=message.email)  # a CANCEL goes where the event was sent
            room_row = rooms.get(message.session_id)
            room = room_row.classroom if room_row is not None else None
            link = None if room is None else room.join_url if centre else room.join_url_for(person.id)
            dial_in = room.dial_in if room is not None else None
            result = self._deliver(
                message,
                session,
                person.email,
                transport,
                functools.partial(
                    build_invite,
                    self.course,
                    session,
                    person,
                    method=_method(message),
                    sequence=message.sequence,
                    join_url=link,
                    plugins=self.plugins,
                    reason=_message_reason(message),
                    dial_in=dial_in,
                    centre=centre,
                ),
            )
            results.append(result)
            if not result.ok:
                failed.add((message.session_id, message.person_id))
                continue
            if self.on_progress:
                self.on_progress(target)
        return results

    # --- welcome messages ([invitations] delivery = "feed", decision 0155) ---------------------------

    def _feeds(self) -> bool:
        """Whether people get one welcome with their feed address instead of one invitation per session."""
        return self.course.invitations.delivery == "feed"

    def _welcome_audience(
        self, desired: Mapping[str, _Desired], prerequisites: Mapping[str, bool] | None
    ) -> list[Person]:
        """Who should hold a feed: the eligible trainers and participants of the live sessions to come."""
        if not self._feeds():
            return []
        eligible = self._eligible(prerequisites)
        ids = {p.id for d in desired.values() for p in self.course.people_of(d.session) if eligible(p)}
        return [p for p in (*self.course.trainers, *self.course.participants) if p.id in ids]

    def _welcomes_owed(
        self,
        desired: Mapping[str, _Desired],
        prerequisites: Mapping[str, bool] | None,
        history: Sequence[InviteRow],
        *,
        issue: bool,
    ) -> tuple[list[lifecycle.Owed], dict[str, str]]:
        """The welcome messages owed and each owed person's feed address.

        ``issue`` (``apply``): a person without a feed token gets one now; ``plan`` only reads, and a
        person without one is owed a welcome to an address not issued yet.
        """
        from .invites.welcome import welcome_fingerprint
        from .serve.target import feed_url

        people = self._welcome_audience(desired, prerequisites)
        if not people:
            return [], {}
        base = serve_url(self.context)
        addresses: dict[str, str] = {}
        wanted: list[lifecycle.Wanted] = []
        for person in people:
            if issue:
                token: str | None = self.store.feed_token(self.course.id, person.id, self._now())
            else:
                token = self.store.active_feed_token(self.course.id, person.id)
            fp = "?"
            if token is not None:
                addresses[person.id] = feed_url(base, token)
                fp = welcome_fingerprint(addresses[person.id])
            wanted.append(
                lifecycle.Wanted(
                    lifecycle.WELCOME_SESSION, person.id, person.email, fp, kind=lifecycle.WELCOME
                )
            )
        log = [m for m in history if m.kind == lifecycle.WELCOME]
        return lifecycle.owed(wanted, log), addresses

    def _feed_cancels(
        self, owed: Sequence[lifecycle.Owed], audience: Sequence[Person], welcomed: set[str] | None
    ) -> list[lifecycle.Owed]:
        """The invitations withdrawn because the course moved to feeds, as they may go now.

        Someone who still has sessions keeps their invitations until their welcome is delivered
        (``welcomed``; ``None`` in a plan: all go); someone who has none left is told they are no longer
        expected, as with invitations.
        """
        keep = {p.id for p in audience}
        out: list[lifecycle.Owed] = []
        for message in owed:
            if message.method == "CANCEL" and message.wording == lifecycle.SUBSCRIBED:
                if message.person_id not in keep:
                    message = attrs.evolve(message, wording=lifecycle.REMOVED, reason=lifecycle.REMOVED)
                elif welcomed is not None and message.person_id not in welcomed:
                    continue
            out.append(message)
        return out

    def _send_welcomes(
        self, owed: Sequence[lifecycle.Owed], addresses: Mapping[str, str], transport: Transport
    ) -> list[ItemResult]:
        """Record each welcome as pending, send it, record it as sent (a failure is retried next run)."""
        from .invites.welcome import build_welcome_message

        results: list[ItemResult] = []
        last_end = max((s.end for s in self.course.live_sessions), default=self._now())
        for message in owed:
            person = attrs.evolve(self.course.person(message.person_id), email=message.email)
            now = self._now()
            row = InviteRow(
                session_id=message.session_id,
                person_id=person.id,
                email=message.email,
                sequence=message.sequence,
                fingerprint=message.fingerprint,
                method=message.method,
                state="pending",
                session_end=last_end,
                kind=message.kind,
            )
            try:
                self.store.save_invite(self.course.id, row, now)
                built = build_welcome_message(
                    self.course, person, feed_address=addresses[person.id], dtstamp=now
                )
                with self._send_lock:
                    transport.send(built)
            except TransportError as exc:
                self.store.save_invite(self.course.id, row, now, error=_error_text(exc))
                results.append(
                    ItemResult("welcome", person.id, message.method, False, error=_error_text(exc))
                )
                continue
            self.store.save_invite(self.course.id, attrs.evolve(row, state="sent"), self._now())
            results.append(ItemResult("welcome", person.id, message.method, True, detail=person.email))
        return results

    # --- recordings (PRODUCT.md section 7) -------------------------------------------------------

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
        from .invites.recording import recording_fingerprint

        if self.course.recordings.send_to == "none" or not self._active():
            return [], {}
        now = self._now()
        ended = [s for s in self.course.live_sessions if s.end <= now]
        if not ended:
            return [], {}
        eligible = self._eligible(prerequisites)
        statuses = self._statuses() if self.course.recordings.send_to == "missed" else {}
        wanted: list[lifecycle.Wanted] = []
        links: dict[str, Recording] = {}
        for session in ended:
            people = recordings.audience(self.course, session, statuses.get(session.id), eligible)
            if not people:
                continue
            link = recordings.recording_of(session, self._found_recording(session, rooms, remember))
            if link is None:
                continue
            links[session.id] = link
            fp = recording_fingerprint(link)
            wanted.extend(
                lifecycle.Wanted(session.id, p.id, p.email, fp, kind=lifecycle.RECORDING) for p in people
            )
        log = [m for m in history if m.kind == lifecycle.RECORDING]
        return lifecycle.owed(wanted, log), links

    def _statuses(self) -> dict[str, dict[str, str]]:
        """Each live session's participant statuses, from the attendance recorded so far."""
        from .attendance.service import Attendance

        report = Attendance(self.course, self.store, self.plugins, self.context).report()
        out: dict[str, dict[str, str]] = {}
        for status in report.statuses():
            out.setdefault(status.session_id, {})[status.participant_id] = status.status
        return out

    def _found_recording(
        self, session: Session, rooms: Mapping[str, ClassroomRow], remember: bool
    ) -> Recording | None:
        """The recording the session's provider found (remembered once found), or ``None``."""
        memory = self.store.namespace("recordings")
        kept = memory.get(session.id)
        if kept is not None:
            data = json.loads(kept)
            return Recording(url=data["url"], passcode=data.get("passcode"))
        row = rooms.get(session.id)
        if row is None or not self._spec(row.classroom.provider).capabilities.recordings:
            return None
        provider = self.provider(row.classroom.provider)
        if not isinstance(provider, RecordingFinder):
            return None
        try:
            found = provider.find_recording(row.classroom, classroom_request(self.course, session))
        except ProviderError as exc:
            log.warning("recording of %s not looked up: %s", session.id, _error_text(exc))
            return None
        if found is not None and remember:
            memory.put(session.id, json.dumps({"url": found.url, "passcode": found.passcode}))
        return found

    def _send_recordings(
        self, owed: Sequence[lifecycle.Owed], links: Mapping[str, Recording], transport: Transport
    ) -> list[ItemResult]:
        """Record each recording message as pending, send it, record it as sent."""
        from .invites.recording import build_recording_message

        results: list[ItemResult] = []
        for message in owed:
            session = self.course.session(message.session_id)
            person = attrs.evolve(self.course.person(message.person_id), email=message.email)
            results.append(
                self._deliver(
                    message,
                    session,
                    person.email,
                    transport,
                    functools.partial(
                        build_recording_message,
                        self.course,
                        session,
                        person,
                        recording=links[session.id],
                        correction=message.wording == "correction",
                    ),
                )
            )
        return results

    def _deliver(
        self,
        message: lifecycle.Owed,
        session: Session,
        address: str,
        transport: Transport,
        build: Callable[..., EmailMessage],
    ) -> ItemResult:
        """Record ``message`` as pending, build and send it, record it as sent; a failure stays pending
        (with its error) for the next run, which sends the same message again."""
        kind: Literal["invite", "recording"] = (
            "recording" if message.kind == lifecycle.RECORDING else "invite"
        )
        target = f"{message.session_id}/{message.person_id}"
        now = self._now()
        row = InviteRow(
            session_id=session.id,
            person_id=message.person_id,
            email=message.email,
            sequence=message.sequence,
            fingerprint=message.fingerprint,
            method=message.method,
            state="pending",
            session_end=session.end,
            kind=message.kind,
        )
        try:
            self.store.save_invite(self.course.id, row, now)
            built = build(dtstamp=now)
            with self._send_lock:
                transport.send(built)
        except (TransportError, ProviderError) as exc:
            self.store.save_invite(self.course.id, row, now, error=_error_text(exc))
            return ItemResult(kind, target, message.method, False, error=_error_text(exc))
        self.store.save_invite(self.course.id, attrs.evolve(row, state="sent"), self._now())
        return ItemResult(kind, target, message.method, True, detail=address)

    def _session_or_ghost(self, sid: str, rooms: Mapping[str, ClassroomRow]) -> Session | None:
        try:
            return self.course.session(sid)
        except KeyError:
            return self._ghost_session(sid, rooms)

    def _ghost_session(self, sid: str, rooms: Mapping[str, ClassroomRow]) -> Session | None:
        """A removed session, rebuilt from the store so its people can be sent a CANCEL."""
        row = rooms.get(sid)
        if row is None:
            return None
        return Session(id=sid, title=row.title or sid, start=row.session_start, minutes=max(row.minutes, 1))

    def _ghost_person(self, person_id: str, email: str) -> Person:
        """A person removed from the file, rebuilt from the store for their CANCEL."""
        return Person(id=person_id, name=email.split("@")[0], email=email, timezone=self.course.timezone)

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
        self._prefound = self._look_before_create(changes, desired, stored)
        results: list[ItemResult] = []
        notes: list[str] = self._status_notes()
        prerequisites: Mapping[str, bool] | None = None
        hold_invites = False
        if self.course.lms is not None:
            try:
                prerequisites = self.prerequisites()
            except TaDeliveryError as exc:
                results.append(ItemResult("lms", "prerequisites", "read", False, error=_error_text(exc)))
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
            results.extend(self._send_welcomes(welcomes, addresses, transport))
            welcomed = {
                m.person_id
                for m in self.store.messages(self.course.id, lifecycle.WELCOME_SESSION)
                if m.kind == lifecycle.WELCOME and m.state == "sent"
            }

        def run(sid: str) -> list[ItemResult]:
            out: list[ItemResult] = []
            for change in by_session[sid]:
                result = self._do_classroom(change, desired, stored)
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
            owed = self._feed_cancels(owed, audience, welcomed)
            if owed:
                out.extend(self._send_invites(owed, rooms, transport))
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
            recordings, links = self._recordings_owed(
                self.store.messages(self.course.id), self.store.classrooms(self.course.id), prerequisites
            )
            results.extend(self._send_recordings(recordings, links, transport))
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
                    ItemResult("lms", self.course.lms.course, "sync", False, error=_error_text(exc))
                )
        return ApplyResult(self.course.id, tuple(results), tuple(notes))
