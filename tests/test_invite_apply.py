"""Invites through the real engine: ``Syncer.apply`` with the built-in Jitsi provider and the outbox."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import icalendar

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.invites import lint_message, session_uid
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer

START = datetime(2027, 6, 7, 14, tzinfo=UTC)


def course() -> Course:
    return Course(
        id="apply-invites",
        title="Cours",
        timezone="Europe/Paris",
        language="fr",
        organizer=Organizer("Institut", "training@example.org"),
        trainers=(Trainer("t", "Trainer", "t@example.org", "Europe/Zurich"),),
        participants=(
            Participant("a", "Ana", "a@example.org", "America/Lima", language="es"),
            Participant("b", "Bo", "b@example.org", "Asia/Tokyo", language="en"),
        ),
        sessions=(
            Session("s1", "Ouverture", START, 90, trainers=("t",)),
            Session("s2", "Atelier", START + timedelta(days=2), 60, trainers=("t",), participants=("a",)),
        ),
    )


def read(path: Path) -> tuple[str, str, str, int, str, str]:
    raw = path.read_bytes()
    assert lint_message(raw) == [], path
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    cal = icalendar.Calendar.from_ical(data)
    (ev,) = cal.events
    to = msg["To"].addresses[0].addr_spec
    return (
        to,
        str(cal["METHOD"]),
        str(ev["UID"]),
        int(ev["SEQUENCE"]),
        str(msg["Subject"]),
        str(ev.get("URL", "")),
    )


def test_apply_sends_updates_and_cancels_through_the_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    clock = FakeClock(datetime(2027, 5, 1, tzinfo=UTC))
    context = RunContext(
        settings=Settings({"TA_DELIVERY_OUTBOX": str(outbox)}),
        clock=clock,
        base_dir=tmp_path,
        state_factory=store.namespace,
    )
    plugins = make_plugin_manager(entry_points=False)
    seen: set[Path] = set()

    def run(model: Course) -> list[tuple[str, str, str, int, str, str]]:
        clock.advance(60)
        result = Syncer(model, store, plugins, context, workers=1).apply()
        assert result.ok, [i for i in result.items if not i.ok]
        new = sorted(set(outbox.glob("*.eml")) - seen)
        seen.update(new)
        return sorted(read(p) for p in new)

    try:
        model = course()
        first = run(model)
        # s1: t, a, b; s2: t, a -> five invitations, each REQUEST with SEQUENCE 0 and the room's link.
        assert [(to, m, seq) for to, m, _u, seq, _s, _l in first] == [
            ("a@example.org", "REQUEST", 0), ("a@example.org", "REQUEST", 0), ("b@example.org", "REQUEST", 0),
            ("t@example.org", "REQUEST", 0), ("t@example.org", "REQUEST", 0),
        ]  # fmt: skip
        assert {u for _t, _m, u, *_ in first} == {session_uid(model.id, "s1"), session_uid(model.id, "s2")}
        assert all(link.startswith("https://meet.jit.si/") for *_r, link in first)
        assert any(
            subject.startswith("Invitación:")
            for to, _m, _u, _q, subject, _l in first
            if to == "a@example.org"
        )
        assert run(model) == []  # nothing changed, nothing sent

        moved = attrs.evolve(
            model,
            sessions=(attrs.evolve(model.sessions[0], start=START + timedelta(hours=1)), model.sessions[1]),
        )
        second = run(moved)
        assert {(to, m, u, seq) for to, m, u, seq, _s, _l in second} == {
            (who, "REQUEST", session_uid(model.id, "s1"), 1)
            for who in ("a@example.org", "b@example.org", "t@example.org")
        }
        assert all(
            "Updated invitation" in s or "actualizada" in s or "mise à jour" in s for *_x, s, _l in second
        )

        without_b = attrs.evolve(
            moved, sessions=(attrs.evolve(moved.sessions[0], participants=("a",)), moved.sessions[1])
        )
        third = run(without_b)
        assert [(to, m, u, seq) for to, m, u, seq, _s, _l in third] == [
            ("b@example.org", "CANCEL", session_uid(model.id, "s1"), 2)
        ]
        assert run(without_b) == []
    finally:
        store.close()
