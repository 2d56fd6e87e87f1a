"""The invitation lifecycle: which messages are owed (``ta_delivery.invites.lifecycle``), case by case.

1. A table of cases for :func:`owed`: each row is a log of what was recorded, who is wanted now with what
   content, and exactly the messages owed (to whom, method, SEQUENCE, wording). A SEQUENCE bug is a row.
2. A hypothesis state machine on the pure module alone: random edits (content, people, addresses, shared
   mailboxes, withdrawn sessions), failed sends and crashes between recording and sending; after every
   clean run the plan equals what was sent, nothing more is owed, each mailbox holds the event exactly
   while someone wanted uses it, and SEQUENCE never falls at a mailbox.
3. A property test through the real builders: what recipients read back (UID, SEQUENCE, METHOD).
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import attrs
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from ta_delivery.invites import Reason, build_invite, invite_fingerprint, lint_message, session_uid
from ta_delivery.invites.lifecycle import Message, Owed, Wanted, event_sequence, mailbox, owed
from ta_delivery.models import Course, Organizer, Participant, Session

# --- 1. the table ------------------------------------------------------------------------------------

A, B = "a@example.org", "b@example.org"
A2 = "a.new@example.org"
SHARED = "team@example.org"
Row = tuple[str, str, str, int, str]  # person, address, method, SEQUENCE, wording


def sent(
    pid: str, to: str, method: str, seq: int, fp: str = "x", state: str = "sent", sid: str = "s1"
) -> Message:
    return Message(sid, pid, to, method, seq, "cancel" if method == "CANCEL" else fp, state)


def want(pid: str, to: str, fp: str | None = "x", sid: str = "s1") -> Wanted:
    return Wanted(sid, pid, to, fp)


CASES: dict[str, tuple[list[Message], list[Wanted], dict[str, str], list[Row]]] = {
    "a first invitation": ([], [want("a", A)], {}, [("a", A, "REQUEST", 0, "invitation")]),
    "up to date: nothing": ([sent("a", A, "REQUEST", 0)], [want("a", A)], {}, []),
    "a change: an update one higher": (
        [sent("a", A, "REQUEST", 0)],
        [want("a", A, "y")],
        {},
        [("a", A, "REQUEST", 1, "update")],
    ),
    "an unsent update is retried at its SEQUENCE": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "REQUEST", 1, "y", "pending")],
        [want("a", A, "y")],
        {},
        [("a", A, "REQUEST", 1, "update")],
    ),
    "an unsent first invitation is retried as an invitation": (
        [sent("a", A, "REQUEST", 0, state="pending")],
        [want("a", A)],
        {},
        [("a", A, "REQUEST", 0, "invitation")],
    ),
    "a change over an unsent update goes above it": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "REQUEST", 1, "y", "pending")],
        [want("a", A, "z")],
        {},
        [("a", A, "REQUEST", 2, "update")],
    ),
    "back to what was delivered, over an unsent update that may have arrived": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "REQUEST", 1, "y", "pending")],
        [want("a", A, "x")],
        {},
        [("a", A, "REQUEST", 2, "update")],
    ),
    "a retry over an unsent CANCEL that may have arrived is an invitation, as it was first": (
        [
            sent("a", A, "REQUEST", 0),
            sent("a", A, "CANCEL", 1, state="pending"),
            sent("a", A, "REQUEST", 2, state="pending"),
        ],
        [want("a", A)],
        {},
        [("a", A, "REQUEST", 2, "invitation")],
    ),
    "a person who left: CANCEL, removed": (
        [sent("a", A, "REQUEST", 0)],
        [],
        {},
        [("a", A, "CANCEL", 1, "removed")],
    ),
    "a withdrawn session: CANCEL with the session's reason": (
        [sent("a", A, "REQUEST", 3)],
        [],
        {"s1": "course-cancelled"},
        [("a", A, "CANCEL", 4, "course-cancelled")],
    ),
    "a CANCEL delivered: nothing more": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "CANCEL", 1)],
        [],
        {},
        [],
    ),
    "a CANCEL that did not go is retried at its SEQUENCE": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "CANCEL", 1, state="pending")],
        [],
        {},
        [("a", A, "CANCEL", 1, "removed")],
    ),
    "an unsent invitation may have arrived: withdrawn above it": (
        [sent("a", A, "REQUEST", 0, state="pending")],
        [],
        {},
        [("a", A, "CANCEL", 1, "removed")],
    ),
    "a person who comes back is invited again, above the CANCEL": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "CANCEL", 1)],
        [want("a", A)],
        {},
        [("a", A, "REQUEST", 2, "invitation")],
    ),
    "back while their CANCEL is unsent: invited, above it": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "CANCEL", 1, state="pending")],
        [want("a", A)],
        {},
        [("a", A, "REQUEST", 2, "invitation")],
    ),
    "a new address: CANCEL to the old one, then an invitation above it": (
        [sent("a", A, "REQUEST", 0)],
        [want("a", A2)],
        {},
        [("a", A, "CANCEL", 1, "removed"), ("a", A2, "REQUEST", 2, "invitation")],
    ),
    "a new letter case is the same mailbox": (
        [sent("a", "A@Example.ORG", "REQUEST", 0)],
        [want("a", A)],
        {},
        [],
    ),
    "issue 19.1: a new address while an update to the old one is unsent": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "REQUEST", 1, "y", "pending")],
        [want("a", A2, "y")],
        {},
        [("a", A, "CANCEL", 2, "removed"), ("a", A2, "REQUEST", 3, "invitation")],
    ),
    "a new address whose invitation did not go is retried there": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "CANCEL", 1), sent("a", A2, "REQUEST", 2, state="pending")],
        [want("a", A2)],
        {},
        [("a", A2, "REQUEST", 2, "invitation")],
    ),
    "a new address whose CANCEL failed: the CANCEL again, then the invitation": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "CANCEL", 1, state="pending")],
        [want("a", A2)],
        {},
        [("a", A, "CANCEL", 1, "removed"), ("a", A2, "REQUEST", 2, "invitation")],
    ),
    "back to the old address": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "CANCEL", 1), sent("a", A2, "REQUEST", 2)],
        [want("a", A)],
        {},
        [("a", A2, "CANCEL", 3, "removed"), ("a", A, "REQUEST", 4, "invitation")],
    ),
    "a shared mailbox keeps its event while someone there is invited": (
        [sent("a", SHARED, "REQUEST", 0), sent("b", SHARED, "REQUEST", 0)],
        [want("b", SHARED)],
        {},
        [],
    ),
    "a shared mailbox nobody uses any more: one CANCEL each, one SEQUENCE": (
        [sent("a", SHARED, "REQUEST", 0), sent("b", SHARED, "REQUEST", 0)],
        [],
        {},
        [("a", SHARED, "CANCEL", 1, "removed"), ("b", SHARED, "CANCEL", 1, "removed")],
    ),
    "someone new at a shared mailbox goes above what it holds": (
        [
            sent("a", SHARED, "REQUEST", 0),
            sent("a", SHARED, "REQUEST", 1, "y"),
            sent("a", SHARED, "REQUEST", 2, "z"),
        ],
        [want("b", SHARED, "w")],
        {},
        [("b", SHARED, "REQUEST", 3, "invitation")],
    ),
    "someone new at a shared mailbox with the same content shares its version": (
        [sent("a", SHARED, "REQUEST", 0)],
        [want("a", SHARED), want("b", SHARED)],
        {},
        [("b", SHARED, "REQUEST", 0, "invitation")],
    ),
    "a change at a shared mailbox: one version for the same content": (
        [sent("a", SHARED, "REQUEST", 0), sent("b", SHARED, "REQUEST", 0)],
        [want("a", SHARED, "y"), want("b", SHARED, "y")],
        {},
        [("a", SHARED, "REQUEST", 1, "update"), ("b", SHARED, "REQUEST", 1, "update")],
    ),
    "a change at a shared mailbox with personal links: each above the other": (
        [sent("a", SHARED, "REQUEST", 0, "xa"), sent("b", SHARED, "REQUEST", 1, "xb")],
        [want("a", SHARED, "ya"), want("b", SHARED, "yb")],
        {},
        [("a", SHARED, "REQUEST", 2, "update"), ("b", SHARED, "REQUEST", 3, "update")],
    ),
    "a send that failed at a shared mailbox does not lower the next (and was never an invitation)": (
        [sent("a", SHARED, "REQUEST", 0), sent("b", SHARED, "REQUEST", 1, "y", "pending")],
        [want("a", SHARED, "z"), want("b", SHARED, "z")],
        {},
        [("a", SHARED, "REQUEST", 2, "update"), ("b", SHARED, "REQUEST", 2, "invitation")],
    ),
    "a retry below what a shared mailbox was sent since goes above it": (
        [
            sent("a", SHARED, "REQUEST", 0, "xa"),
            sent("a", SHARED, "REQUEST", 1, "ya", "pending"),
            sent("b", SHARED, "REQUEST", 2, "yb"),
        ],
        [want("a", SHARED, "ya"), want("b", SHARED, "yb")],
        {},
        [("a", SHARED, "REQUEST", 3, "update")],
    ),
    "moving into a shared mailbox goes above the CANCEL at the old one": (
        [sent("a", A, "REQUEST", 0), sent("a", A, "REQUEST", 1, "y"), sent("b", SHARED, "REQUEST", 0, "y")],
        [want("a", SHARED, "y"), want("b", SHARED, "y")],
        {},
        [("a", A, "CANCEL", 2, "removed"), ("a", SHARED, "REQUEST", 3, "invitation")],
    ),
    "held back (no classroom yet): nothing sent, nothing withdrawn": (
        [sent("a", A, "REQUEST", 0)],
        [want("a", A2, None)],
        {},
        [],
    ),
    "nothing recorded, nobody wanted": ([], [], {"s1": "session-cancelled"}, []),
}


@pytest.mark.parametrize("case", list(CASES))
def test_owed(case: str) -> None:
    history, wanted, withdrawn, expected = CASES[case]
    result = owed(wanted, history, withdrawn)
    assert [(o.person_id, o.email, o.method, o.sequence, o.wording) for o in result] == expected
    for o in result:
        assert o.kind == "invite" and o.session_id == "s1"
        assert o.fingerprint == ("cancel" if o.method == "CANCEL" else next(
            w.fingerprint for w in wanted if (w.person_id, w.email) == (o.person_id, o.email)
        ))  # fmt: skip


def test_the_plan_gives_reasons() -> None:
    history = [sent("a", A, "REQUEST", 0), sent("b", B, "REQUEST", 0), sent("c", "c@x.org", "REQUEST", 0)]
    history += [sent("c", "c@x.org", "CANCEL", 1), sent("d", "d@x.org", "REQUEST", 0, state="pending")]
    wanted = [
        want("a", A2),
        want("b", B, "y"),
        want("c", "c@x.org"),
        want("d", "d@x.org"),
        want("e", "e@x.org"),
    ]
    reasons = {(o.person_id, o.method): o.reason for o in owed(wanted, history)}
    assert reasons == {
        ("a", "CANCEL"): "removed",
        ("a", "REQUEST"): "address changed",
        ("b", "REQUEST"): "session changed",
        ("c", "REQUEST"): "invited again",
        ("d", "REQUEST"): "retry of an unsent message",
        ("e", "REQUEST"): "new invitation",
    }


def test_sessions_are_decided_each_on_their_own() -> None:
    history = [sent("a", A, "REQUEST", 5, sid="s1"), sent("a", A, "REQUEST", 0, sid="s2")]
    wanted = [want("a", A, "y", sid="s1"), want("a", A, "y", sid="s2"), want("a", A, sid="s3")]
    result = owed(wanted, history, {"s4": "session-cancelled"})
    assert [(o.session_id, o.sequence) for o in result] == [("s1", 6), ("s2", 1), ("s3", 0)]


def test_a_kind_without_a_rule_is_refused_and_one_only_logged_is_left_alone() -> None:
    with pytest.raises(ValueError, match="survey"):
        owed([Wanted("s1", "a", A, "x", kind="survey")], [])
    assert owed([], [Message("s1", "a", A, "SEND", 0, "x", kind="survey")]) == []


def test_event_sequence_is_the_floor_of_the_next_message() -> None:
    history = [
        sent("a", A, "REQUEST", 0),
        sent("a", A, "CANCEL", 1),
        sent("a", A2, "REQUEST", 2, state="pending"),
        sent("b", SHARED, "REQUEST", 7),
        sent("c", SHARED, "REQUEST", 7, sid="s2"),
    ]
    assert event_sequence(history, "s1") == 7
    assert event_sequence(history, "s1", email="A@example.org") == 1
    assert event_sequence(history, "s1", person_id="a") == 2  # an unsent one may have arrived
    assert event_sequence(history, "s1", email=SHARED, person_id="a") == 7
    assert event_sequence(history, "s3") == 0


PEOPLE = tuple(
    Participant(f"p{i}", f"Person {i}", f"p{i}@example.org", tz, language=lang)
    for i, (tz, lang) in enumerate(
        [("UTC", "en"), ("Europe/Paris", "fr"), ("America/Lima", "es"), ("Asia/Tokyo", None)]
    )
)
START = datetime(2027, 3, 20, 12, tzinfo=UTC)


# --- 2. the state machine on the pure module ------------------------------------------------------------

SESSIONS = ("s1", "s2")
WHO = ("a", "b", "c")
ADDRESSES = ("a@example.org", "b@example.org", "c@example.org", "team@example.org", "A@Example.org")


class LifecycleMachine(RuleBasedStateMachine):
    """Edits, failed sends and crashes against :func:`owed` and a log, as ``apply`` keeps it."""

    def __init__(self) -> None:
        super().__init__()
        self.email = {p: f"{p}@example.org" for p in WHO}
        self.people = {s: set(WHO) for s in SESSIONS}
        self.version = dict.fromkeys(SESSIONS, 0)
        self.personal = dict.fromkeys(SESSIONS, False)
        self.withdrawn: dict[str, str] = {}
        self.held: set[str] = set()
        self.log: list[Message] = []
        # what each mailbox's calendar shows of a session's event: (SEQUENCE, method, fingerprint)
        self.calendars: dict[tuple[str, str], tuple[int, str, str]] = {}

    def wanted(self) -> list[Wanted]:
        out = []
        for s in SESSIONS:
            if s in self.withdrawn:
                continue
            for p in sorted(self.people[s]):
                fp = f"v{self.version[s]}" + (f"-{p}" if self.personal[s] else "")
                out.append(Wanted(s, p, self.email[p], None if s in self.held else fp))
        return out

    # --- edits ----------------------------------------------------------------------------------------

    @rule(s=st.sampled_from(SESSIONS))
    def change_content(self, s: str) -> None:
        self.version[s] += 1

    @rule(s=st.sampled_from(SESSIONS))
    def toggle_personal_links(self, s: str) -> None:
        self.personal[s] = not self.personal[s]

    @rule(s=st.sampled_from(SESSIONS), people=st.sets(st.sampled_from(WHO)))
    def set_people(self, s: str, people: set[str]) -> None:
        self.people[s] = people

    @rule(p=st.sampled_from(WHO), address=st.sampled_from(ADDRESSES))
    def change_address(self, p: str, address: str) -> None:
        self.email[p] = address

    @rule(s=st.sampled_from(SESSIONS), why=st.sampled_from(["session-cancelled", "course-postponed", None]))
    def withdraw_or_restore(self, s: str, why: str | None) -> None:
        if why is None:
            self.withdrawn.pop(s, None)
        else:
            self.withdrawn[s] = why

    @rule(s=st.sampled_from(SESSIONS))
    def toggle_held(self, s: str) -> None:
        self.held ^= {s}

    # --- runs -----------------------------------------------------------------------------------------

    def _record(self, message: Message) -> None:
        key = (
            message.session_id,
            mailbox(message.email),
            message.person_id,
            message.method,
            message.sequence,
        )
        for i, m in enumerate(self.log):
            if (m.session_id, mailbox(m.email), m.person_id, m.method, m.sequence) == key:
                self.log[i] = message
                return
        self.log.append(message)

    def _deliver(self, o: Owed) -> None:
        key = (o.session_id, mailbox(o.email))
        shown = self.calendars.get(key)
        if shown is not None:
            assert o.sequence >= shown[0], f"SEQUENCE falls at {key}: {shown} then {o}"
            if (o.method, o.fingerprint) != shown[1:]:
                assert o.sequence > shown[0], f"a changed event with the same SEQUENCE at {key}"
        if o.wording == "update":
            assert shown is not None and shown[1] == "REQUEST", f"an update for an event not there: {o}"
        self.calendars[key] = (o.sequence, o.method, o.fingerprint)

    def _apply(
        self, fail: int | None = None, crash: int | None = None, delivered: bool = False
    ) -> list[Owed]:
        """Like ``apply``: session by session, record pending, send, record sent. Returns what was sent."""
        done: list[Owed] = []
        failed: set[tuple[str, str]] = set()
        n = 0
        for s in SESSIONS:
            mine = [w for w in self.wanted() if w.session_id == s]
            history = [m for m in self.log if m.session_id == s]
            for o in owed(mine, history, self.withdrawn):
                if (o.session_id, o.person_id) in failed:
                    continue
                n += 1
                self._record(o.recorded("pending"))
                if n == crash:
                    if delivered:  # the machine died after the send, before recording it
                        self._deliver(o)
                    return done
                if n == fail:
                    failed.add((o.session_id, o.person_id))
                    continue
                self._deliver(o)
                self._record(o.recorded("sent"))
                done.append(o)
        return done

    @rule(n=st.integers(1, 4))
    def apply_with_a_failed_send(self, n: int) -> None:
        self._apply(fail=n)

    @rule(n=st.integers(1, 4), delivered=st.booleans())
    def apply_and_crash(self, n: int, delivered: bool) -> None:
        self._apply(crash=n, delivered=delivered)

    @rule()
    def plan_then_apply(self) -> None:
        plan = owed(self.wanted(), self.log, self.withdrawn)
        assert self._apply() == plan, "the plan names exactly what apply sends"
        assert owed(self.wanted(), self.log, self.withdrawn) == [], "a second run sends nothing"
        wanted = {(w.session_id, mailbox(w.email)): w for w in self.wanted()}
        for (s, box), (_seq, method, _fp) in self.calendars.items():
            if s in self.held:
                continue
            assert (method == "REQUEST") == ((s, box) in wanted), (s, box, method)
        for w in self.wanted():
            if w.fingerprint is None:
                continue
            mine = [m for m in self.log if (m.session_id, m.person_id) == (w.session_id, w.person_id)]
            last = [m for m in mine if mailbox(m.email) == mailbox(w.email)][-1]
            assert (last.method, last.fingerprint, last.state) == ("REQUEST", w.fingerprint, "sent")


LifecycleMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLifecycleMachine = LifecycleMachine.TestCase


def initial() -> Course:
    sessions = tuple(
        Session(f"s{i}", f"Session {i}", START + timedelta(days=i), 60, participants=("p0", "p1", "p2"))
        for i in range(3)
    )
    return Course(
        id="prop-course",
        title="Property course",
        timezone="Europe/Madrid",
        organizer=Organizer("Org", "org@example.org"),
        participants=PEOPLE,
        sessions=sessions,
    )


edits = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 2), st.integers(-3000, 3000)),
    st.tuples(st.just("length"), st.integers(0, 2), st.integers(15, 240)),
    st.tuples(st.just("title"), st.integers(0, 2), st.text(min_size=1, max_size=12).filter(str.strip)),
    st.tuples(st.just("link"), st.integers(0, 2), st.integers(0, 3)),
    st.tuples(st.just("describe"), st.integers(0, 2), st.text(max_size=12)),
    st.tuples(st.just("drop-person"), st.integers(0, 2), st.integers(0, 3)),
    st.tuples(st.just("add-person"), st.integers(0, 2), st.integers(0, 3)),
    st.tuples(st.just("remove-session"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("restore-session"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("cancel-course"), st.just(0), st.just(0)),
)


@attrs.define
class World:
    """The course as edited, the links the provider gave, and the lifecycle state the engine would store."""

    course: Course
    removed: dict[str, Session] = attrs.field(factory=dict)
    links: dict[str, str | None] = attrs.field(factory=dict)
    cancelled: bool = False
    log: list[Message] = attrs.field(factory=list)  # every message sent, as the store keeps it

    def session_index(self, i: int) -> str:
        return f"s{i}"

    def apply(self, edit: tuple[str, int, Any]) -> None:
        kind, i, arg = edit
        sid = self.session_index(i)
        sessions = {s.id: s for s in self.course.sessions}
        if kind == "cancel-course":
            self.cancelled = True
            return
        if kind == "remove-session" and sid in sessions:
            self.removed[sid] = sessions.pop(sid)
        elif kind == "restore-session" and sid in self.removed:
            sessions[sid] = self.removed.pop(sid)
        elif sid in sessions:
            s = sessions[sid]
            people = list(s.participants or ())
            if kind == "move":
                s = attrs.evolve(s, start=s.start + timedelta(minutes=arg))
            elif kind == "length":
                s = attrs.evolve(s, minutes=arg)
            elif kind == "title":
                s = attrs.evolve(s, title=arg)
            elif kind == "link":
                self.links[sid] = None if arg == 0 else f"https://meet.example.org/{sid}-{arg}"
            elif kind == "describe":
                s = attrs.evolve(s, description=arg or None)
            elif kind == "drop-person" and f"p{arg}" in people:
                people.remove(f"p{arg}")
                s = attrs.evolve(s, participants=tuple(people))
            elif kind == "add-person" and f"p{arg}" not in people:
                s = attrs.evolve(s, participants=(*people, f"p{arg}"))
            sessions[sid] = s
        self.course = attrs.evolve(self.course, sessions=tuple(sorted(sessions.values(), key=lambda s: s.id)))

    def run(self, now: datetime) -> list[tuple[str, str, bytes]]:
        """What a run sends, as the engine decides it (:func:`owed`): (session id, person id, bytes)."""
        wanted: list[Wanted] = []
        if not self.cancelled:
            for s in self.course.live_sessions:
                for p in self.course.participants_of(s):
                    wanted.append(Wanted(s.id, p.id, p.email, invite_fingerprint(s, self.links.get(s.id))))
        listed = {s.id: s for s in self.course.sessions}
        gone = "course-cancelled" if self.cancelled else "session-cancelled"
        withdrawn = {m.session_id: gone for m in self.log if self.cancelled or m.session_id not in listed}
        sent: list[tuple[str, str, bytes]] = []
        for o in owed(wanted, self.log, withdrawn):
            session = listed.get(o.session_id) or self.removed[o.session_id]
            person = next(p for p in PEOPLE if p.id == o.person_id)
            request = o.method == "REQUEST"
            msg = build_invite(
                self.course,
                session,
                person,
                method="REQUEST" if request else "CANCEL",
                sequence=o.sequence,
                join_url=self.links.get(o.session_id) if request else None,
                dtstamp=now,
                reason=cast("Reason", o.wording)
                if not request
                else "invited"
                if o.wording == "invitation"
                else None,
            )
            self.log.append(o.recorded("sent"))
            sent.append((o.session_id, o.person_id, msg.as_bytes()))
        return sent


def read(raw: bytes) -> tuple[str, int, str, datetime, int, str]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    cal = icalendar.Calendar.from_ical(data)
    (ev,) = cal.events
    minutes = int((ev.end - ev.start).total_seconds() // 60)
    return str(ev["UID"]), int(ev["SEQUENCE"]), str(cal["METHOD"]), ev.start, minutes, str(ev.get("URL", ""))


@settings(max_examples=25, deadline=None)
@given(st.lists(edits, max_size=10))
def test_lifecycle_invariants(script: list[tuple[str, int, Any]]) -> None:
    world = World(initial())
    now = datetime(2027, 1, 1, tzinfo=UTC)
    inbox: dict[tuple[str, str], list[tuple[str, int, str, datetime, int, str]]] = {}
    uids: dict[str, str] = {}

    def deliver(batch: list[tuple[str, str, bytes]]) -> None:
        for sid, pid, raw in batch:
            facts = read(raw)
            inbox.setdefault((sid, pid), []).append(facts)
            uids.setdefault(sid, facts[0])

    deliver(world.run(now))
    for step, edit in enumerate(script):
        before = {
            s.id: (s.start, s.minutes, s.title, world.links.get(s.id), set(s.participants or ()))
            for s in world.course.sessions
        }
        world.apply(edit)
        now += timedelta(hours=1)
        batch = world.run(now)
        deliver(batch)
        if step == 0 and batch:
            assert lint_message(batch[0][2]) == []
        # Significant changes reach every person still invited, with a higher SEQUENCE.
        kind, i, _arg = edit
        sid = f"s{i}"
        after = next((s for s in world.course.sessions if s.id == sid), None)
        if after is not None and sid in before and not world.cancelled:
            old = before[sid]
            new = (after.start, after.minutes, after.title, world.links.get(sid))
            if new != old[:4]:
                for pid in after.participants or ():
                    assert any(b[0] == sid and b[1] == pid for b in batch), (edit, pid)
            if kind == "describe":
                assert not any(b[0] == sid for b in batch)
        # Nothing changed, nothing sent.
        assert world.run(now) == []

    for (sid, pid), messages in inbox.items():
        # The UID of a session never changes and is the one derived from its ids.
        assert {m[0] for m in messages} == {uids[sid]} == {session_uid("prop-course", sid)}
        # SEQUENCE strictly rises from one message to the next a person receives about a session.
        seqs = [m[1] for m in messages]
        assert seqs == sorted(seqs)
        assert len(set(seqs)) == len(seqs)
        # Whoever is no longer expected got a CANCEL as their last message, and others a REQUEST.
        session = next((s for s in world.course.sessions if s.id == sid), None)
        still = session is not None and not world.cancelled and pid in (session.participants or ())
        assert messages[-1][2] == ("REQUEST" if still else "CANCEL"), (sid, pid, messages)
        if still:
            assert session is not None
            assert messages[-1][3] == session.start
            assert messages[-1][4] == session.minutes


def test_the_python_api_example_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "python-api.md").read_text(encoding="utf-8")
    section = doc.split("## Decide invitations", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "python-api.md", "exec"), {})
    said = [line.removeprefix("# ") for line in code.splitlines() if line.startswith("# ")]
    assert capsys.readouterr().out.splitlines() == said
