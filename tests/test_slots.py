"""The slot finder: against a brute-force reference over every IANA zone, and through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.rules import course, participant, session, trainer, utc
from ta_delivery.cli import main
from ta_delivery.errors import InputError
from ta_delivery.models import Course, Person, Rules, WorkingDays
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.rules import (
    OUTSIDE_WORKING_DAYS,
    OUTSIDE_WORKING_HOURS,
    check_course,
    inside_working_hours,
)
from ta_delivery.slots import Slot, find_slots, parse_days, slots_json
from ta_delivery.testing.courses import ORG, course_toml, person
from ta_delivery.testing.strategies import all_zone_names

PLUGINS = make_plugin_manager(entry_points=False)


def reference(
    c: Course, minutes: int, first: date, last: date, days: frozenset[int] = frozenset(range(5))
) -> list[Slot]:
    """Every grid start checked person by person with the rules' own tests (hours and days)."""

    def suits(t: datetime, p: Person) -> bool:
        on_day = c.days_of(p).allows(t.astimezone(p.zone).date())
        return on_day and inside_working_hours(t, minutes, p, c.hours_of(p))

    tz = c.zone
    t = datetime.combine(first, time(0), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC)
    out: list[Slot] = []
    while t < end:
        local = t.astimezone(tz).date()
        on_day = first <= local <= last and local.weekday() in days
        if on_day and all(suits(t, p) for p in c.trainers):
            missing = tuple(p.id for p in c.participants if not suits(t, p))
            n = len(c.participants)
            out.append(Slot(t, n - len(missing), n, missing))
        t += timedelta(minutes=15)
    out.sort(key=lambda s: (-s.suits, s.start))
    return out


@st.composite
def hours(draw: st.DrawFn) -> str | None:
    if draw(st.booleans()):
        return None
    start = draw(st.integers(0, 23 * 4)) * 15 + draw(st.sampled_from([0, 0, 5]))
    end = draw(st.integers(start // 15 + 1, 96)) * 15
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


working_days = st.sets(st.integers(0, 6), min_size=1).map(WorkingDays.of)


def with_days(draw: st.DrawFn, c: Course) -> Course:
    """``c`` with drawn working days for the course and some of its people (the default, mon-fri, too)."""
    rules = attrs.evolve(c.rules, working_days=draw(working_days)) if draw(st.booleans()) else c.rules
    trainers = tuple(attrs.evolve(t, working_days=draw(st.none() | working_days)) for t in c.trainers)
    participants = tuple(attrs.evolve(p, working_days=draw(st.none() | working_days)) for p in c.participants)
    return attrs.evolve(c, rules=rules, trainers=trainers, participants=participants)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Course, int, date, date, frozenset[int]]:
    zones = all_zone_names
    trainers = [trainer(f"t{i}", draw(zones), draw(hours())) for i in range(draw(st.integers(0, 2)))]
    participants = [participant(f"p{i}", draw(zones), draw(hours())) for i in range(draw(st.integers(0, 4)))]
    c = with_days(draw, course(trainers=trainers, participants=participants, tz=draw(zones)))
    first = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 3 * 365)))
    last = first + timedelta(days=draw(st.integers(0, 4)))
    days = frozenset(draw(st.lists(st.integers(0, 6), min_size=1, unique=True)))
    return c, draw(st.integers(1, 24 * 60)), first, last, days


@settings(max_examples=60, deadline=None)
@given(cases())
def test_matches_brute_force_reference(case: tuple[Course, int, date, date, frozenset[int]]) -> None:
    c, minutes, first, last, days = case
    assert find_slots(c, minutes, first, last, days=days, limit=None) == reference(
        c, minutes, first, last, days
    )


@st.composite
def dst_cases(draw: st.DrawFn) -> tuple[Course, int, date, date, frozenset[int]]:
    """Ranges around the DST changes of the pinned zones."""
    zones = st.sampled_from(
        [
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "Europe/Dublin",
            "America/St_Johns",
            "America/New_York",
            "Europe/Berlin",
        ]
    )
    changes = [date(2027, 3, 13), date(2027, 3, 27), date(2027, 4, 3), date(2027, 9, 25), date(2027, 10, 2)]
    changes += [date(2027, 10, 30), date(2027, 11, 6)]
    first = draw(st.sampled_from(changes))
    trainers = [trainer(f"t{i}", draw(zones), draw(hours())) for i in range(draw(st.integers(1, 2)))]
    participants = [participant(f"p{i}", draw(zones), draw(hours())) for i in range(draw(st.integers(1, 5)))]
    c = with_days(draw, course(trainers=trainers, participants=participants, tz=draw(zones)))
    return c, draw(st.sampled_from([30, 60, 90, 120])), first, first + timedelta(days=2), frozenset(range(7))


