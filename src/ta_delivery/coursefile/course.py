"""The ``[course]`` table: what the activity is, its zone, its organizer, its defaults."""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Any

from ..models import ACTIVITY_KINDS, LANGUAGES, LEVELS, SCOPES, STATUSES, Organizer, Registration
from .keys import COURSE_KEYS
from .reader import Reader, kind

__all__ = ["read_course_table"]

_COURSE_ID = re.compile(r"^[a-z0-9-]{1,64}$")


def read_course_table(r: Reader, value: object) -> dict[str, Any]:
    """``[course]`` as keyword arguments of :class:`~ta_delivery.models.Course` (``roster`` aside).

    Keys with a problem are reported and left out, so the rest of the file can still be read.
    """
    table = r.table(value, "course")
    r.only(table, COURSE_KEYS, "course")
    out: dict[str, Any] = {}

    def put(name: str, read: Any) -> None:
        mark = r.mark()
        got = r.get(read, None)
        if len(r.problems) == mark:
            out[name] = got

    put("id", lambda: _course_id(r, table))
    put("title", lambda: r.text(r.required(table, "title", "course"), "course.title"))
    put("timezone", lambda: r.timezone(r.required(table, "timezone", "course"), "course.timezone"))
    put("organizer", lambda: _organizer(r, table))
    put("kind", lambda: r.choice(table.get("kind", "course"), "course.kind", ACTIVITY_KINDS))
    for name, choices in (("scope", SCOPES), ("level", LEVELS)):
        if table.get(name) is not None:
            put(name, functools.partial(r.choice, table[name], f"course.{name}", choices))
    put("language", lambda: r.choice(table.get("language", "en"), "course.language", LANGUAGES))
    put("provider", lambda: r.provider(table.get("provider", "jitsi"), "course.provider"))
    put("status", lambda: r.choice(table.get("status", "scheduled"), "course.status", STATUSES))
    put("prerequisites", lambda: tuple(r.strings(table.get("prerequisites", []), "course.prerequisites")))
    # the public catalogue's keys (PRODUCT.md section 5)
    for name in ("summary", "audience"):
        if name in table:
            put(name, functools.partial(r.text, table[name], f"course.{name}"))
    if "public" in table:
        put("public", lambda: r.boolean(table["public"], "course.public"))
    if "registration" in table:
        put("registration", lambda: _registration(r, table["registration"]))
    return out


_URL = re.compile(r"^https?://[^\s/?#]+\S*$", re.IGNORECASE)


def _registration(r: Reader, value: object) -> Registration:
    """``registration = { url = "https://...", deadline = 2027-07-15 }`` (either may be left out)."""
    table = r.table(value, "course.registration")
    r.only(table, ("url", "deadline"), "course.registration")
    mark = r.mark()
    url = None
    if "url" in table:
        url = r.get(lambda: r.text(table["url"], "course.registration.url"), None)
        if url is not None and not _URL.match(url):
            r.note(
                "course.registration.url", f"{url!r} is not an http(s) URL such as https://example.org/apply"
            )
    deadline = table.get("deadline")
    if deadline is not None and (not isinstance(deadline, date) or isinstance(deadline, datetime)):
        r.note(
            "course.registration.deadline",
            f"must be a TOML local date like 2027-07-15 (unquoted), got {kind(deadline)}",
        )
    r.since(mark)
    return Registration(url=url, deadline=deadline)


def _course_id(r: Reader, table: dict[str, Any]) -> str:
    cid = r.text(r.required(table, "id", "course"), "course.id")
    if not _COURSE_ID.match(cid):
        r.fail("course.id", f"{cid!r} must be 1-64 characters of a-z, 0-9 and '-'")
    return cid


def _organizer(r: Reader, table: dict[str, Any]) -> Organizer:
    org = r.table(r.required(table, "organizer", "course"), "course.organizer")
    r.only(org, ("name", "email"), "course.organizer")
    mark = r.mark()
    name = r.get(lambda: r.text(r.required(org, "name", "course.organizer"), "course.organizer.name"), "")
    email = r.get(lambda: r.email(r.required(org, "email", "course.organizer"), "course.organizer.email"), "")
    r.since(mark)
    return Organizer(name=name, email=email)
