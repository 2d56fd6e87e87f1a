"""Cross-course rules: a person's sessions in the programme's other courses count, matched by email."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.cli import main
from ta_delivery.models import Course, Organizer, Participant, Person, Rules, Session, Trainer
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.programme import Programme
from ta_delivery.programme.rules import check_programme
from ta_delivery.rules import DOUBLE_BOOKED, TOO_MANY, check_course
from test_programme_reader import course_text, write

PLUGINS = make_plugin_manager(entry_points=False)
ZONES = ("UTC", "Asia/Tokyo", "America/Port_of_Spain", "Pacific/Kiritimati", "Europe/Zurich")
EMAILS = ("ana@example.org", "bo@example.org", "cy@example.org")
Key = tuple[str, str | None, str | None]


@st.composite
def courses(draw: st.DrawFn, cid: str) -> Course:
    emails = draw(st.lists(st.sampled_from(EMAILS), min_size=1, max_size=3, unique=True))
    people: list[Person] = []
    for i, email in enumerate(emails):
        cls = draw(st.sampled_from([Trainer, Participant]))
        shown = "".join(c.upper() if draw(st.booleans()) else c for c in email)  # case does not matter
        people.append(cls(id=f"{cid}p{i}", name=f"P{i}", email=shown, timezone=draw(st.sampled_from(ZONES))))
    trainers = tuple(p for p in people if isinstance(p, Trainer))
    participants = tuple(p for p in people if isinstance(p, Participant))
    base = datetime(2027, 3, 1, tzinfo=UTC)
    sessions = []
    for i in range(draw(st.integers(0, 5))):
        start = base + timedelta(minutes=30 * draw(st.integers(0, 4 * 48)))
        sessions.append(
            Session(
                id=f"s{i}",
                title=f"S{i}",
                start=start,
                minutes=draw(st.integers(15, 240)),
                kind=draw(st.sampled_from(["live", "live", "live", "recorded"])),
                trainers=tuple(draw(st.lists(st.sampled_from([t.id for t in trainers]), unique=True)))
                if trainers
                else (),
                participants=None
                if draw(st.booleans())
                else tuple(
                    draw(st.lists(st.sampled_from([p.id for p in participants] or ["x"]), unique=True))
                )
                if participants
                else (),
            )
        )
    return Course(
        id=cid,
        title=cid,
        timezone="UTC",
        organizer=Organizer(name="Org", email="org@example.org"),
        trainers=trainers,
        participants=participants,
        sessions=tuple(sessions),
        rules=Rules(max_live_sessions_per_day=draw(st.integers(1, 3)), max_live_minutes=600),
    )


def programme_of(*members: Course) -> Programme:
    return Programme(id="p", title={"en": "P"}, path=Path("programme.toml"), courses=members)


def oracle(all_courses: tuple[Course, ...], course: Course) -> list[Key]:
    """Straight from PRODUCT.md section 3, over every pair and every day, with no shortcuts."""
    found: list[Key] = []
    for person in course.people:
        mine: list[tuple[datetime, str, str, Session]] = []
        for other in all_courses:
            for s in other.live_sessions:
                people = other.people_of(s)
                if other.id == course.id:
                    taking = any(p.id == person.id for p in people)
                else:
                    taking = any(p.email.lower() == person.email.lower() for p in people)
                if taking:
                    shown = s.id if other.id == course.id else f"{other.id}/{s.id}"
                    mine.append((s.start, other.id, shown, s))
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if a[1] != course.id and b[1] != course.id:
                    continue
                if a[3].start < b[3].end and b[3].start < a[3].end:
                    later = max(a, b, key=lambda e: (e[0], e[1], e[3].id))
                    found.append((DOUBLE_BOOKED, later[2], person.id))
        days: dict[date, list[tuple[datetime, str, str, Session]]] = {}
        for entry in mine:
            days.setdefault(entry[0].astimezone(person.zone).date(), []).append(entry)
        limit = course.rules.max_live_sessions_per_day
        for on_day in days.values():
            if len(on_day) > limit and any(e[1] == course.id for e in on_day):
                over = sorted(on_day, key=lambda e: (e[0], e[1], e[3].id))[limit]
                found.append((TOO_MANY, over[2], person.id))
    return sorted(found, key=str)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(*(courses(f"c{i}") for i in range(n)))))
def test_the_cross_course_rules_match_a_brute_force_oracle(members: tuple[Course, ...]) -> None:
    result = check_programme(programme_of(*members), PLUGINS)
    assert list(result) == [c.id for c in members]
    for course in members:
        got = [
            (f.rule, f.session, f.person) for f in result[course.id] if f.rule in (DOUBLE_BOOKED, TOO_MANY)
        ]
        assert sorted(got, key=str) == oracle(members, course)
        # every other rule is the course's own, and a course alone checks exactly as before
        alone = check_course(course, PLUGINS)
        assert [f for f in result[course.id] if f.rule not in (DOUBLE_BOOKED, TOO_MANY)] == [
            f for f in alone if f.rule not in (DOUBLE_BOOKED, TOO_MANY)
        ]
        if len(members) == 1:
            assert result[course.id] == alone


def test_a_trainer_double_booked_across_two_courses_is_found_by_check_programme(tmp_path: Path) -> None:
    def taught(cid: str) -> str:
        return course_text(cid).replace("minutes = 60", 'minutes = 60\ntrainers = ["rf"]')

    write(tmp_path, "a/course.toml", taught("course-a") + TRAINER.format(email="rf@example.org"))
    b = taught("course-b").replace("10:00:00", "10:30:00").replace('"s1"', '"b1"')
    write(tmp_path, "b/course.toml", b + TRAINER.format(email="RF@Example.org"))
    write(tmp_path, "c/course.toml", course_text("course-c").replace("10:00:00", "14:00:00"))
    write(
        tmp_path, "programme.toml", '[programme]\nid = "p-2027"\ntitle = "P"\ncourses = ["*/course.toml"]\n'
    )
    result = CliRunner().invoke(main, ["check", str(tmp_path / "programme.toml"), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data == {
        "programme": "p-2027",
        "courses": [
            {
                "course": "course-a",
                "findings": [
                    {
                        "rule": "double-booked",
                        "severity": "error",
                        "session": "course-b/b1",
                        "person": "rf",
                        "message": "rf is in s1 and course-b/b1 at once (Mon 2027-09-06 10:00-11:00 "
                        "Europe/Zurich and Mon 2027-09-06 10:30-11:30 Europe/Zurich)",
                    }
                ],
            },
            {
                "course": "course-b",
                "findings": [
                    {
                        "rule": "double-booked",
                        "severity": "error",
                        "session": "b1",
                        "person": "rf",
                        "message": "rf is in course-a/s1 and b1 at once (Mon 2027-09-06 10:00-11:00 "
                        "Europe/Zurich and Mon 2027-09-06 10:30-11:30 Europe/Zurich)",
                    }
                ],
            },
            {"course": "course-c", "findings": []},
        ],
    }
    table = CliRunner().invoke(main, ["check", str(tmp_path / "programme.toml")])
    assert table.exit_code == 1
    assert "course-b/b1" in table.output
    assert "course-c" in table.output


def test_severity_overrides_apply_to_cross_course_findings() -> None:
    a = Course(
        id="a",
        title="A",
        timezone="UTC",
        organizer=Organizer(name="Org", email="org@example.org"),
        trainers=(Trainer(id="t", name="T", email="t@example.org", timezone="UTC"),),
        sessions=(
            Session(
                id="x", title="X", start=datetime(2027, 3, 1, 9, tzinfo=UTC), minutes=60, trainers=("t",)
            ),
        ),
        rules=Rules(severity={DOUBLE_BOOKED: "warning"}),
    )
    b = attrs.evolve(a, id="b", rules=Rules())
    result = check_programme(programme_of(a, b), PLUGINS)
    assert [(f.severity, f.session) for f in result["a"]] == [("warning", "b/x")]
    assert [(f.severity, f.session) for f in result["b"]] == [("error", "x")]


TRAINER = """
[[trainers]]
id = "rf"
name = "R F"
email = "{email}"
timezone = "Europe/Zurich"
working_hours = "00:00-24:00"
"""


def test_a_programme_words_its_findings_as_the_course_does_across_local_midnight() -> None:
    # 21:30-00:00 and 21:30-21:45 in Tokyo: the first ends at local midnight, which the label shows
    person = Participant("p", "P", "p@example.org", "Asia/Tokyo")
    start = datetime(2027, 3, 1, 12, 30, tzinfo=UTC)
    course = Course(
        id="c0",
        title="c0",
        timezone="UTC",
        organizer=Organizer(name="Org", email="org@example.org"),
        participants=(person,),
        sessions=(Session("s0", "A", start, 150), Session("s1", "B", start, 15)),
        rules=Rules(max_live_minutes=600),
    )
    alone = check_course(course, PLUGINS)
    assert DOUBLE_BOOKED in [f.rule for f in alone]
    assert check_programme(programme_of(course), PLUGINS)[course.id] == alone
