"""Text that comes from a remote server (an error message) or a course file reaches the terminal
as plain text: no escape sequences (screen clearing, hyperlinks), no rich markup, no forged lines."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.http import error_for
from ta_delivery.testing.courses import course_toml, person, session
from ta_delivery.testing.loopback import LoopbackServer

EVIL = (
    "bad \x1b[2J\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 [bold red]RED[/bold red] "
    "[link=http://evil.example]L[/link]\r\nforged: line"
)

COURSE = course_toml(
    id="ansi",
    title="T",
    timezone="Europe/Zurich",
    provider="webex",
    organizer={"name": "O", "email": "o@example.org"},
    trainers=[person("rf", "R", timezone="Europe/Zurich")],
    participants=(),
    sessions=[session("s01", "2027-09-06T10:00:00", 60, title="S")],
)


def test_a_server_error_message_is_one_line_of_printable_text() -> None:
    request = httpx.Request("GET", "https://api.example.org/x")
    for response in (
        httpx.Response(400, request=request, json={"message": EVIL}),
        httpx.Response(500, request=request, text=EVIL),
    ):
        error = error_for(response, "demo")
        assert error is not None
        assert str(error).isprintable(), repr(str(error))


def test_apply_shows_a_hostile_server_message_verbatim_and_inert(tmp_path: Path) -> None:
    handler = lambda request: httpx.Response(400, json={"message": EVIL})  # noqa: E731
    with LoopbackServer(handler) as server:
        course = tmp_path / "course.toml"
        course.write_text(COURSE, encoding="utf-8")
        env = {
            "TA_DELIVERY_NOW": "2027-08-01T08:00:00Z",
            "TA_DELIVERY_WEBEX_ACCESS_TOKEN": "token-123456",
            "TA_DELIVERY_WEBEX_API_URL": server.url + "/v1",
            "TA_DELIVERY_STATE": "",
            "TA_DELIVERY_TRANSPORT": "",
            "COLUMNS": "400",
        }
        result = CliRunner().invoke(main, ["apply", str(course)], env=env)
    assert result.exit_code == 1, result.output
    for char in ("\x1b", "\x07", "\r"):
        assert char not in result.output, repr(result.output)
    assert "\nforged: line" not in result.output
    assert "[bold red]RED[/bold red]" in result.output  # shown as written, not interpreted
