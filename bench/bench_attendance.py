"""Benchmark: import and reconcile 1,000,000 raw segments from register-csv.

10,000 participants x 50 sessions x 2 segments by default. Reports seconds and peak memory (RSS) of
(a) a minimal in-memory pure-Python reference (csv, fromisoformat, dict of lists, union, thresholds) and
(b) ta_delivery's whole import (parse, validate, resolve identities, persist every segment in SQLite,
reconcile, persist every status, fire the hook), both in this process, and their ratio.

    uv run python bench/bench_attendance.py                  # the full million
    uv run python bench/bench_attendance.py --scale 0.05     # a quick run (5% of the participants)
"""

from __future__ import annotations

import argparse
import csv
import gc
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ta_delivery.attendance import Attendance
from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.models import Course, Organizer, Participant, Session
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import open_store

START = datetime(2027, 3, 1, 13, tzinfo=UTC)
MINUTES = 120


def build_course(participants: int, sessions: int) -> Course:
    people = tuple(
        Participant(id=f"p{i:05d}", name=f"Participant {i}", email=f"p{i:05d}@example.org", timezone="UTC")
        for i in range(participants)
    )
    return Course(
        id="bench",
        title="Benchmark",
        timezone="UTC",
        organizer=Organizer("Institute", "training@example.org"),
        participants=people,
        sessions=tuple(
            Session(id=f"s{k:02d}", title=f"S{k}", start=START + timedelta(days=k), minutes=MINUTES)
            for k in range(sessions)
        ),
    )


def write_csv(path: Path, course: Course) -> int:
    """Two segments per participant and session: a first stretch, a drop, a rejoin (varied per person)."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["participant", "join", "leave", "session"])
        for s in course.sessions:
            for i, p in enumerate(course.participants):
                shift = (i * 7 + int(s.id[1:]) * 3) % 40
                a = s.start + timedelta(minutes=shift - 5, seconds=i % 60)
                b = a + timedelta(minutes=30 + shift)
                c = b + timedelta(minutes=(i % 13) + 1)
                d = s.end + timedelta(minutes=(i % 5) - 20)
                who = p.id if i % 2 else p.email.upper()
                out.writerow([who, a.isoformat(), b.isoformat(), s.id])
                out.writerow([who, c.isoformat(), max(c, d).isoformat(), s.id])
                rows += 2
    return rows


def reference(path: Path, course: Course) -> dict[str, bool]:
    """The minimal in-memory computation the real import is compared with."""
    emails = {p.email.lower(): p.id for p in course.participants}
    ids = {p.id for p in course.participants}
    windows = {s.id: (s.start, s.end) for s in course.sessions}
    groups: dict[tuple[str, str], list[tuple[datetime, datetime]]] = {}
    parse = datetime.fromisoformat
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        for who, join, leave, sid in reader:
            pid = who if who in ids else emails.get(who.strip().lower(), who)
            groups.setdefault((sid, pid), []).append((parse(join), parse(leave)))
    policy = course.attendance
    attended: dict[str, int] = {}
    for (sid, pid), items in groups.items():
        start, end = windows[sid]
        clipped = sorted((max(j, start), min(lv, end)) for j, lv in items if min(lv, end) > max(j, start))
        total = timedelta(0)
        cur = None
        for lo, hi in clipped:
            if cur is None or lo > cur[1]:
                if cur is not None:
                    total += cur[1] - cur[0]
                cur = [lo, hi]
            elif hi > cur[1]:
                cur[1] = hi
        if cur is not None:
            total += cur[1] - cur[0]
        first = min((j for j, lv in items if min(lv, end) > max(j, start)), default=None)
        scheduled = end - start
        if total >= scheduled * policy.present_fraction:
            ok = first is None or first <= start + timedelta(minutes=policy.late_after_minutes) or True
            attended[pid] = attended.get(pid, 0) + ok
    n = len(course.sessions)
    return {p.id: attended.get(p.id, 0) / n >= policy.completion_fraction for p in course.participants}


class Timer:
    """Wall-clock and CPU seconds of a block (CPU time is steadier on a busy machine)."""

    def __enter__(self) -> Timer:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0

    def __str__(self) -> str:
        return f"{self.wall:7.2f} s wall {self.cpu:7.2f} s CPU"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the 10,000 participants (default 1)"
    )
    parser.add_argument("--sessions", type=int, default=50)
    args = parser.parse_args()
    participants = max(1, round(10_000 * args.scale))
    course = build_course(participants, args.sessions)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "attendance.csv"
        rows = write_csv(data, course)
        print(f"{rows:,} segments: {participants:,} participants x {args.sessions} sessions x 2")
        gc.collect()
        base = peak_mib()
        with Timer() as t_ref:
            expected = reference(data, course)
        print(f"reference (in memory):  {t_ref}   peak RSS {peak_mib():7.0f} MiB")
        gc.collect()
        store = open_store(f"sqlite:///{Path(tmp) / 'state.db'}")
        context = RunContext(
            settings=Settings({}), clock=FakeClock(START + timedelta(days=90)), base_dir=Path(tmp)
        )
        attendance = Attendance(course, store, make_plugin_manager(entry_points=False), context)
        with Timer() as t_imp:
            outcome = attendance.import_file(data, fmt="register-csv")
        assert outcome.inserted == rows, (outcome.inserted, rows)
        print(
            f"ta-delivery import:     {t_imp}   peak RSS {peak_mib():7.0f} MiB"
            f"   ({len(outcome.statuses):,} statuses stored)"
        )
        del outcome
        gc.collect()
        with Timer() as t_again:
            again = attendance.import_file(data, fmt="register-csv")
        assert again.inserted == 0
        del again
        gc.collect()
        print(f"re-import (no change):  {t_again}   peak RSS {peak_mib():7.0f} MiB")
        with Timer() as t_rep:
            report = attendance.report()
        print(f"full report from store: {t_rep}   peak RSS {peak_mib():7.0f} MiB")
        store.close()
        got = {p.participant.id: p.completed is True for p in report.participants}
        same = sum(got[k] == v for k, v in expected.items())
        print(f"completion agrees with the reference for {same:,} of {len(expected):,} participants")
        print(
            f"ratio import / reference: {t_imp.wall / t_ref.wall:.2f}x wall, {t_imp.cpu / t_ref.cpu:.2f}x CPU"
            f"   (process RSS before: {base:.0f} MiB)"
        )
        print(
            f"re-import / import: {t_again.cpu / t_imp.cpu:.2f}x CPU (must not exceed 1);"
            f"  report / reference: {t_rep.cpu / t_ref.cpu:.2f}x CPU (must stay within 2)"
        )
        print("peak RSS is the process's high-water mark so far: each line includes the ones above it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
