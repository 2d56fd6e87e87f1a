"""Rehearsal of the hidden acceptance tests: PRODUCT.md read as an outsider, the real CLI in a subprocess.

Each test is one scenario (subprocesses are slow) that runs ``python -m ta_delivery`` in a temporary
directory with a controlled environment, using course files written from PRODUCT.md alone: the course
file, plan/apply, invitations and feeds, attendance and the report, check, slots and plugins, transports.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
import socket
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from helpers.rehearsal import (
    PRODUCT_EXAMPLE,
    ROSTER,
    Outsider,
    calendar_part,
    events,
    parse_eml,
    small_course,
    unfold,
)
from ta_delivery.testing.courses import ORG, Raw, course_toml, person, series, session

# --- 1. the example of PRODUCT.md section 1, verbatim ------------------------------------------------


def test_product_example_verbatim(tmp_path: Path) -> None:
    o = Outsider(tmp_path, now="2020-08-01T00:00:00Z")
    course = o.write("course.toml", PRODUCT_EXAMPLE)
    o.write("participants.csv", ROSTER)

    checked = o.run("check", str(course), "--json")
    assert checked.code == 0, checked.err
    data = checked.json()
    assert data["course"] == "rtpc-caribbean-2020"
    assert isinstance(data["findings"], list)
    for finding in data["findings"]:
        assert list(finding) == ["rule", "severity", "session", "person", "message"]
        assert finding["severity"] == "warning"

    # the roster participant joins the course: the series invites everyone, s01 only jm-01
    feed = o.run("calendar", str(course))
    assert feed.code == 0, feed.err
    assert "METHOD:PUBLISH" in unfold(feed.out)
    assert "ATTENDEE" not in feed.out
    evs = events(feed.out)
    assert len(evs) == 15
    starts = sorted(e["DTSTART"] for e in evs)
    assert starts[0] == "20200810T140000Z"
    series_starts = starts[1:]
    assert "20201007T140000Z" not in series_starts
    assert series_starts[0] == "20200812T140000Z" and series_starts[-1] == "20201118T140000Z"
    assert all(e["DTEND"].endswith("Z") for e in evs)
    summaries = " ".join(e["SUMMARY"] for e in evs)
    assert "Weekly webinar (1/14)" in summaries and "Weekly webinar (14/14)" in summaries

    # s01 uses Zoom and no Zoom account is configured: usage/input error, nothing changed
    applied = o.run("apply", str(course))
    assert applied.code == 2 and applied.out == ""
    assert "TA_DELIVERY_ZOOM_" in applied.err
    assert not (tmp_path / ".ta-delivery").exists()
    assert not (o.cwd / ".ta-delivery").exists()

    # with a Zoom account (a fake Zoom on loopback): s01 on Zoom, the series on Jitsi
    fake_zoom = pytest.importorskip("fake_zoom")  # plugins/zoom/tests is on pytest's pythonpath
    from ta_delivery.testing.loopback import LoopbackServer

    zoom = fake_zoom.FakeZoom(now=lambda: datetime(2020, 8, 1, tzinfo=UTC))
    with LoopbackServer(zoom.handle) as server:
        env = {
            **fake_zoom.ENV,
            "TA_DELIVERY_ZOOM_API_URL": f"{server.url}/v2",
            "TA_DELIVERY_ZOOM_OAUTH_URL": f"{server.url}/oauth/token",
        }
        applied = o.run("apply", str(course), "--json", **env)
        assert applied.code == 0, applied.err
        result = applied.json()
        again = o.run("apply", str(course), "--json", **env)
        assert again.code == 0, again.err
        assert again.json()["items"] == []
    assert result["course"] == "rtpc-caribbean-2020" and result["ok"] is True
    secret = fake_zoom.ENV["TA_DELIVERY_ZOOM_CLIENT_SECRET"]
    assert secret not in applied.out + applied.err
    assert secret.encode() not in (tmp_path / ".ta-delivery" / "state.db").read_bytes()
    (meeting,) = [m for m in zoom.meetings.values() if not m.get("deleted")]
    assert meeting["topic"].startswith("Opening webinar")
    (registrant,) = zoom.registrants[str(meeting["id"])].values()
    assert registrant["email"] == "ana@example.org"
    # 15 live sessions; s01 invites rf and jm-01, each of the 14 series sessions rf, jm-01 and kt-02
    assert len(o.outbox()) == 2 + 14 * 3
    assert (tmp_path / ".ta-delivery" / "state.db").is_file()
    assert not (o.cwd / ".ta-delivery").exists()
    spanish = [m for m in map(parse_eml, o.outbox()) if "ana@example.org" in str(m["To"])]
    assert len(spanish) == 15
    assert {m["Content-Language"] for m in spanish} == {"es"}
    links = {}
    for message in map(parse_eml, o.outbox()):
        (event,) = events(calendar_part(message)[1])
        if event["DTSTART"] == "20200810T140000Z":
            links[message["To"].addresses[0].addr_spec] = event["URL"]
    assert set(links) == {"rf@example.org", "ana@example.org"}
    assert links["ana@example.org"] == registrant["join_url"] != links["rf@example.org"]
    assert not links["rf@example.org"].startswith("https://meet.jit.si/")

    # prerequisites are named but there is no LMS: null; nothing recorded or ended: upcoming everywhere
    report = o.run("report", str(course), "--format", "json")
    assert report.code == 0, report.err
    people = {p["id"]: p for p in report.json()["participants"]}
    assert set(people) == {"jm-01", "kt-02"}
    assert {p["prerequisites_met"] for p in people.values()} == {None}
    assert people["jm-01"]["live_sessions"] == 15 and people["kt-02"]["live_sessions"] == 14
    assert people["kt-02"]["completed"] is None and people["kt-02"]["attended_sessions"] == 0
    assert set(people["kt-02"]["sessions"]) == {f"w{n:02d}" for n in range(1, 15)}
    assert {v["status"] for v in people["jm-01"]["sessions"].values()} == {"upcoming"}


# --- 2. no fixed clock: a minimal course in 2030, invites, re-runs, changes, the feed ---------------

MINIMAL_2030 = course_toml(
    id="mini-2030",
    title="Minimal",
    timezone="Europe/Paris",
    organizer=ORG,
    trainers=[person("t1", "Tess Trainer", timezone="Europe/Paris")],
    participants=[
        person("p1", "Paco", "paco@example.org", "America/Mexico_City", language="es"),
        person("p2", "Fleur", "fleur@example.org", "Europe/Paris", language="fr"),
    ],
    sessions=[
        session("a", "2030-03-05T15:00:00+01:00", 60, title="Alpha", trainers=["t1"]),
        session("b", "2030-03-06T14:00:00Z", 90, title="Beta", trainers=None),
    ],
)


def invites(paths: list[Path]) -> list[tuple[str, str, dict[str, str], EmailMessage]]:
    """(recipient, method, event, message) for each .eml file."""
    found = []
    for path in paths:
        message = parse_eml(path)
        method, text = calendar_part(message)
        assert f"METHOD:{method}" in unfold(text)
        (event,) = events(text)
        found.append((str(message["To"]), method, event, message))
    return found


def test_apply_without_a_fixed_clock_in_2030(tmp_path: Path) -> None:
    o = Outsider(tmp_path, now=None)
    course = o.write("course.toml", MINIMAL_2030)

    plan = o.run("plan", str(course), "--json")
    assert plan.code == 0, plan.err
    assert not (tmp_path / ".ta-delivery").exists()
    assert not (o.cwd / ".ta-delivery").exists()

    first = o.run("apply", str(course))
    assert first.code == 0, first.err
    assert not (o.cwd / ".ta-delivery").exists()
    assert (tmp_path / ".ta-delivery" / "state.db").is_file()
    for path in o.outbox():  # RFC 5322: CRLF line ends, 7-bit, lines of at most 998 characters
        raw = path.read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n") and raw.isascii()
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    sent = invites(o.outbox())
    # a: t1, p1, p2 (participants default to everyone); b: p1, p2 (no trainer)
    assert len(sent) == 5
    uids: dict[str, set[str]] = {}
    for to, method, event, message in sent:
        assert method == "REQUEST"
        assert message["From"] and message["Subject"] and message["Date"] and message["Message-ID"]
        assert event["DTSTART"].endswith("Z") and event["DTEND"].endswith("Z")
        assert event["SEQUENCE"] == "0"
        assert "org@example.org" in event["ORGANIZER"].lower()
        assert event["ATTENDEE"].lower().endswith("mailto:" + to.split("<")[-1].strip(">").lower())
        link = event["URL"]
        assert link.startswith("https://meet.jit.si/")
        assert event["LOCATION"] == link and link in event["DESCRIPTION"] and event["CONFERENCE"] == link
        uids.setdefault(event["DTSTART"], set()).add(event["UID"])
    assert uids.keys() == {"20300305T140000Z", "20300306T140000Z"}
    assert all(len(u) == 1 for u in uids.values())
    uid_a = next(iter(uids["20300305T140000Z"]))
    uid_b = next(iter(uids["20300306T140000Z"]))
    assert uid_a != uid_b

    again = o.run("apply", str(course), "--json")
    assert again.code == 0, again.err
    assert again.json()["items"] == []
    assert len(o.outbox()) == 5

    feed = o.write("feed.ics", "")
    published = o.run("calendar", str(course), "--out", str(feed))
    assert published.code == 0, published.err
    text = feed.read_text(encoding="utf-8")
    assert "METHOD:PUBLISH" in unfold(text) and "ATTENDEE" not in text
    assert {e["UID"] for e in events(text)} == {uid_a, uid_b}

    # a new title for a: a REQUEST with the same UID and a higher SEQUENCE for each of its 3 people
    before = set(o.outbox())
    o.write("course.toml", MINIMAL_2030.replace('"Alpha"', '"Alpha, renamed"'))
    renamed = o.run("apply", str(course))
    assert renamed.code == 0, renamed.err
    new = invites(sorted(set(o.outbox()) - before))
    assert len(new) == 3
    assert {(m, e["UID"]) for _, m, e, _ in new} == {("REQUEST", uid_a)}
    assert all(int(e["SEQUENCE"]) > 0 for _, _, e, _ in new)
    assert all("Alpha, renamed" in e["SUMMARY"].replace("\\,", ",") for _, _, e, _ in new)

    # b removed from the file: its two people get a CANCEL with b's UID and a higher SEQUENCE
    before = set(o.outbox())
    o.write(
        "course.toml", MINIMAL_2030.replace('"Alpha"', '"Alpha, renamed"').split('[[sessions]]\nid = "b"')[0]
    )
    removed = o.run("apply", str(course))
    assert removed.code == 0, removed.err
    new = invites(sorted(set(o.outbox()) - before))
    assert sorted(m["To"].addresses[0].addr_spec for *_, m in new) == [
        "fleur@example.org",
        "paco@example.org",
    ]
    assert {(m, e["UID"]) for _, m, e, _ in new} == {("CANCEL", uid_b)}
    assert all(int(e["SEQUENCE"]) > 0 for _, _, e, _ in new)


# --- 3. attendance import and the report, with a custom [attendance] policy, no fixed clock ---------

ATTENDANCE_COURSE = course_toml(
    id="att-tokyo",
    title="Attendance in Tokyo",
    timezone="Asia/Tokyo",
    organizer=ORG,
    course_extra="""
