"""The state store as the command line meets it: private files, bad ``--state`` values, locks (issue 19).

``state.db`` holds names, emails and attendance, so it is created 0600. ``--state`` naming a folder, a
folder that does not exist, or a store another process holds locked, exits 2 with a message that says
what to do, and creates nothing. A second ``apply`` of the same course says that it waits for the first.
"""

from __future__ import annotations

import fcntl
import sqlite3
import stat
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import course_toml, person, session

COURSE = course_toml(
    id="state-course",
    title="State course",
    timezone="UTC",
    trainers=(),
    participants=[person("p1", "Part One", timezone="UTC")],
    sessions=[session("s01", "2027-08-10T14:00:00", 60, title="Opening", trainers=None)],
)

ENV = {
    "TA_DELIVERY_NOW": "2027-08-01T08:00:00Z",
    "TA_DELIVERY_STATE": None,
    "TA_DELIVERY_OUTBOX": None,
    "TA_DELIVERY_TRANSPORT": None,
}


def _course(tmp_path: Path) -> Path:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    return course


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


def test_the_default_store_is_created_private(tmp_path: Path) -> None:
    course = _course(tmp_path)
    code, _out, err = _run("apply", str(course))
    assert code == 0, err
    db = tmp_path / ".ta-delivery" / "state.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for companion in db.parent.glob("state.db-*"):  # SQLite's WAL files take the database's mode
        assert stat.S_IMODE(companion.stat().st_mode) & 0o077 == 0, companion


def test_a_state_path_given_explicitly_is_created_private(tmp_path: Path) -> None:
    course = _course(tmp_path)
    db = tmp_path / "mine.db"
    code, _out, err = _run("apply", str(course), "--state", str(db))
    assert code == 0, err
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_state_naming_a_folder_is_an_input_error(tmp_path: Path) -> None:
    course = _course(tmp_path)
    folder = tmp_path / "stores"
    folder.mkdir()
    code, _out, err = _run("apply", str(course), "--state", str(folder))
    assert code == 2
    assert "is a folder, not a database file" in err and "--state" in err
    assert list(folder.iterdir()) == []
    assert not (tmp_path / ".ta-delivery").exists()


def test_a_sqlite_url_never_creates_its_folder_silently(tmp_path: Path) -> None:
    course = _course(tmp_path)
    missing = tmp_path / "typo" / "deeper"
    code, _out, err = _run("apply", str(course), "--state", f"sqlite:///{missing / 'state.db'}")
    assert code == 2
    assert "does not exist" in err and str(missing) in err
    assert not (tmp_path / "typo").exists()
    assert not (tmp_path / ".ta-delivery").exists(), "nothing was done"


def test_a_store_locked_by_another_process_is_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    course = _course(tmp_path)
    code, _out, err = _run("apply", str(course))
    assert code == 0, err
    db = tmp_path / ".ta-delivery" / "state.db"
    holder = sqlite3.connect(db, timeout=0)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        code, _out, err = _run("plan", str(course))
        assert code == 2, err
        assert "locked by another process" in err and "Traceback" not in err
        assert time.monotonic() - start < 60
    finally:
        holder.rollback()
        holder.close()


def test_a_second_apply_says_it_waits_for_the_first(tmp_path: Path) -> None:
    course = _course(tmp_path)
    db_dir = tmp_path / ".ta-delivery"
    db_dir.mkdir()
    lock = (db_dir / "state.db.state-course.lock").open("a+b")  # what a running apply holds
    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    threading.Timer(1.5, lock.close).start()  # the first run finishes
    code, _out, err = _run("apply", str(course))
    assert code == 0, err
    assert "waiting for another run of course 'state-course'" in err
