"""Benchmark: ``find_slots`` for 200 participants in 30 zones over a 3-month window.

Compares ta_delivery's slot finder with a straightforward reference loop (every grid start, every
person, the rule's own ``inside_working_hours`` test through zoneinfo), both in this process, and checks
that they agree.

    uv run python bench/bench_slots.py
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from ta_delivery.models import Course, Organizer, Participant, Trainer, WorkingHours
from ta_delivery.rules import inside_working_hours
from ta_delivery.slots import Slot, find_slots

ZONES = [
    "America/Port_of_Spain", "America/Jamaica", "America/Nassau", "America/Belize", "America/Guyana",
    "America/New_York", "America/St_Johns", "America/Sao_Paulo", "America/Mexico_City", "America/Lima",
    "Europe/Zurich", "Europe/Dublin", "Europe/Berlin", "Africa/Abidjan", "Africa/Lagos",
    "Africa/Nairobi", "Africa/Johannesburg", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok", "Asia/Ulaanbaatar", "Asia/Tokyo",
    "Australia/Lord_Howe", "Australia/Sydney", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Fiji",
]  # fmt: skip
FIRST, LAST = date(2027, 9, 1), date(2027, 11, 30)  # crosses the northern and southern DST changes
MINUTES = 90


def build_course(participants: int = 200, seed: int = 7) -> Course:
    rng = random.Random(seed)
    hours = [None, None, WorkingHours.parse("07:00-19:00"), WorkingHours.parse("09:00-17:00")]
    people = tuple(
        Participant(
            id=f"p{i:03d}",
            name=f"Participant {i}",
            email=f"p{i:03d}@example.org",
            timezone=ZONES[i % len(ZONES)],
            working_hours=rng.choice(hours),
        )
        for i in range(participants)
    )
    trainers = (
        Trainer(id="gva", name="Geneva", email="gva@example.org", timezone="Europe/Zurich",
                working_hours=WorkingHours.parse("07:00-20:00")),
        Trainer(id="pos", name="Port of Spain", email="pos@example.org", timezone="America/Port_of_Spain",
                working_hours=WorkingHours.parse("06:00-18:00")),
    )  # fmt: skip
    return Course(
        id="bench-slots",
        title="Benchmark",
        timezone="America/Port_of_Spain",
        organizer=Organizer(name="Org", email="org@example.org"),
        trainers=trainers,
        participants=people,
    )


def reference(course: Course, minutes: int, first: date, last: date, days: frozenset[int]) -> list[Slot]:
    """The straightforward loop: every 15-minute start, every person, through zoneinfo."""
    tz = course.zone
    t = datetime.combine(first, dtime(0), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), dtime(0), tz).astimezone(UTC)
    out: list[Slot] = []
    while t < end:
        local = t.astimezone(tz).date()
        ok = first <= local <= last and local.weekday() in days
        if ok and all(inside_working_hours(t, minutes, p, course.hours_of(p)) for p in course.trainers):
            missing = tuple(
                p.id
                for p in course.participants
                if not inside_working_hours(t, minutes, p, course.hours_of(p))
            )
            n = len(course.participants)
            out.append(Slot(t, n - len(missing), n, missing))
        t += timedelta(minutes=15)
    out.sort(key=lambda s: (-s.suits, s.start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    course = build_course(args.participants)
    days = frozenset(range(5))

    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        fast = find_slots(course, MINUTES, FIRST, LAST, days=days, limit=20)
        timings.append(time.perf_counter() - t0)
    fast_s = min(timings)
    t0 = time.perf_counter()
    full = find_slots(course, MINUTES, FIRST, LAST, days=days, limit=None)
    fast_all_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    ref = reference(course, MINUTES, FIRST, LAST, days)
    ref_s = time.perf_counter() - t0
    assert full == ref, "find_slots disagrees with the reference loop"
    assert fast == ref[:20]

    grid = (LAST - FIRST).days * 96 + 96
    zones = len({p.timezone for p in course.people})
    print(f"slots: {len(course.participants)} participants in {zones} zones, {FIRST}..{LAST}, {grid} starts")
    print(f"  {MINUTES} minutes, Mon-Fri, {len(course.trainers)} trainers")
    print(f"  find_slots (top 20, best of {args.repeat}): {fast_s:.4f} s")
    print(f"  find_slots (every slot, {len(full)} slots):  {fast_all_s:.4f} s")
    print(f"  reference loop:                          {ref_s:.4f} s")
    print(f"  ratio reference / find_slots:            {ref_s / fast_s:.0f}x")


if __name__ == "__main__":
    main()