[attendance]
late_after_minutes = 5
present_fraction = 0.5
partial_fraction = 0.1
completion_fraction = 0.5
""",
    trainers=[person("t1", "Trainer", timezone="Asia/Tokyo")],
    participants=[
        person("p1", "One", "P1@Example.ORG", "Asia/Tokyo"),
        person("p2", "Two", timezone="Asia/Tokyo"),
        person("p3", "Three", timezone="Asia/Tokyo"),
    ],
    sessions=[
        session("s1", "2020-06-01T09:00:00", 100, title="One", trainers=["t1"]),
        session("s2", "2020-06-02T09:00:00+09:00", 100, title="Two", trainers=None, participants=["p1"]),
        session("rec", "2020-06-02T12:00:00", 30, title="Recorded", trainers=None, kind="recorded"),
        session("s3", "2020-06-03T00:00:00Z", 60, title="Three", trainers=None),
    ],
)


def report_row(
    pid: str, completed: bool, attended: int, live: int, **sessions: tuple[str, int]
) -> dict[str, object]:
    """A participant's entry in ``report --format json``, with no prerequisites on the LMS."""
    return {
        "id": pid,
        "completed": completed,
        "attended_sessions": attended,
        "live_sessions": live,
        "prerequisites_met": None,
        "sessions": {
            sid: {"status": status, "minutes": minutes} for sid, (status, minutes) in sessions.items()
        },
    }


