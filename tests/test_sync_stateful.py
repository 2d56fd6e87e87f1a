"""A stateful property test of plan/apply: random edits, injected faults and crashes.

The remote state always converges to the file after one clean run, with no duplicates, and every
recipient's invitations stay coherent."""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from helpers.world import TOKEN, CapturePlugin, CaptureTransport, calendar_of, make_course
from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.errors import StoreError
from ta_delivery.models import Course, Session
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer, classroom_key
from ta_delivery.testing.faults import Fault, FaultyTransport
from ta_delivery.testing.memory import MemoryServer, memory_plugin

PEOPLE = ("jm-01", "tt-01", "bb-01")


class ApplyMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.server = MemoryServer(token=TOKEN)
        self.capture = CaptureTransport()
        self.plugins = make_plugin_manager(
            entry_points=False, extra=[memory_plugin, CapturePlugin(self.capture)]
        )
        self.store = open_store(f"sqlite:///{Path(self.tmp.name) / 'state.db'}")
        self.faulty = FaultyTransport(self.server.transport())
        self.context = RunContext(
            settings=Settings({"TA_DELIVERY_MEMORY_TOKEN": TOKEN, "TA_DELIVERY_TRANSPORT": "capture"}),
            clock=FakeClock(datetime(2027, 6, 1, 12, tzinfo=UTC)),
            base_dir=Path(self.tmp.name),
            transport=self.faulty,
            state_factory=self.store.namespace,
        )
        self.course: Course = make_course()
        self.next_id = 4

    def teardown(self) -> None:
        self.store.close()
        self.tmp.cleanup()

    def syncer(self) -> Syncer:
        return Syncer(self.course, self.store, self.plugins, self.context, workers=1)

    def _replace(self, index: int, session: Session | None) -> None:
        sessions = list(self.course.sessions)
        if session is None:
            sessions.pop(index)
        else:
            sessions[index] = session
        self.course = attrs.evolve(self.course, sessions=tuple(sessions))

    # --- edits to the course file ----------------------------------------------------------------

    @rule(data=st.data(), hours=st.integers(-48, 48).filter(bool))
    def move_session(self, data: st.DataObject, hours: int) -> None:
        if not self.course.sessions:
            return
        i = data.draw(st.integers(0, len(self.course.sessions) - 1))
        s = self.course.sessions[i]
        self._replace(i, attrs.evolve(s, start=s.start + timedelta(hours=hours)))

    @rule(data=st.data(), title=st.sampled_from(["Tariffs", "Services", "SPS", "Négociations"]))
    def retitle(self, data: st.DataObject, title: str) -> None:
        if not self.course.sessions:
            return
        i = data.draw(st.integers(0, len(self.course.sessions) - 1))
        self._replace(i, attrs.evolve(self.course.sessions[i], title=title))

    @rule(data=st.data(), people=st.sets(st.sampled_from(PEOPLE)))
    def change_participants(self, data: st.DataObject, people: set[str]) -> None:
        if not self.course.sessions:
            return
        i = data.draw(st.integers(0, len(self.course.sessions) - 1))
        self._replace(i, attrs.evolve(self.course.sessions[i], participants=tuple(sorted(people))))

    @rule(data=st.data())
    def remove_session(self, data: st.DataObject) -> None:
        if not self.course.sessions:
            return
        self._replace(data.draw(st.integers(0, len(self.course.sessions) - 1)), None)

    @rule(days=st.integers(60, 120))
    def add_session(self, days: int) -> None:
        sid = f"x{self.next_id}"
        self.next_id += 1
        new = Session(
            id=sid,
            title=f"Extra {sid}",
            start=datetime(2027, 6, 1, 14, tzinfo=UTC) + timedelta(days=days),
            minutes=90,
            trainers=("rf",),
        )
        self.course = attrs.evolve(self.course, sessions=(*self.course.sessions, new))

    @rule(status=st.sampled_from(["scheduled", "cancelled"]))
    def set_status(self, status: str) -> None:
        self.course = attrs.evolve(self.course, status=status)

    # --- runs ------------------------------------------------------------------------------------

    @rule(
        kind=st.sampled_from(["lost", "status", "timeout"]),
        method=st.sampled_from(["POST", "PATCH", "DELETE", "GET"]),
        nth=st.integers(1, 3),
    )
    def apply_with_fault(self, kind: str, method: str, nth: int) -> None:
        self.faulty.inject(Fault(kind, status=503, method=method, times=nth))  # type: ignore[arg-type]
        self.syncer().apply()
        self.faulty.clear()

    @rule(when=st.integers(1, 4))
    def apply_and_crash(self, when: int) -> None:
        store = self.store
        real = store.save_classroom
        count = {"n": 0}

        def crash(*args: object, **kwargs: object) -> None:
            count["n"] += 1
            if count["n"] == when:
                raise StoreError("the machine died")
            real(*args, **kwargs)  # type: ignore[arg-type]

        store.save_classroom = crash  # type: ignore[method-assign]
        try:
            self.syncer().apply()
        finally:
            store.save_classroom = real  # type: ignore[method-assign]

    @rule()
    def send_fails_once(self) -> None:
        self.capture.fail = 1
        self.syncer().apply()
        self.capture.fail = 0

    @rule()
    def apply_cleanly_converges(self) -> None:
        result = self.syncer().apply()
        assert result.ok, [i for i in result.items if not i.ok]
        wanted = {s.id for s in self.course.live_sessions} if self.course.status == "scheduled" else set()
        live_keys = sorted(r["key"] for r in self.server.rooms.values())
        assert live_keys == sorted(classroom_key(self.course.id, sid) for sid in wanted), "no duplicates"
        for room in self.server.rooms.values():
            session = self.course.session(room["key"].rsplit("/", 1)[1])
            assert room["title"] == session.title
            assert room["start"] == session.start.isoformat()
        assert self.syncer().plan().empty
        # each current person's last message is a REQUEST; each former one's a CANCEL
        last: dict[tuple[str, str], str] = {}
        for sent in self.capture.sent:
            last[(sent.uid, sent.to)] = sent.method
        by_session = {s.id: s for s in self.course.live_sessions}
        for sid in wanted:
            for person in self.course.people_of(by_session[sid]):
                assert any(m == "REQUEST" and person.email in to for (uid, to), m in last.items()), (
                    f"{person.id} has no live invitation to {sid}"
                )

    @invariant()
    def sequences_never_decrease_and_rise_on_change(self) -> None:
        history: dict[tuple[str, str], list[tuple[int, str, bytes]]] = defaultdict(list)
        for sent in self.capture.sent:
            event = next(iter(calendar_of(sent.message).walk("VEVENT")))
            content = b"|".join(
                event[k].to_ical() if k in event else b"" for k in ("DTSTART", "DTEND", "SUMMARY", "URL")
            )
            history[(sent.uid, sent.to)].append((sent.sequence, sent.method, content))
        for messages in history.values():
            for (seq1, m1, c1), (seq2, m2, c2) in itertools.pairwise(messages):
                assert seq2 >= seq1, "SEQUENCE never decreases"
                if (m1, c1) != (m2, c2):
                    assert seq2 > seq1, "a changed or cancelled invitation has a higher SEQUENCE"


ApplyMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestApplyMachine = ApplyMachine.TestCase
