"""Benchmark: ``check_course`` on 100-session courses of 200 participants.

Two courses: a realistic one (a webinar each weekday, participants in ten Caribbean zones, no findings)
and a stress one (random times, 30 zones, thousands of findings).

Compares ta_delivery's rule engine (through the plugin manager, as ``ta-delivery check`` runs it) with a
straightforward reference (the four rules written as plain loops over people and sessions), both in
this process, and checks that they find the same things.

    uv run python bench/bench_check.py
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ta_delivery.models import Course, Organizer, Participant, Person, Rules, Session, Trainer
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.rules import check_course

ZONES = [
    "America/Port_of_Spain", "America/Jamaica", "America/Nassau", "America/Belize", "America/Guyana",
    "America/New_York", "America/St_Johns", "America/Sao_Paulo", "America/Mexico_City", "America/Lima",
    "Europe/Zurich", "Europe/Dublin", "Europe/Berlin", "Africa/Abidjan", "Africa/Lagos",
    "Africa/Nairobi", "Africa/Johannesburg", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok", "Asia/Ulaanbaatar", "Asia/Tokyo",
    "Australia/Lord_Howe", "Australia/Sydney", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Fiji",
]  # fmt: skip


def build_course(sessions: int = 100, participants: int = 200, seed: int = 11) -> Course:
    rng = random.Random(seed)
    people = tuple(
        Participant(
            id=f"p{i:03d}", name=f"P {i}", email=f"p{i:03d}@example.org", timezone=ZONES[i % len(ZONES)]
        )
        for i in range(participants)
    )
    trainers = tuple(
        Trainer(id=f"t{i}", name=f"T {i}", email=f"t{i}@example.org", timezone=z)
        for i, z in enumerate(["Europe/Zurich", "Europe/Zurich", "America/Port_of_Spain", "Asia/Kolkata"])
    )
    base = datetime(2027, 9, 1, 12, tzinfo=UTC)
    items = []
    for i in range(sessions):
        start = base + timedelta(days=rng.randrange(60), minutes=15 * rng.randrange(48))
        group = None if rng.random() < 0.5 else tuple(sorted(rng.sample([p.id for p in people], 60)))
        items.append(
            Session(
                id=f"s{i:03d}",
                title=f"Session {i}",
                start=start,
                minutes=rng.choice([60, 90, 120, 150]),
                kind="recorded" if rng.random() < 0.1 else "live",
                trainers=tuple(sorted(rng.sample([t.id for t in trainers], 2))),
                participants=group,
            )
        )
    return Course(
        id="bench-check",
        title="Benchmark",
        timezone="America/Port_of_Spain",
        organizer=Organizer(name="Org", email="org@example.org"),
        trainers=trainers,
        participants=people,
        sessions=tuple(items),
        rules=Rules(),
    )


CARIBBEAN = [
    "America/Port_of_Spain", "America/Jamaica", "America/Nassau", "America/Barbados", "America/Guyana",
    "America/Santo_Domingo", "America/Port-au-Prince", "America/St_Lucia", "America/Paramaribo",
    "America/Grenada",
]  # fmt: skip


def build_clean_course(sessions: int = 100, participants: int = 200) -> Course:
    """A realistic course: one 90-minute webinar each weekday at 09:30 in Port of Spain, no findings."""
    people = tuple(
        Participant(id=f"p{i:03d}", name=f"P {i}", email=f"p{i:03d}@example.org", timezone=CARIBBEAN[i % 10])
        for i in range(participants)
    )
    trainers = (
        Trainer(id="gva", name="Geneva", email="gva@example.org", timezone="Europe/Zurich"),
        Trainer(id="bb", name="Barbados", email="bb@example.org", timezone="America/Barbados"),
    )
    items = []
    day = date(2027, 8, 9)
    while len(items) < sessions:
        if day.weekday() < 5:
            start = datetime(day.year, day.month, day.day, 13, 30, tzinfo=UTC)
            items.append(
                Session(
                    id=f"s{len(items):03d}", title="Webinar", start=start, minutes=90, trainers=("gva", "bb")
                )
            )
        day += timedelta(days=1)
    return Course(
        id="bench-clean",
        title="Benchmark",
        timezone="America/Port_of_Spain",
        organizer=Organizer(name="Org", email="org@example.org"),
        trainers=trainers,
        participants=people,
        sessions=tuple(items),
    )


Key = tuple[str, str | None, str | None]


def reference(course: Course) -> set[Key]:
    """The four rules as plain loops."""
    live = [s for s in course.sessions if s.kind == "live"]

    def people_of(s: Session) -> list[Person]:
        ps = [p for p in course.participants if s.participants is None or p.id in s.participants]
        return [*(t for t in course.trainers if t.id in s.trainers), *ps]

    out: set[Key] = set()
    for s in live:
        if s.minutes > course.rules.max_live_minutes:
            out.add(("live-session-too-long", s.id, None))
    for person in course.people:
        tz = ZoneInfo(person.timezone)
        mine = sorted((s for s in live if person in people_of(s)), key=lambda s: (s.start, s.id))
        per_day: dict[date, list[Session]] = {}
        for s in mine:
            per_day.setdefault(s.start.astimezone(tz).date(), []).append(s)
        for on_day in per_day.values():
            if len(on_day) > course.rules.max_live_sessions_per_day:
                out.add(
                    (
                        "too-many-live-sessions-per-day",
                        on_day[course.rules.max_live_sessions_per_day].id,
                        person.id,
                    )
                )
        hours = course.hours_of(person)
        for s in mine:
            ws, we = hours.window(s.start.astimezone(tz))
            if not (ws <= s.start and s.end <= we):
                out.add(("outside-working-hours", s.id, person.id))
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if a.start < b.end and b.start < a.end:
                    out.add(("double-booked", b.id, person.id))
    return out


def measure(name: str, course: Course, repeat: int) -> None:
    plugins = make_plugin_manager()
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        findings = check_course(course, plugins)
        timings.append(time.perf_counter() - t0)
    fast = min(timings)
    t0 = time.perf_counter()
    ref = reference(course)
    ref_s = time.perf_counter() - t0
    assert {(f.rule, f.session, f.person) for f in findings} == ref, (
        "check_course disagrees with the reference"
    )
    print(
        f"check ({name}): {len(course.sessions)} sessions, {len(course.people)} people in "
        f"{len({p.timezone for p in course.people})} zones, {len(findings)} findings"
    )
    print(f"  check_course (best of {repeat}): {fast:.4f} s")
    print(f"  reference loops:            {ref_s:.4f} s")
    print(f"  ratio reference / check:    {ref_s / fast:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    measure("realistic, clean", build_clean_course(args.sessions), args.repeat)
    measure("random, stress", build_course(args.sessions), args.repeat)


if __name__ == "__main__":
    main()