REGISTER = """session,participant,join,leave
s1,p1@example.org,2020-06-01T00:06:00Z,2020-06-01T00:30:00Z
s1,P1@EXAMPLE.ORG,2020-06-01T00:20:00Z,2020-06-01T01:00:00Z
s1,p2,2020-05-31T23:50:00Z,2020-06-01T00:10:00Z
s1,t1@example.org,2020-06-01T00:00:00Z,2020-06-01T01:40:00Z
s1,guest@example.org,2020-06-01T00:00:00Z,2020-06-01T00:20:00Z
s1,guest@example.org,2020-06-01T00:10:00Z,2020-06-01T00:30:00Z
s1,Guest Person,2020-06-01T01:00:00+00:00,2020-06-01T02:00:00+00:00
s2,p1,2020-06-02T09:05:00+09:00,2020-06-02T10:00:00+09:00
s3,p3,2020-06-03T00:00:00Z,2020-06-03T00:29:59Z
"""


def test_attendance_import_and_report_formats(tmp_path: Path) -> None:
    o = Outsider(tmp_path, now=None)
    course = o.write("course.toml", ATTENDANCE_COURSE)

    register = o.write("register.csv", REGISTER)
    for _ in range(2):  # importing the same data twice changes nothing
        imported = o.run("attendance", "import", str(course), str(register))
        assert imported.code == 0, imported.err
    assert (tmp_path / ".ta-delivery" / "state.db").is_file()
    assert not (o.cwd / ".ta-delivery").exists()

    report = o.run("report", str(course), "--format", "json")
    assert report.code == 0, report.err
    data = report.json()
    assert list(data) == ["course", "sessions", "participants", "unmatched"]
    assert data["course"] == "att-tokyo"
    assert data["sessions"] == [
        {"id": "s1", "start": "2020-06-01T00:00:00Z", "minutes": 100},
        {"id": "s2", "start": "2020-06-02T00:00:00Z", "minutes": 100},
        {"id": "s3", "start": "2020-06-03T00:00:00Z", "minutes": 60},
    ]
    assert data["participants"] == [
        report_row("p1", True, 2, 3, s1=("late", 54), s2=("present", 55), s3=("absent", 0)),
        report_row("p2", False, 0, 2, s1=("partial", 10), s3=("absent", 0)),
        report_row("p3", False, 0, 2, s1=("absent", 0), s3=("partial", 29)),
    ]
    for entry in data["participants"]:
        assert list(entry) == list(report_row("any", False, 0, 0))  # the contract's keys, in its order
        assert all(list(v) == ["status", "minutes"] for v in entry["sessions"].values())
    assert list(data["participants"][0]["sessions"]) == ["s1", "s2", "s3"]
    unmatched = sorted(data["unmatched"], key=lambda u: u["minutes"])
    for entry in unmatched:
        assert list(entry) == ["session", "name", "email", "minutes"]
    assert [(u["session"], u["email"], u["minutes"]) for u in unmatched] == [
        ("s1", "guest@example.org", 30),
        ("s1", None, 40),
    ]
    assert unmatched[1]["name"] == "Guest Person"

    table = o.run("report", str(course))
    assert table.code == 0, table.err
    assert all(word in table.out for word in ("p1", "p2", "p3", "late", "partial"))

    as_csv = o.run("report", str(course), "--format", "csv")
    assert as_csv.code == 0, as_csv.err
    rows = list(csv.reader(io.StringIO(as_csv.out)))
    assert len(rows) > 3 and all(pid in as_csv.out for pid in ("p1", "p2", "p3"))

    out = tmp_path / "report.html"
    as_html = o.run("report", str(course), "--format", "html", "--out", str(out))
    assert as_html.code == 0, as_html.err
    html = out.read_text(encoding="utf-8")
    assert "<html" in html.lower() and "p1" in html and "late" in html


