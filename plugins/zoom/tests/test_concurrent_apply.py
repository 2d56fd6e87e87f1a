"""Six ``ta-delivery apply`` processes at once on one course and one store (an SQLite file, then PostgreSQL),
against the fake Zoom over real HTTP: one classroom per session, one set of invitations, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fake_zoom import FakeZoom
from zoom_helpers import APPLY_COURSE as COURSE

from helpers.stores import postgresql_server, postgresql_url, store_url

__all__ = ["postgresql_server", "postgresql_url", "store_url"]

RUNS = 6


def test_six_concurrent_applies_make_each_meeting_once_and_invite_once(
    zoom: FakeZoom, tmp_path: Path, store_url: str
) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    env = dict(os.environ, TA_DELIVERY_STATE=store_url)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "ta_delivery", "apply", str(course), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(RUNS)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    results = [(run.returncode, out, err) for run, (out, err) in zip(runs, outputs, strict=True)]
    for code, _out, err in results:
        assert "Traceback" not in err, err
        assert code == 0 or "another run of course" in err, (code, err)
    assert sum(code == 0 for code, _o, _e in results) >= 1
    live = [m for m in zoom.meetings.values() if not m.get("deleted")]
    assert sorted(m["topic"] for m in live) == ["Opening webinar", "Tariffs"]
    creates = [w for w in zoom.requests if w.method == "POST" and w.url.path.endswith("/meetings")]
    assert len(creates) == 2, "no run created a meeting another run had made"
    outbox = sorted((tmp_path / ".ta-delivery" / "outbox").glob("*.eml"))
    assert len(outbox) == 6, "two sessions x (one trainer + two participants), each sent once"
