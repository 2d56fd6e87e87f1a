"""Rehearsal of PRODUCT.md sections 3 and 4 as an outsider (see test_product.py): attendance
import and the report, check with every rule, slots and plugins, the real CLI in a subprocess."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from helpers.rehearsal import Outsider
from ta_delivery.testing.courses import ORG, course_toml, person, session

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
