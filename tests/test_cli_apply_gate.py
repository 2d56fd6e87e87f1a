"""``apply`` is safe by default: the rules first, a question before mailing people, a closing summary.

And ``plan`` says what changes (old → new), with a totals line and a way for scripts to tell.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

OPENING = 'title = "Opening webinar: the multilateral trading system and the Caribbean"'


@pytest.fixture
def course(example_course: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example course a month before its first session."""
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-07-01T12:00:00Z")
    return example_course


def run(*args: str, answer: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=answer)
    return result.exit_code, result.stdout, result.stderr


def outbox(course: Path) -> list[Path]:
    folder = course.parent / ".ta-delivery" / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def too_long(course: Path) -> None:
    """Make the opening webinar last four hours: a live-session-too-long error."""
    text = course.read_text(encoding="utf-8")
    start = text.index(OPENING)
    minutes = text.index("minutes = ", start)
    end = text.index("\n", minutes)
    course.write_text(text[:minutes] + "minutes = 240" + text[end:], encoding="utf-8")


# --- the rules first -------------------------------------------------------------------------------


def test_rule_errors_stop_apply_and_change_nothing(course: Path) -> None:
    too_long(course)
    code, out, err = run("apply", str(course))
    assert code == 1
    assert "live-session-too-long" in out
    assert "--ignore-rules" in err
    assert not (course.parent / ".ta-delivery").exists()


def test_rule_errors_as_json(course: Path) -> None:
    too_long(course)
    code, out, _ = run("apply", str(course), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["applied"] is False
    assert "live-session-too-long" in {f["rule"] for f in data["findings"]}
    assert not (course.parent / ".ta-delivery").exists()


def test_ignore_rules_applies_and_says_so(course: Path) -> None:
    too_long(course)
    code, _, err = run("apply", str(course), "--ignore-rules")
    assert code == 0
    assert "rule error(s) ignored (--ignore-rules)" in err
    assert outbox(course)


def test_warnings_do_not_stop_apply(course: Path) -> None:
    too_long(course)
    text = course.read_text(encoding="utf-8")
    rules = "\n".join(f'{rule} = "warning"' for rule in ("live-session-too-long", "outside-working-hours"))
    course.write_text(text + f"\n[rules.severity]\n{rules}\n", encoding="utf-8")
    assert run("apply", str(course))[0] == 0


# --- the question ----------------------------------------------------------------------------------


class _Relay:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.received: list[str] = []
        self.controller: Any = aiosmtpd_controller.Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Relay]:
    relay = _Relay()
    relay.controller.start()
    monkeypatch.setenv("TA_DELIVERY_TRANSPORT", "smtp")
    monkeypatch.setenv("TA_DELIVERY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TA_DELIVERY_SMTP_PORT", str(relay.port))
    monkeypatch.setenv("TA_DELIVERY_SMTP_STARTTLS", "false")
    try:
        yield relay
    finally:
        relay.controller.stop()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ta_delivery.cli.sync.interactive", lambda: True)


def test_on_a_terminal_mail_to_people_is_asked_first_and_no_means_nothing(
    course: Path, smtp: _Relay, terminal: None
) -> None:
    code, _, err = run("apply", str(course), answer="n\n")
    assert code == 1
    assert "to create" in err and "invitations" in err and "Apply these changes?" in err
    assert "nothing changed" in err
    assert smtp.received == []
    assert not (course.parent / ".ta-delivery").exists()


def test_yes_at_the_question_applies_and_names_the_smtp_host(
    course: Path, smtp: _Relay, terminal: None
) -> None:
    code, out, _ = run("apply", str(course), answer="y\n")
    assert code == 0
    assert smtp.received
    assert f"sent through SMTP server 127.0.0.1:{smtp.port}" in out


def test_yes_flag_skips_the_question(course: Path, smtp: _Relay, terminal: None) -> None:
    code, _, err = run("apply", str(course), "--yes")
    assert code == 0
    assert "Apply these changes?" not in err
    assert smtp.received


def test_without_a_terminal_it_never_asks(course: Path, smtp: _Relay) -> None:
    code, _, err = run("apply", str(course))  # CliRunner's stdin is not a terminal
    assert code == 0
    assert "Apply these changes?" not in err
    assert smtp.received


def test_the_outbox_and_jitsi_are_not_asked_about(course: Path, terminal: None) -> None:
    code, out, err = run("apply", str(course))
    assert code == 0
    assert "Apply these changes?" not in err
    folder = course.parent / ".ta-delivery" / "outbox"
    assert f"invitation messages written to the outbox {folder}" in out


# --- plan: old → new, totals, pending ----------------------------------------------------------------


def test_plan_totals_and_pending_for_scripts(course: Path) -> None:
    code, out, _ = run("plan", str(course), "--json")
    assert code == 0
    data = json.loads(out)
    creates = sum(c["action"] == "create" for c in data["classrooms"])
    assert data["pending"] is True
    assert data["totals"]["create"] == creates
    assert data["totals"]["invitations"] == len(data["invites"])
    code, out, _ = run("plan", str(course))
    assert f"{creates} to create, 0 to update, 0 to cancel, {len(data['invites'])} invitations" in out
    assert run("plan", str(course), "--exit-code")[0] == 3
    assert run("apply", str(course))[0] == 0
    code, out, _ = run("plan", str(course), "--json", "--exit-code")
    assert code == 0
    assert json.loads(out)["pending"] is False


