"""Sending the messages owed: each is recorded as pending, built, sent, then recorded as sent.

A failed send stays pending with its error, and the next run sends the same message again (same
SEQUENCE, same Message-ID), so a crash between the send and its record never loses a message nor skips a
SEQUENCE. Which messages are owed is decided elsewhere (:mod:`.lifecycle`, :mod:`.wanted`); this module
only resolves each to its recipient and its content, and sends it through the run's transport.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal, cast

import attrs

from ..errors import ProviderError, TransportError
from ..models import Course, Person, Session
from ..planning import ItemResult, error_text
from ..plugins import Plugins
from ..records import Recording, Transport
from ..store import ClassroomRow, InviteRow, Store
from . import lifecycle
from .centres import CENTRE, centre_recipient, ghost_person

if TYPE_CHECKING:
    from email.message import EmailMessage

    from .content import Reason

__all__ = ["RECIPIENTS_NS", "Delivery", "ghost_session"]

#: Who each person was when last sent a message (name, zone, language), by ``course id \x1f person id``, so
#: the CANCEL they get after leaving the file still has their name and their language (decision 0185).
RECIPIENTS_NS = "invites.recipients"

#: How each message kind is named in ``apply``'s results.
_ITEM_KINDS: dict[str, Literal["invite", "recording", "welcome"]] = {
    lifecycle.INVITE: "invite",
    lifecycle.RECORDING: "recording",
    lifecycle.WELCOME: "welcome",
}


def _message_reason(message: lifecycle.Owed) -> Reason | None:
    """What the message's words should say: the CANCEL's reason, or a fresh invitation."""
    if message.method == "CANCEL":
        return cast("Reason", message.wording)
    return "invited" if message.wording == "invitation" else None


def _method(message: lifecycle.Owed) -> Literal["REQUEST", "CANCEL"]:
    if message.method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"not an invitation: {message.kind} {message.method}")
    return cast("Literal['REQUEST', 'CANCEL']", message.method)


def ghost_session(sid: str, rooms: Mapping[str, ClassroomRow]) -> Session | None:
    """A removed session, rebuilt from the store so its people can be sent a CANCEL."""
    row = rooms.get(sid)
    if row is None:
        return None
    return Session(id=sid, title=row.title or sid, start=row.session_start, minutes=max(row.minutes, 1))


@attrs.define
class Delivery:
    """Sends one course's owed messages through ``transport``, one at a time, recording each."""

    course: Course
    store: Store
    plugins: Plugins
    transport: Transport
    now: Callable[[], datetime]
    on_progress: Callable[[str], None] | None = None
    _send_lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)
    _remembered: set[str] = attrs.field(factory=set, init=False)

    def send_invites(
        self, owed: Sequence[lifecycle.Owed], rooms: Mapping[str, ClassroomRow]
    ) -> list[ItemResult]:
        """Send a session's invitations in order; a person's later messages wait for a failed earlier one."""
        if not owed:
            return []
        from .message import build_invite

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
            known = False  # a person of the file, to remember for a later CANCEL
            if message.person_id.startswith(CENTRE):
                person, centre = centre_recipient(self.course, message.person_id, message.email, session)
            else:
                try:
                    person = self.course.person(message.person_id)
                    known = True
                except KeyError:
                    person = self._former_person(message.person_id, message.email)
            if person.email != message.email:
                person = attrs.evolve(person, email=message.email)  # a CANCEL goes where the event was sent
            room_row = rooms.get(message.session_id)
            room = room_row.classroom if room_row is not None else None
            link = None if room is None else room.join_url if centre else room.join_url_for(person.id)
            dial_in = room.dial_in if room is not None else None
            result = self.deliver(
                message,
                session.end,
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
            if known:
                self._remember(person)
            if self.on_progress:
                self.on_progress(target)
        return results

    def send_welcomes(self, owed: Sequence[lifecycle.Owed], addresses: Mapping[str, str]) -> list[ItemResult]:
        """Send each welcome owed; it is logged as ending with the course's last live session."""
        from .welcome import build_welcome_message

        last_end = max((s.end for s in self.course.live_sessions), default=self.now())
        results: list[ItemResult] = []
        for message in owed:
            person = attrs.evolve(self.course.person(message.person_id), email=message.email)
            build = functools.partial(
                build_welcome_message, self.course, person, feed_address=addresses[person.id]
            )
            results.append(self.deliver(message, last_end, build))
        return results

    def send_recordings(
        self, owed: Sequence[lifecycle.Owed], links: Mapping[str, Recording]
    ) -> list[ItemResult]:
        """Record each recording message as pending, send it, record it as sent."""
        from .recording import build_recording_message

        results: list[ItemResult] = []
        for message in owed:
            session = self.course.session(message.session_id)
            person = attrs.evolve(self.course.person(message.person_id), email=message.email)
            results.append(
                self.deliver(
                    message,
                    session.end,
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

    def deliver(
        self, message: lifecycle.Owed, session_end: datetime, build: Callable[..., EmailMessage]
    ) -> ItemResult:
        """Record ``message`` as pending, build and send it, record it as sent; a failure stays pending
        (with its error) for the next run, which sends the same message again.

        The one path every kind takes, so that the log, the retries and the results read alike.
        ``session_end`` is when the message stops mattering (its session's end; for a welcome, the
        course's last live session's).
        """
        kind = _ITEM_KINDS.get(message.kind, "invite")
        target = message.person_id
        if message.kind != lifecycle.WELCOME:
            target = f"{message.session_id}/{message.person_id}"
        now = self.now()
        row = InviteRow(
            session_id=message.session_id,
            person_id=message.person_id,
            email=message.email,
            sequence=message.sequence,
            fingerprint=message.fingerprint,
            method=message.method,
            state="pending",
            session_end=session_end,
            kind=message.kind,
        )
        try:
            self.store.save_invite(self.course.id, row, now)
            built = build(dtstamp=now)
            with self._send_lock:
                self.transport.send(built)
        except (TransportError, ProviderError) as exc:
            self.store.save_invite(self.course.id, row, now, error=error_text(exc))
            return ItemResult(kind, target, message.method, False, error=error_text(exc))
        self.store.save_invite(self.course.id, attrs.evolve(row, state="sent"), self.now())
        return ItemResult(kind, target, message.method, True, detail=message.email)

    def _remember(self, person: Person) -> None:
        """Keep who ``person`` is (once a run) for the CANCEL they may need after leaving the file."""
        if person.id in self._remembered:
            return
        self._remembered.add(person.id)
        who = {"name": person.name, "timezone": person.timezone, "language": self.course.language_of(person)}
        key = f"{self.course.id}\x1f{person.id}"
        value = json.dumps(who, ensure_ascii=False, sort_keys=True)
        if self.store.kv_get(RECIPIENTS_NS, key) != value:
            self.store.kv_put(RECIPIENTS_NS, key, value, self.now())

    def _former_person(self, person_id: str, email: str) -> Person:
        """A person no longer in the file, as they were when last sent a message (else from their address)."""
        stored = self.store.kv_get(RECIPIENTS_NS, f"{self.course.id}\x1f{person_id}")
        try:
            who = json.loads(stored) if stored else {}
            return Person(
                id=person_id,
                name=who["name"],
                email=email,
                timezone=who["timezone"],
                language=who["language"],
            )
        except (ValueError, KeyError, TypeError):  # never remembered, or by an older version
            return ghost_person(self.course, person_id, email)

    def _session_or_ghost(self, sid: str, rooms: Mapping[str, ClassroomRow]) -> Session | None:
        try:
            return self.course.session(sid)
        except KeyError:
            return ghost_session(sid, rooms)