# --- 4. check: every rule once, [rules] and [rules.severity], exit statuses ------------------------

RULES_COURSE = course_toml(
    id="rules-2030",
    title="Rules",
    timezone="Europe/London",
    organizer=ORG,
    course_extra="""
[rules]
max_live_minutes = 60
max_live_sessions_per_day = 1
working_hours = "09:00-17:00"

[rules.severity]
double-booked = "warning"
""",
    trainers=[person("t1", "T", timezone="Europe/London")],
    participants=[person("p1", "P", timezone="Asia/Kolkata", working_hours="10:00-18:00")],
    sessions=[
        session("x1", "2030-01-07T09:00:00Z", 90, title="Long", trainers=["t1"]),
        session("x2", "2030-01-07T10:00:00Z", 30, title="Overlapping", trainers=["t1"]),
        session("x3", "2030-01-08T17:00:00", 60, title="Late", trainers=["t1"]),
        session(
            "rec",
            "2030-01-08T23:00:00",
            600,
            title="Recorded, long, at night",
            kind="recorded",
            trainers=["t1"],
        ),
    ],
)


def test_check_finds_each_rule_with_its_severity(tmp_path: Path) -> None:
    o = Outsider(tmp_path, now=None)
    course = o.write("course.toml", RULES_COURSE)
    checked = o.run("check", str(course), "--json")
    assert checked.code == 1, checked.err
    data = checked.json()
    assert list(data) == ["course", "findings"] and data["course"] == "rules-2030"
    for finding in data["findings"]:
        assert list(finding) == ["rule", "severity", "session", "person", "message"]
        assert isinstance(finding["message"], str) and finding["message"]
    found = sorted((f["rule"], f["severity"], f["session"], f["person"]) for f in data["findings"])
    assert found == sorted(
        [
            ("live-session-too-long", "error", "x1", None),
            ("too-many-live-sessions-per-day", "error", "x2", "t1"),
            ("too-many-live-sessions-per-day", "error", "x2", "p1"),
            ("double-booked", "warning", "x2", "t1"),
            ("double-booked", "warning", "x2", "p1"),
            ("outside-working-hours", "error", "x3", "t1"),
            ("outside-working-hours", "error", "x3", "p1"),
        ]
    )
    assert not (tmp_path / ".ta-delivery").exists() and not (o.cwd / ".ta-delivery").exists()

    # every rule downgraded to a warning: exit 0, the same findings
    relaxed = RULES_COURSE.replace(
        'double-booked = "warning"',
        'double-booked = "warning"\nlive-session-too-long = "warning"\n'
        'too-many-live-sessions-per-day = "warning"\noutside-working-hours = "warning"',
    )
    o.write("course.toml", relaxed)
    warned = o.run("check", str(course), "--json")
    assert warned.code == 0, warned.err
    assert len(warned.json()["findings"]) == 7
    assert {f["severity"] for f in warned.json()["findings"]} == {"warning"}


