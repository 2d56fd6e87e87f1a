"""Which messages are owed: a pure decision from what is wanted and what was already sent.

Over 400 lines on purpose: a SEQUENCE bug is found and fixed by reading this one pure module and its one
test file (tests/test_invite_lifecycle.py); its rules sit side by side, each short, sharing one log.

No store, no clock, no I/O. :func:`owed` takes the people who should hold each session's event now
(:class:`Wanted`) and the log of messages recorded so far (anything shaped like :class:`Sent`, sent or
not), and returns the messages to send (:class:`Owed`), in the order to send them. ``plan`` shows them,
``apply`` records each one as pending, sends it, and records it as sent; the next decision reads that log.
The calendar feed takes its SEQUENCE from :func:`event_sequence`, the floor the decision itself starts from.

Why by mailbox: a calendar keeps one event per UID, and SEQUENCE orders the versions of *that* event. A
message's SEQUENCE is therefore chosen from everything the recipient's mailbox has been sent about the
session, whoever it was addressed to (people may share a mailbox), and a person's history at another
address is kept, not overwritten (decision 0130).

The rules of the ``invite`` kind, per session:

- A mailbox's event *stands* when the highest-SEQUENCE message delivered there is a REQUEST.
- A wanted person is up to date when their latest message at their mailbox is a delivered REQUEST with
  the content they should have, and the event stands there. Otherwise they are owed a REQUEST:

  - the same unsent REQUEST again, at its SEQUENCE (a retry keeps its Message-ID), when nothing has been
    recorded above it;
  - else the SEQUENCE just above everything recorded at that mailbox and everything recorded for that
    person elsewhere (an old address may be an alias of the new one: the invitation must win over the
    CANCEL sent there); the same SEQUENCE as the mailbox's latest message when that one says the same
    (people sharing a mailbox share one version of the event).

  It is worded as an update when the event stands at the mailbox, no unsent CANCEL above it may have taken
  it away, and that person's invitation there is what it stands on; otherwise as an invitation (new,
  invited again, or at a new address).
- A mailbox nobody wanted uses any more gets a CANCEL for each person whose latest message there is not
  a delivered CANCEL, SEQUENCE above everything recorded there. While someone wanted still uses it, its
  event stands for them and nothing is withdrawn. CANCELs are decided before REQUESTs.
- An unsent message (pending or failed) counts as possibly delivered: SEQUENCEs rise above it, a person
  whose latest message is an unsent CANCEL is not up to date, and a mailbox whose latest message to
  someone is an unsent REQUEST gets that person's CANCEL when it is no longer wanted.

Adding a message kind (the recording message of a missed session, say) is an addition, not a rewrite:
give :class:`Wanted`, :class:`Sent` and :class:`Owed` records that ``kind``, write a function with the
:data:`Rule` signature that decides that kind from its own wanted people and its own log (for a recording:
one message per person and link, a correction when the link changes, never a CANCEL), and register it in
:data:`RULES`. The store keeps every kind in the same log; :func:`owed` hands each rule only its kind.
The ``welcome`` kind (one message per person with their calendar feed address, sent instead of invitations
when the course file says ``[invitations] delivery = "feed"``, decision 0155) is such an addition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import attrs

__all__ = [
    "CANCEL_FINGERPRINT",
    "INVITE",
    "RECORDING",
    "RULES",
    "SEND",
    "SUBSCRIBED",
    "WELCOME",
    "WELCOME_SESSION",
    "Message",
    "Owed",
    "Rule",
    "Sent",
    "Wanted",
    "event_sequence",
    "mailbox",
    "owed",
]

#: The kind of an invitation (REQUEST and CANCEL of a session's event).
INVITE = "invite"
#: The kind of a recording message (where to watch an ended session); its one method is :data:`SEND`.
RECORDING = "recording"
SEND = "SEND"
#: The kind of a welcome message (one per person: their calendar subscription address); method :data:`SEND`.
WELCOME = "welcome"
#: The session id a welcome message is logged under: it is about the course, not one session (session ids
#: are lowercase letters, digits and dashes, so it is never one).
WELCOME_SESSION = "*"
#: Why an invitation is withdrawn when the course switched to ``[invitations] delivery = "feed"``: its
#: event is in the person's subscription now, and must not show twice.
SUBSCRIBED = "subscribed"
#: What a CANCEL records as its fingerprint: its content is the withdrawal, whatever the session said.
CANCEL_FINGERPRINT = "cancel"
#: Why a person's event is withdrawn while their session goes on (they left it, or changed address).
REMOVED = "removed"


def mailbox(email: str) -> str:
    """The mailbox an address delivers to, as compared here (letter case does not make another one)."""
    return email.strip().lower()


@attrs.frozen
class Wanted:
    """A person who should hold a session's event now, and the fingerprint of what it should say.

    ``fingerprint`` ``None``: wanted, but what to say is not known yet (the classroom is missing): nothing
    is sent to them and nothing withdrawn from their mailbox this time.
    """

    session_id: str
    person_id: str
    email: str
    fingerprint: str | None
    kind: str = INVITE


class Sent(Protocol):
    """A recorded message, as the store keeps it (``state`` ``sent``, or ``pending`` until it is)."""

    @property
    def kind(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def person_id(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def state(self) -> str: ...


@attrs.frozen
class Message:
    """A recorded message (the plain :class:`Sent`): what tests and the decision itself keep."""

    session_id: str
    person_id: str
    email: str
    method: str
    sequence: int
    fingerprint: str
    state: str = "sent"
    kind: str = INVITE


@attrs.frozen
class Owed:
    """A message to send: to whom, which method and SEQUENCE, what to record, how to word it and why.

    ``wording`` is ``invitation`` or ``update`` for a REQUEST, the CANCEL's reason for a CANCEL
    (``session-cancelled``, ``course-cancelled``, ``course-postponed`` or ``removed``). ``reason`` is the
    plan's explanation.
    """

    kind: str
    session_id: str
    person_id: str
    email: str
    method: str
    sequence: int
    fingerprint: str
    wording: str
    reason: str

    def recorded(self, state: str = "pending") -> Message:
        """This message as the log records it."""
        return Message(
            self.session_id,
            self.person_id,
            self.email,
            self.method,
            self.sequence,
            self.fingerprint,
            state,
            self.kind,
        )


#: Decides one kind: (its wanted people, its log, why each withdrawn session went) -> messages owed.
Rule = Callable[[Sequence[Wanted], Sequence[Sent], Mapping[str, str]], list["Owed"]]


def owed(
    wanted: Iterable[Wanted], history: Iterable[Sent], withdrawn: Mapping[str, str] | None = None
) -> list[Owed]:
    """The messages owed, kind by kind (each kind's :data:`RULES` entry decides it).

    ``history`` is the log of recorded messages (oldest first) of the sessions concerned; for invitations,
    leave out the sessions that have ended, which are never touched (a kind about ended sessions, such as
    a recording, is given its own). ``withdrawn`` names the sessions that are no
    longer wanted at all (removed, turned recorded, course cancelled or postponed) with the reason their
    CANCELs give; a person who leaves a session that goes on is withdrawn as ``removed``.
    """
    wants: dict[str, list[Wanted]] = {}
    for w in wanted:
        wants.setdefault(w.kind, []).append(w)
    logs: dict[str, list[Sent]] = {}
    for h in history:
        logs.setdefault(h.kind, []).append(h)
    unknown = sorted(k for k in wants if k not in RULES)
    if unknown:
        raise ValueError(f"no lifecycle rule for message kind(s) {', '.join(unknown)}")
    out: list[Owed] = []
    for kind, rule in RULES.items():  # a kind only in the log of a newer release is not ours to decide
        if kind in wants or kind in logs:
            out.extend(rule(wants.get(kind, []), logs.get(kind, []), withdrawn or {}))
    return out


def event_sequence(
    history: Iterable[Sent], session_id: str, *, email: str | None = None, person_id: str | None = None
) -> int:
    """The SEQUENCE a session's event has reached: the floor the next message starts from.

    Over every invitation message recorded for the session (sent or not: an unsent one may have arrived),
    or, given ``email`` and/or ``person_id``, those to that mailbox or addressed to that person. 0 when
    there are none. The calendar feed uses it, so an imported feed never reads as older than the
    invitation it sits beside.
    """
    box = mailbox(email) if email is not None else None
    top = 0
    for h in history:
        if h.kind != INVITE or h.session_id != session_id:
            continue
        if (box is None and person_id is None) or mailbox(h.email) == box or h.person_id == person_id:
            top = max(top, h.sequence)
    return top


# --- the invite rule ---------------------------------------------------------------------------------


@attrs.define
class _Box:
    """What one mailbox was sent about one session. Messages are added in SEQUENCE order (the decisions
    below never go under a mailbox's top), so the latest message is the top one and the latest delivered
    one is what the calendar shows."""

    top: int = -1
    last: Sent | None = None
    delivered: Sent | None = None
    #: the highest SEQUENCE of a CANCEL recorded here, sent or not
    cancel_top: int = -1
    _latest: dict[str, Sent] = attrs.field(factory=dict)
    _latest_sent: dict[str, Sent] = attrs.field(factory=dict)

    def add(self, message: Sent) -> None:
        self.top = max(self.top, message.sequence)
        self.last = message
        self._latest[message.person_id] = message
        if message.method == "CANCEL":
            self.cancel_top = max(self.cancel_top, message.sequence)
        if message.state == "sent":
            self.delivered = message
            self._latest_sent[message.person_id] = message

    def at_top(self) -> tuple[str, str] | None:
        """The method and fingerprint of the latest message at the highest SEQUENCE."""
        return None if self.last is None else (self.last.method, self.last.fingerprint)

    @property
    def stands(self) -> bool:
        return self.delivered is not None and self.delivered.method == "REQUEST"

    @property
    def surely_stands(self) -> bool:
        """The event stands and no unsent CANCEL above it may have taken it away: an update can say so."""
        return self.stands and self.delivered is not None and self.cancel_top < self.delivered.sequence

    def people(self) -> list[str]:
        return sorted(self._latest)

    def latest(self, person_id: str, *, sent: bool = False) -> Sent | None:
        return (self._latest_sent if sent else self._latest).get(person_id)


def _invites(wanted: Sequence[Wanted], history: Sequence[Sent], withdrawn: Mapping[str, str]) -> list[Owed]:
    """The ``invite`` rule: every session on its own (see the module's docstring)."""
    sessions: dict[str, tuple[list[Wanted], list[Sent]]] = {}
    for w in wanted:
        sessions.setdefault(w.session_id, ([], []))[0].append(w)
    for h in history:
        sessions.setdefault(h.session_id, ([], []))[1].append(h)
    out: list[Owed] = []
    for sid, (wants, log) in sorted(sessions.items()):
        out.extend(_session(sid, wants, log, withdrawn.get(sid, REMOVED)))
    return out


def _session(sid: str, wanted: Sequence[Wanted], history: Sequence[Sent], reason: str) -> list[Owed]:
    boxes: dict[str, _Box] = {}
    tops: dict[str, dict[str, int]] = {}  # person -> mailbox -> the highest SEQUENCE recorded for them there

    def note(name: str, message: Sent) -> None:
        mine = tops.setdefault(message.person_id, {})
        mine[name] = max(mine.get(name, -1), message.sequence)

    for i in sorted(range(len(history)), key=lambda i: (history[i].sequence, i)):
        name = mailbox(history[i].email)
        boxes.setdefault(name, _Box()).add(history[i])
        note(name, history[i])
    wanted_at: dict[str, list[Wanted]] = {}
    for w in wanted:
        wanted_at.setdefault(mailbox(w.email), []).append(w)
    # a person held back (content unknown) keeps what every mailbox of theirs holds, for now
    held = {w.person_id for w in wanted if w.fingerprint is None}
    kept = {name for name, box in boxes.items() if held & set(box.people())}
    out: list[Owed] = []

    def decide(box: _Box, message: Owed) -> None:
        box.add(message.recorded())
        note(mailbox(message.email), message.recorded())
        out.append(message)

    # 1. withdraw the event from each mailbox nobody wanted uses any more
    for name in sorted(boxes):
        box = boxes[name]
        if name in wanted_at or name in kept:
            continue  # its event stands for someone still invited
        for pid in box.people():
            last = box.latest(pid)
            assert last is not None
            if last.method == "CANCEL" and last.state == "sent":
                continue
            if last.method == "CANCEL" and last.sequence >= box.top:
                seq = last.sequence  # that withdrawal did not go (or was cut short): the same again
            elif box.at_top() == ("CANCEL", CANCEL_FINGERPRINT):
                seq = box.top  # the same withdrawal as another person's at this mailbox
            else:
                seq = box.top + 1
            decide(box, Owed(INVITE, sid, pid, last.email, "CANCEL", seq, CANCEL_FINGERPRINT, reason, reason))

    # 2. invite whoever is wanted and not up to date, in the order given
    for w in wanted:
        if w.fingerprint is None:
            continue
        name = mailbox(w.email)
        box = boxes.setdefault(name, _Box())
        mine = box.latest(w.person_id)
        stands = box.stands
        if (
            stands
            and mine is not None
            and mine.state == "sent"
            and mine.method == "REQUEST"
            and mine.fingerprint == w.fingerprint
        ):
            continue
        elsewhere = max(
            (seq for other, seq in tops.get(w.person_id, {}).items() if other != name), default=-1
        )
        floor = max(box.top, elsewhere)
        retry = (
            mine is not None
            and mine.state != "sent"
            and mine.method == "REQUEST"
            and mine.fingerprint == w.fingerprint
            and mine.sequence >= floor
        )
        if retry and mine is not None:
            seq = mine.sequence
        elif box.at_top() == ("REQUEST", w.fingerprint) and elsewhere < box.top:
            seq = box.top
        else:
            seq = floor + 1
        delivered = box.latest(w.person_id, sent=True)
        update = (
            box.surely_stands
            and delivered is not None
            and delivered.method == "REQUEST"
            and mine is not None
            and mine.method == "REQUEST"
        )
        if retry:
            why = "retry of an unsent message"
        elif update:
            why = "session changed"
        elif mine is not None and "CANCEL" in (mine.method, delivered.method if delivered else ""):
            why = "invited again"
        elif mine is not None:
            why = "session changed"
        elif elsewhere >= 0:
            why = "address changed"
        else:
            why = "new invitation"
        wording = "update" if update else "invitation"
        decide(box, Owed(INVITE, sid, w.person_id, w.email, "REQUEST", seq, w.fingerprint, wording, why))
    return out


def _recordings(
    wanted: Sequence[Wanted], history: Sequence[Sent], withdrawn: Mapping[str, str]
) -> list[Owed]:
    """The ``recording`` rule: where to watch an ended session, once per person and link.

    A person is owed the message when nothing was recorded for them about that session, or when the last
    message recorded says another link (a *correction*); an unsent last message with the same link is sent
    again at its number (a retry keeps its Message-ID). SEQUENCE here only counts a person's versions.
    Nothing is ever withdrawn, and an address change does not send it again: the person has the link.
    """
    del withdrawn  # a recording is never withdrawn
    latest: dict[tuple[str, str], Sent] = {}
    for h in history:  # oldest first: the last one of each person wins
        latest[(h.session_id, h.person_id)] = h
    out: list[Owed] = []
    for w in wanted:
        if w.fingerprint is None:
            continue
        last = latest.get((w.session_id, w.person_id))
        if last is not None and last.fingerprint == w.fingerprint:
            if last.state == "sent":
                continue
            seq, why = last.sequence, "retry of an unsent message"
            wording = "correction" if last.sequence > 0 else "recording"
        elif last is not None:
            seq, wording, why = last.sequence + 1, "correction", "recording link changed"
        else:
            seq, wording, why = 0, "recording", "recording available"
        out.append(
            Owed(RECORDING, w.session_id, w.person_id, w.email, SEND, seq, w.fingerprint, wording, why)
        )
    return out


def _welcomes(wanted: Sequence[Wanted], history: Sequence[Sent], withdrawn: Mapping[str, str]) -> list[Owed]:
    """The ``welcome`` rule: one message per person, mailbox and feed address (decision 0155).

    The fingerprint is the feed address's. A person is up to date when their latest welcome was delivered
    to the same mailbox with the same fingerprint. Otherwise they are owed one: a new person, a new email
    address (the old one may be gone), a revoked token (the old feed no longer answers). An unsent latest
    message that says the same is sent again at its number (a retry keeps its Message-ID); otherwise the
    number rises above the person's latest. Nothing is ever withdrawn: a feed whose person has no session
    left lists nothing.
    """
    del withdrawn
    latest: dict[str, Sent] = {}
    for h in history:  # oldest first: the last one of each person wins
        latest[h.person_id] = h
    out: list[Owed] = []
    for w in wanted:
        if w.fingerprint is None:
            continue
        last = latest.get(w.person_id)
        if last is None:
            seq, why = 0, "new subscription"
        elif (mailbox(last.email), last.fingerprint) == (mailbox(w.email), w.fingerprint):
            if last.state == "sent":
                continue
            seq, why = last.sequence, "retry of an unsent message"
        elif mailbox(last.email) != mailbox(w.email):
            seq, why = last.sequence + 1, "address changed"
        else:
            seq, why = last.sequence + 1, "subscription address changed"
        out.append(
            Owed(WELCOME, WELCOME_SESSION, w.person_id, w.email, SEND, seq, w.fingerprint, WELCOME, why)
        )
    return out


#: The decision of each message kind. Add a kind by adding its rule here.
RULES: dict[str, Rule] = {INVITE: _invites, RECORDING: _recordings, WELCOME: _welcomes}
