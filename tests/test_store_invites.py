"""The store's log of invitation messages, and its migration from a store written by the previous release.

``tests/data/stores/release-1-invites.db`` was written by the release before the log (schema 1, the
``invites`` table that kept the last message of each person): see ``tests/data/stores/SOURCES.md``.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

import attrs
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, inspect

from helpers.world import TOKEN, CapturePlugin, CaptureTransport, make_course
from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.models import Course
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import InviteRow, open_store, schema
from ta_delivery.store.migrations import LATEST, current_version
from ta_delivery.sync import Syncer
from ta_delivery.testing.memory import MemoryServer, memory_plugin

RELEASE = Path(__file__).parent / "data" / "stores" / "release-1-invites.db"
NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)
END = datetime(2027, 8, 9, 16, tzinfo=UTC)


def _release_course() -> Course:
    """The course as it stood when the release wrote the store (see SOURCES.md)."""
    course = make_course()
    people = tuple(
        attrs.evolve(p, email="kiran@example.org") if p.id == "bb-01" else p for p in course.participants
    )
    s1, s2, s3 = course.sessions
    return attrs.evolve(
        course,
        participants=people,
        sessions=(
            attrs.evolve(s1, title="Tariff schedules"),
            attrs.evolve(s2, participants=("jm-01", "bb-01")),
            attrs.evolve(s3, participants=("tt-01", "bb-01")),
        ),
    )


def test_a_message_is_recorded_once_and_its_state_follows_it(store_url: str) -> None:
    store = open_store(store_url)
    try:
        store.remember_course("c", "Course", "UTC", NOW)
        pending = InviteRow("s1", "a", "Ana@Example.org", 0, "fp", "REQUEST", "pending", END)
        store.save_invite("c", pending, NOW)
        store.save_invite("c", pending, NOW, error="TransportError: down")
        store.save_invite("c", attrs.evolve(pending, state="sent"), NOW)
        store.save_invite(
            "c", InviteRow("s1", "a", "ana@example.org", 1, "cancel", "CANCEL", "pending", END), NOW
        )
        store.save_invite(
            "c", InviteRow("s2", "b", "b@example.org", 0, "x", "SEND", "sent", END, "recording"), NOW
        )
        log = store.messages("c")
        assert [(m.session_id, m.method, m.sequence, m.state, m.kind) for m in log] == [
            ("s1", "REQUEST", 0, "sent", "invite"),
            ("s1", "CANCEL", 1, "pending", "invite"),
            ("s2", "SEND", 0, "sent", "recording"),
        ]
        assert log[0].email == "Ana@Example.org"  # as written; compared by mailbox
        assert [m.method for m in store.messages("c", "s1")] == ["REQUEST", "CANCEL"]
        assert store.invites("c") == {("s1", "a"): log[1]}  # the latest invitation of each person
    finally:
        store.close()


def test_a_store_of_the_previous_release_is_carried_over(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    shutil.copyfile(RELEASE, path)
    with sqlite3.connect(path) as old:
        assert old.execute("SELECT max(version) FROM schema_version").fetchone() == (1,)
        before = old.execute(
            "SELECT session_id, person_id, email, sequence, fingerprint, method, state FROM invites"
        ).fetchall()
    assert len(before) == 12
    store = open_store(f"sqlite:///{path}")
    try:
        log = store.messages("rtpc-test")
        assert sorted((m.session_id, m.person_id, m.email, m.sequence, m.fingerprint, m.method, m.state)
                      for m in log) == sorted(before)  # fmt: skip
        assert {m.kind for m in log} == {"invite"}
        assert {m.session_end for m in log if m.session_id == "s01"} == {END}
    finally:
        store.close()
    with sqlite3.connect(path) as new:
        assert new.execute("SELECT max(version) FROM schema_version").fetchone() == (LATEST,)
        tables = {r[0] for r in new.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "invites" not in tables and "messages" in tables
    open_store(f"sqlite:///{path}").close()  # opening again changes nothing
    with sqlite3.connect(path) as again:
        assert again.execute("SELECT count(*) FROM messages").fetchone() == (12,)


def test_the_old_invites_table_is_carried_over_on_either_backend(store_url: str) -> None:
    """The release's rows, replayed into an ``invites`` table of schema 3 (SQLite and PostgreSQL)."""
    with sqlite3.connect(RELEASE) as old:
        cursor = old.execute("SELECT * FROM invites")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    store = open_store(store_url)
    store.remember_course("rtpc-test", "Trade policy course", "America/Port_of_Spain", NOW)
    invites = Table(
        "invites",
        MetaData(),
        *(Column(n, Integer if n == "sequence" else Text) for n in names),
    )
    with store.transaction() as conn:
        schema.messages.drop(conn)
        invites.create(conn)
        conn.execute(invites.insert(), rows)
        conn.execute(schema.schema_version.delete().where(schema.schema_version.c.version >= 4))
    store.close()
    store = open_store(store_url)
    try:
        log = store.messages("rtpc-test")
        assert sorted(
            (m.session_id, m.person_id, m.email, m.sequence, m.method, m.state) for m in log
        ) == sorted(
            (r["session_id"], r["person_id"], r["email"], r["sequence"], r["method"], r["state"])
            for r in rows
        )
        with store.engine.connect() as conn:
            assert not inspect(conn).has_table("invites")
            assert current_version(conn) == LATEST
    finally:
        store.close()