# --- 5. slots and plugins -------------------------------------------------------------------------

SLOTS_COURSE = course_toml(
    id="slots-2030",
    title="Slots",
    timezone="Europe/London",
    organizer=ORG,
    course_extra='[rules]\nworking_hours = "09:00-17:00"\n',
    trainers=[person("t1", "T", timezone="Europe/London")],
    participants=[
        person("p1", "P1", timezone="Asia/Kolkata", working_hours="10:00-18:00"),
        person("p2", "P2", timezone="America/New_York", working_hours="08:00-18:00"),
        person("p3", "P3", timezone="Asia/Kolkata", working_hours="10:00-18:00"),
    ],
    sessions=(),
)


def test_slots_and_plugins(tmp_path: Path) -> None:
    o = Outsider(tmp_path, now=None)
    course = o.write("course.toml", SLOTS_COURSE)
    ranked = o.run(
        "slots", str(course), "--minutes", "60", "--from", "2030-01-07", "--to", "2030-01-09",
        "--session-days", "mon,wed", "--json",
    )  # fmt: skip
    assert ranked.code == 0, ranked.err
    data = ranked.json()
    assert list(data) == ["minutes", "slots"] and data["minutes"] == 60
    slots = data["slots"]
    assert slots
    for slot in slots:
        assert list(slot) == ["start", "suits", "of", "missing"]
        assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:00Z", slot["start"])
        assert slot["of"] == 3 and slot["suits"] + len(slot["missing"]) == 3
        # Monday 7 and Wednesday 9 January only; the trainer (London = UTC in winter) works 09:00-17:00
        assert slot["start"][:10] in {"2030-01-07", "2030-01-09"}
        assert "09:00" <= slot["start"][11:16] <= "16:00"
    assert [s["suits"] for s in slots] == sorted((s["suits"] for s in slots), reverse=True)
    assert slots[0] == {"start": "2030-01-07T09:00:00Z", "suits": 2, "of": 3, "missing": ["p2"]}
    assert {s["start"][:10] for s in slots} == {"2030-01-07", "2030-01-09"}

    plugins = o.run("plugins", "--json")
    assert plugins.code == 0, plugins.err
    listed = plugins.json()
    assert list(listed) == ["plugins"]
    for plugin in listed["plugins"]:
        assert list(plugin) == ["name", "version", "providers", "transports", "formats"]
    everything = {x for p in listed["plugins"] for k in ("providers", "transports", "formats") for x in p[k]}
    assert {"jitsi", "zoom", "webex", "moodle", "outbox", "smtp", "register-csv"} <= everything


