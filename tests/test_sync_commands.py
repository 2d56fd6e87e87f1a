"""``plan``, ``apply``, outbox invitations, ``calendar`` and ``plugins`` (PRODUCT.md section 2).

Everything runs on the built-in Jitsi provider and the default outbox transport, with "now" fixed by
``TA_DELIVERY_NOW``; no network is used.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import P1, T1, course_toml, person, session

COURSE = course_toml(
    id="sync-2020",
    title="Sync course",
    timezone="Europe/Berlin",
    trainers=[T1],
    participants=[P1, person("p2", "Ana Pérez", "ana@example.org", "America/New_York", language="es")],
    sessions=[
        session("s01", "2020-08-10T14:00:00", 120, title="Opening", trainers=["t1"]),
        session("s02", "2020-08-17T14:00:00", 90, title="Second", trainers=["t1"]),
        session("lec", "2020-08-11T10:00:00", 60, title="Recorded lecture", kind="recorded", trainers=["t1"]),
    ],
)

BEFORE = "2020-08-01T00:00:00Z"  # before every session
BETWEEN = "2020-08-12T00:00:00Z"  # s01 has ended, s02 has not


@dataclass
class Invite:
    file: str
    to: str
    method: str
    uid: str
    sequence: int
    summary: str
    event: Any
    message: EmailMessage
    calendar_text: str


def read_invite(path: Path) -> Invite:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, path
    part = parts[0]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode("utf-8")
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert part.get_param("method") == str(cal["METHOD"])
    return Invite(
        file=path.name,
        to=str(message["To"]),
        method=str(cal["METHOD"]),
        uid=str(event["UID"]),
        sequence=int(event.get("SEQUENCE", 0)),
        summary=str(event["SUMMARY"]),
        event=event,
        message=message,
        calendar_text=text,
    )


class World:
    def __init__(self, tmp_path: Path, text: str = COURSE) -> None:
        self.dir = tmp_path
        self.course = tmp_path / "course.toml"
        self.course.write_text(text, encoding="utf-8")
        self.now = BEFORE
        self.seen: set[str] = set()

    def write(self, text: str) -> None:
        self.course.write_text(text, encoding="utf-8")

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
        base: dict[str, str | None] = {
            "TA_DELIVERY_NOW": self.now,
            "TA_DELIVERY_STATE": None,
            "TA_DELIVERY_OUTBOX": None,
            "TA_DELIVERY_TRANSPORT": None,
        }
        result = CliRunner().invoke(main, list(args), env={**base, **(env or {})})
        return result.exit_code, result.stdout, result.stderr

    def apply(self, *args: str, env: dict[str, str | None] | None = None) -> list[Invite]:
        """Run apply (expecting success) and return the invitations it wrote."""
        code, out, err = self.run("apply", str(self.course), *args, env=env)
        assert code == 0, (out, err)
        return self.new_invites()

    @property
    def outbox(self) -> Path:
        return self.dir / ".ta-delivery" / "outbox"

    def new_invites(self, outbox: Path | None = None) -> list[Invite]:
        folder = outbox or self.outbox
        if not folder.exists():
            return []
        files = sorted(p for p in folder.iterdir() if p.name not in self.seen)
        for f in files:
            assert f.suffix == ".eml", f
            self.seen.add(f.name)
        return [read_invite(f) for f in files]

    def plan(self) -> dict[str, Any]:
        code, out, err = self.run("plan", str(self.course), "--json")
        assert code == 0, err
        data = json.loads(out)
        assert isinstance(data, dict)
        return data


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def title_of(invite: Invite) -> str:
    """The session title in an invitation's SUMMARY (a CANCEL may prefix a word and a colon)."""
    summary = invite.summary
    if invite.method == "CANCEL" and ": " in summary:
        summary = summary.split(": ", 1)[1]
    return summary.split(" (")[0]


def by(invites: list[Invite]) -> dict[tuple[str, str], Invite]:
    """Invitations by (session title prefix, recipient address)."""
    out: dict[tuple[str, str], Invite] = {}
    for i in invites:
        address = re.search(r"<([^>]+)>", i.to)
        key = (title_of(i), address.group(1) if address else i.to)
        assert key not in out, key
        out[key] = i
    return out