@settings(max_examples=40, deadline=None)
@given(dst_cases())
def test_matches_reference_around_pinned_dst_changes(
    case: tuple[Course, int, date, date, frozenset[int]],
) -> None:
    c, minutes, first, last, days = case
    assert find_slots(c, minutes, first, last, days=days, limit=None) == reference(
        c, minutes, first, last, days
    )


@settings(max_examples=40, deadline=None)
@given(cases())
def test_every_slot_passes_check_for_the_trainers(
    case: tuple[Course, int, date, date, frozenset[int]],
) -> None:
    c, minutes, first, last, days = case
    rules = Rules(max_live_minutes=24 * 60, working_days=c.rules.working_days)
    for slot in find_slots(c, minutes, first, last, days=days, limit=10):
        trial = attrs.evolve(
            c,
            rules=rules,
            sessions=(
                session("new", slot.start, minutes, trainers=[t.id for t in c.trainers], participants=[]),
            ),
        )
        assert check_course(trial, PLUGINS) == []
        everyone = attrs.evolve(trial, sessions=(attrs.evolve(trial.sessions[0], participants=None),))
        outside = {
            f.person
            for f in check_course(everyone, PLUGINS)
            if f.rule in (OUTSIDE_WORKING_HOURS, OUTSIDE_WORKING_DAYS)
        }
        assert outside == set(slot.missing)
        assert slot.suits == slot.of - len(slot.missing)


def test_ranking_and_limit() -> None:
    # trainer in Geneva 08:00-18:00 (06:00Z-16:00Z in August); two participants in Port of Spain
    # (12:00Z-22:00Z) and one in Tokyo (23:00Z-09:00Z)
    c = course(
        trainers=[trainer("rf", "Europe/Zurich")],
        participants=[
            participant("tt", "America/Port_of_Spain"),
            participant("tk", "Asia/Tokyo"),
            participant("tt2", "America/Port_of_Spain"),
        ],
        tz="America/Port_of_Spain",
    )
    slots = find_slots(c, 120, date(2027, 8, 9), date(2027, 8, 9), limit=None)
    two = slots[:9]
    assert [s.start for s in two] == [utc(2027, 8, 9, 12) + timedelta(minutes=15 * i) for i in range(9)]
    assert all(s.suits == 2 and s.of == 3 and s.missing == ("tk",) for s in two)
    one = slots[9:14]
    assert [s.start for s in one] == [utc(2027, 8, 9, 6) + timedelta(minutes=15 * i) for i in range(5)]
    assert all(s.missing == ("tt", "tt2") for s in one)
    rest = slots[14:]
    assert len(rest) == 33 - 14
    assert rest[0].start == utc(2027, 8, 9, 7, 15)
    assert all(s.suits == 0 and s.missing == ("tt", "tk", "tt2") for s in rest)
    assert find_slots(c, 120, date(2027, 8, 9), date(2027, 8, 9), limit=3) == slots[:3]


def test_weekdays_are_course_zone_weekdays() -> None:
    every_day = WorkingDays.parse("mon-sun")
    t = attrs.evolve(trainer("t", "Pacific/Kiritimati", "00:00-24:00"), working_days=every_day)
    c = course(tz="Pacific/Kiritimati", trainers=[t])
    slots = find_slots(c, 60, date(2027, 8, 14), date(2027, 8, 15), days={5}, limit=None)  # Saturday only
    assert slots
    assert {s.start.astimezone(c.zone).date() for s in slots} == {date(2027, 8, 14)}
    assert find_slots(c, 60, date(2027, 8, 14), date(2027, 8, 15), limit=None) == []  # default: Mon-Fri
    weekend = attrs.evolve(c, rules=attrs.evolve(c.rules, working_days=WorkingDays.parse("sat-sun")))
    assert len(find_slots(weekend, 60, date(2027, 8, 14), date(2027, 8, 15), limit=None)) == 2 * 93


def test_a_trainer_off_that_day_rules_the_slot_out_and_a_participant_is_missing() -> None:
    """Working days are each person's own, on their local date (Sunday-Thursday in the Gulf)."""
    gulf = WorkingDays.parse("sun-thu")
    t = attrs.evolve(trainer("t", "Asia/Dubai", "00:00-24:00"), working_days=gulf)
    p = participant("p", "Europe/Zurich", "00:00-24:00")  # mon-fri, the course's default
    c = course(tz="Asia/Dubai", trainers=[t], participants=[p])
    slots = find_slots(c, 60, date(2027, 8, 13), date(2027, 8, 16), days=set(range(7)), limit=None)
    local = {s.start.astimezone(c.zone).date() for s in slots}
    assert date(2027, 8, 13) not in local and date(2027, 8, 14) not in local  # Friday, Saturday off
    sunday = [s for s in slots if s.start.astimezone(c.zone).date() == date(2027, 8, 15)]
    assert sunday and all(s.missing == ("p",) for s in sunday if s.start.astimezone(p.zone).weekday() == 6)