# --- 6. a series across DST with skip, recorded sessions, input errors, a cancelled course ----------

SERIES_COURSE = small_course(
    "series-2030",
    "Series",
    "Europe/Zurich",
    language="fr",
    sessions=[
        session("video", "2030-10-19T10:00:00", 45, title="Pre-recorded", kind="recorded", trainers=None)
    ],
    series=[
        series(
            "w",
            "2030-10-20T10:00:00",
            60,
            3,
            title="Hebdo",
            every_days=7,
            skip=[Raw("2030-10-27")],
            trainers=["t1"],
        )
    ],
    # the series crosses the DST Sundays on purpose
    extra='[rules]\nworking_days = "mon-sun"\n',
)


def test_series_dst_skip_recorded_errors_and_cancellation(tmp_path: Path) -> None:
    o = Outsider(tmp_path, now="2030-10-01T00:00:00Z")
    course = o.write("course.toml", SERIES_COURSE)
    applied = o.run("apply", str(course))
    assert applied.code == 0, applied.err
    sent = invites(o.outbox())
    assert len(sent) == 6  # 3 live sessions x 2 people; nothing for the recorded one
    assert sorted({e["DTSTART"] for *_, e, _ in sent}) == [
        "20301020T080000Z",
        "20301103T090000Z",
        "20301110T090000Z",
    ]
    assert all(m == "REQUEST" for _, m, _, _ in sent)
    assert {m["Content-Language"] for *_, m in sent} == {"fr"}  # the course's language by default

    feed = o.run("calendar", str(course))
    assert feed.code == 0, feed.err
    evs = events(feed.out)
    assert len(evs) == 4  # the recorded session is in the feed too
    assert {e["UID"] for e in evs} >= {e["UID"] for *_, e, _ in sent}
    titles = " ".join(e["SUMMARY"] for e in evs)
    assert "Hebdo (1/3)" in titles and "Hebdo (3/3)" in titles

    state = tmp_path / ".ta-delivery" / "state.db"
    snapshot = state.read_bytes()
    gap = SERIES_COURSE.replace("start = 2030-10-19T10:00:00", "start = 2030-03-31T02:30:00")
    o.write("course.toml", gap)
    refused = o.run("apply", str(course))
    assert refused.code == 2 and refused.out == ""
    assert (
        "course.toml" in refused.err
        and "sessions[0].start" in refused.err
        and "offset" in refused.err.lower()
    )
    assert state.read_bytes() == snapshot and len(o.outbox()) == 6

    before = set(o.outbox())
    o.write("course.toml", SERIES_COURSE.replace('language = "fr"', 'language = "fr"\nstatus = "cancelled"'))
    cancelled = o.run("apply", str(course))
    assert cancelled.code == 0, cancelled.err
    new = invites(sorted(set(o.outbox()) - before))
    assert len(new) == 6 and {m for _, m, _, _ in new} == {"CANCEL"}
    assert {e["UID"] for *_, e, _ in new} == {e["UID"] for *_, e, _ in sent}
    assert all(e["SEQUENCE"] != "0" for *_, e, _ in new)


# --- 7. no fixed clock, one session in the past and one in 2030 -----------------------------------