def test_plan_shows_old_and_new(course: Path) -> None:
    assert run("apply", str(course))[0] == 0
    text = course.read_text(encoding="utf-8")
    course.write_text(
        text.replace(OPENING, 'title = "Opening webinar: the WTO"').replace(
            "start = 2027-08-09T10:00:00", "start = 2027-08-09T09:00:00"
        ),
        encoding="utf-8",
    )
    code, out, _ = run("plan", str(course), "--json")
    assert code == 0
    changes = {(c["session"], c["what"]): (c["old"], c["new"]) for c in json.loads(out)["changes"]}
    assert changes[("opening", "title")] == (
        "Opening webinar: the multilateral trading system and the Caribbean",
        "Opening webinar: the WTO",
    )
    old, new = changes[("opening", "start")]
    assert old.endswith("10:00") and new.endswith("09:00")
    code, out, _ = run("plan", str(course))
    assert "title: Opening webinar: the multilateral" in out
    assert "0 to create, 1 to update, 0 to cancel" in out


# --- on a real terminal -----------------------------------------------------------------------------


def on_a_terminal(*args: str, answer: str | None = None, stdout: Path | None = None) -> tuple[int, str]:
    """``ta-delivery ARGS`` in a child process whose stdin, stdout and stderr are a pseudo-terminal, as a
    person at a terminal runs it; ``answer`` is typed when the question shows. Exit code and all it wrote.

    With ``stdout``, standard output goes to that file instead (``ta-delivery ARGS > FILE``)."""
    import os
    import pty
    import select
    import subprocess
    import sys

    master, slave = pty.openpty()
    log = stdout.open("wb") if stdout is not None else None
    child = subprocess.Popen(
        [sys.executable, "-m", "ta_delivery", *args],
        stdin=slave,
        stdout=log if log is not None else slave,
        stderr=slave,
        close_fds=True,
        env={**os.environ, "COLUMNS": "400"},  # a wide terminal: the closing line is not wrapped
    )
    os.close(slave)
    written = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            assert ready, f"no output for two minutes: {written!r}"
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            written += chunk
            if answer is not None and b"Apply these changes?" in written:
                os.write(master, answer.encode())
                answer = None
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", written.decode("utf-8", "replace"))  # no styles
        return child.wait(timeout=60), text
    finally:
        os.close(master)
        if log is not None:
            log.close()
        if child.poll() is None:
            child.kill()


def test_at_a_real_terminal_smtp_is_asked_about_and_no_changes_nothing(course: Path, smtp: _Relay) -> None:
    code, shown = on_a_terminal("apply", str(course), answer="n\n")
    assert code == 1, shown
    assert "Apply these changes?" in shown and "nothing changed" in shown
    assert smtp.received == []
    assert not (course.parent / ".ta-delivery").exists()


def test_at_a_terminal_with_output_to_a_file_mail_is_still_asked_about(
    course: Path, smtp: _Relay, tmp_path: Path
) -> None:
    """``apply > log`` typed at a terminal: the plan and the question show on the terminal (stderr)."""
    log = tmp_path / "apply.log"
    code, shown = on_a_terminal("apply", str(course), answer="n\n", stdout=log)
    assert code == 1, shown
    assert "Apply these changes?" in shown and "nothing changed" in shown
    assert "Apply these changes?" not in log.read_text()
    assert smtp.received == []
    assert not (course.parent / ".ta-delivery").exists()


def test_at_a_real_terminal_apply_shows_progress_then_where_the_invitations_went(course: Path) -> None:
    code, shown = on_a_terminal("apply", str(course))
    assert code == 0, shown
    assert "Apply these changes?" not in shown  # the outbox and Jitsi mail and change nobody remote
    progress = shown.split("rtpc-caribbean-2027:")[0]
    assert re.search(r"applying .* 0/\d+", progress), shown  # the bar, then each item as it is done
    assert re.search(r"[a-z0-9-]+/[a-z0-9-]+ [━╸╺]+ +\d+/\d+", progress), shown  # session/person
    sent = len(outbox(course))
    folder = course.parent / ".ta-delivery" / "outbox"
    assert f"{sent} invitation messages written to the outbox {folder}" in shown


def test_apply_json_also_ends_by_saying_where_the_invitations_went(course: Path) -> None:
    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    went = json.loads(out)["invitations"]
    folder = course.parent / ".ta-delivery" / "outbox"
    sent = len(outbox(course))
    assert went == {
        "transport": "outbox",
        "where": f"written to the outbox {folder}",
        "summary": f"{sent} invitation messages written to the outbox {folder}",
    }


def test_apply_json_names_the_smtp_server_the_invitations_went_through(course: Path, smtp: _Relay) -> None:
    code, out, _ = run("apply", str(course), "--json")
    assert code == 0
    went = json.loads(out)["invitations"]
    assert went["transport"] == "smtp"
    assert went["where"] == f"sent through SMTP server 127.0.0.1:{smtp.port}"
    assert went["summary"].endswith(went["where"]) and smtp.received
