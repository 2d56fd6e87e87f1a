"""Render the public catalogue: every page, feed and data file of the static site, as bytes by path.

Rendering is Jinja2 with autoescaping; an institute overrides any template (``base.html``, ``index.html``,
``card.html``, ``course.html``, ``style.css``, ``feed.xml``, ``sitemap.xml``) by putting a file of the same
name in its own templates folder. The words come from the gettext catalogues of the invitations (en, fr,
es). The same inputs always give the same bytes: no build time, no random order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date

from ..errors import InputError
from ..invites import build_calendar, build_feed
from ..invites.feed import feed_events
from ..invites.i18n import format_span, format_utc_span, translations
from ..models import ACTIVITY_KINDS, LANGUAGES, LEVELS, SCOPES, Course
from ..programme import Programme, localized
from .content import (
    FILTERS,
    Listing,
    catalogue_json,
    course_instance_json_ld,
    course_span,
    ics_path,
    json_for_script,
    listed_courses,
    page_path,
    session_rows,
    utc_text,
)

__all__ = ["LANGUAGE_NAMES", "build_site", "environment"]

#: What a page with its styles may weigh (PRODUCT.md section 5): an index over it shows shorter cards.
PAGE_BUDGET = 60 * 1024
#: Each language's name in that language (shown as is on every page).
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}

Gettext = Callable[[str], str]


def labels(_: Gettext) -> dict[str, dict[str, str]]:
    """The words for the values of kind, level, scope and status, in ``_``'s language."""
    return {
        "kind": {
            "course": _("Course"),
            "workshop": _("Workshop"),
            "seminar": _("Seminar"),
            "webinar": _("Webinar"),
            "symposium": _("Symposium"),
            "dialogue": _("Dialogue"),
        },
        "level": {"basic": _("Basic"), "intermediate": _("Intermediate"), "advanced": _("Advanced")},
        "scope": {
            "national": _("National"),
            "sub-regional": _("Sub-regional"),
            "regional": _("Regional"),
            "global": _("Global"),
        },
        "language": dict(LANGUAGE_NAMES),
        "status": {"postponed": _("Postponed"), "delivered": _("Delivered")},
        "dimension": {"kind": _("Kind"), "level": _("Level"), "scope": _("Scope"), "language": _("Language")},
        "session": {"live": _("live session"), "recorded": _("recorded session")},
    }


ORDERS: dict[str, tuple[str, ...]] = {
    "kind": ACTIVITY_KINDS,
    "level": LEVELS,
    "scope": SCOPES,
    "language": LANGUAGES,
}


