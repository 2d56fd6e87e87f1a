"""A coordinator's whole Webex cycle through ``ta-delivery`` over real HTTP on loopback.

plan, apply, a re-run that writes nothing, a reschedule, a person and a session removed, attendance pull,
a ``webex-csv`` import and the report, with the integration's refresh token rotated by the server and kept
in the state store between runs (never the access token or the client secret).
"""

from __future__ import annotations

import email
import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fake_webex import CLIENT_SECRET, REFRESH_TOKEN, FakeWebex
from webex_helpers import cli_course, serve_webex

from ta_delivery.cli import main
from ta_delivery.testing.cli import run
from ta_delivery.testing.courses import PARTICIPANT, person, session

NOW = "2027-08-01T08:00:00Z"

KIRAN = person("tt-01", "Kiran R.", "Kiran@Example.org", "UTC")


def course_text(
    s02_start: str = "2027-09-13T10:00:00", s01_participants: list[str] | None = None, s02: bool = True
) -> str:
    s01 = session("s01", title="Opening webinar")
    if s01_participants is not None:
        s01["participants"] = s01_participants
    sessions = (s01, session("s02", s02_start, 90, title="Tariffs")) if s02 else (s01,)
    return cli_course(
        id="webex-cli",
        participants=(PARTICIPANT, KIRAN),
        sessions=sessions,
        extra="[webex]\njoin_before_host = true\njoin_before_host_minutes = 5\n",
    )


def writes(fake: FakeWebex) -> list[tuple[str, str]]:
    return [(m, p) for m, p in fake.calls if m != "GET" and p != "/v1/access_token"]


def invites(folder: Path, seen: set[Path] | None = None) -> list[tuple[str, str, str]]:
    """(recipient, METHOD, UID) of every message in the outbox not in ``seen`` (which is then updated)."""
    found = []
    for path in sorted(folder.glob("*.eml")):
        if seen is not None:
            if path in seen:
                continue
            seen.add(path)
        message = email.message_from_bytes(path.read_bytes())
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        text = part.get_payload(decode=True).decode()
        method = next(line for line in text.split("\r\n") if line.startswith("METHOD:"))[7:]
        uid = next(line for line in text.split("\r\n") if line.startswith("UID:"))[4:]
        found.append((str(message["To"]).lower(), method, uid))
    return found


def assert_no_secret_stored(db: Path, fake: FakeWebex) -> None:
    raw = db.read_bytes()
    assert CLIENT_SECRET.encode() not in raw
    for token in fake.issued:
        if token.startswith("webex-access-"):
            assert token.encode() not in raw, "an access token was written to the store"


