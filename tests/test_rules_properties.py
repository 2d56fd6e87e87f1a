"""Each built-in rule matches a straightforward definition on random courses over every IANA zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.rules import course, participant, session, trainer
from ta_delivery.models import Course, Person, Rules, Session
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.rules import DOUBLE_BOOKED, OUTSIDE_WORKING_HOURS, TOO_LONG, TOO_MANY, check_course
from ta_delivery.testing.strategies import all_zone_names

PLUGINS = make_plugin_manager(entry_points=False)
Key = tuple[str, str | None, str | None]


@st.composite
def hours(draw: st.DrawFn) -> str | None:
    if draw(st.booleans()):
        return None
    start = draw(st.integers(0, 23 * 4)) * 15
    end = draw(st.integers(start // 15 + 1, 96)) * 15
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@st.composite
def courses(draw: st.DrawFn) -> Course:
    zones = all_zone_names
    n_trainers = draw(st.integers(0, 2))
    n_participants = draw(st.integers(0, 3))
    trainers = [trainer(f"t{i}", draw(zones), draw(hours())) for i in range(n_trainers)]
    participants = [participant(f"p{i}", draw(zones), draw(hours())) for i in range(n_participants)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    # cluster sessions within a few days so that days and overlaps collide often
    centre = draw(st.integers(0, 3 * 365 * 24 * 4))
    sessions: list[Session] = []
    for i in range(draw(st.integers(0, 7))):
        offset = draw(st.integers(-3 * 24 * 4, 3 * 24 * 4))
        start = base + timedelta(minutes=15 * (centre + offset) + draw(st.sampled_from([0, 0, 7])))
        who = draw(st.none() | st.lists(st.sampled_from([p.id for p in participants] or ["x"]), unique=True))
        if who is not None and not participants:
            who = []
        sessions.append(
            session(
                f"s{i}",
                start,
                draw(st.integers(1, 300)),
                trainers=draw(st.lists(st.sampled_from([t.id for t in trainers] or ["x"]), unique=True))
                if trainers
                else (),
                participants=who,
                kind=draw(st.sampled_from(["live", "live", "live", "recorded"])),
            )
        )
    rules = Rules(
        max_live_minutes=draw(st.integers(30, 240)),
        max_live_sessions_per_day=draw(st.integers(1, 3)),
    )
    return course(sessions, trainers, participants, rules=rules)


# --- the definitions, written without the library's helpers ---------------------------------------


def people_of(c: Course, s: Session) -> list[Person]:
    ps = [p for p in c.participants if s.participants is None or p.id in s.participants]
    return [*(t for t in c.trainers if t.id in s.trainers), *ps]


def live(c: Course) -> list[Session]:
    return [s for s in c.sessions if s.kind == "live"]


def def_too_long(c: Course) -> set[Key]:
    return {(TOO_LONG, s.id, None) for s in live(c) if s.minutes > c.rules.max_live_minutes}


def def_too_many(c: Course) -> set[Key]:
    out: set[Key] = set()
    for person in c.people:
        tz = ZoneInfo(person.timezone)
        mine = [s for s in live(c) if person in people_of(c, s)]
        dates = {s.start.astimezone(tz).date() for s in mine}
        for d in dates:
            on_day = sorted(
                (s for s in mine if s.start.astimezone(tz).date() == d), key=lambda s: (s.start, s.id)
            )
            if len(on_day) > c.rules.max_live_sessions_per_day:
                out.add((TOO_MANY, on_day[c.rules.max_live_sessions_per_day].id, person.id))
    return out


def window(person: Person, c: Course, day: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(person.timezone)
    hours = person.working_hours or c.rules.working_hours
    start = datetime(day.year, day.month, day.day, hours.start.hour, hours.start.minute, tzinfo=tz)
    if hours.end == time.max:
        nxt = day + timedelta(days=1)
        end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    else:
        end = datetime(day.year, day.month, day.day, hours.end.hour, hours.end.minute, tzinfo=tz)
    return start, end


def def_outside(c: Course) -> set[Key]:
    out: set[Key] = set()
    for s in live(c):
        for person in people_of(c, s):
            ws, we = window(person, c, s.start.astimezone(ZoneInfo(person.timezone)).date())
            end = s.start + timedelta(minutes=s.minutes)
            if not (ws <= s.start and end <= we):
                out.add((OUTSIDE_WORKING_HOURS, s.id, person.id))
    return out


def def_double(c: Course) -> list[Key]:
    out: list[Key] = []
    for person in c.people:
        mine = [s for s in live(c) if person in people_of(c, s)]
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                a_end = a.start + timedelta(minutes=a.minutes)
                b_end = b.start + timedelta(minutes=b.minutes)
                if a.start < b_end and b.start < a_end:
                    later = max(a, b, key=lambda s: (s.start, s.id))
                    out.append((DOUBLE_BOOKED, later.id, person.id))
    return sorted(out)


def keys(c: Course, rule: str) -> list[Key]:
    return [(f.rule, f.session, f.person) for f in check_course(c, PLUGINS) if f.rule == rule]


@settings(max_examples=80, deadline=None)
@given(courses())
def test_rules_match_their_definitions(c: Course) -> None:
    assert set(keys(c, TOO_LONG)) == def_too_long(c)
    too_many = keys(c, TOO_MANY)
    assert len(too_many) == len(set(too_many))
    assert set(too_many) == def_too_many(c)
    outside = keys(c, OUTSIDE_WORKING_HOURS)
    assert len(outside) == len(set(outside))
    assert set(outside) == def_outside(c)
    assert sorted(keys(c, DOUBLE_BOOKED)) == def_double(c)


@settings(max_examples=30, deadline=None)
@given(courses())
def test_findings_are_deterministic_and_ordered(c: Course) -> None:
    first = check_course(c, PLUGINS)
    assert first == check_course(c, PLUGINS)
    assert [f.rule for f in first] == sorted(f.rule for f in first)
    assert all(f.severity == "error" for f in first)
