"""``ta-delivery catalogue``: the files of PRODUCT.md section 5, deterministic, public facts only."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import attrs
import icalendar
import pytest

from helpers.catalogue import COURSES, build, copy_programme, run, site_files
from ta_delivery.catalogue import build_catalogue
from ta_delivery.invites import session_uid
from ta_delivery.models import Registration
from ta_delivery.programme import load_programme

LANGS = ("en", "fr", "es")


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    return copy_programme(tmp_path / "programme")


def test_the_site_has_every_file_section_5_lists(programme: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = build(programme, out)
    assert "ta-2027" in result.output
    files = site_files(out)
    expected = {"index.html", "programme.ics", "catalogue.json", "sitemap.xml", "feed.xml"}
    for lang in LANGS:
        expected.add(f"{lang}/index.html")
        expected |= {f"{lang}/courses/{cid}.html" for cid in COURSES}
    expected |= {f"courses/{cid}.ics" for cid in COURSES}
    assert expected <= set(files)
    # the filter pages: one per value present, in every language
    assert {"en/kind/workshop.html", "fr/scope/regional.html", "es/language/fr.html"} <= set(files)
    assert files["index.html"].startswith(b'<!DOCTYPE html>\n<html lang="en">')
    for lang in LANGS:
        assert f'<html lang="{lang}">'.encode() in files[f"{lang}/index.html"]


def test_catalogue_json_has_exactly_the_listed_keys(programme: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(programme, out)
    doc = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))
    assert set(doc) == {"programme", "courses", "elearning"}
    assert doc["programme"] == "ta-2027"
    keys = {"id", "title", "kind", "level", "scope", "language", "start", "end", "status", "url", "ics"}
    assert [c["id"] for c in doc["courses"]] == [
        "rtpc-caribbean-2027",  # upcoming first, by start
        "ecowas-services-2027",
        "mongolia-agriculture-2027",
    ]
    for course in doc["courses"]:
        assert set(course) == keys
        assert course["url"] == f"https://training.example.org/en/courses/{course['id']}.html"
        assert course["ics"] == f"https://training.example.org/courses/{course['id']}.ics"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", course["start"])
    rtpc = doc["courses"][0]
    assert (rtpc["kind"], rtpc["level"], rtpc["scope"], rtpc["language"], rtpc["status"]) == (
        "course",
        "intermediate",
        "regional",
        "en",
        "scheduled",
    )
    assert rtpc["start"] == "2027-08-09T14:00:00Z"
    assert doc["elearning"][0]["id"] == "intro-trade-policy-elearning"
    assert doc["elearning"][0]["url"] == "https://lms.example.org/course/view.php?id=12"


def test_two_builds_give_identical_bytes_and_a_later_build_keeps_the_announcement_dates(
    programme: Path, tmp_path: Path
) -> None:
    build(programme, tmp_path / "one")
    build(programme, tmp_path / "two")
    assert site_files(tmp_path / "one") == site_files(tmp_path / "two")
    build(programme, tmp_path / "three", now="2027-06-20T08:00:00Z")
    feed = (tmp_path / "three" / "feed.xml").read_text(encoding="utf-8")
    assert "<updated>2027-06-01T00:00:00Z</updated>" in feed  # first announced on the first build's day


def test_the_calendars_use_the_invitations_uids_and_carry_no_link(programme: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(programme, out)
    loaded = load_programme(programme)
    every: set[str] = set()
    for course in loaded.courses:
        cal = icalendar.Calendar.from_ical((out / "courses" / f"{course.id}.ics").read_bytes())
        assert cal["METHOD"] == "PUBLISH"
        uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
        assert uids == {session_uid(course.id, s.id) for s in course.sessions}
        every |= uids
        for event in cal.walk("VEVENT"):
            assert "ATTENDEE" not in event
            assert "URL" not in event
            assert "LOCATION" not in event
    whole = icalendar.Calendar.from_ical((out / "programme.ics").read_bytes())
    assert {str(e["UID"]) for e in whole.walk("VEVENT")} == every


def test_private_planned_and_cancelled_courses_are_left_out_and_their_old_pages_removed(
    programme: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    build(programme, out)
    assert (out / "en" / "courses" / "mongolia-agriculture-2027.html").exists()
    loaded = load_programme(programme)
    changed = attrs.evolve(
        loaded,
        courses=tuple(
            attrs.evolve(c, public=False)
            if c.id == "mongolia-agriculture-2027"
            else attrs.evolve(c, status="cancelled")
            if c.id == "ecowas-services-2027"
            else c
            for c in loaded.courses
        ),
    )
    from datetime import UTC, datetime

    build_catalogue(changed, out, now=datetime(2027, 6, 1, tzinfo=UTC), store_url=None)
    files = site_files(out)
    assert "en/courses/rtpc-caribbean-2027.html" in files
    for gone in ("mongolia-agriculture-2027", "ecowas-services-2027"):
        assert not any(gone.encode() in data for data in files.values()), gone
        assert f"courses/{gone}.ics" not in files
    planned = attrs.evolve(changed, courses=tuple(attrs.evolve(c, status="planned") for c in changed.courses))
    build_catalogue(planned, out, now=datetime(2027, 6, 1, tzinfo=UTC), store_url=None)
    doc = json.loads((out / "catalogue.json").read_text(encoding="utf-8"))
    assert doc["courses"] == []
    assert not (out / "en" / "courses" / "rtpc-caribbean-2027.html").exists()


def test_catalogue_keys_of_a_course_are_shown_escaped(programme: Path, tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    loaded = load_programme(programme)
    rtpc = attrs.evolve(
        loaded.course("rtpc-caribbean-2027"),
        title="Trade <script>alert(1)</script> & policy",
        summary="Eight weeks on the WTO agreements.",
        audience="Government officials working on trade policy",
        registration=Registration(url="https://example.org/apply?a=1&b=2", deadline=date(2027, 7, 15)),
    )
    changed = attrs.evolve(loaded, courses=(rtpc,))
    out = tmp_path / "site"
    build_catalogue(changed, out, now=datetime(2027, 6, 1, tzinfo=UTC), store_url=None)
    page = (out / "fr" / "courses" / "rtpc-caribbean-2027.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "Trade &lt;script&gt;alert(1)&lt;/script&gt; &amp; policy" in page
    assert "Eight weeks on the WTO agreements." in page
    assert "Government officials working on trade policy" in page
    assert 'href="https://example.org/apply?a=1&amp;b=2"' in page
    assert "Date limite : 15 juillet 2027" in page
    assert "Postuler à ce cours" in page
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert ld is not None
    data = json.loads(ld.group(1))
    assert data["@type"] == "Course"
    assert data["name"] == rtpc.title
    [instance] = data["hasCourseInstance"]
    assert instance["@type"] == "CourseInstance"
    assert instance["startDate"] == "2027-08-09T14:00:00Z"


def test_sessions_are_shown_in_the_course_zone_and_in_utc_with_words_in_each_language(
    programme: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    build(programme, out)
    en = (out / "en" / "courses" / "rtpc-caribbean-2027.html").read_text(encoding="utf-8")
    es = (out / "es" / "courses" / "rtpc-caribbean-2027.html").read_text(encoding="utf-8")
    # the opening webinar: 10:00 in Port of Spain (UTC-4) is 14:00 UTC
    assert "Monday, August 9, 2027, 10:00" in en.replace("\u202f", " ")
    assert "2027-08-09 14:00–16:00 UTC" in en
    assert "America/Port_of_Spain" in en
    assert "Sesiones" in es and "Sessions" in en
    assert "Introducción a la política comercial" in es  # the prerequisite, linked to the e-learning course
    assert 'href="https://lms.example.org/course/view.php?id=12"' in es
    index = (out / "es" / "index.html").read_text(encoding="utf-8")
    assert 'id="elearning-intro-trade-policy-elearning"' in index


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.resources: list[tuple[str, str]] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag in ("img", "iframe", "audio", "video", "source", "embed", "object"):
            self.resources.append((tag, str(a)))
        if tag == "link" and a.get("rel") not in ("canonical", "alternate"):
            self.resources.append((tag, str(a)))
        if tag == "script":
            self.scripts.append(a.get("type"))


def test_pages_link_within_the_site_load_nothing_and_hold_no_personal_data(
    programme: Path, tmp_path: Path
) -> None:
    # the course is applied first, so its store holds join links and invitations the site must not show
    course = programme.parent / "rtpc-caribbean-2027" / "course.toml"
    state = programme.parent / ".ta-delivery" / "state.db"
    applied = run("apply", str(course), "--state", str(state))
    assert applied.exit_code == 0, applied.output
    out = tmp_path / "site"
    build(programme, out)
    loaded = load_programme(programme)
    private = {"meet.jit.si"}
    for c in loaded.courses:
        for person in c.people:
            private.add(person.email.lower())
        for person in c.participants:
            private.add(person.name.lower())
    files = site_files(out)
    for name, data in files.items():
        text = data.decode("utf-8").lower()
        found = sorted(p for p in private if p in text)
        assert not found, (name, found)
        emails = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text))
        assert emails <= {"training@example.org", "formation@example.org"}, (name, emails)
        if name.endswith(".html"):
            assert len(data) <= 60 * 1024, name
            parser = _Links()
            parser.feed(data.decode("utf-8"))
            assert parser.resources == [], name
            assert parser.scripts in ([], ["application/ld+json"]), name
            for href in parser.links:
                if href.startswith(("https://", "http://", "mailto:", "#")):
                    continue
                target = (out / name).parent / href.split("#")[0]
                assert target.resolve().is_file(), (name, href)


def test_templates_can_be_overridden(programme: Path, tmp_path: Path) -> None:
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "style.css").write_text("body{background:#fffbe6}\n", encoding="utf-8")
    out = tmp_path / "site"
    build(programme, out, "--templates", str(mine))
    page = (out / "en" / "index.html").read_text(encoding="utf-8")
    assert "body{background:#fffbe6}" in page
    assert "--link:#0a4f96" not in page


def test_a_course_file_or_a_programme_without_base_url_is_refused(programme: Path, tmp_path: Path) -> None:
    course = programme.parent / "rtpc-caribbean-2027" / "course.toml"
    result = run("catalogue", str(course), "--out", str(tmp_path / "site"))
    assert result.exit_code == 2
    assert "is not a programme file" in result.output
    text = programme.read_text(encoding="utf-8").replace('base_url = "https://training.example.org/"\n', "")
    programme.write_text(text, encoding="utf-8")
    result = run("catalogue", str(programme), "--out", str(tmp_path / "site"))
    assert result.exit_code == 2
    assert "programme.base_url" in result.output
    assert not (tmp_path / "site").exists()


def test_the_calendars_carry_the_sequence_the_invitations_reached(programme: Path, tmp_path: Path) -> None:
    course = programme.parent / "rtpc-caribbean-2027" / "course.toml"
    assert run("apply", str(course)).exit_code == 0  # the programme's store, by default
    text = course.read_text(encoding="utf-8")
    course.write_text(
        text.replace('title = "Opening webinar', 'title = "Opening session', 1), encoding="utf-8"
    )
    assert run("apply", str(course)).exit_code == 0  # the opening's people get SEQUENCE 1
    out = tmp_path / "site"
    build(programme, out)
    cal = icalendar.Calendar.from_ical((out / "courses" / "rtpc-caribbean-2027.ics").read_bytes())
    sequences = {str(e["SUMMARY"]).split(" (")[0]: int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}
    opening = [v for k, v in sequences.items() if k.startswith("Opening session")]
    assert opening == [1]
    assert sorted(set(sequences.values())) == [0, 1]


def test_a_course_with_its_own_store_is_not_forgotten_by_the_catalogue(
    programme: Path, tmp_path: Path
) -> None:
    """A course applied on its own before it joined the programme: the calendars still carry the SEQUENCE
    its invitations reached (its store is carried over, as ``apply`` would), not a stale 0."""
    aside = programme.with_name("programme.toml.aside")
    programme.rename(aside)  # the course is not in a programme yet: it keeps a store of its own
    course = programme.parent / "rtpc-caribbean-2027" / "course.toml"
    assert run("apply", str(course)).exit_code == 0
    text = course.read_text(encoding="utf-8")
    course.write_text(
        text.replace('title = "Opening webinar', 'title = "Opening session', 1), encoding="utf-8"
    )
    assert run("apply", str(course)).exit_code == 0  # the opening's people get SEQUENCE 1
    assert (course.parent / ".ta-delivery" / "state.db").is_file()
    aside.rename(programme)  # now it belongs to the programme
    out = tmp_path / "site"
    result = build(programme, out)
    assert "carried over" in result.stderr
    cal = icalendar.Calendar.from_ical((out / "courses" / "rtpc-caribbean-2027.ics").read_bytes())
    sequences = {str(e["SUMMARY"]).split(" (")[0]: int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}
    assert [v for k, v in sequences.items() if k.startswith("Opening session")] == [1]
    applied = run("apply", str(course), "--json")  # and nothing is sent again afterwards
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout)["items"] == []


def test_apply_programme_and_catalogue_on_a_shared_store_either_backend(
    programme: Path, tmp_path: Path, store_url: str
) -> None:
    """``--state`` naming PostgreSQL (or SQLite) works for a programme as it does for a course: apply every
    course, change one, and the catalogue built from that store carries the SEQUENCE reached."""
    applied = run("apply", str(programme), "--state", store_url, "--json")
    assert applied.exit_code == 0, applied.output
    course = programme.parent / "rtpc-caribbean-2027" / "course.toml"
    text = course.read_text(encoding="utf-8")
    course.write_text(
        text.replace('title = "Opening webinar', 'title = "Opening session', 1), encoding="utf-8"
    )
    changed = run("apply", str(programme), "--state", store_url, "--json")
    assert changed.exit_code == 0, changed.output
    again = run("apply", str(programme), "--state", store_url, "--json")
    assert [c["items"] for c in json.loads(again.stdout)["courses"]] == [[], [], []]
    out = tmp_path / "site"
    build(programme, out, "--state", store_url)
    cal = icalendar.Calendar.from_ical((out / "courses" / "rtpc-caribbean-2027.ics").read_bytes())
    sequences = {str(e["SUMMARY"]).split(" (")[0]: int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}
    assert [v for k, v in sequences.items() if k.startswith("Opening session")] == [1]
    assert not (programme.parent / ".ta-delivery" / "state.db").exists()  # the named store, no other


def test_every_page_stays_within_60_kb_for_a_large_programme_with_long_summaries(
    programme: Path, tmp_path: Path
) -> None:
    """An institute's year can list a hundred activities or more: the index still lists every one of them
    (the full summaries stay on the course pages) and no page with its styles passes 60 KB."""
    from datetime import UTC, datetime

    loaded = load_programme(programme)
    rtpc = loaded.course("rtpc-caribbean-2027")
    many = tuple(
        attrs.evolve(
            rtpc, id=f"activity-{i:03d}", title=f"Activity {i} on trade policy", summary="Trade. " * 80
        )
        for i in range(160)
    )
    out = tmp_path / "site"
    files = build_catalogue(
        attrs.evolve(loaded, courses=many), out, now=datetime(2027, 6, 1, tzinfo=UTC), store_url=None
    )
    heavy = {
        name: len(data) for name, data in files.items() if name.endswith(".html") and len(data) > 60 * 1024
    }
    assert heavy == {}
    for index in ("index.html", "fr/index.html", "en/kind/course.html"):
        page = files[index].decode("utf-8")
        assert all(f"courses/activity-{i:03d}.html" in page for i in range(160)), index
    assert ("Trade. " * 80).strip() in files["en/courses/activity-042.html"].decode("utf-8")