MIXED = small_course(
    "mixed",
    "Mixed",
    "America/Sao_Paulo",
    sessions=[
        session("past", "2020-01-07T10:00:00", 60, title="Past", trainers=["t1"]),
        session("future", "2030-01-07T10:00:00", 60, title="Future", trainers=["t1"]),
    ],
)


def test_ended_sessions_are_left_alone_by_the_real_clock(tmp_path: Path) -> None:
    o = Outsider(tmp_path, now=None)
    # the state in a database named by URL, elsewhere; the outbox stays beside the course file
    o.env["TA_DELIVERY_STATE"] = f"sqlite:///{tmp_path / 'db' / 'state.sqlite'}"
    (tmp_path / "db").mkdir()
    course = o.write("course.toml", MIXED)
    applied = o.run("apply", str(course), "--json")
    assert applied.code == 0, applied.err
    items = applied.json()["items"]
    assert items and all(item["ok"] for item in items)
    assert len(o.outbox()) == 2
    assert {e["DTSTART"] for *_, e, _ in invites(o.outbox())} == {"20300107T130000Z"}
    assert (tmp_path / "db" / "state.sqlite").is_file()
    assert not (tmp_path / ".ta-delivery" / "state.db").exists()

    register = o.write(
        "att.csv", "participant,join,leave\np1,2020-01-07T10:00:00-03:00,2020-01-07T11:00:00-03:00\n"
    )
    imported = o.run("attendance", "import", str(course), str(register), "--session", "past")
    assert imported.code == 0, imported.err

    # the ended session leaves the file: nothing is sent, nothing cancelled
    without = (
        MIXED[: MIXED.index('[[sessions]]\nid = "past"')]
        + MIXED[MIXED.index('[[sessions]]\nid = "future"') :]
    )
    o.write("course.toml", without)
    applied = o.run("apply", str(course), "--json")
    assert applied.code == 0, applied.err
    assert applied.json()["items"] == [] and len(o.outbox()) == 2

    # and when it comes back, its attendance is where it was
    o.write("course.toml", MIXED)
    report = o.run("report", str(course), "--format", "json")
    assert report.code == 0, report.err
    (p1,) = report.json()["participants"]
    assert p1["sessions"] == {
        "past": {"status": "present", "minutes": 60},
        "future": {"status": "upcoming", "minutes": 0},
    }
    assert (
        p1["attended_sessions"] == 1 and p1["live_sessions"] == 2 and p1["completed"] is None
    )  # the upcoming session could still get there


# --- 8. the smtp transport against a plain loopback relay ------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.got: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.got.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


def test_smtp_transport_to_a_plain_relay(tmp_path: Path) -> None:
    controller_module = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = controller_module.Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        o = Outsider(tmp_path, now=None)
        course = o.write("course.toml", MINIMAL_2030)
        smtp = {
            "TA_DELIVERY_TRANSPORT": "smtp",
            "TA_DELIVERY_SMTP_HOST": "127.0.0.1",
            "TA_DELIVERY_SMTP_PORT": str(port),
        }
        # STARTTLS required, and this relay has none: every send fails, the run says why and exits 1
        failed = o.run("apply", str(course), "--json", **smtp, TA_DELIVERY_SMTP_STARTTLS="true")
        assert failed.code == 1, failed.err
        errors = [item["error"] for item in failed.json()["items"] if not item["ok"]]
        assert len(errors) == 5 and all("TA_DELIVERY_SMTP_STARTTLS=false" in e for e in errors)
        assert sink.got == [] and o.outbox() == []
        # unset, STARTTLS is used when offered; without a login, a plain relay is fine: the run resumes,
        # the classrooms are kept, the five invites go out
        sent = o.run("apply", str(course), "--json", **smtp)
        assert sent.code == 0, sent.err
        assert {item["kind"] for item in sent.json()["items"]} == {"invite"}
    finally:
        controller.stop()
    assert sorted(r for rcpts, _ in sink.got for r in rcpts) == sorted(
        ["t1@example.org", "paco@example.org", "fleur@example.org", "paco@example.org", "fleur@example.org"]
    )
    for _, raw in sink.got:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        method, text = calendar_part(message)
        assert method == "REQUEST" and len(events(text)) == 1