def z(value: Any) -> str:
    return str(value.to_ical().decode())


# --- first apply -------------------------------------------------------------------------------------


def test_apply_invites_every_person_of_every_live_session(world: World) -> None:
    invites = world.apply()
    keys = set(by(invites))
    assert keys == {
        ("Opening", "t1@example.org"),
        ("Opening", "p1@example.org"),
        ("Opening", "ana@example.org"),
        ("Second", "t1@example.org"),
        ("Second", "p1@example.org"),
        ("Second", "ana@example.org"),
    }
    assert all(i.method == "REQUEST" for i in invites)


def test_invitation_event_content(world: World) -> None:
    invites = by(world.apply())
    inv = invites[("Opening", "p1@example.org")]
    event = inv.event
    # UTC times ending in Z: 14:00 Berlin (CEST) is 12:00Z
    assert "DTSTART:20200810T120000Z" in inv.calendar_text.replace("\r\n ", "")
    assert "DTEND:20200810T140000Z" in inv.calendar_text.replace("\r\n ", "")
    assert z(event["DTSTART"]) == "20200810T120000Z"
    assert z(event["DTEND"]) == "20200810T140000Z"
    assert str(event["ORGANIZER"]).lower() == "mailto:training@example.org"
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a).lower() for a in attendees] == ["mailto:p1@example.org"]
    link = str(event["URL"])
    assert link.startswith("https://")
    assert str(event["LOCATION"]) == link
    assert link in str(event["DESCRIPTION"])
    unfolded = inv.calendar_text.replace("\r\n ", "")
    assert re.search(r"^CONFERENCE[;:].*" + re.escape(link), unfolded, re.M), unfolded
    assert inv.sequence == 0
    assert "SEQUENCE:0" in unfolded
    # an iMIP message: text/calendar; method=REQUEST
    assert inv.message["From"] is not None and "training@example.org" in str(inv.message["From"])


def test_uid_is_the_same_for_everyone_and_differs_between_sessions(world: World) -> None:
    invites = by(world.apply())
    opening = {invites[("Opening", a)].uid for a in ("t1@example.org", "p1@example.org", "ana@example.org")}
    second = {invites[("Second", a)].uid for a in ("t1@example.org", "p1@example.org", "ana@example.org")}
    assert len(opening) == 1 and len(second) == 1 and opening != second


