"""Benchmark: ``apply`` for 500 sessions against a loopback provider (50 ms a request, 20 requests/s).

Reports wall time over the floor the rate limit sets (requests / 20 per second), next to a naive sequential
loop of the same creates run in the same process. Run: ``uv run python bench/bench_apply.py [--sessions N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loopback import LoopbackRooms

from ta_delivery.clock import SystemClock
from ta_delivery.context import RunContext
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer
from ta_delivery.testing.memory import memory_plugin

RATE = 20.0


def course(n: int) -> Course:
    start = datetime(2030, 1, 7, 13, tzinfo=UTC)
    return Course(
        id="bench",
        title="Benchmark course",
        timezone="UTC",
        organizer=Organizer(name="Institute", email="training@example.org"),
        provider="memory",
        trainers=(Trainer(id="t", name="Trainer", email="t@example.org", timezone="UTC"),),
        participants=(Participant(id="p", name="Participant", email="p@example.org", timezone="UTC"),),
        sessions=tuple(
            Session(id=f"s{i:04d}", title=f"Session {i}", start=start + timedelta(days=i), minutes=60)
            for i in range(n)
        ),
    )


def naive(n: int) -> tuple[float, int]:
    """One POST after another, no pacing: the obvious loop."""
    with LoopbackRooms(rate=RATE) as server:
        began = time.perf_counter()
        with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer bench-token"}) as client:
            for i in range(n):
                client.post("/rooms", json={"key": f"k{i}", "title": "t"})
        return time.perf_counter() - began, server.rejected


def ours(n: int) -> tuple[float, int, int]:
    with LoopbackRooms(rate=RATE) as server, tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/state.db")
        settings = Settings(
            {
                "TA_DELIVERY_MEMORY_URL": server.url,
                "TA_DELIVERY_MEMORY_TOKEN": "bench-token",
                "TA_DELIVERY_MEMORY_RATE": str(RATE),
                "TA_DELIVERY_OUTBOX": str(Path(tmp) / "outbox"),
            }
        )
        context = RunContext(
            settings=settings, clock=SystemClock(), base_dir=Path(tmp), state_factory=store.namespace
        )
        plugins = make_plugin_manager(entry_points=False, extra=[memory_plugin])
        began = time.perf_counter()
        result = Syncer(course(n), store, plugins, context, workers=4).apply()
        wall = time.perf_counter() - began
        assert result.ok, [i for i in result.items if not i.ok][:3]
        return wall, server.requests, server.rejected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=500)
    args = parser.parse_args()
    n = args.sessions
    base_wall, base_429 = naive(n)
    wall, requests, rejected = ours(n)
    floor = requests / RATE
    print(f"sessions: {n}; requests sent by apply: {requests}; floor at {RATE:.0f}/s: {floor:.2f} s")
    print(
        f"naive sequential loop: {base_wall:.2f} s, {base_429} answered 429 ({base_wall / floor:.2f} x floor)"
    )
    print(f"apply (4 workers, paced): {wall:.2f} s, {rejected} answered 429 ({wall / floor:.2f} x floor)")
    print(f"apply / naive: {wall / base_wall:.2f}")


if __name__ == "__main__":
    main()
