"""What a calendar feed reads from the state store (``invites.feedstate``), shared by ``calendar`` and
``serve``: the SEQUENCE an event has reached, for the course and for one person, and no CLI import in the
server."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import ta_delivery.serve
from ta_delivery.invites.feedstate import store_feed_state
from ta_delivery.store import open_store
from ta_delivery.store.invites import InviteRow
from ta_delivery.testing.courses import make_course

NOW = datetime(2027, 1, 4, 12, tzinfo=UTC)


def _row(session_id: str, person_id: str, email: str, sequence: int, method: str = "REQUEST") -> InviteRow:
    return InviteRow(session_id, person_id, email, sequence, "fp", method, "sent", NOW)


def test_sequences_for_the_course_and_for_one_person(tmp_path: Path) -> None:
    course = make_course()
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        store.remember_course(course.id, course.title, course.timezone, NOW)
        assert store_feed_state(course, store, None) == ({}, {})
        for row in (
            _row("s01", "jm-01", "ana@example.org", 0),
            _row("s01", "jm-01", "ana@example.org", 1),
            _row("s01", "tt-02", "tt-02@example.org", 3, "CANCEL"),
            _row("s02", "rf", "RF@example.org", 2),
        ):
            store.save_invite(course.id, row, NOW)
        links, sequences = store_feed_state(course, store, None)
        assert links == {}  # no classroom recorded: no join link
        assert sequences == {"s01": 3, "s02": 2}
        # a person's events: at their mailbox (case aside) or in messages to them
        assert store_feed_state(course, store, "jm-01")[1] == {"s01": 1, "s02": 0}
        assert store_feed_state(course, store, "rf")[1] == {"s01": 0, "s02": 2}
    finally:
        store.close()


def test_the_server_imports_nothing_from_the_cli() -> None:
    package = Path(ta_delivery.serve.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert not (node.level == 2 and module.split(".")[0] == "cli"), path.name
                assert not module.startswith("ta_delivery.cli"), path.name
