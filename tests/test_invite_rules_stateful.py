"""A stateful test of the invitation rules added together.

It extends ``test_sync_stateful`` (whose machine checks convergence and classroom duplicates) with what that
one does not drive: address changes (including to an address another person uses), recorded <-> live, a
session moved into the past, postponed/planned courses, a switch between two providers, and crashes on
either kind of store write. After every clean run it checks that ``plan`` named exactly the messages
``apply`` sent, that a second run sends nothing, and that each address's calendar ends up holding the
session exactly when someone invited to it uses that address.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

import attrs
import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from helpers.world import TOKEN, CapturePlugin, CaptureTransport, World, calendar_of, make_course, world
from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.errors import StoreError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.http import HttpApi
from ta_delivery.invites.ids import session_uid
from ta_delivery.models import Course
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import Capabilities, ProviderSpec
from ta_delivery.settings import Settings
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer
from ta_delivery.testing.memory import MemoryProvider, MemoryServer, memory_plugin

__all__ = ["world"]

PARTICIPANTS = ("jm-01", "tt-01", "bb-01")
ADDRESSES = (
    "ana@example.org",
    "kiran@example.org",
    "Dawn@Example.org",
    "shared@example.org",
    "rf@example.org",
)
NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


class _SecondMemory:
    """The same reference provider under another name, on its own server (a provider switch)."""

    @hookimpl
    def ta_delivery_register_providers(self) -> Iterable[ProviderSpec]:
        def factory(context: RunContext) -> MemoryProvider:
            client = context.http_client(
                "http://memory2.invalid", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            return MemoryProvider(HttpApi(client, "memory2", clock=context.clock), name="memory2")

        yield ProviderSpec(
            name="memory2",
            factory=factory,
            capabilities=Capabilities(
                personal_join_links=True, attendance_fetch=False, update_in_place=True, find_by_key=True
            ),
        )


def _address(message_to: str) -> str:
    return parseaddr(message_to)[1].lower()


class ReviewMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.servers = {
            "memory.invalid": MemoryServer(token=TOKEN),
            "memory2.invalid": MemoryServer(token=TOKEN, ids=itertools.count(1000)),
        }
        self.capture = CaptureTransport()
        self.plugins = make_plugin_manager(
            entry_points=False, extra=[memory_plugin, _SecondMemory(), CapturePlugin(self.capture)]
        )
        self.store = open_store(f"sqlite:///{Path(self.tmp.name) / 'state.db'}")
        backend = httpx.MockTransport(lambda r: self.servers[r.url.host].handle(r))
        self.context = RunContext(
            settings=Settings({"TA_DELIVERY_MEMORY_TOKEN": TOKEN, "TA_DELIVERY_TRANSPORT": "capture"}),
            clock=FakeClock(NOW),
            base_dir=Path(self.tmp.name),
            transport=backend,
            state_factory=self.store.namespace,
        )
        self.course: Course = make_course()
        self.history: list[tuple[str, str, str, int, bytes]] = []  # uid, address, method, seq, content

    def teardown(self) -> None:
        self.store.close()
        self.tmp.cleanup()

    def syncer(self) -> Syncer:
        return Syncer(self.course, self.store, self.plugins, self.context, workers=2)

    def _session(self, data: st.DataObject) -> int | None:
        if not self.course.sessions:
            return None
        return data.draw(st.integers(0, len(self.course.sessions) - 1))

    def _replace(self, index: int, **changes: object) -> None:
        sessions = list(self.course.sessions)
        sessions[index] = attrs.evolve(sessions[index], **changes)
        self.course = attrs.evolve(self.course, sessions=tuple(sessions))

    # --- edits to the course file ----------------------------------------------------------------

    @rule(data=st.data(), hours=st.sampled_from([-30, 2, 24]))
    def move(self, data: st.DataObject, hours: int) -> None:
        i = self._session(data)
        if i is not None:
            self._replace(i, start=self.course.sessions[i].start + timedelta(hours=hours))

    @rule(data=st.data())
    def move_into_the_past(self, data: st.DataObject) -> None:
        i = self._session(data)
        if i is not None:
            self._replace(i, start=NOW - timedelta(days=1))

    @rule(data=st.data(), title=st.sampled_from(["Tariffs", "Services"]))
    def retitle(self, data: st.DataObject, title: str) -> None:
        i = self._session(data)
        if i is not None:
            self._replace(i, title=title)

    @rule(data=st.data(), people=st.sets(st.sampled_from(PARTICIPANTS)))
    def set_participants(self, data: st.DataObject, people: set[str]) -> None:
        i = self._session(data)
        if i is not None:
            self._replace(i, participants=tuple(sorted(people)))

    @rule(who=st.sampled_from(PARTICIPANTS), email=st.sampled_from(ADDRESSES))
    def change_email(self, who: str, email: str) -> None:
        people = tuple(attrs.evolve(p, email=email) if p.id == who else p for p in self.course.participants)
        self.course = attrs.evolve(self.course, participants=people)

    @rule(data=st.data())
    def toggle_recorded(self, data: st.DataObject) -> None:
        i = self._session(data)
        if i is not None:
            kind = "recorded" if self.course.sessions[i].live else "live"
            self._replace(i, kind=kind)

    @rule(data=st.data(), provider=st.sampled_from(["memory", "memory2", None]))
    def switch_provider(self, data: st.DataObject, provider: str | None) -> None:
        i = self._session(data)
        if i is not None:
            self._replace(i, provider=provider)

    @rule(data=st.data())
    def remove_session(self, data: st.DataObject) -> None:
        i = self._session(data)
        if i is not None:
            sessions = list(self.course.sessions)
            sessions.pop(i)
            self.course = attrs.evolve(self.course, sessions=tuple(sessions))

    @rule(
        status=st.sampled_from(["scheduled", "scheduled", "cancelled", "postponed", "planned", "delivered"])
    )
    def set_status(self, status: str) -> None:
        self.course = attrs.evolve(self.course, status=status)

    # --- runs ------------------------------------------------------------------------------------

    def _record(self, start: int) -> None:
        for sent in self.capture.sent[start:]:
            event = next(iter(calendar_of(sent.message).walk("VEVENT")))
            # not URL: people sharing an address may each have their own personal link
            content = b"|".join(
                event[k].to_ical() if k in event else b"" for k in ("DTSTART", "DTEND", "SUMMARY")
            )
            self.history.append((sent.uid, _address(sent.to), sent.method, sent.sequence, content))

    @rule(kind=st.sampled_from(["save_classroom", "save_invite"]), when=st.integers(1, 6))
    def apply_and_crash(self, kind: str, when: int) -> None:
        real = getattr(self.store, kind)
        count = {"n": 0}

        def crash(*args: object, **kwargs: object) -> None:
            count["n"] += 1
            if count["n"] == when:
                raise StoreError("the machine died")
            real(*args, **kwargs)

        start = len(self.capture.sent)
        setattr(self.store, kind, crash)
        try:
            Syncer(self.course, self.store, self.plugins, self.context, workers=1).apply()
        except StoreError:
            pass
        finally:
            setattr(self.store, kind, real)
        self._record(start)

    @rule(fails=st.integers(1, 2))
    def sends_fail(self, fails: int) -> None:
        start = len(self.capture.sent)
        self.capture.fail = fails
        self.syncer().apply()
        self.capture.fail = 0
        self._record(start)

    @rule()
    def plan_then_apply(self) -> None:
        plan = self.syncer().plan()
        start = len(self.capture.sent)
        result = self.syncer().apply()
        self._record(start)
        assert result.ok, [i for i in result.items if not i.ok]
        sent = Counter((s.uid, _address(s.to), s.method, s.sequence) for s in self.capture.sent[start:])
        planned = Counter(
            (session_uid(self.course.id, i.session_id), i.email.lower(), i.method, i.sequence)
            for i in plan.invites
        )
        assert sent == planned, "plan names exactly the messages apply sends"
        assert self.syncer().plan().empty
        again = len(self.capture.sent)
        assert self.syncer().apply().ok
        assert len(self.capture.sent) == again, "a second run sends nothing"
        self._check_calendars()

    def _check_calendars(self) -> None:
        """Each address holds a session's event exactly while someone invited to it uses the address."""
        now = self.context.clock.now()
        active = self.course.status in ("scheduled", "delivered")
        ended = {session_uid(self.course.id, s.id) for s in self.course.sessions if s.end <= now}
        holders: set[tuple[str, str]] = set()
        if active:
            for s in self.course.live_sessions:
                if s.end > now:
                    uid = session_uid(self.course.id, s.id)
                    holders |= {(uid, p.email.lower()) for p in self.course.people_of(s)}
        last: dict[tuple[str, str], str] = {}
        for uid, address, method, _seq, _content in self.history:
            last[(uid, address)] = method
        for key, method in last.items():
            if key[0] in ended:
                continue
            assert (method == "REQUEST") == (key in holders), (key, method)
        for key in holders:
            assert last.get(key) == "REQUEST", f"{key} was never invited"

    @invariant()
    def sequences_rise_per_address(self) -> None:
        by_address: dict[tuple[str, str], list[tuple[int, str, bytes]]] = defaultdict(list)
        for uid, address, method, seq, content in getattr(self, "history", []):
            by_address[(uid, address)].append((seq, method, content))
        for messages in by_address.values():
            for (seq1, m1, c1), (seq2, m2, c2) in itertools.pairwise(messages):
                assert seq2 >= seq1, "SEQUENCE never decreases at an address"
                if m1 == m2 == "CANCEL":
                    continue  # a CANCEL withdraws the UID whatever times it repeats
                if (m1, c1) != (m2, c2):
                    assert seq2 > seq1, "a changed or cancelled event has a higher SEQUENCE"