def test_json_shape() -> None:
    slot = Slot(utc(2027, 8, 9, 12), 3, 4, ("p1",))
    assert slots_json(120, [slot]) == {
        "minutes": 120,
        "slots": [{"start": "2027-08-09T12:00:00Z", "suits": 3, "of": 4, "missing": ["p1"]}],
    }


def test_parse_days() -> None:
    assert parse_days("mon,tue,wed") == {0, 1, 2}
    assert parse_days("Sat, sunday") == {5, 6}
    with pytest.raises(InputError):
        parse_days("mon,xyz")
    with pytest.raises(InputError):
        parse_days("monkey")


@pytest.mark.parametrize(
    ("minutes", "first", "last", "key"),
    [
        (0, date(2027, 1, 1), date(2027, 1, 2), "--minutes"),
        (-5, date(2027, 1, 1), date(2027, 1, 2), "--minutes"),
        (60, date(2027, 1, 3), date(2027, 1, 2), "--to"),
        (60, date(2027, 1, 1), date(2207, 1, 2), "--to"),
        (60, date(9999, 12, 30), date(9999, 12, 31), "--from"),
    ],
)
def test_bad_arguments(minutes: int, first: date, last: date, key: str) -> None:
    with pytest.raises(InputError) as info:
        find_slots(course(), minutes, first, last)
    assert info.value.key == key


# --- CLI -------------------------------------------------------------------------------------------

COURSE = course_toml(
    id="slots-demo",
    title="Slots",
    organizer=ORG,
    trainers=[person("rf", "R F", timezone="Europe/Zurich")],
    participants=[
        person("tt", "T T", timezone="America/Port_of_Spain"),
        person("tt2", "T T2", timezone="America/Port_of_Spain"),
        person("tk", "T K", timezone="Asia/Tokyo"),
    ],
    sessions=(),
)


@pytest.fixture
def course_file(tmp_path: Path) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(COURSE, encoding="utf-8")
    return path


def test_cli_json(course_file: Path) -> None:
    args = [
        "slots",
        str(course_file),
        "--minutes",
        "120",
        "--from",
        "2027-08-09",
        "--to",
        "2027-08-13",
        "--json",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["minutes"] == 120
    assert len(data["slots"]) > 20  # --json lists every candidate unless --limit is given
    assert data["slots"][0] == {"start": "2027-08-09T12:00:00Z", "suits": 2, "of": 3, "missing": ["tk"]}
    limited = json.loads(CliRunner().invoke(main, [*args, "--limit", "20"]).output)
    assert limited["slots"] == data["slots"][:20]


def test_cli_table_and_days(course_file: Path) -> None:
    args = ["slots", str(course_file), "--minutes", "60", "--from", "2027-08-09", "--to", "2027-08-15"]
    result = CliRunner().invoke(main, [*args, "--session-days", "sat", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "No start suits every trainer" in result.output  # Saturday is not a working day by default
    course_file.write_text(
        COURSE.replace("[[trainers]]", '[rules]\nworking_days = "mon-sat"\n\n[[trainers]]', 1)
    )
    result = CliRunner().invoke(main, [*args, "--session-days", "sat", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "Sat 2027-08-14 08:00" in result.output
    assert "Mon" not in result.output
    everything = CliRunner().invoke(main, [*args, "--limit", "0", "--json"])
    assert len(json.loads(everything.output)["slots"]) == 6 * 37  # the course works mon-sat now


@pytest.mark.parametrize(
    "extra",
    [
        ["--minutes", "0", "--from", "2027-08-09", "--to", "2027-08-13"],
        ["--minutes", "60", "--from", "2027-08-09", "--to", "2027-08-01"],
        ["--minutes", "60", "--from", "9 Aug", "--to", "2027-08-13"],
        ["--minutes", "60", "--from", "2027-08-09", "--to", "2027-08-13", "--session-days", "funday"],
        ["--minutes", "60", "--from", "2027-08-09", "--to", "2027-08-13", "--limit", "-1"],
        ["--minutes", "sixty", "--from", "2027-08-09", "--to", "2027-08-13"],
    ],
)
def test_cli_input_errors_exit_2(course_file: Path, extra: list[str]) -> None:
    result = CliRunner().invoke(main, ["slots", str(course_file), *extra])
    assert result.exit_code == 2, result.output
