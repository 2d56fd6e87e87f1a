"""Benchmark: 10,000 personalised invitations (one course, 250 participants, 40 sessions).

Measures, in one run:
- ``fast``: :func:`ta_delivery.invites.render_calendar`, the renderer ``apply`` uses (per-session and
  per-recipient content lines cached, personalised per recipient);
- ``naive``: every calendar constructed from scratch with icalendar (``icalendar.Event`` and
  ``icalendar.Calendar`` built and serialised per invite, the localised words computed per invite too);
- ``icalendar+words cache``: the same icalendar construction with the words cached, to show where the
  time goes;
- full iMIP messages: :func:`ta_delivery.invites.build_invite` plus serialisation to bytes.

Every fast calendar is compared with its naive twin: they must be identical apart from DTSTAMP (the two
builds are given different DTSTAMPs on purpose). Run: ``uv run python bench/bench_invites.py``
(``--participants``/``--sessions`` to change the size, ``--json FILE`` to save the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ta_delivery.invites import build_invite, lint_calendar, lint_message, render_calendar
from ta_delivery.invites.content import invite_text
from ta_delivery.invites.events import build_calendar, build_event
from ta_delivery.invites.i18n import format_short, format_span
from ta_delivery.models import Course, Organizer, Participant, Person, Session, Trainer

ZONES = (
    "America/Port_of_Spain", "America/Jamaica", "America/Bogota", "America/Lima", "Europe/Paris",
    "Europe/Madrid", "Africa/Abidjan", "Africa/Nairobi", "Asia/Kolkata", "Asia/Bangkok", "Pacific/Fiji",
    "America/Guatemala",
)  # fmt: skip
LANGS = ("en", "fr", "es", None)


def make_course(participants: int, sessions: int) -> Course:
    start = datetime(2027, 3, 1, 13, tzinfo=UTC)
    return Course(
        id="bench-course",
        title="Online Regional Trade Policy Course",
        timezone="America/Port_of_Spain",
        organizer=Organizer("Training Institute", "training@example.org"),
        trainers=(Trainer("t1", "Roberto F.", "rf@example.org", "Europe/Zurich"),),
        participants=tuple(
            Participant(
                f"p{i:03d}",
                f"Participant Número {i}",
                f"p{i:03d}@example.org",
                ZONES[i % len(ZONES)],
                language=LANGS[i % len(LANGS)],
            )
            for i in range(participants)
        ),
        sessions=tuple(
            Session(
                f"s{i:02d}",
                f"Module {i}: trade in services",
                start + timedelta(days=2 * i),
                90,
                trainers=("t1",),
                description="Reading: chapter 3.\nBring your questions.",
            )
            for i in range(sessions)
        ),
    )


def link(session: Session, person: Person, index: int) -> str:
    """Every fifth session has personal links (like Zoom registrants); the others one link for all."""
    if index % 5 == 0:
        return f"https://zoom.example/w/9{index:04d}?tk=tok-{person.id}"
    return f"https://meet.jit.si/BenchCourse{session.id}-0123456789abcdef"


def invites(course: Course) -> Iterator[tuple[Session, Participant, str]]:
    for index, session in enumerate(course.sessions):
        for person in course.participants:
            yield session, person, link(session, person, index)


def clear_word_caches() -> None:
    invite_text.cache_clear()
    format_span.cache_clear()
    format_short.cache_clear()


def naive(course: Course, session: Session, person: Participant, url: str, stamp: datetime) -> bytes:
    clear_word_caches()  # no caching at all: words computed for this invite alone
    return icalendar_build(course, session, person, url, stamp)


def icalendar_build(
    course: Course, session: Session, person: Participant, url: str, stamp: datetime
) -> bytes:
    event = build_event(
        course, session, method="REQUEST", sequence=1, dtstamp=stamp, join_url=url, attendee=person
    )
    data: bytes = build_calendar("REQUEST", [event]).to_ical()
    return data


def fast(course: Course, session: Session, person: Participant, url: str, stamp: datetime) -> bytes:
    data, _words = render_calendar(
        course, session, method="REQUEST", sequence=1, dtstamp=stamp, join_url=url, attendee=person
    )
    return data


def message(course: Course, session: Session, person: Participant, url: str, stamp: datetime) -> bytes:
    msg = build_invite(course, session, person, method="REQUEST", sequence=1, join_url=url, dtstamp=stamp)
    return msg.as_bytes()


Builder = Callable[[Course, Session, Participant, str, datetime], bytes]


def interleaved(
    course: Course, builders: dict[str, tuple[Builder, datetime]], chunk: int = 500
) -> tuple[dict[str, float], dict[str, float], dict[str, list[bytes]]]:
    """Run the builders over all invites in alternating chunks, so machine load hits each alike.

    Returns CPU seconds (process time: not inflated by waiting for a busy CPU) and wall seconds per builder.
    """
    work = list(invites(course))
    cpu = dict.fromkeys(builders, 0.0)
    wall = dict.fromkeys(builders, 0.0)
    out: dict[str, list[bytes]] = {name: [] for name in builders}
    for start in range(0, len(work), chunk):
        part = work[start : start + chunk]
        for name, (build, stamp) in builders.items():
            c0, w0 = time.process_time(), time.perf_counter()
            made = [build(course, session, person, url, stamp) for session, person, url in part]
            cpu[name] += time.process_time() - c0
            wall[name] += time.perf_counter() - w0
            out[name].extend(made)
    return cpu, wall, out


_DTSTAMP = re.compile(rb"DTSTAMP:\d{8}T\d{6}Z\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--participants", type=int, default=250)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    course = make_course(args.participants, args.sessions)
    count = args.participants * args.sessions
    stamp_naive = datetime(2027, 1, 1, 8, tzinfo=UTC)
    stamp_fast = datetime(2027, 1, 1, 9, 30, tzinfo=UTC)

    clear_word_caches()
    cpu, wall, out = interleaved(
        course,
        {
            "naive": (naive, stamp_naive),
            "icalendar_cached_words": (icalendar_build, stamp_naive),
            "fast": (fast, stamp_fast),
            "messages": (message, stamp_fast),
        },
    )
    naive_out, fast_out, messages = out["naive"], out["fast"], out["messages"]
    same = all(
        _DTSTAMP.sub(b"", a) == _DTSTAMP.sub(b"", b) and a != b
        for a, b in zip(naive_out, fast_out, strict=True)
    )
    same = same and out["icalendar_cached_words"] == naive_out
    lint_ok = all(not lint_calendar(d, expect_method="REQUEST") for d in fast_out[:: max(1, count // 200)])
    lint_ok = lint_ok and all(not lint_message(m) for m in messages[:: max(1, count // 50)])
    figures: dict[str, object] = {"invites": count}
    for name in cpu:
        figures[f"{name}_cpu_seconds"] = round(cpu[name], 3)
        figures[f"{name}_per_cpu_second"] = round(count / cpu[name])
        figures[f"{name}_wall_seconds"] = round(wall[name], 3)
    figures["speedup_vs_naive_cpu"] = round(cpu["naive"] / cpu["fast"], 2)
    figures["speedup_vs_naive_wall"] = round(wall["naive"] / wall["fast"], 2)
    figures["speedup_vs_icalendar_cached_words_cpu"] = round(cpu["icalendar_cached_words"] / cpu["fast"], 2)
    figures["identical_apart_from_dtstamp"] = same
    figures["lint_clean"] = lint_ok
    figures["python"] = platform.python_version()
    figures["machine"] = platform.machine()
    figures["load_average"] = round(os.getloadavg()[0], 2)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if same and lint_ok else 1


if __name__ == "__main__":
    sys.exit(main())
