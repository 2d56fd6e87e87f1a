"""Property test: random sequences of course edits through a small model of the invite lifecycle.

The model decides who gets what like the sync engine does (REQUEST when new or changed, CANCEL when gone);
the messages are built with the real builders and read back, and the invariants are checked on what
recipients would actually receive: the UID of a session never changes, SEQUENCE never decreases and rises
with each significant change, and every person removed gets a CANCEL.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.invites import build_invite, invite_fingerprint, lint_message, session_uid
from ta_delivery.models import Course, Organizer, Participant, Session

PEOPLE = tuple(
    Participant(f"p{i}", f"Person {i}", f"p{i}@example.org", tz, language=lang)
    for i, (tz, lang) in enumerate(
        [("UTC", "en"), ("Europe/Paris", "fr"), ("America/Lima", "es"), ("Asia/Tokyo", None)]
    )
)
START = datetime(2027, 3, 20, 12, tzinfo=UTC)


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
    last: dict[tuple[str, str], tuple[int, str, str]] = attrs.field(factory=dict)  # seq, method, fingerprint

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
        """What a run sends: (session id, person id, message bytes)."""
        want: dict[tuple[str, str], tuple[Session, Participant, str]] = {}
        if not self.cancelled:
            for s in self.course.live_sessions:
                for p in self.course.participants_of(s):
                    want[(s.id, p.id)] = (s, p, invite_fingerprint(s, self.links.get(s.id)))
        sent: list[tuple[str, str, bytes]] = []
        for key, (s, p, fp) in sorted(want.items()):
            last = self.last.get(key)
            if last is not None and last[1] == "REQUEST" and last[2] == fp:
                continue
            seq = 0 if last is None else last[0] + 1
            msg = build_invite(
                self.course, s, p, method="REQUEST", sequence=seq, join_url=self.links.get(s.id), dtstamp=now
            )
            self.last[key] = (seq, "REQUEST", fp)
            sent.append((s.id, p.id, msg.as_bytes()))
        for key, (seq, method, _fp) in sorted(self.last.items()):
            if method == "REQUEST" and key not in want:
                sid, pid = key
                session = self.removed.get(sid) or next(s for s in self.course.sessions if s.id == sid)
                person = next(p for p in PEOPLE if p.id == pid)
                reason = "course-cancelled" if self.cancelled else None
                msg = build_invite(
                    self.course, session, person, method="CANCEL", sequence=seq + 1, join_url=None,
                    dtstamp=now, reason=reason,
                )  # fmt: skip
                self.last[key] = (seq + 1, "CANCEL", "cancel")
                sent.append((sid, pid, msg.as_bytes()))
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
