"""Identity and display (issue 19): ids with '@' match by id; control characters never reach a terminal.

An id is free text (1-64 characters, no spaces), so ``ana@01`` is an id: a ``register-csv`` row naming it is
that participant's, before any email matching. ESC, BEL and other control characters are refused in ids,
and what an import brings (names, emails, ids of people not on the course) is shown escaped.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import Raw, course_toml, person, session


def course_text(pid: str) -> str:
    """One participant whose id is ``pid`` as written in TOML's quotes (escapes stay escapes)."""
    return course_toml(
        id="ids",
        title="Ids course",
        timezone="UTC",
        trainers=(),
        participants=[person(Raw(f'"{pid}"'), "Ana Pérez", "ana@example.org", "UTC")],  # type: ignore[arg-type]
        sessions=[session("s01", "2027-08-10T14:00:00", 60, title="Opening", trainers=None)],
    )


ENV = {"TA_DELIVERY_NOW": "2027-09-01T00:00:00Z", "TA_DELIVERY_STATE": None, "TA_DELIVERY_TRANSPORT": None}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


def _course(tmp_path: Path, pid: str) -> Path:
    course = tmp_path / "course.toml"
    course.write_text(course_text(pid), encoding="utf-8")
    return course


def _import(tmp_path: Path, course: Path, row: str, session: str = "s01") -> tuple[int, str, str]:
    """``attendance import`` of a ``register-csv`` file holding ``row``."""
    rows = tmp_path / "register.csv"
    rows.write_text("participant,join,leave\n" + row + "\n", encoding="utf-8")
    return _run("attendance", "import", str(course), str(rows), "--session", session)


def test_an_id_with_an_at_sign_is_matched_by_id_in_register_csv(tmp_path: Path) -> None:
    course = _course(tmp_path, "ana@01")
    code, out, err = _import(tmp_path, course, "ana@01,2027-08-10T14:00:00Z,2027-08-10T15:00:00Z")
    assert code == 0, err
    assert "unmatched" not in out
    code, out, err = _run("report", str(course), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["participants"][0]["sessions"]["s01"]["status"] == "present"
    assert report["unmatched"] == []


def test_control_characters_in_an_id_are_refused_and_never_echoed_raw(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(course_text("p\\u001b[31m1\\u0007"), encoding="utf-8")
    for command in ("check", "plan", "apply"):
        code, out, err = _run(command, str(course))
        assert code == 2, (command, out, err)
        assert "participants[0].id" in err and "control characters" in err
        assert "\x1b" not in out + err and "\x07" not in out + err


def test_control_characters_from_an_import_are_escaped_in_the_table_report(tmp_path: Path) -> None:
    course = _course(tmp_path, "p1")
    code, out, err = _import(tmp_path, course, "x\x1b]0;owned\x07,2027-08-10T14:00:00Z,2027-08-10T15:00:00Z")
    assert code == 0, err
    assert "\x1b" not in out + err and "\x07" not in out + err
    code, out, err = _run("report", str(course))
    assert code == 0, err
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "owned" in out  # shown, with its control characters neutralised


def test_an_unknown_session_from_the_command_line_is_escaped_in_the_error(tmp_path: Path) -> None:
    course = _course(tmp_path, "p1")
    code, out, err = _import(
        tmp_path, course, "p1,2027-08-10T14:00:00Z,2027-08-10T15:00:00Z", session="s\x1b[2J\x07"
    )
    assert code == 2
    assert "\x1b" not in out + err and "\x07" not in out + err
