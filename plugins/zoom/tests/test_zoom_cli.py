"""The Zoom lifecycle as a coordinator drives it through the CLI, against the fake Zoom served on loopback
(every request validated against Zoom's OpenAPI document where ../shared is present): apply, reschedule,
leavers, registration switched off, the host, and the settings it needs."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_zoom import ENV, FakeZoom
from zoom_helpers import APPLY_COURSE, cli_course

from ta_delivery.cli import main
from ta_delivery.invites import session_uid
from ta_delivery.testing.cli import outbox_invites, run_json
from ta_delivery.testing.courses import session, write_course


def _course(tmp_path: Path, *, registration: bool) -> Path:
    text = cli_course(f"registration = {str(registration).lower()}", id="qa2-zoom")
    return write_course(tmp_path, text)


def _apply(course: Path) -> dict[str, object]:
    return run_json("apply", str(course))


def _calendar_lines(tmp_path: Path, seen: set[Path]) -> dict[str, dict[str, str]]:
    """Recipient email -> the METHOD, SEQUENCE and URL of each invite written since ``seen``."""
    return outbox_invites(tmp_path, seen)


def test_switching_registration_off_cancels_registrants_and_sends_the_shared_link(
    zoom: FakeZoom, tmp_path: Path
) -> None:
    """Registrants are cancelled while registration is still on: Zoom refuses registrant changes after."""
    seen: set[Path] = set()
    _apply(_course(tmp_path, registration=True))
    first = _calendar_lines(tmp_path, seen)
    assert "/w/" in first["ana@example.org"]["URL"], "a registrant's personal link"

    _apply(_course(tmp_path, registration=False))
    (meeting,) = zoom.live()
    assert meeting["settings"]["approval_type"] == 2
    statuses = {r["email"]: r["status"] for r in zoom.registrants[meeting["id"]].values()}
    assert statuses == {"ana@example.org": "cancelled", "kiran@example.org": "cancelled"}
    shared = f"https://fake.zoom.us/j/{meeting['id']}?pwd=abc"
    assert {k: v["URL"] for k, v in _calendar_lines(tmp_path, seen).items()} == {
        "ana@example.org": shared,
        "kiran@example.org": shared,
    }

    writes = len(zoom.requests)
    assert _apply(_course(tmp_path, registration=False))["items"] == []
    assert [r.method for r in zoom.requests[writes:]] == [], "then nothing more is asked of Zoom"


def test_a_trainer_who_hosts_is_not_made_their_own_alternative_host(
    zoom: FakeZoom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zoom refuses a meeting whose alternative hosts are invalid; the host is no alternative to itself."""
    monkeypatch.setenv("TA_DELIVERY_ZOOM_USER", "RF@example.org")
    course = _course(tmp_path, registration=True)
    course.write_text(
        course.read_text(encoding="utf-8").replace('trainers = ["rf"]', 'trainers = ["rf", "kb"]')
        + '\n[[trainers]]\nid = "kb"\nname = "Kim B."\nemail = "kb@example.org"\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    _apply(course)
    (meeting,) = zoom.live()
    assert meeting["host"] == "RF@example.org"
    assert meeting["settings"]["alternative_hosts"] == "kb@example.org"


def test_reschedule_and_a_leaver_update_zoom_in_place_and_reinvite(zoom: FakeZoom, tmp_path: Path) -> None:
    """A reschedule is one PATCH and REQUESTs keeping each personal link; a leaver is cancelled in Zoom."""
    seen: set[Path] = set()
    course = _course(tmp_path, registration=True)
    _apply(course)
    first = _calendar_lines(tmp_path, seen)
    (meeting,) = zoom.live()

    text = course.read_text(encoding="utf-8").replace("2027-09-06T10:00:00", "2027-09-06T11:00:00")
    course.write_text(text, encoding="utf-8")
    sent = len(zoom.requests)
    _apply(course)
    assert [(r.method, r.url.path) for r in zoom.requests[sent:]] == [
        ("PATCH", f"/v2/meetings/{meeting['id']}")
    ]
    assert meeting["start_time"] == "2027-09-06T09:00:00Z"
    again = _calendar_lines(tmp_path, seen)
    assert {k: (v["METHOD"], v["SEQUENCE"], v["URL"]) for k, v in again.items()} == {
        k: ("REQUEST", "1", v["URL"]) for k, v in first.items()
    }

    course.write_text(
        text.replace('trainers = ["rf"]', 'trainers = ["rf"]\nparticipants = ["jm-01"]'), encoding="utf-8"
    )
    sent = len(zoom.requests)
    _apply(course)
    assert [r.method for r in zoom.requests[sent:]] == ["PUT"], "no PATCH: the meeting itself did not change"
    assert zoom.registrants[meeting["id"]]["kiran@example.org"]["status"] == "cancelled"
    assert zoom.registrants[meeting["id"]]["ana@example.org"]["status"] == "approved"
    left = _calendar_lines(tmp_path, seen)
    assert {k: (v["METHOD"], v["SEQUENCE"]) for k, v in left.items()} == {
        "kiran@example.org": ("CANCEL", "2")
    }

    sent = len(zoom.requests)
    assert _apply(course)["items"] == []
    assert zoom.requests[sent:] == [], "a run with nothing changed asks nothing of Zoom"


def test_the_host_email_written_in_another_case_keeps_the_meetings(zoom: FakeZoom, tmp_path: Path) -> None:
    """Emails ignore case: re-casing ``[zoom] host`` must not replace the meeting and re-send every link."""
    seen: set[Path] = set()
    course = _course(tmp_path, registration=True)
    text = course.read_text(encoding="utf-8")
    course.write_text(text.replace("[zoom]\n", '[zoom]\nhost = "Host@Example.org"\n'), encoding="utf-8")
    _apply(course)
    _calendar_lines(tmp_path, seen)
    (meeting,) = zoom.live()

    course.write_text(text.replace("[zoom]\n", '[zoom]\nhost = "host@example.org"\n'), encoding="utf-8")
    sent = len(zoom.requests)
    _apply(course)
    assert zoom.live() == [meeting], "the same meeting, not a replacement"
    assert [r.method for r in zoom.requests[sent:]] == []
    assert _calendar_lines(tmp_path, seen) == {}, "nobody's link changed"


def test_apply_creates_meetings_registers_people_and_invites_with_personal_links(
    zoom: FakeZoom, tmp_path: Path
) -> None:
    course = tmp_path / "course.toml"
    course.write_text(APPLY_COURSE, encoding="utf-8")
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
    course.write_text(APPLY_COURSE, encoding="utf-8")
    result = CliRunner().invoke(main, [command, str(course)])
    assert result.exit_code == 2, result.output
    assert "TA_DELIVERY_ZOOM_CLIENT_ID" in result.stderr
    assert "TA_DELIVERY_ZOOM_CLIENT_SECRET" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists(), "nothing is created when a setting is missing"


def test_each_registrant_finds_their_own_join_link_everywhere_a_client_looks(
    zoom: FakeZoom, tmp_path: Path
) -> None:
    """PRODUCT.md "Invites": a participant's invite carries their personal Zoom link in LOCATION, URL,
    CONFERENCE and DESCRIPTION (and the readable parts); a trainer's carries the meeting's shared link, and
    nobody's carries the host's start link."""
    import icalendar

    course = write_course(tmp_path, APPLY_COURSE)
    assert run_json("apply", str(course))["ok"] is True
    by_topic = {m["topic"]: m for m in zoom.live()}
    for path in sorted((tmp_path / ".ta-delivery" / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        address = message["To"].addresses[0].addr_spec
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        (event,) = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
        meeting = by_topic[str(event["SUMMARY"]).split(" (")[0]]
        registrant = zoom.registrants[str(meeting["id"])].get(address)
        link = registrant["join_url"] if registrant else f"https://fake.zoom.us/j/{meeting['id']}?pwd=abc"
        assert registrant is not None or address == "rf@example.org"
        conference = event["CONFERENCE"]
        conferences = conference if isinstance(conference, list) else [conference]
        assert str(event["LOCATION"]) == str(event["URL"]) == link
        assert link in [str(c) for c in conferences]
        assert link in str(event["DESCRIPTION"])
        readable = [
            p.get_content() for p in message.walk() if p.get_content_type() in ("text/plain", "text/html")
        ]
        assert len(readable) == 2 and all(link in text for text in readable)
        assert b"HOSTSECRETZAK" not in path.read_bytes()


def test_at_a_terminal_apply_asks_before_changing_zoom_even_with_the_outbox(
    zoom: FakeZoom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRODUCT.md section 2: on a terminal, a run that would change classrooms on a remote provider shows
    what it will do and asks first; "no" changes nothing anywhere; a run with nothing to do asks nothing."""
    monkeypatch.setattr("ta_delivery.cli.sync.interactive", lambda: True)
    course = write_course(tmp_path, APPLY_COURSE)
    declined = CliRunner().invoke(main, ["apply", str(course)], input="n\n")
    assert declined.exit_code == 1, declined.output
    assert "Apply these changes?" in declined.stderr and "zoom" in declined.stderr
    assert zoom.meetings == {} and not dict(zoom.writes)
    assert not (tmp_path / ".ta-delivery").exists()

    accepted = CliRunner().invoke(main, ["apply", str(course)], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert len(zoom.live()) == 2
    again = CliRunner().invoke(main, ["apply", str(course)], input="")
    assert again.exit_code == 0, again.output
    assert "Apply these changes?" not in again.stderr


def test_a_session_moved_from_jitsi_to_zoom_is_reinvited_with_its_new_link_under_the_same_uid(
    zoom: FakeZoom, tmp_path: Path
) -> None:
    """PRODUCT.md "Invites": a changed join link is a REQUEST with the same UID and a higher SEQUENCE; here
    the session's provider changes, so its people get the Zoom links (a participant their own) and the
    other session, still on Jitsi, gets nothing."""

    def text(s02_provider: str) -> str:
        return cli_course(
            "",
            id="zoom-switch",
            provider="jitsi",
            sessions=(
                session("s01", title="Opening"),
                session("s02", "2027-09-13T10:00:00", 90, title="Tariffs", provider=s02_provider),
            ),
        )

    course = write_course(tmp_path, text("jitsi"))
    seen: set[Path] = set()
    assert run_json("apply", str(course))["ok"] is True
    outbox_invites(tmp_path, seen)
    assert len(seen) == 6 and zoom.meetings == {}

    write_course(tmp_path, text("zoom"))
    assert run_json("apply", str(course))["ok"] is True
    (meeting,) = zoom.live()
    after = outbox_invites(tmp_path, seen, ("METHOD", "UID", "SEQUENCE", "URL"))
    assert set(after) == {"rf@example.org", "ana@example.org", "kiran@example.org"} and len(seen) == 9
    registrants = zoom.registrants[str(meeting["id"])]
    for address, fields in after.items():
        assert fields["METHOD"] == "REQUEST" and fields["SEQUENCE"] == "1"
        assert fields["UID"] == session_uid("zoom-switch", "s02")
        link = registrants[address]["join_url"] if address in registrants else None
        assert fields["URL"] == (link or f"https://fake.zoom.us/j/{meeting['id']}?pwd=abc")
    assert run_json("apply", str(course))["items"] == []
