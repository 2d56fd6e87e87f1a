"""The HTML report: one self-contained page, escaped, checked in a real headless Chromium when present."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ta_delivery.attendance import Accumulator, IdentityIndex, reconcile
from ta_delivery.models import Course, Organizer, Participant, Session
from ta_delivery.report import render

START = datetime(2027, 3, 1, 14, tzinfo=UTC)


def _report(n: int = 4) -> str:
    people = tuple(
        Participant(
            id=f"p{i}",
            name=f"Person {i}" if i else "<script>alert(1)</script> Evil",
            email=f"p{i}@example.org",
            timezone="UTC",
            country=("JM", "TT", None)[i % 3],
        )
        for i in range(n)
    )
    sessions = tuple(
        Session(id=f"s{k}", title=f"S{k}", start=START + timedelta(days=k), minutes=60) for k in range(3)
    )
    course = Course(
        id="html",
        title="HTML & <report>",
        timezone="UTC",
        organizer=Organizer("Institute", "training@example.org"),
        participants=people,
        sessions=sessions,
    )
    acc = Accumulator(IdentityIndex(course))
    for k, s in enumerate(sessions):
        for i in range(n):
            minutes = (60, 50, 20, 5)[(i + k) % 4]
            join = s.start + timedelta(minutes=(0, 15)[i % 2])
            acc.add(s.id, f"p{i}", None, None, None, join, join + timedelta(minutes=minutes))
        acc.add(s.id, None, None, None, "person 1", s.start, s.end)
        acc.add(s.id, None, None, "visitor@x.org", "Visitor", s.start, s.start + timedelta(minutes=30))
    report = reconcile(course, acc, {("s2", "p0"): "travel"})
    return render(report, "html")


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_page_is_self_contained_and_escaped() -> None:
    page = _report()
    parser = Collector()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags
    assert "link" not in tags
    assert "img" not in tags
    for _tag, attributes in parser.tags:
        for name in ("src", "href"):
            assert name not in attributes
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evil" in page
    assert "Content-Security-Policy" in page
    ids = {a.get("id") for _t, a in parser.tags}
    assert {"heatmap", "countries", "unmatched", "suggestions", "reasons"} <= ids
    text = "".join(parser.text)
    assert "Completion by country" in text
    assert "visitor@x.org" in text
    assert "excused: travel" in page


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (Debian package 'chromium')")
def test_page_renders_in_headless_chromium_without_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(_report(6), encoding="utf-8")
    browser = _chromium()
    assert browser is not None
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": profile},
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert '<table class="heatmap" id="heatmap">' in dom
    heatmap = dom.split('id="heatmap">')[1].split("</table>")[0]
    assert heatmap.count('<td class="cell ') == 6 * 3
    assert 'id="countries"' in dom
    assert 'id="unmatched"' in dom
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    assert "Refused to" not in proc.stderr
