"""The welcome message: a person's calendar subscription address, sent once instead of one invitation per
session (``[invitations] delivery = "feed"``, decision 0155).

It is not an invitation: no calendar part, no SEQUENCE, its own words in the person's language. The only
secret it holds is the person's own feed address, in a ``webcal://`` form (calendar apps subscribe on a
click) and an ``https://`` form (for apps that ask for a web address). Plain text first, well under 30 KB.
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime
from email.message import EmailMessage

from ..models import Course, Person
from .i18n import translations
from .lifecycle import WELCOME
from .message import text_message
from .text import clean_line

__all__ = ["WELCOME", "build_welcome_message", "webcal_url", "welcome_fingerprint"]


def welcome_fingerprint(feed_address: str) -> str:
    """What a welcome says that, when it changes, calls for another one: the feed address (hashed, so
    the message log never holds the token itself)."""
    return hashlib.sha256(feed_address.encode("utf-8")).hexdigest()


def webcal_url(feed_address: str) -> str:
    """The ``webcal://`` form of an ``http(s)://`` feed address: a click subscribes in most calendar apps."""
    scheme, sep, rest = feed_address.partition("://")
    return f"webcal://{rest}" if sep and scheme.lower() in ("http", "https") else feed_address


def build_welcome_message(
    course: Course, person: Person, *, feed_address: str, dtstamp: datetime
) -> EmailMessage:
    """The message giving ``person`` their personal subscription to ``course``'s sessions."""
    language = course.language_of(person)
    _ = translations(language).gettext
    course_title = clean_line(course.title)
    webcal = webcal_url(feed_address)
    subject = _("Your calendar for {course}").format(course=course_title)
    intro = _(
        "Your sessions of {course} are in a personal calendar that stays up to date: subscribe to it "
        "once, and changes and cancellations appear on their own."
    ).format(course=course_title)
    subscribe = _("Subscribe: {url}")
    browser = _("If your calendar asks for a web address, use: {url}")
    how = _(
        "How: Outlook, Add calendar > Subscribe from web; Google Calendar, Other calendars > From URL "
        "(the web address); Apple Calendar, File > New Calendar Subscription; Thunderbird, New Calendar > "
        "On the Network."
    )
    private = _("This address is yours alone: do not share it. If it leaks, ask the organizer for a new one.")
    organizer = _("Organizer: {name} <{email}>").format(
        name=clean_line(course.organizer.name), email=course.organizer.email
    )
    plain = "\n".join(
        [
            intro,
            "",
            subscribe.format(url=webcal),
            browser.format(url=feed_address),
            "",
            how,
            private,
            "",
            organizer,
        ]
    )

    esc = html.escape

    def anchor(url: str) -> str:
        return f'<a href="{esc(url, quote=True)}">{esc(url)}</a>'

    body = [
        f"<p>{esc(intro)}</p>",
        f"<p><strong>{esc(subscribe).format(url=anchor(webcal))}</strong><br>",
        f"{esc(browser).format(url=anchor(feed_address))}</p>",
        f"<p>{esc(how)}<br>{esc(private)}</p>",
        f"<p>{esc(organizer)}</p>",
    ]
    return text_message(
        course,
        person,
        kind="welcome",
        key=f"{course.id}\x1f{person.id}\x1f{person.email.lower()}\x1f{welcome_fingerprint(feed_address)}",
        subject=subject,
        plain=plain,
        body="".join(body),
        language=language,
        dtstamp=dtstamp,
    )
