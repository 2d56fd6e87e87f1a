"""The state store as the command line meets it: private files, bad ``--state`` values, locks (issue 19).

``state.db`` holds names, emails and attendance, so it is created 0600. ``--state`` naming a folder, a
folder that does not exist, or a store another process holds locked, exits 2 with a message that says
what to do, and creates nothing. A second ``apply`` of the same course says that it waits for the first.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
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


# --- state URLs: in memory, with a query or a driver, malformed, a file that is no database ---------


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_apply_on_an_in_memory_store_completes(example_course: Path, url: str) -> None:
    result = CliRunner().invoke(main, ["apply", str(example_course), "--json", "--state", url])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert sum(i["kind"] == "classroom" for i in items) == 14
    assert all(i["ok"] for i in items)


def test_a_state_url_with_a_bad_query_exits_2_creating_nothing(example_course: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "state.db"
    result = CliRunner().invoke(
        main, ["apply", str(example_course), "--state", f"sqlite:///{target}?timeout=abc"]
    )
    assert result.exit_code == 2, result.output
    assert "--state" in result.stderr
    assert not target.parent.exists()
    assert not (example_course.parent / ".ta-delivery").exists()


def test_a_malformed_sqlite_url_exits_2_without_its_password(example_course: Path) -> None:
    result = CliRunner().invoke(
        main, ["apply", str(example_course), "--state", "sqlite://me:hunter2@host/x.db"]
    )
    assert result.exit_code == 2, result.output
    assert "hunter2" not in result.output
    assert not (example_course.parent / ".ta-delivery").exists()


def test_an_sqlite_url_naming_its_driver_never_gets_its_folder_made_silently(
    example_course: Path, tmp_path: Path
) -> None:
    target = tmp_path / "deep" / "er" / "state.db"
    refused = CliRunner().invoke(
        main, ["apply", str(example_course), "--json", "--state", f"sqlite+pysqlite:///{target}"]
    )
    assert refused.exit_code == 2 and "does not exist" in refused.stderr  # issue 19: a typo is not a store
    assert not (tmp_path / "deep").exists()
    target.parent.mkdir(parents=True)
    result = CliRunner().invoke(
        main, ["apply", str(example_course), "--json", "--state", f"sqlite+pysqlite:///{target}"]
    )
    assert result.exit_code == 0, result.output
    assert target.is_file()
    again = CliRunner().invoke(
        main, ["apply", str(example_course), "--json", "--state", f"sqlite+pysqlite:///{target}"]
    )
    assert again.exit_code == 0 and json.loads(again.stdout)["items"] == []


def test_a_state_file_that_is_not_a_database_exits_2_and_stays_as_it_was(
    example_course: Path, tmp_path: Path
) -> None:
    course = str(example_course)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database: do not touch\n" * 10, encoding="utf-8")
    before = notes.read_bytes()
    for args in (
        ["apply", course],
        ["report", course],
        ["plan", course, "--json"],
    ):
        result = CliRunner().invoke(main, [*args, "--state", str(notes)])
        assert result.exit_code == 2, result.output
        assert "not an SQLite database" in result.stderr
    assert notes.read_bytes() == before
    assert not (example_course.parent / ".ta-delivery").exists()


@pytest.mark.parametrize("form", ["sqlite:///{path}?timeout=5", "sqlite+pysqlite:///{path}"])
def test_a_state_url_with_a_query_or_driver_is_read_back(example_course: Path, form: str) -> None:
    (example_course.parent / "kept").mkdir()
    url = form.format(path=example_course.parent / "kept" / "state.db")
    runner = CliRunner()
    applied = runner.invoke(main, ["apply", str(example_course), "--state", url])
    assert applied.exit_code == 0, applied.output
    planned = runner.invoke(main, ["plan", str(example_course), "--state", url, "--json"])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert plan["classrooms"] == [] and plan["invites"] == [], "plan reads the store apply wrote"
    feed = runner.invoke(main, ["calendar", str(example_course), "--state", url])
    assert "https://meet.jit.si/" in feed.stdout, "the feed carries the links apply recorded"
