"""The catalogue's limits (PRODUCT.md section 5) checked page by page in headless Chromium with axe-core.

Skips cleanly without Chromium (Debian package ``chromium``) or axe-core (``npm install`` at the root).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.browser import Browser, axe_source, browser, chromium
from helpers.catalogue import build, copy_programme

pytestmark = [
    pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.skipif(axe_source() is None, reason="axe-core is not installed (run npm install)"),
]


def test_every_page_fits_a_phone_loads_nothing_else_and_passes_axe(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(copy_programme(tmp_path / "programme"), out)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    axe = axe_source()
    assert axe is not None
    script = axe.read_text(encoding="utf-8")
    problems: list[str] = []
    with browser(width=360) as page:
        for path in pages:
            problems += page_problems(page, path, str(path.relative_to(out)), script)
    assert problems == []


def page_problems(page: Browser, path: Path, name: str, script: str) -> list[str]:
    """What is wrong with one page: foreign loads, no lang, too wide, axe's serious findings, no JSON-LD."""
    problems: list[str] = []
    requests = page.open(path.as_uri())
    foreign = [u for u in requests if not u.startswith(("file://", "data:", "about:"))]
    if foreign:
        problems.append(f"{name}: loads {foreign}")
    other_files = [u for u in requests if u.startswith("file://") and u != path.as_uri()]
    if other_files:
        problems.append(f"{name}: needs more than itself: {other_files}")
    lang = page.evaluate("document.documentElement.lang")
    if lang not in ("en", "fr", "es"):
        problems.append(f"{name}: lang={lang!r}")
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if wide[0] > wide[1] or wide[1] != 360:
        problems.append(f"{name}: {wide[0]} px wide in a {wide[1]} px window")
    page.evaluate(script)
    violations = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))",
        wait=True,
    )
    problems += [f"{name}: axe {v}" for v in violations]
    has_ld = page.evaluate(
        "[...document.querySelectorAll('script[type=\"application/ld+json\"]')]"
        ".map(s => JSON.parse(s.textContent)).some(d => d['@type'] === 'Course' && "
        "d.hasCourseInstance.every(i => i['@type'] === 'CourseInstance'))"
    )
    if "courses/" in name and not has_ld:
        problems.append(f"{name}: no JSON-LD Course with CourseInstance")
    return problems


def test_the_checks_catch_a_page_that_breaks_every_limit(tmp_path: Path) -> None:
    bad = tmp_path / "courses" / "bad.html"
    bad.parent.mkdir()
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        '<img src="https://cdn.example.net/logo.png">'
        '<div style="width:900px;color:#bbb;background:#fff">wide and pale</div></body></html>',
        encoding="utf-8",
    )
    axe = axe_source()
    assert axe is not None
    with browser(width=360) as page:
        problems = "\n".join(page_problems(page, bad, "courses/bad.html", axe.read_text(encoding="utf-8")))
    for expected in (
        "loads ['https://cdn.example.net/logo.png']",
        "lang=''",
        "px wide in a",
        "axe image-alt",
        "axe color-contrast",
        "no JSON-LD",
    ):
        assert expected in problems, (expected, problems)


def test_the_pages_read_the_same_without_javascript(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(copy_programme(tmp_path / "programme"), out)
    with browser(width=360) as page:
        page.call("Emulation.setScriptExecutionDisabled", {"value": True})
        page.open((out / "fr" / "kind" / "seminar.html").as_uri())
        page.call("Emulation.setScriptExecutionDisabled", {"value": False})
        text = page.evaluate("document.body.innerText")
        links = page.evaluate("[...document.querySelectorAll('main a')].map(a => a.getAttribute('href'))")
    assert "Séminaire sous-régional" in text
    assert "Online Regional Trade Policy Course" not in text  # the filter page lists the seminars only
    assert "../../fr/courses/ecowas-services-2027.html" in links