def environment(templates: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment: ``templates`` (an institute's overrides) first, then the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not templates.is_dir():
            raise InputError("is not a folder of templates", source=str(templates), key="--templates")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.PackageLoader("ta_delivery.catalogue", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        keep_trailing_newline=True,
    )


class _Site:
    """One build: the programme, the moment, the environment, and the files made so far."""

    def __init__(
        self,
        programme: Programme,
        now: datetime,
        announced: Mapping[str, datetime],
        sequences: Mapping[str, Mapping[str, int]],
        env: jinja2.Environment,
    ) -> None:
        if not programme.base_url:
            raise InputError(
                "the catalogue needs base_url: where the site will be published "
                '(for example base_url = "https://training.example.org/")',
                source=programme.source,
                key="programme.base_url",
            )
        self.programme = programme
        self.base_url = programme.base_url
        self.now = now
        self.announced = announced
        self.sequences = sequences
        self.env = env
        self.listing = listed_courses(programme, now)
        self.files: dict[str, bytes] = {}
        self.pages: list[str] = []

    # --- helpers ---------------------------------------------------------------------------------

    def render(self, name: str, path: str, **context: Any) -> None:
        text = self.env.get_template(name).render(**context)
        self.files[path] = text.encode("utf-8")
        if path.endswith(".html"):
            self.pages.append(path)

    def common(self, lang: str, path: str, root: str, same_page: Callable[[str], str]) -> dict[str, Any]:
        """What every page needs: its language, words, root, the links to itself in other languages."""
        _ = translations(lang).gettext
        return {
            "lang": lang,
            "_": _,
            "root": root,
            "programme_title": self.programme.title_in(lang),
            "contact": self.programme.contact,
            "canonical": self.base_url + same_page(lang),
            "alternates": [
                {"lang": other, "url": self.base_url + same_page(other)} for other in self.programme.languages
            ],
            "language_links": [
                {"lang": other, "name": LANGUAGE_NAMES[other], "href": root + same_page(other)}
                for other in self.programme.languages
            ],
        }

    def dates(self, course: Course, lang: str) -> str:
        span = course_span(course)
        if span is None:
            return ""
        tz = course.zone
        first = format_date(span[0].astimezone(tz).date(), "long", locale=lang)
        last = format_date(span[1].astimezone(tz).date(), "long", locale=lang)
        return first if first == last else f"{first} – {last}"

    def card(
        self, course: Course, lang: str, root: str, words: dict[str, dict[str, str]], compact: int = 0
    ) -> dict[str, Any]:
        """A course's card on an index; ``compact`` 1 leaves the summary out, 2 the facts line too."""
        facts = [words["kind"][course.kind]]
        if course.level:
            facts.append(words["level"][course.level])
        if course.scope:
            facts.append(words["scope"][course.scope])
        facts.append(words["language"][course.language])
        return {
            "href": root + page_path(lang, course.id),
            "title": course.title,
            "status_label": words["status"].get(course.status, ""),
            "facts": " · ".join(facts) if compact < 2 else "",
            "dates": self.dates(course, lang),
            "summary": (course.summary or "") if compact < 1 else "",
        }

    # --- pages -----------------------------------------------------------------------------------

    def index(
        self, lang: str, path: str, root: str, listing: Listing, current: tuple[str, str] | None
    ) -> None:
        _ = translations(lang).gettext
        words = labels(_)
        filters = []
        for dimension in FILTERS:
            values = self.listing.values(dimension, ORDERS[dimension])
            if len(values) < 2 and current is None:
                continue  # a filter with one choice filters nothing
            filters.append(
                {
                    "label": words["dimension"][dimension],
                    "choices": [
                        {
                            "label": words[dimension][value],
                            "href": f"{root}{lang}/{dimension}/{value}.html",
                            "current": current == (dimension, value),
                        }
                        for value in values
                    ],
                }
            )
        elearning = []
        for entry in self.programme.elearning:
            elearning.append(
                {
                    "id": entry.id,
                    "title": localized(entry.title, lang, self.programme.languages),
                    "url": entry.url,
                    "summary": localized(entry.summary, lang, self.programme.languages)
                    if entry.summary
                    else "",
                    "hours": f"{entry.hours:g}" if entry.hours else "",
                    "languages": ", ".join(LANGUAGE_NAMES[x] for x in entry.languages),
                }
            )
        suffix = path.split("/", 1)[1] if current else "index.html"
        filter_words = None
        if current:
            filter_words = {
                "label": words["dimension"][current[0]],
                "value_label": words[current[0]][current[1]],
            }
        # a long list drops the cards' summaries, then their facts, to fit the budget
        for compact in range(3):
            if compact:
                self.pages.remove(path)  # rendered again below
            self.render(
                "index.html",
                path,
                **self.common(lang, path, root, lambda other: f"{other}/{suffix}"),
                filters=filters,
                filter=filter_words,
                upcoming=[self.card(c, lang, root, words, compact) for c in listing.upcoming],
                past=[self.card(c, lang, root, words, compact) for c in listing.past],
                elearning=elearning,
            )
            if len(self.files[path]) <= PAGE_BUDGET:
                break

    def course_page(self, course: Course, lang: str) -> None:
        path = page_path(lang, course.id)
        root = "../../"
        _ = translations(lang).gettext
        words = labels(_)
        prerequisites = []
        for pid in course.prerequisites:
            entry = self.programme.elearning_course(pid)
            if entry is None:
                prerequisites.append({"title": pid, "url": "", "anchor": ""})
            else:
                prerequisites.append(
                    {
                        "title": localized(entry.title, lang, self.programme.languages),
                        "url": entry.url,
                        "anchor": f"{root}{lang}/index.html#elearning-{entry.id}",
                    }
                )
        registration = None
        if course.registration is not None:
            deadline = course.registration.deadline
            registration = {
                "url": course.registration.url or "",
                "deadline": format_date(deadline, "long", locale=lang) if deadline else "",
            }
        sessions = [
            {
                "title": s.title,
                "kind": words["session"][s.kind],
                "local": format_span(s.start, s.end, course.timezone, lang),
                "utc": format_utc_span(s.start, s.end),
                "start_utc": utc_text(s.start),
            }
            for s in session_rows(course)
        ]
        self.render(
            "course.html",
            path,
            **self.common(lang, path, root, lambda other: page_path(other, course.id)),
            course=course,
            status_label=words["status"].get(course.status, ""),
            kind_label=words["kind"][course.kind],
            level_label=words["level"].get(course.level or "", ""),
            scope_label=words["scope"].get(course.scope or "", ""),
            language_label=LANGUAGE_NAMES[course.language],
            dates=self.dates(course, lang),
            prerequisites=prerequisites,
            registration=registration,
            sessions=sessions,
            json_ld=json_for_script(course_instance_json_ld(self.programme, course, lang, self.base_url)),
        )

    # --- feeds and data --------------------------------------------------------------------------

    def calendars(self) -> None:
        events = []
        for course in self.listing.all:
            stamp = self.announced[course.id]
            sequences = self.sequences.get(course.id, {})
            self.files[ics_path(course.id)] = build_feed(
                course, person_id=None, join_urls={}, sequences=sequences, dtstamp=stamp, plugins=None
            )
            events += [
                (session.start, course.id, session.id, event)
                for session, event in feed_events(course, None, sequences, stamp)
            ]
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        name = self.programme.title_in(self.programme.language)
        cal = build_calendar("PUBLISH", [e[3] for e in events])
        cal.add("NAME", name)
        cal.add("X-WR-CALNAME", name)
        self.files["programme.ics"] = cal.to_ical()

    def data(self) -> None:
        doc = catalogue_json(self.programme, self.listing, self.base_url)
        self.files["catalogue.json"] = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        lang = self.programme.language
        _ = translations(lang).gettext
        entries = sorted(self.listing.all, key=lambda c: (-self.announced[c.id].timestamp(), c.id))
        feed_entries = [
            {
                "url": self.base_url + page_path(lang, c.id),
                "title": c.title,
                "announced": utc_text(self.announced[c.id]),
                "summary": c.summary or self.dates(c, lang),
            }
            for c in entries
        ]
        updated = max((e["announced"] for e in feed_entries), default=utc_text(datetime(2000, 1, 1)))
        author = (self.programme.contact.name if self.programme.contact else None) or self.programme.id
        self.render(
            "feed.xml",
            "feed.xml",
            lang=lang,
            _=_,
            base_url=self.base_url,
            programme_title=self.programme.title_in(lang),
            updated=updated,
            author=author,
            entries=feed_entries,
        )
        urls = sorted(self.base_url + page for page in self.pages)
        self.render("sitemap.xml", "sitemap.xml", urls=urls)


def build_site(
    programme: Programme,
    *,
    now: datetime,
    announced: Mapping[str, datetime],
    sequences: Mapping[str, Mapping[str, int]] | None = None,
    templates: Path | None = None,
) -> dict[str, bytes]:
    """Every file of the catalogue by its path in the site (``en/index.html``, ``catalogue.json``...).

    ``announced`` gives, for each listed course, when it first appeared in the catalogue (the Atom feed's
    dates and the calendars' DTSTAMP); ``sequences`` the last SEQUENCE sent per course and session, so the
    published events supersede the invitations' in a calendar. Raises :class:`InputError` without
    ``base_url``.
    """
    site = _Site(programme, now, announced, sequences or {}, environment(templates))
    default = programme.language
    for lang in programme.languages:
        site.index(lang, f"{lang}/index.html", "../", site.listing, None)
        for dimension in FILTERS:
            for value in site.listing.values(dimension, ORDERS[dimension]):
                site.index(
                    lang,
                    f"{lang}/{dimension}/{value}.html",
                    "../../",
                    site.listing.only(dimension, value),
                    (dimension, value),
                )
        for course in site.listing.all:
            site.course_page(course, lang)
    site.index(default, "index.html", "", site.listing, None)
    site.calendars()
    site.data()
    return dict(sorted(site.files.items()))
