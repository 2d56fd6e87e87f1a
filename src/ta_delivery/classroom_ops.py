"""Carrying out classroom operations: the provider calls, and the store's intents around them.

Every remote call is preceded by an intent and followed, in the same transaction as its result, by the
intent's close, so a crash or a lost response is found on the next run (``recover``/``cleanup``). Which
operations to run is decided in :mod:`ta_delivery.classroom_plan`; this module only does them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import attrs

from .classroom_plan import Desired, fresh_creates
from .errors import TaDeliveryError
from .models import Course
from .planning import ClassroomChange, ItemResult, error_text
from .plugins import Plugins
from .records import Classroom, ClassroomProvider, ClassroomRequest, ProviderSpec, SupportsFindMany
from .store import ClassroomRow, Intent, Store

__all__ = ["ClassroomOps"]

#: What a classroom row keeps of its session: start, end, title and length in minutes.
_Held = tuple[datetime, datetime, str, int]

log = logging.getLogger(__name__)


@attrs.define
class ClassroomOps:
    """Runs one course's classroom operations against its providers, recording each in the store."""

    course: Course
    store: Store
    plugins: Plugins
    provider: Callable[[str], ClassroomProvider]
    spec: Callable[[str], ProviderSpec]
    now: Callable[[], datetime]
    #: session id -> what the provider already has for a session the store has no record of
    prefound: dict[str, Classroom | TaDeliveryError] = attrs.field(factory=dict)

    def look_before_create(
        self,
        changes: Sequence[ClassroomChange],
        desired: Mapping[str, Desired],
        stored: Mapping[str, ClassroomRow],
    ) -> None:
        """Find what providers already have for sessions the store has never seen (a lost or replaced store).

        Providers that can find a classroom by its key are asked before creating, once per provider:
        ``find_many`` (one listing per host) where the provider offers it, else ``find`` per session.
        A failed lookup fails those creates for this run rather than risk a duplicate.
        """
        out: dict[str, Classroom | TaDeliveryError] = {}
        for name, requests in fresh_creates(list(changes), desired, stored, self.spec).items():
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
        self.prefound = out

    def run(
        self, change: ClassroomChange, desired: Mapping[str, Desired], stored: Mapping[str, ClassroomRow]
    ) -> ItemResult:
        """Carry out one operation; a provider's failure is the item's error, not the run's."""
        sid = change.session_id
        try:
            provider = self.provider(change.provider)
            spec = self.spec(change.provider)
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
            elif change.action == "create" and sid in self.prefound:
                looked = self.prefound[sid]
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
            session = want.session
            held = (session.start, session.end, session.title, session.minutes)
            self._record(sid, room, intent, "active", want.fingerprint, held)
            self._notify(sid, room, action)
            return ItemResult("classroom", sid, action, True, detail=detail)
        except TaDeliveryError as exc:
            log.warning("classroom %s %s failed: %s", change.action, sid, exc)
            return ItemResult("classroom", sid, change.action, False, error=error_text(exc))

    def _record(
        self, sid: str, room: Classroom, intent: int, state: str, fingerprint: str, held: _Held
    ) -> None:
        """Store the classroom with what it was made for, closing ``intent`` in the same write."""
        start, end, title, minutes = held
        self.store.save_classroom(
            self.course.id,
            sid,
            room,
            fingerprint=fingerprint,
            state=state,
            start=start,
            end=end,
            title=title,
            minutes=minutes,
            now=self.now(),
            intent_id=intent,
        )

    def _ghost(self, sid: str, key: str, title: str, start: datetime, minutes: int) -> ClassroomRequest:
        """The request a stored classroom was made with, enough to find or cancel it."""
        return ClassroomRequest(
            key=key,
            course_id=self.course.id,
            session_id=sid,
            title=title,
            start=start,
            minutes=minutes,
            timezone=self.course.timezone,
        )

    def _intent(self, sid: str, provider: str, action: str, request: ClassroomRequest) -> int:
        intent = Intent(sid, provider, action, request.key, request.start, request.end, request.title)
        return self.store.open_intent(self.course.id, intent, self.now())

    def _supersede(self, sid: str) -> None:
        for old in self.store.pending_intents(self.course.id).get(sid, []):
            assert old.id is not None
            self.store.finish_intent(old.id, "superseded", None, self.now())

    def _cancel(self, sid: str, provider: ClassroomProvider, row: ClassroomRow) -> None:
        room = row.classroom
        self._supersede(sid)
        ghost = self._ghost(sid, room.key, row.title, row.session_start, row.minutes)
        intent = self._intent(sid, room.provider, "cancel", ghost)
        provider.cancel(room)
        held = (row.session_start, row.session_end, row.title, row.minutes)
        self._record(sid, room, intent, "cancelled", row.fingerprint, held)
        self._notify(sid, room, "cancel")

    def _cleanup(self, sid: str, provider: ClassroomProvider, spec: ProviderSpec) -> str:
        """Cancel what an interrupted create may have made for a session no longer wanted."""
        intents = self.store.pending_intents(self.course.id).get(sid, [])
        last = intents[-1]
        minutes = max(1, int((last.end - last.start).total_seconds() // 60))
        ghost = self._ghost(sid, last.key, last.title, last.start, minutes)
        found = provider.find(ghost) if spec.capabilities.find_by_key else None
        if found is not None:
            provider.cancel(found)
        self._supersede(sid)
        return "removed a classroom left by an interrupted run" if found else "nothing was left behind"

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