def test_webex_course_lifecycle_through_the_cli(webex: FakeWebex, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(course_text(), encoding="utf-8")
    outbox = tmp_path / ".ta-delivery" / "outbox"
    db = tmp_path / ".ta-delivery" / "state.db"

    code, out, err = run("plan", str(course), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert sorted((c["session"], c["action"]) for c in plan["classrooms"]) == [
        ("s01", "create"),
        ("s02", "create"),
    ]
    assert len(plan["invites"]) == 6
    assert webex.meetings == {} and writes(webex) == []
    assert not (tmp_path / ".ta-delivery").exists(), "plan creates no state"

    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    assert json.loads(out)["ok"] is True
    assert len(webex.meetings) == 2
    by_title = {m["title"]: m for m in webex.meetings.values()}
    s01, s02 = by_title["Opening webinar"], by_title["Tariffs"]
    assert s01["start"] == "2027-09-06T14:00:00Z" and s01["end"] == "2027-09-06T16:00:00Z"
    assert s01["enabledJoinBeforeHost"] is True and s01["joinBeforeHostMinutes"] == 5
    people = {(v["meetingId"], v["email"].lower(), v["coHost"]) for v in webex.invitees.values()}
    assert people == {
        (mid, mail, mail == "rf@example.org")
        for mid in (s01["id"], s02["id"])
        for mail in ("rf@example.org", "ana@example.org", "kiran@example.org")
    }
    seen: set[Path] = set()
    assert len(invites(outbox, seen)) == 6
    assert webex.token_grants == 1
    assert_no_secret_stored(db, webex)

    # a second run with nothing changed
    before = list(writes(webex))
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    assert json.loads(out)["items"] == []
    assert writes(webex) == before, "a run with nothing changed writes nothing to Webex"
    assert len(invites(outbox)) == 6

    # reschedule s02
    course.write_text(course_text(s02_start="2027-09-14T11:00:00"), encoding="utf-8")
    # (17:00-18:30 in Zurich breaks rf's working hours: a rule error apply refuses unless told)
    code, out, err = run("apply", str(course), "--json")
    assert code == 1 and json.loads(out)["applied"] is False
    code, out, err = run("apply", str(course), "--json", "--ignore-rules")
    assert code == 0, err + out
    assert webex.meetings[s02["id"]]["start"] == "2027-09-14T15:00:00Z"
    assert len(webex.meetings) == 2
    assert ("PATCH", f"/v1/meetings/{s02['id']}") in webex.calls
    # a new process: the configured refresh token was consumed by the first rotation, so this run
    # could only authenticate with the rotated one the store kept
    assert webex.token_grants == 2
    assert REFRESH_TOKEN not in webex.refresh_tokens
    sent = invites(outbox, seen)
    assert len(sent) == 3 and {m for _to, m, _uid in sent} == {"REQUEST"}

    # Kiran leaves s01
    course.write_text(
        course_text(s02_start="2027-09-14T11:00:00", s01_participants=["jm-01"]),
        encoding="utf-8",
    )
    code, out, err = run("apply", str(course), "--json", "--ignore-rules")
    assert code == 0, err + out
    s01_people = {v["email"].lower() for v in webex.invitees.values() if v["meetingId"] == s01["id"]}
    assert s01_people == {"rf@example.org", "ana@example.org"}
    sent = invites(outbox, seen)
    assert len(sent) == 1 and "kiran@example.org" in sent[0][0] and sent[0][1] == "CANCEL"

    # s02 removed
    course.write_text(course_text(s01_participants=["jm-01"], s02=False), encoding="utf-8")
    code, out, err = run("apply", str(course), "--json", "--ignore-rules")
    assert code == 0, err + out
    assert list(webex.meetings) == [s01["id"]]
    sent = invites(outbox, seen)
    assert len(sent) == 3 and {m for _to, m, _uid in sent} == {"CANCEL"}
    assert ("DELETE", f"/v1/meetings/{s02['id']}") in webex.calls
    assert_no_secret_stored(db, webex)

    # the session ends; attendance pull
    webex.end_meeting(
        s01["id"],
        [
            {
                "id": "a",
                "email": "ANA@example.org",
                "displayName": "Ana",
                "devices": [
                    {
                        "correlationId": "d1",
                        "joinedTime": "2027-09-06T14:20:00Z",
                        "leftTime": "2027-09-06T16:00:00Z",
                    }
                ],
            },
            {
                "id": "g",
                "email": "guest@example.net",
                "displayName": "Guest",
                "joinedTime": "2027-09-06T14:00:00Z",
                "leftTime": "2027-09-06T14:30:00Z",
            },
        ],
    )
    after = {"TA_DELIVERY_NOW": "2027-09-07T08:00:00Z"}
    result = CliRunner().invoke(main, ["attendance", "pull", str(course)], env=after)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["report", str(course), "--format", "json"], env=after)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    by_id = {p["id"]: p for p in report["participants"]}
    assert by_id["jm-01"]["sessions"] == {"s01": {"status": "late", "minutes": 100}}
    assert by_id["jm-01"]["prerequisites_met"] is None
    assert by_id["tt-01"]["sessions"] == {}, "Kiran is no longer in any live session"
    assert report["unmatched"] == [
        {"session": "s01", "name": "Guest", "email": "guest@example.net", "minutes": 30}
    ]
    again = CliRunner().invoke(main, ["attendance", "pull", str(course)], env=after)
    assert again.exit_code == 0, again.output

    # the attendee report export, UTF-16 tab-separated, local times of the exporting zone
    export = tmp_path / "attendees.txt"
    rows = [
        "Name\tEmail\tJoin Time\tLeave Time\tDuration",
        "Ana Pérez\tana@example.org\t09/06/2027 10:00:00 AM\t09/06/2027 10:19:00 AM\t19",
    ]
    export.write_bytes("\r\n".join(rows).encode("utf-16"))
    result = CliRunner().invoke(
        main,
        [
            "attendance",
            "import",
            str(course),
            str(export),
            "--format",
            "webex-csv",
            "--session",
            "s01",
            "--timezone",
            "America/Port_of_Spain",
        ],
        env=after,
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["report", str(course), "--format", "json"], env=after)
    report = json.loads(result.stdout)
    ana = next(p for p in report["participants"] if p["id"] == "jm-01")
    assert ana["sessions"]["s01"] == {"status": "present", "minutes": 119}
    assert ana["completed"] is True
    assert_no_secret_stored(db, webex)


def test_bearer_token_run_stores_nothing_secret(
    webex: FakeWebex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_webex import ACCESS_TOKEN

    for var in (
        "TA_DELIVERY_WEBEX_CLIENT_ID",
        "TA_DELIVERY_WEBEX_CLIENT_SECRET",
        "TA_DELIVERY_WEBEX_REFRESH_TOKEN",
    ):
        monkeypatch.delenv(var)
    monkeypatch.setenv("TA_DELIVERY_WEBEX_ACCESS_TOKEN", ACCESS_TOKEN)
    course = tmp_path / "course.toml"
    course.write_text(course_text(), encoding="utf-8")
    code, out, err = run("apply", str(course), "--json")
    assert code == 0, err + out
    assert len(webex.meetings) == 2
    assert ACCESS_TOKEN.encode() not in (tmp_path / ".ta-delivery" / "state.db").read_bytes()
    assert ACCESS_TOKEN not in out + err


class SeriesOnlyWebex(FakeWebex):
    """A Webex that answers participants for a series id (its last instance, as the docs say) but lists
    no instances of a series: ``refuse`` answers that listing 400 instead of an empty page."""

    def __init__(self, refuse: bool) -> None:
        super().__init__()
        self.refuse = refuse

    def _list_meetings(self, request: httpx.Request) -> httpx.Response:
        if "meetingSeriesId" in request.url.params:
            if self.refuse:
                return httpx.Response(400, json={"message": "meetingType=meeting is not supported"})
            return self._page(request, [])
        return super()._list_meetings(request)

    def _route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        mid = request.url.params.get("meetingId", "")
        if parts == ["meetingParticipants"] and mid in self.meetings:
            held = [i for i, v in self.instances.items() if v["meetingSeriesId"] == mid]
            if not held:
                return httpx.Response(404, json={"message": "Meeting not found."})
            return self._page(request, self.participants[held[-1]])
        return super()._route(request, parts)


@pytest.mark.parametrize("refuse", [False, True])
def test_pull_asks_the_series_when_no_instance_is_listed(
    refuse: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_webex(SeriesOnlyWebex(refuse), monkeypatch) as fake:
        course = tmp_path / "course.toml"
        course.write_text(course_text(s02=False), encoding="utf-8")
        code, out, err = run("apply", str(course))
        assert code == 0, err + out
        after = {"TA_DELIVERY_NOW": "2027-09-07T08:00:00Z"}
        # nobody held the meeting yet: nothing to record, and no failure
        result = CliRunner().invoke(main, ["attendance", "pull", str(course)], env=after)
        assert result.exit_code == 0, result.output
        [meeting] = fake.meetings.values()
        fake.end_meeting(
            meeting["id"],
            [
                {
                    "id": "k",
                    "email": "kiran@example.org",
                    "displayName": "Kiran",
                    "joinedTime": "2027-09-06T14:00:00Z",
                    "leftTime": "2027-09-06T16:00:00Z",
                }
            ],
        )
        result = CliRunner().invoke(main, ["attendance", "pull", str(course)], env=after)
        assert result.exit_code == 0, result.output
        result = CliRunner().invoke(main, ["report", str(course), "--format", "json"], env=after)
        kiran = next(p for p in json.loads(result.stdout)["participants"] if p["id"] == "tt-01")
        assert kiran["sessions"]["s01"] == {"status": "present", "minutes": 120}
