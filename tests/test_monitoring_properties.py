"""The programme report's numbers are the sums of the per-course reports, over generated programmes."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.attendance.reconcile import AttendanceReport, ParticipantResult, SessionResult
from ta_delivery.cli import main
from ta_delivery.models import Course, Organizer, Participant, Session
from ta_delivery.monitoring.activity import activity
from ta_delivery.monitoring.ldc import is_ldc
from ta_delivery.monitoring.programme import CourseFacts, continuity, dropped_out, programme_data
from ta_delivery.testing.courses import Raw, course_toml, person, session, table, write_course

COUNTRIES = ["HT", "JM", "BD", "BT", "NP", "TT", None]
GENDERS = ["female", "male", "other", None]
STATUSES = ["present", "late", "partial", "absent", "excused"]
START = datetime(2020, 8, 10, 14, tzinfo=UTC)


@st.composite
def people(draw: Any) -> list[tuple[str, str | None, str | None]]:
    n = draw(st.integers(1, 8))
    return [
        (f"p{i}@example.org", draw(st.sampled_from(COUNTRIES)), draw(st.sampled_from(GENDERS)))
        for i in range(n)
    ]


@st.composite
def course_facts(draw: Any, index: int, pool: list[tuple[str, str | None, str | None]]) -> CourseFacts:
    chosen = draw(st.lists(st.sampled_from(range(len(pool))), unique=True, max_size=len(pool)))
    offset = draw(st.integers(0, 2000))  # days: some courses before, some after LDC graduations
    n_sessions = draw(st.integers(1, 4))
    sessions = tuple(
        Session(id=f"s{k}", title=f"S{k}", start=START + timedelta(days=offset + 7 * k), minutes=60)
        for k in range(n_sessions)
    )
    participants = []
    results = []
    for j in chosen:
        email, country, gender = pool[j]
        # the same person may write their email in another case in another course
        shown = email.upper() if draw(st.booleans()) else email
        p = Participant(
            id=f"x{j}", name=f"P {j}", email=shown, timezone="UTC", country=country, gender=gender
        )
        participants.append(p)
        statuses = {s.id: draw(st.sampled_from(STATUSES)) for s in sessions}
        attended = sum(v in ("present", "late") for v in statuses.values())
        results.append(
            ParticipantResult(
                participant=p,
                sessions={
                    sid: SessionResult(sid, v, timedelta(minutes=30), None, "", v)  # type: ignore[arg-type]
                    for sid, v in statuses.items()
                },
                attended_sessions=attended,
                live_sessions=len(sessions),
                completed=draw(st.sampled_from([True, False, None])),  # type: ignore[arg-type]
            )
        )
    course = Course(
        id=f"c{index}",
        title=f"Course {index}",
        timezone="UTC",
        organizer=Organizer(name="Institute", email="training@example.org"),
        participants=tuple(participants),
        sessions=sessions,
        prerequisites=("intro",) if draw(st.booleans()) else (),
    )
    return CourseFacts(course, AttendanceReport(course, sessions, tuple(results), (), ()))


@st.composite
def programmes(draw: Any) -> list[CourseFacts]:
    pool = draw(people())
    return [draw(course_facts(i, pool)) for i in range(draw(st.integers(1, 4)))]


def _sum(parts: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    total: dict[str, Counter[str]] = {}
    for part in parts:
        for key, counts in part.items():
            if key == "unspecified":
                continue
            total.setdefault(key, Counter()).update(counts)
    return {k: dict(v) for k, v in total.items()}


@settings(deadline=None, max_examples=150)
@given(programmes())
def test_programme_is_the_sum_of_its_courses(facts: list[CourseFacts]) -> None:
    data = programme_data("prog", facts)
    reports = [activity(f.course, f.report) for f in facts]
    assert [c["id"] for c in data["courses"]] == [f.course.id for f in facts]
    for entry, report, f in zip(data["courses"], reports, facts, strict=True):
        assert entry["participants"] == report["participants"]["total"] == len(f.report.participants)
        assert entry["completed"] == report["participants"]["completed"]
        assert entry["completed"] == sum(1 for r in f.report.participants if r.completed is True)
        assert entry["live_sessions"] == report["delivered"]["live_sessions"]
    assert data["by_country"] == _sum([r["participants"]["by_country"] for r in reports])
    assert data["by_gender"] == _sum([r["participants"]["by_gender"] for r in reports])
    assert data["ldc"] == {
        "participants": sum(r["participants"]["ldc"]["participants"] for r in reports),
        "completed": sum(r["participants"]["ldc"]["completed"] for r in reports),
    }
    # straightforward oracles
    emails = {p.email.lower() for f in facts for p in f.course.participants}
    assert data["people"] == len(emails)
    ldc = [
        (r.completed is True)
        for f in facts
        for r in f.report.participants
        if is_ldc(r.participant.country, min(s.start for s in f.course.sessions).date())
    ]
    assert data["ldc"] == {"participants": len(ldc), "completed": sum(ldc)}
    advanced = {p.email.lower() for f in facts if f.course.prerequisites for p in f.course.participants}
    assert data["progression"] == {"elearning_completed": 0, "advanced_enrolled": len(advanced)}
    flow = continuity(facts)
    for f in facts:
        assert sum(v["participants"] for v in flow[f.course.id].values()) == len(f.report.participants)
        assert sum(v["dropped_out"] for v in flow[f.course.id].values()) == sum(
            dropped_out(r, f.report) for r in f.report.participants
        )


def test_dropping_out_needs_two_missed_sessions_after_the_last_attended() -> None:
    sessions = tuple(
        Session(id=f"s{k}", title="S", start=START + timedelta(days=k), minutes=60) for k in range(4)
    )
    p = Participant(id="a", name="A", email="a@example.org", timezone="UTC")
    course = Course(
        id="c",
        title="C",
        timezone="UTC",
        organizer=Organizer(name="I", email="i@example.org"),
        participants=(p,),
        sessions=sessions,
    )

    def result(*statuses: str) -> tuple[ParticipantResult, AttendanceReport]:
        r = ParticipantResult(
            p,
            {f"s{k}": SessionResult(f"s{k}", v, timedelta(0), None, "", v) for k, v in enumerate(statuses)},  # type: ignore[arg-type]
            0,
            4,
            False,
        )
        return r, AttendanceReport(course, sessions, (r,), (), ())

    assert dropped_out(*result("present", "absent", "absent", "absent"))
    assert dropped_out(*result("present", "partial", "absent", "absent"))
    assert not dropped_out(*result("present", "absent", "absent", "late"))
    assert not dropped_out(*result("absent", "absent", "absent", "absent"))  # never came: not a drop-out
    assert not dropped_out(*result("present", "present", "present", "absent"))


# --- the same through the command line: report PROGRAMME against report COURSE ---------------------------

#: countries: HT and BD were least developed in 2020, JM and TT were not
CLI_POOL = [
    ("ana", "HT", "female"),
    ("ben", "JM", "male"),
    ("chi", "BD", None),
    ("dev", None, "other"),
    ("eve", "TT", "female"),
]
CLI_SESSIONS = ("2020-08-10T10:00:00Z", "2020-08-11T10:00:00Z", "2020-08-12T10:00:00Z")


@st.composite
def cli_course(draw: Any, index: int) -> tuple[list[tuple[int, bool]], dict[tuple[int, int], bool]]:
    """Who enrols (pool index, email written in upper case) and who attends which session."""
    chosen = draw(st.lists(st.integers(0, len(CLI_POOL) - 1), min_size=1, unique=True))
    enrolled = [(j, draw(st.booleans())) for j in chosen]
    came = {(j, k): draw(st.booleans()) for j in chosen for k in range(len(CLI_SESSIONS))}
    return enrolled, came


def _cli(*args: str) -> dict[str, Any]:
    env = {"TA_DELIVERY_NOW": "2020-09-01T00:00:00Z", "TA_DELIVERY_STATE": None}
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@settings(deadline=None, max_examples=15)
@given(
    st.lists(st.integers(0, 1), min_size=1, max_size=3).flatmap(
        lambda kinds: st.tuples(*(cli_course(i) for i in range(len(kinds))), st.just(kinds))
    )
)
def test_programme_report_counts_what_the_course_reports_say(drawn: tuple[Any, ...]) -> None:
    *plans, kinds = drawn
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        programme = root / "programme.toml"
        programme.write_text(
            table("[programme]", {"id": "prog", "title": {"en": "P"}, "courses": ["*/course.toml"]}),
            encoding="utf-8",
        )
        # every course shares the programme's store (section 5)
        files = []
        for i, ((enrolled, came), requires) in enumerate(zip(plans, kinds, strict=True)):
            people = []
            for j, upper in enrolled:
                name, country, gender = CLI_POOL[j]
                email = f"{name}@example.org"
                keys = {k: v for k, v in (("country", country), ("gender", gender)) if v}
                people.append(person(name, name.title(), email.upper() if upper else email, "UTC", **keys))
            text = course_toml(
                id=f"c{i}",
                timezone="UTC",
                participants=people,
                sessions=[session(f"s{k}", start, 60) for k, start in enumerate(CLI_SESSIONS)],
                extra=table("[attendance]", {"completion_fraction": Raw("0.6")}),
                prerequisites=["intro-elearning"] if requires else None,
            )
            (root / f"c{i}").mkdir()
            files.append(write_course(root / f"c{i}", text))
            rows = [
                f"{CLI_POOL[j][0]},s{k},{CLI_SESSIONS[k]},{CLI_SESSIONS[k].replace('T10', 'T11')}"
                for (j, k), yes in sorted(came.items())
                if yes
            ]
            if rows:
                register = root / f"c{i}" / "register.csv"
                register.write_text("participant,session,join,leave\n" + "\n".join(rows) + "\n")
                _cli("attendance", "import", str(files[-1]), str(register), "--json")
        course_reports = [_cli("report", str(f), "--format", "json") for f in files]
        assert not any((f.parent / ".ta-delivery").exists() for f in files)
        data = _cli("report", str(programme), "--format", "json")

    expected_courses = {
        r["course"]: {
            "id": r["course"],
            "participants": len(r["participants"]),
            "completed": sum(p["completed"] is True for p in r["participants"]),
            "live_sessions": len(r["sessions"]),
        }
        for r in course_reports
    }
    assert {c["id"]: c for c in data["courses"]} == expected_courses
    by_country: dict[str, Counter[str]] = {}
    by_gender: dict[str, Counter[str]] = {}
    ldc: Counter[str] = Counter()
    emails: set[str] = set()
    advanced: set[str] = set()
    for (enrolled, _came), r, kind in zip(plans, course_reports, kinds, strict=True):
        done = {p["id"]: p["completed"] is True for p in r["participants"]}
        statuses = {s["status"] for p in r["participants"] for s in p["sessions"].values()}
        assert ("present" in statuses) == any(_came.values())
        for j, _upper in enrolled:
            name, country, gender = CLI_POOL[j]
            counts = Counter(participants=1, completed=int(done[name]))
            if country:
                by_country.setdefault(country, Counter()).update(counts)
            if gender:
                by_gender.setdefault(gender, Counter()).update(counts)
            if country in ("HT", "BD"):
                ldc.update(counts)
            emails.add(name)
            if kind:
                advanced.add(name)
    assert data["people"] == len(emails)
    assert data["by_country"] == {k: dict(v) for k, v in by_country.items()}
    assert data["by_gender"] == {k: dict(v) for k, v in by_gender.items()}
    assert data["ldc"] == {"participants": ldc["participants"], "completed": ldc["completed"]}
    assert data["progression"] == {"elearning_completed": 0, "advanced_enrolled": len(advanced)}