ReviewMachine.TestCase.settings = settings(
    max_examples=20,
    derandomize=True,  # the same examples on every run: CI stays deterministic
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestReviewMachine = ReviewMachine.TestCase


def _with_email(course: Course, who: str, email: str) -> Course:
    people = tuple(attrs.evolve(p, email=email) if p.id == who else p for p in course.participants)
    return attrs.evolve(course, participants=people)


@pytest.mark.parametrize("failure", ["send", "crash"])
def test_a_cancel_to_an_old_address_that_did_not_go_is_sent_by_the_next_run(
    world: World, failure: str
) -> None:
    course = make_course(sessions=make_course().sessions[:1])
    assert world.syncer(course).apply().ok
    moved = _with_email(course, "jm-01", "ana.perez@example.org")
    if failure == "send":
        world.transport.fail = 1  # the CANCEL to the old address is the run's first message
        assert not world.syncer(moved).apply().ok
    else:
        real = world.store.save_invite
        count = {"n": 0}

        def crash(*args: object, **kwargs: object) -> None:
            count["n"] += 1
            if count["n"] == 2:  # the CANCEL is recorded as pending, then the machine dies
                raise StoreError("the machine died")
            real(*args, **kwargs)  # type: ignore[arg-type]

        world.store.save_invite = crash  # type: ignore[method-assign]
        with pytest.raises(StoreError):
            world.syncer(moved).apply()
        world.store.save_invite = real  # type: ignore[method-assign]
    before = len(world.transport.sent)
    plan = world.syncer(moved).plan()
    assert [(i.email, i.method) for i in plan.invites] == [
        ("ana@example.org", "CANCEL"),
        ("ana.perez@example.org", "REQUEST"),
    ]
    assert world.syncer(moved).apply().ok
    sent = [(_address(s.to), s.method, s.sequence) for s in world.transport.sent[before:]]
    assert sent == [("ana@example.org", "CANCEL", 1), ("ana.perez@example.org", "REQUEST", 2)]
    assert world.syncer(moved).plan().empty


def test_an_address_shared_by_someone_new_gets_a_sequence_above_what_its_calendar_holds(world: World) -> None:
    first = make_course().sessions[0]
    course = make_course(sessions=(attrs.evolve(first, participants=("jm-01",)),))
    for hours in (0, 1, 2):  # ana@ receives SEQUENCE 0, 1, 2
        course = attrs.evolve(
            course, sessions=(attrs.evolve(first, start=first.start + timedelta(hours=hours)),)
        )
        course = attrs.evolve(course, sessions=(attrs.evolve(course.sessions[0], participants=("jm-01",)),))
        assert world.syncer(course).apply().ok
    # Dawn now reads her mail at ana@ and takes Ana's place: ana@'s calendar holds the event (SEQUENCE 2)
    course = _with_email(course, "bb-01", "ana@example.org")
    course = attrs.evolve(course, sessions=(attrs.evolve(course.sessions[0], participants=("bb-01",)),))
    before = len(world.transport.sent)
    plan = world.syncer(course).plan()
    assert [(i.person_id, i.method, i.sequence) for i in plan.invites] == [("bb-01", "REQUEST", 3)]
    assert world.syncer(course).apply().ok
    later = attrs.evolve(course.sessions[0], start=course.sessions[0].start + timedelta(hours=5))
    assert world.syncer(attrs.evolve(course, sessions=(later,))).apply().ok
    to_ana = [
        (s.method, s.sequence) for s in world.transport.sent[before:] if _address(s.to) == "ana@example.org"
    ]
    assert to_ana == [("REQUEST", 3), ("REQUEST", 4)]  # a lower one would be ignored as out of date


def test_a_new_address_is_invited_not_told_of_a_change_when_the_session_moves_too(world: World) -> None:
    course = make_course(sessions=make_course().sessions[:1])
    assert world.syncer(course).apply().ok
    first = course.sessions[0]
    course = _with_email(course, "jm-01", "ana.perez@example.org")
    course = attrs.evolve(course, sessions=(attrs.evolve(first, start=first.start + timedelta(hours=1)),))
    before = len(world.transport.sent)
    assert world.syncer(course).apply().ok
    new = [s for s in world.transport.sent[before:] if _address(s.to) == "ana.perez@example.org"]
    assert [(s.method, s.sequence) for s in new] == [("REQUEST", 2)]
    assert str(new[0].message["Subject"]).startswith("Invitation:"), new[0].message["Subject"]
