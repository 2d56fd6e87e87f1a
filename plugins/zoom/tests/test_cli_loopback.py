"""End to end over real HTTP: ``ta-delivery apply`` on a course file with Zoom, against the fake Zoom
served on loopback (every request validated against Zoom's OpenAPI document where ../shared is present)."""

from __future__ import annotations

import email
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_zoom import ENV, FakeZoom
from zoom_helpers import ANA, KIRAN, cli_course

from ta_delivery.cli import main
from ta_delivery.testing.courses import session

COURSE = cli_course(
    "waiting_room = true",
    id="zoom-e2e",
    title="Trade policy webinars",
    participants=({**ANA, "language": "es"}, KIRAN),
    sessions=(
        session("s01", title="Opening webinar"),
        session("s02", "2027-09-13T10:00:00", 90, title="Tariffs"),
    ),
)


def test_apply_creates_meetings_registers_people_and_invites_with_personal_links(
    zoom: FakeZoom, tmp_path: Path
) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    result = CliRunner().invoke(main, ["apply", str(course), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    live = [m for m in zoom.meetings.values() if not m.get("deleted")]
    assert sorted(m["topic"] for m in live) == ["Opening webinar", "Tariffs"]
    for meeting in live:
        emails = {r["email"] for r in zoom.registrants[str(meeting["id"])].values()}
        assert emails == {"ana@example.org", "kiran@example.org"}

    outbox = sorted((tmp_path / ".ta-delivery" / "outbox").glob("*.eml"))
    assert len(outbox) == 6  # two sessions x (one trainer + two participants)
    links: dict[str, set[str]] = {}
    for path in outbox:
        message = email.message_from_bytes(path.read_bytes())
        calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        text = calendar.get_payload(decode=True).decode()
        url = next(line for line in text.split("\r\n") if line.startswith("URL"))
        links.setdefault(str(message["To"]), set()).add(url)
    ana = next(v for k, v in links.items() if "ana@example.org" in k)
    kiran = next(v for k, v in links.items() if "kiran@example.org" in k)
    assert ana.isdisjoint(kiran), "each participant's invite carries their own join link"

    writes = dict(zoom.writes)
    again = CliRunner().invoke(main, ["apply", str(course), "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["items"] == []
    assert dict(zoom.writes) == writes, "a run with nothing changed changes nothing at Zoom"
    assert len(list((tmp_path / ".ta-delivery" / "outbox").glob("*.eml"))) == 6

    state = (tmp_path / ".ta-delivery" / "state.db").read_bytes()
    assert ENV["TA_DELIVERY_ZOOM_CLIENT_SECRET"].encode() not in state
    assert b"secretvalue" not in state, "no access token in the store"


@pytest.mark.parametrize("command", ["apply", "plan"])
def test_missing_credentials_exit_2_before_any_state_is_made(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TA_DELIVERY_ZOOM_ACCOUNT_ID", "acct")
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-08-01T08:00:00Z")
    monkeypatch.delenv("TA_DELIVERY_STATE", raising=False)
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    result = CliRunner().invoke(main, [command, str(course)])
    assert result.exit_code == 2, result.output
    assert "TA_DELIVERY_ZOOM_CLIENT_ID" in result.stderr
    assert "TA_DELIVERY_ZOOM_CLIENT_SECRET" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists(), "nothing is created when a setting is missing"
