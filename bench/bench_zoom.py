"""Benchmark: provision N Zoom sessions with M registrants each against a loopback fake Zoom.

The fake (plugins/zoom/tests/fake_zoom.py) runs behind a small threaded HTTP server on 127.0.0.1: real
sockets, real HTTP, real time. It enforces Zoom's Pro per-second limits per rate category (Light 30/s,
Medium 20/s, Heavy 10/s; a 1-second sliding window, 429 + Retry-After: 1 beyond it) and OAuth tokens.
OpenAPI validation is off here (the tests do it) so the server is not the bottleneck.

The floor is what those limits allow when the categories run side by side: max over categories of
(requests in that category / its rate). The figure of merit is wall time / floor (aim: <= 1.2).

    uv run python bench/bench_zoom.py                       # 200 sessions x 30 registrants (~3.5 min)
    uv run python bench/bench_zoom.py --sessions 20 --json  # quicker
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins" / "zoom" / "tests"))

from fake_zoom import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, FakeZoom  # noqa: E402

from ta_delivery.context import MemoryKeyValue, RunContext  # noqa: E402
from ta_delivery.models import Participant, Trainer  # noqa: E402
from ta_delivery.records import ClassroomRequest  # noqa: E402
from ta_delivery.settings import Settings  # noqa: E402
from ta_delivery.testing.loopback import LoopbackServer  # noqa: E402
from ta_delivery_zoom.plugin import make_provider  # noqa: E402

PRO = {"light": 30.0, "medium": 20.0, "heavy": 10.0}


def requests_for(sessions: int, registrants: int) -> list[ClassroomRequest]:
    trainer = Trainer(id="t1", name="Trainer One", email="t1@example.org", timezone="UTC")
    people = tuple(
        Participant(id=f"p{i:03}", name=f"Person {i}", email=f"p{i}@example.org", timezone="UTC")
        for i in range(registrants)
    )
    start = datetime(2027, 5, 3, 14, tzinfo=UTC)
    return [
        ClassroomRequest(
            key=f"bench/s{n:03}",
            course_id="bench",
            session_id=f"s{n:03}",
            title=f"Session {n}",
            start=start + timedelta(days=n),
            minutes=90,
            timezone="UTC",
            hosts=(trainer,),
            participants=people,
            options={"waiting_room": True},
        )
        for n in range(sessions)
    ]


def run(sessions: int, registrants: int) -> dict[str, object]:
    fake = FakeZoom(
        now=lambda: datetime.now(UTC),
        monotonic=time.monotonic,
        rates=dict(PRO),
        validate=False,
        daily_limit=10_000,
    )
    server = LoopbackServer(fake.handle).__enter__()
    base = server.url
    env = {
        "TA_DELIVERY_ZOOM_ACCOUNT_ID": ACCOUNT_ID,
        "TA_DELIVERY_ZOOM_CLIENT_ID": CLIENT_ID,
        "TA_DELIVERY_ZOOM_CLIENT_SECRET": CLIENT_SECRET,
        "TA_DELIVERY_ZOOM_API_URL": f"{base}/v2",
        "TA_DELIVERY_ZOOM_OAUTH_URL": f"{base}/oauth/token",
        "TA_DELIVERY_ZOOM_USER": "host@example.org",
        "TA_DELIVERY_ZOOM_DAILY_LIMIT": "10000",
    }
    provider = make_provider(RunContext(settings=Settings(env), states={"zoom": MemoryKeyValue()}))
    requests = requests_for(sessions, registrants)
    began = time.perf_counter()
    rooms = [provider.create(r) for r in requests]
    wall = time.perf_counter() - began
    server.__exit__(None, None, None)
    counts = Counter(category for _m, _p, category in fake.categories)
    floor = max(counts[c] / PRO[c] for c in counts)
    assert all(len(r.personal_links) == registrants for r in rooms)
    assert len(fake.live()) == sessions
    return {
        "sessions": sessions,
        "registrants": registrants,
        "transport": "real HTTP/1.1 on 127.0.0.1 (ThreadingHTTPServer)",
        "requests": dict(sorted(counts.items())),
        "rejected_429": fake.rejected_429,
        "floor_seconds": round(floor, 2),
        "wall_seconds": round(wall, 2),
        "ratio": round(wall / floor, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--registrants", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.sessions, args.registrants)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>14}: {value}")


if __name__ == "__main__":
    main()