@pytest.fixture
def upgraded(tmp_path: Path) -> tuple[Syncer, CaptureTransport]:
    path = tmp_path / "state.db"
    shutil.copyfile(RELEASE, path)
    store = open_store(f"sqlite:///{path}")
    server = MemoryServer(token=TOKEN)
    capture = CaptureTransport()
    context = RunContext(
        settings=Settings({"TA_DELIVERY_MEMORY_TOKEN": TOKEN, "TA_DELIVERY_TRANSPORT": "capture"}),
        clock=FakeClock(NOW),
        base_dir=tmp_path,
        transport=server.transport(),
        state_factory=store.namespace,
    )
    plugins = make_plugin_manager(entry_points=False, extra=[memory_plugin, CapturePlugin(capture)])
    for sid, row in store.classrooms("rtpc-test").items():  # the provider still has the release's rooms
        room = row.classroom
        server.rooms[room.external_id] = {
            "id": room.external_id,
            "key": room.key,
            "title": row.title,
            "start": row.session_start.isoformat(),
            "minutes": row.minutes,
            "join_url": room.join_url,
            "personal": dict(room.personal_links),
        }
        assert sid in ("s01", "s02", "s03")
    return Syncer(_release_course(), store, plugins, context, workers=1), capture


def test_an_upgraded_store_goes_on_where_the_release_stopped(
    upgraded: tuple[Syncer, CaptureTransport],
) -> None:
    """The release left s01's updates pending; Ana's address changes after the upgrade."""
    syncer, capture = upgraded
    course = syncer.course
    moved = tuple(
        attrs.evolve(p, email="ana.perez@example.org") if p.id == "jm-01" else p for p in course.participants
    )
    syncer.course = attrs.evolve(course, participants=moved)
    plan = syncer.plan()
    # Ana's registration moves with her address: her sessions' rooms are updated in place (links kept)
    assert [(c.session_id, c.action) for c in plan.classrooms] == [("s01", "update"), ("s02", "update")]
    planned = [
        (i.session_id, i.person_id, i.email.lower(), i.method, i.sequence, i.reason) for i in plan.invites
    ]
    assert planned == [
        # s01's updates, pending when the release stopped, go at their SEQUENCE; Ana's old address gets
        # a CANCEL above hers (it may have arrived), the new one an invitation above that
        ("s01", "jm-01", "ana@example.org", "CANCEL", 2, "removed"),
        ("s01", "rf", "rf@example.org", "REQUEST", 1, "retry of an unsent message"),
        ("s01", "jm-01", "ana.perez@example.org", "REQUEST", 3, "address changed"),
        # Kiran and Dawn share a mailbox that may hold Dawn's update (4): Kiran's goes above it, and
        # Dawn's (personal links: another content) above that
        ("s01", "tt-01", "kiran@example.org", "REQUEST", 5, "session changed"),
        ("s01", "bb-01", "kiran@example.org", "REQUEST", 6, "session changed"),
        ("s02", "jm-01", "ana@example.org", "CANCEL", 1, "removed"),
        ("s02", "jm-01", "ana.perez@example.org", "REQUEST", 2, "address changed"),
        # s02: Kiran left while Dawn, at the same address, stayed: that mailbox keeps its event.
        # s03: Ana left it before the upgrade, and got its CANCEL: nothing more
    ]
    result = syncer.apply()
    assert result.ok, [i for i in result.items if not i.ok]
    sent = sorted(
        (s.session.split(" (")[0], parseaddr(s.to)[1].lower(), s.method, s.sequence) for s in capture.sent
    )
    assert len(sent) == len(planned)
    to_new = [s for s in capture.sent if "ana.perez" in s.to]
    assert to_new and all(str(s.message["Subject"]).startswith("Invitation:") for s in to_new)
    assert syncer.plan().empty