def test_uid_is_stable_across_state_stores(tmp_path: Path) -> None:
    """Derived from course and session ids: a fresh state gives the same UIDs."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    first = {(i.summary, i.uid) for i in World(a).apply()}
    second = {(i.summary, i.uid) for i in World(b).apply()}
    assert first == second


def test_invitation_is_written_in_the_recipient_language(world: World) -> None:
    invites = by(world.apply())
    es = invites[("Opening", "ana@example.org")]
    en = invites[("Opening", "p1@example.org")]
    es_text = str(es.event["DESCRIPTION"])
    en_text = str(en.event["DESCRIPTION"])
    assert es_text != en_text
    assert "Unirse" in es_text and "Join" in en_text
    assert str(es.message["Subject"]).startswith("Invitación")
    assert str(en.message["Subject"]).startswith("Invitation")
    body = es.message.get_body(("plain",))
    assert body is not None and "sesión" in body.get_content()


def test_course_language_is_the_default_language_of_invitations(world: World) -> None:
    world.write(COURSE.replace('title = "Sync course"', 'title = "Sync course"\nlanguage = "fr"'))
    invites = by(world.apply())
    fr = invites[("Opening", "p1@example.org")]
    es = invites[("Opening", "ana@example.org")]
    assert str(fr.message["Subject"]).startswith("Invitation") and fr.message["Content-Language"] == "fr"
    assert es.message["Content-Language"] == "es"


def test_outbox_env_names_another_folder(world: World, tmp_path: Path) -> None:
    elsewhere = tmp_path / "mail"
    code, _, err = world.run("apply", str(world.course), env={"TA_DELIVERY_OUTBOX": str(elsewhere)})
    assert code == 0, err
    assert len(list(elsewhere.glob("*.eml"))) == 6
    assert not world.outbox.exists() or not list(world.outbox.iterdir())


# --- re-runs and edits ------------------------------------------------------------------------------


def test_nothing_changed_sends_nothing(world: World) -> None:
    world.apply()
    assert world.apply() == []
    plan = world.plan()
    assert plan["classrooms"] == [] and plan["invites"] == []


def test_plan_changes_nothing(world: World) -> None:
    plan = world.plan()
    assert {(c["session"], c["action"]) for c in plan["classrooms"]} == {("s01", "create"), ("s02", "create")}
    assert len(plan["invites"]) == 6
    assert all(i["method"] == "REQUEST" and i["sequence"] == 0 for i in plan["invites"])
    assert not (world.dir / ".ta-delivery").exists()


def test_start_change_sends_request_with_higher_sequence_same_uid(world: World) -> None:
    first = by(world.apply())
    world.write(COURSE.replace("start = 2020-08-17T14:00:00", "start = 2020-08-18T14:00:00"))
    second = by(world.apply())
    assert set(second) == {("Second", a) for a in ("t1@example.org", "p1@example.org", "ana@example.org")}
    for key, inv in second.items():
        assert inv.method == "REQUEST"
        assert inv.uid == first[key].uid
        assert inv.sequence > first[key].sequence
        assert z(inv.event["DTSTART"]) == "20200818T120000Z"
    # and again: the sequence keeps rising
    world.write(COURSE.replace("start = 2020-08-17T14:00:00", "start = 2020-08-19T14:00:00"))
    third = by(world.apply())
    assert all(third[k].sequence > second[k].sequence for k in third)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("minutes = 90", "minutes = 60"),
        ('title = "Second"', 'title = "Second, revised"'),
    ],
    ids=["length", "title"],
)
def test_length_or_title_change_sends_request(world: World, old: str, new: str) -> None:
    first = by(world.apply())
    world.write(COURSE.replace(old, new))
    second = world.apply()
    assert len(second) == 3
    for inv in second:
        assert inv.method == "REQUEST"
        before = first[("Second", re.search(r"<([^>]+)>", inv.to).group(1))]  # type: ignore[union-attr]
        assert inv.uid == before.uid and inv.sequence > before.sequence


def test_person_leaving_a_session_gets_cancel(world: World) -> None:
    first = by(world.apply())
    world.write(
        COURSE.replace(
            'minutes = 90\ntrainers = ["t1"]', 'minutes = 90\ntrainers = ["t1"]\nparticipants = ["p1"]'
        )
    )
    second = world.apply()
    assert [(i.method, i.to) for i in second] == [("CANCEL", second[0].to)]
    cancel = second[0]
    assert "ana@example.org" in cancel.to
    assert cancel.uid == first[("Second", "ana@example.org")].uid
    assert cancel.sequence > first[("Second", "ana@example.org")].sequence
    assert world.apply() == []


def test_person_removed_from_the_file_gets_cancel(world: World) -> None:
    first = by(world.apply())
    text = COURSE.replace(
        '[[participants]]\nid = "p2"\nname = "Ana Pérez"\nemail = "ana@example.org"\n'
        'timezone = "America/New_York"\nlanguage = "es"\n',
        "",
    )
    world.write(text)
    second = by(world.apply())
    assert set(second) == {("Opening", "ana@example.org"), ("Second", "ana@example.org")}
    for key, inv in second.items():
        assert inv.method == "CANCEL" and inv.uid == first[key].uid and inv.sequence > first[key].sequence


def test_person_added_gets_a_request_and_nobody_else(world: World) -> None:
    world.apply()
    text = COURSE.replace(
        "[[sessions]]",
        '[[participants]]\nid = "p3"\nname = "New One"\nemail = "p3@example.org"\n'
        'timezone = "Europe/Berlin"\n\n'
        "[[sessions]]",
        1,
    )
    world.write(text)
    second = by(world.apply())
    assert set(second) == {("Opening", "p3@example.org"), ("Second", "p3@example.org")}
    assert all(i.method == "REQUEST" for i in second.values())


def test_removed_session_gets_cancel_for_everyone(world: World) -> None:
    first = by(world.apply())
    start = COURSE.index('[[sessions]]\nid = "s02"')
    end = COURSE.index('[[sessions]]\nid = "lec"')
    world.write(COURSE[:start] + COURSE[end:])
    second = by(world.apply())
    assert set(second) == {("Second", a) for a in ("t1@example.org", "p1@example.org", "ana@example.org")}
    for key, inv in second.items():
        assert inv.method == "CANCEL" and inv.uid == first[key].uid and inv.sequence > first[key].sequence
    assert world.apply() == []


def test_cancelled_course_cancels_every_invitation(world: World) -> None:
    first = by(world.apply())
    world.write(
        COURSE.replace(
            'timezone = "Europe/Berlin"\norganizer',
            'status = "cancelled"\ntimezone = "Europe/Berlin"\norganizer',
            1,
        )
    )
    second = by(world.apply())
    assert set(second) == set(first)
    assert all(i.method == "CANCEL" and i.sequence > first[k].sequence for k, i in second.items())


def test_recorded_turned_live_and_back(world: World) -> None:
    world.apply()
    world.write(COURSE.replace('kind = "recorded"\n', ""))
    # live, the lecture falls outside a participant's working hours: a rule error that apply refuses
    code, _out, err = world.run("apply", str(world.course))
    assert code == 1 and "--ignore-rules" in err
    assert world.new_invites() == []
    added = by(world.apply("--ignore-rules"))
    assert {k[0] for k in added} == {"Recorded lecture"} and len(added) == 3
    world.write(COURSE)
    removed = world.apply()
    assert len(removed) == 3 and all(i.method == "CANCEL" for i in removed)


def test_outbox_never_overwrites(world: World) -> None:
    world.apply()
    names = {p.name: p.read_bytes() for p in world.outbox.iterdir()}
    world.write(COURSE.replace("start = 2020-08-17T14:00:00", "start = 2020-08-18T14:00:00"))
    world.apply()
    after = {p.name: p.read_bytes() for p in world.outbox.iterdir()}
    assert len(after) == len(names) + 3
    for name, data in names.items():
        assert after[name] == data


# --- ended sessions ---------------------------------------------------------------------------------


def test_apply_leaves_ended_sessions_alone(world: World) -> None:
    world.apply()
    world.now = BETWEEN  # s01 has ended
    start = COURSE.index('[[sessions]]\nid = "s01"')
    end = COURSE.index('[[sessions]]\nid = "s02"')
    world.write(COURSE[:start] + COURSE[end:])
    assert world.apply() == []
    # a changed ended session is left alone too
    world.write(COURSE.replace('title = "Opening"', 'title = "Opening, renamed"'))
    assert world.apply() == []
    plan = world.plan()
    assert all(c["session"] != "s01" for c in plan["classrooms"])
    assert all(i["session"] != "s01" for i in plan["invites"])


def test_ended_sessions_never_applied_get_nothing(world: World) -> None:
    world.now = BETWEEN
    invites = world.apply()
    assert {title_of(i) for i in invites} == {"Second"}


def test_attendance_survives_removal_of_an_ended_session(world: World) -> None:
    world.apply()
    world.now = BETWEEN
    csv_file = world.dir / "att.csv"
    csv_file.write_text(
        "participant,join,leave\np1,2020-08-10T12:00:00Z,2020-08-10T14:00:00Z\n", encoding="utf-8"
    )
    code, _, err = world.run("attendance", "import", str(world.course), str(csv_file), "--session", "s01")
    assert code == 0, err
    assert world.apply() == []
    code, out, err = world.run("report", str(world.course), "--format", "json")
    assert code == 0, err
    p1 = next(p for p in json.loads(out)["participants"] if p["id"] == "p1")
    assert p1["sessions"]["s01"] == {"status": "present", "minutes": 120}


# --- state location ---------------------------------------------------------------------------------


def test_state_option_and_environment_for_apply(world: World, tmp_path: Path) -> None:
    db = tmp_path / "store" / "other.db"
    db.parent.mkdir()
    assert len(world.apply("--state", str(db))) == 6
    assert db.exists()
    assert not (world.dir / ".ta-delivery" / "state.db").exists()
    # the same store through the environment: nothing left to do
    assert world.apply(env={"TA_DELIVERY_STATE": str(db)}) == []
    # the default store knows nothing yet: everything again
    code, out, err = world.run("apply", str(world.course), "--json")
    assert code == 0, err
    items = json.loads(out)["items"]
    assert sum(1 for i in items if i["kind"] == "invite" and i["ok"]) == 6
    assert (world.dir / ".ta-delivery" / "state.db").exists()


# --- the calendar feed ------------------------------------------------------------------------------


def feed(world: World, *args: str) -> icalendar.Calendar:
    code, out, err = world.run("calendar", str(world.course), *args)
    assert code == 0, err
    return icalendar.Calendar.from_ical(out)


def test_calendar_is_publish_without_attendee_with_invite_uids(world: World) -> None:
    invites = by(world.apply())
    cal = feed(world)
    assert str(cal["METHOD"]) == "PUBLISH"
    events = {str(e["SUMMARY"]).split(" (")[0]: e for e in cal.walk("VEVENT")}
    assert {"Opening", "Second"} <= set(events)
    for e in cal.walk("VEVENT"):
        assert "ATTENDEE" not in e
    assert str(events["Opening"]["UID"]) == invites[("Opening", "p1@example.org")].uid
    assert str(events["Second"]["UID"]) == invites[("Second", "p1@example.org")].uid
    assert z(events["Opening"]["DTSTART"]) == "20200810T120000Z"


def test_calendar_uids_match_before_apply(world: World) -> None:
    cal = feed(world)
    uids = {str(e["SUMMARY"]).split(" (")[0]: str(e["UID"]) for e in cal.walk("VEVENT")}
    invites = by(world.apply())
    assert uids["Opening"] == invites[("Opening", "t1@example.org")].uid


def test_calendar_for_one_person_and_to_a_file(world: World) -> None:
    text = COURSE.replace(
        'minutes = 90\ntrainers = ["t1"]', 'minutes = 90\ntrainers = ["t1"]\nparticipants = ["p1"]'
    )
    world.write(text)
    cal = feed(world, "--person", "p2")
    assert [str(e["SUMMARY"]).split(" (")[0] for e in cal.walk("VEVENT")] == ["Opening", "Recorded lecture"]
    for e in cal.walk("VEVENT"):
        assert "ATTENDEE" not in e
    out = world.dir / "p1.ics"
    code, _, err = world.run("calendar", str(world.course), "--person", "p1", "--out", str(out))
    assert code == 0, err
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    assert str(cal["METHOD"]) == "PUBLISH"
    assert {str(e["SUMMARY"]).split(" (")[0] for e in cal.walk("VEVENT")} >= {"Opening", "Second"}
    code, _, _ = world.run("calendar", str(world.course), "--person", "nobody")
    assert code == 2


# --- control characters -----------------------------------------------------------------------------


CONTROL = "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x7f"


def test_control_characters_are_neutralised_in_invites_and_feed(world: World) -> None:
    text = COURSE.replace(
        'title = "Opening"', 'title = "Open\\u0007ing\\r\\nBcc: evil@example.net\\u001b[2J"'
    )
    text = text.replace('name = "Part One"', 'name = "Part\\u0000 One\\r\\nX-Injected: yes"')
    text = text.replace(
        'minutes = 120\ntrainers = ["t1"]',
        'minutes = 120\ntrainers = ["t1"]\ndescription = "Line\\u000bone\\u0008"',
    )
    world.write(text)
    invites = world.apply()
    assert len(invites) == 6
    for inv in invites:
        raw = (world.outbox / inv.file).read_bytes()
        headers = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        assert not re.search(rb"^(Bcc|X-Injected):", headers, re.M | re.I), headers
        assert inv.message["Bcc"] is None and inv.message["X-Injected"] is None
        assert not any(c in inv.calendar_text for c in CONTROL)
        assert not any(c in str(v) for c in CONTROL for v in inv.message.values())
    code, out, err = world.run("calendar", str(world.course))
    assert code == 0, err
    assert not any(c in out for c in CONTROL)
    code, _, err = world.run("check", str(world.course))
    assert code in (0, 1), err


# --- plugins ----------------------------------------------------------------------------------------


def test_plugins_json_shape(world: World) -> None:
    code, out, err = world.run("plugins", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"plugins"}
    assert isinstance(data["plugins"], list) and data["plugins"]
    providers: set[str] = set()
    transports: set[str] = set()
    formats: set[str] = set()
    for plugin in data["plugins"]:
        assert set(plugin) == {"name", "version", "providers", "transports", "formats"}
        assert isinstance(plugin["name"], str) and plugin["name"]
        assert plugin["version"] is None or isinstance(plugin["version"], str)
        for key in ("providers", "transports", "formats"):
            assert isinstance(plugin[key], list) and all(isinstance(x, str) for x in plugin[key])
        providers |= set(plugin["providers"])
        transports |= set(plugin["transports"])
        formats |= set(plugin["formats"])
    assert "jitsi" in providers
    assert {"outbox", "smtp"} <= transports
    assert "register-csv" in formats


def test_plugins_table(world: World) -> None:
    code, out, err = world.run("plugins")
    assert code == 0, err
    for word in ("jitsi", "outbox", "smtp", "register-csv", "teams-csv", "ta-delivery-zoom", "zoom-csv"):
        assert word in out, word


# --- exit statuses ----------------------------------------------------------------------------------


def test_unknown_transport_is_an_input_error_before_anything_changes(world: World) -> None:
    code, _, err = world.run("apply", str(world.course), env={"TA_DELIVERY_TRANSPORT": "pigeon"})
    assert code == 2, err
    assert not (world.dir / ".ta-delivery").exists()


def test_missing_course_file_exits_2(world: World) -> None:
    for command in ("plan", "apply", "calendar", "report"):
        code, _, err = world.run(command, str(world.dir / "missing.toml"))
        assert code == 2, (command, err)


def test_bad_now_override_exits_2(world: World) -> None:
    code, _, _ = world.run("apply", str(world.course), env={"TA_DELIVERY_NOW": "yesterday"})
    assert code == 2
    assert not (world.dir / ".ta-delivery").exists()


def test_bad_state_url_is_an_input_error(world: World) -> None:
    for command in ("plan", "apply", "report"):
        code, _, err = world.run(command, str(world.course), env={"TA_DELIVERY_STATE": "bogus://nowhere"})
        assert code == 2, (command, err)


def test_bad_transport_setting_exits_2_creating_nothing(world: World) -> None:
    env: dict[str, str | None] = {
        "TA_DELIVERY_TRANSPORT": "smtp",
        "TA_DELIVERY_SMTP_HOST": "127.0.0.1",
        "TA_DELIVERY_SMTP_PORT": "not-a-port",
    }
    code, _, err = world.run("apply", str(world.course), env=env)
    assert code == 2 and "TA_DELIVERY_SMTP_PORT" in err
    assert not (world.dir / ".ta-delivery").exists()


def test_misspelt_starttls_flag_is_an_input_error(world: World) -> None:
    env: dict[str, str | None] = {
        "TA_DELIVERY_TRANSPORT": "smtp",
        "TA_DELIVERY_SMTP_HOST": "127.0.0.1",
        "TA_DELIVERY_SMTP_PORT": "1",
        "TA_DELIVERY_SMTP_STARTTLS": "ture",
    }
    code, _, err = world.run("apply", str(world.course), env=env)
    assert code == 2 and "TA_DELIVERY_SMTP_STARTTLS" in err


def test_failed_sends_exit_1_and_a_rerun_resumes(world: World) -> None:
    env: dict[str, str | None] = {
        "TA_DELIVERY_TRANSPORT": "smtp",
        "TA_DELIVERY_SMTP_HOST": "127.0.0.1",
        "TA_DELIVERY_SMTP_PORT": "1",  # nothing listens there
        "TA_DELIVERY_SMTP_TIMEOUT": "2",
    }
    code, out, _ = world.run("apply", str(world.course), "--json", env=env)
    assert code == 1
    result = json.loads(out)
    assert result["ok"] is False
    assert {(i["kind"], i["ok"]) for i in result["items"]} == {("classroom", True), ("invite", False)}
    # the classrooms are kept; the next run only sends the invitations
    code, out, err = world.run("apply", str(world.course), "--json")
    assert code == 0, err
    items = json.loads(out)["items"]
    assert {i["kind"] for i in items} == {"invite"} and len(items) == 6
    assert all(i.sequence == 0 for i in world.new_invites())


def test_jitsi_url_setting_names_the_server(world: World) -> None:
    invites = world.apply(env={"TA_DELIVERY_JITSI_URL": "https://meet.example.org"})
    assert invites and all(str(i.event["URL"]).startswith("https://meet.example.org/") for i in invites)


def test_default_jitsi_server(world: World) -> None:
    invites = world.apply()
    assert invites and all(str(i.event["URL"]).startswith("https://meet.jit.si/") for i in invites)


def test_calendar_lists_recorded_sessions_too(world: World) -> None:
    cal = feed(world)
    lecture = next(e for e in cal.walk("VEVENT") if str(e["SUMMARY"]).startswith("Recorded lecture"))
    assert "URL" not in lecture and "CONFERENCE" not in lecture and "LOCATION" not in lecture
    assert "no live classroom" in str(lecture["DESCRIPTION"])


def test_leaving_and_coming_back_keeps_raising_the_sequence(world: World) -> None:
    first = by(world.apply())[("Second", "ana@example.org")]
    only_p1 = COURSE.replace(
        'minutes = 90\ntrainers = ["t1"]', 'minutes = 90\ntrainers = ["t1"]\nparticipants = ["p1"]'
    )
    world.write(only_p1)
    (cancel,) = world.apply()
    world.write(COURSE)
    (back,) = world.apply()
    assert (cancel.method, back.method) == ("CANCEL", "REQUEST")
    assert first.uid == cancel.uid == back.uid
    assert first.sequence < cancel.sequence < back.sequence
    assert "ana@example.org" in back.to
    # invited afresh, not told the session changed
    assert str(back.message["Subject"]).startswith("Invitación: Second"), back.message["Subject"]
    assert "ha cambiado" not in back.calendar_text


def test_removed_session_coming_back_keeps_raising_the_sequence(world: World) -> None:
    first = by(world.apply())
    start = COURSE.index('[[sessions]]\nid = "s02"')
    end = COURSE.index('[[sessions]]\nid = "lec"')
    world.write(COURSE[:start] + COURSE[end:])
    cancels = by(world.apply())
    world.write(COURSE)
    back = by(world.apply())
    assert set(back) == set(cancels)
    for key, inv in back.items():
        assert inv.method == "REQUEST" and inv.uid == first[key].uid
        assert first[key].sequence < cancels[key].sequence < inv.sequence


def test_uid_depends_on_the_course_id(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    first = {title_of(i): i.uid for i in World(a).apply()}
    second = {
        title_of(i): i.uid for i in World(b, COURSE.replace('id = "sync-2020"', 'id = "sync-2021"')).apply()
    }
    assert set(first) == set(second) == {"Opening", "Second"}
    assert first["Opening"] != second["Opening"] and first["Second"] != second["Second"]


def test_a_shared_address_keeps_its_event_while_someone_there_is_still_invited(world: World) -> None:
    shared = COURSE.replace('email = "ana@example.org"', 'email = "P1@example.org"')
    world.write(shared)
    world.apply()
    only_p1 = shared.replace(
        'minutes = 90\ntrainers = ["t1"]', 'minutes = 90\ntrainers = ["t1"]\nparticipants = ["p1"]'
    )
    world.write(only_p1)
    assert world.apply() == [], "p2 left, but the mailbox still holds the session for p1"
    nobody = shared.replace(
        'minutes = 90\ntrainers = ["t1"]', 'minutes = 90\ntrainers = ["t1"]\nparticipants = []'
    )
    world.write(nobody)
    cancels = world.apply()
    # once nobody there is invited, the mailbox gets its CANCEL (one message: same UID, SEQUENCE and address)
    assert [(i.method, i.to) for i in cancels] == [("CANCEL", "Part One <p1@example.org>")]
