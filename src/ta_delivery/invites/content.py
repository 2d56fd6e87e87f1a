"""What an invitation says, in the recipient's language: subject, SUMMARY, DESCRIPTION and the HTML body.

Every sentence is looked up in the gettext catalogue (``locale/``); nothing here is written for one
language only. All inputs are already neutralised (see :mod:`.text`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import attrs

from ..dialin import numbers_for, tel_uri
from ..records import DialIn
from .i18n import format_short, format_span, format_utc_span, translations, zone_label

__all__ = ["REASONS", "InviteText", "PhoneLines", "Reason", "invite_text", "phone_lines", "stopped_reason"]

Method = Literal["REQUEST", "CANCEL", "PUBLISH"]
#: Why a message is sent: the CANCEL reasons pick the explanation; ``invited`` marks a REQUEST that invites
#: afresh (a person added back, or at a new address) although its SEQUENCE is above 0.
Reason = Literal[
    "session-cancelled", "course-cancelled", "course-postponed", "removed", "invited", "subscribed"
]
REASONS: tuple[Reason, ...] = (
    "session-cancelled",
    "course-cancelled",
    "course-postponed",
    "removed",
    "invited",
    "subscribed",
)


#: How much of a session's description (UTF-8 bytes) the calendar event repeats: every byte in the event is
#: paid twice (base64, inline and attached), and the message's text and HTML parts carry more of it.
CALENDAR_DESCRIPTION_MAX = 600
#: How much of it (UTF-8 bytes) the text and HTML parts carry: with everything else an invitation says, this
#: keeps a message under 30 KB for people on a poor connection (docs/connectivity.md).
MESSAGE_DESCRIPTION_MAX = 3000


def shorten(text: str, most: int) -> str:
    """``text`` cut to at most ``most`` UTF-8 bytes, at a space where one is near, with an ellipsis."""
    data = text.encode("utf-8")
    if len(data) <= most:
        return text
    cut = data[: most - 3].decode("utf-8", errors="ignore")
    space = cut.rfind(" ")
    return (cut[:space] if space > len(cut) * 3 // 4 else cut).rstrip() + "…"


@attrs.frozen
class InviteText:
    """The localised words of one invitation."""

    subject: str
    summary: str
    #: the calendar's DESCRIPTION: the session description shortened (the message body has it whole)
    description: str
    html: str
    #: the text/plain body: everything, the whole session description included
    plain: str = ""


#: The reasons that say the whole course stopped (its events are withdrawn, or published as not happening).
_STOPPED: tuple[Reason, ...] = ("course-cancelled", "course-postponed")


def stopped_reason(status: str) -> Reason:
    """Why a course that no longer runs withdraws its sessions: cancelled, else postponed (a course put back
    to ``planned`` reads as postponed)."""
    return "course-cancelled" if status == "cancelled" else "course-postponed"


def _stopped_intro(_: Callable[[str], str], reason: Reason | None) -> str:
    """The sentence of a session whose course was cancelled or postponed, in the message's language."""
    if reason == "course-cancelled":
        return _("The course {course} has been cancelled, and with it this session.")
    return _("The course {course} has been postponed: this session will not take place at this time.")


@lru_cache(maxsize=8192)
def invite_text(
    *,
    language: str,
    zone: str,
    method: Method,
    updated: bool,
    reason: Reason | None,
    course_title: str,
    session_title: str,
    session_description: str | None,
    start: datetime,
    end: datetime,
    join_url: str | None,
    organizer_name: str,
    organizer_email: str,
    live: bool = True,
    dial_in: DialIn | None = None,
    country: str | None = None,
    centre: tuple[str, tuple[str, ...]] | None = None,
) -> InviteText:
    """Build the words of an invitation for one language and one zone (cached: many recipients share them)."""
    _ = translations(language).gettext
    summary = _("{session} ({course})").format(session=session_title, course=course_title)
    when_local = format_span(start, end, zone, language)
    when_short = format_short(start, zone, language)
    label = zone_label(ZoneInfo(zone), start, end)

    stopped = reason in _STOPPED
    if method == "CANCEL":
        summary = _("Cancelled: {summary}").format(summary=summary)
        subject = _("Cancelled: {title}, {when}").format(title=session_title, when=when_short)
        if stopped:
            intro = _stopped_intro(_, reason)
        elif reason == "removed":
            intro = _("You are no longer expected at this session of {course}.")
        elif reason == "subscribed":
            intro = _(
                "This session of {course} is now in your calendar subscription: this separate "
                "invitation is withdrawn so that it does not show twice."
            )
        else:
            intro = _("This session of {course} has been cancelled.")
    elif method == "REQUEST" and updated and reason != "invited":
        subject = _("Updated invitation: {title}, {when}").format(title=session_title, when=when_short)
        intro = _("This session of {course} has changed: please check its time and join link.")
    elif method == "REQUEST":
        subject = _("Invitation: {title}, {when}").format(title=session_title, when=when_short)
        intro = _("You are invited to a live session of {course}.")
    elif stopped:  # a feed's event of a stopped course
        subject = summary
        intro = _stopped_intro(_, reason)
    elif live:
        subject = summary
        intro = _("A live session of {course}.")
    else:
        subject = summary
        intro = _("A recorded session of {course}: there is no live classroom to join.")
    intro = intro.format(course=course_title)

    when_line = _("When: {when} ({zone})").format(when=when_local, zone=label)
    utc_line = _("In UTC: {when}").format(when=format_utc_span(start, end))
    if method == "CANCEL" or not live or stopped:
        join_line = None
    elif join_url:
        join_line = _("Join: {url}").format(url=join_url)
    else:
        join_line = _("The join link will follow in an updated invitation.")
    organizer_line = _("Organizer: {name} <{email}>").format(name=organizer_name, email=organizer_email)
    phone = phone_lines(dial_in, country, language) if dial_in and join_line and join_url else None

    plain = [intro, "", session_title, when_line, utc_line]
    if join_line:
        plain.append(join_line)
    if phone:
        plain += ["", *phone.plain]
    calendar = list(
        plain
    )  # the event repeats the essentials; the names of a centre's people stay in the body
    centre_head = None
    if centre is not None and method != "CANCEL":
        centre_head = _("People attending from {centre}:").format(centre=centre[0])
        plain += ["", centre_head, *(f"  - {name}" for name in centre[1])]
    if session_description and method != "CANCEL":
        plain += ["", shorten(session_description, MESSAGE_DESCRIPTION_MAX)]
        calendar += ["", shorten(session_description, CALENDAR_DESCRIPTION_MAX)]
    plain += ["", organizer_line]
    calendar += ["", organizer_line]

    esc = html.escape
    parts = [f"<p>{esc(intro)}</p>", f"<p><strong>{esc(session_title)}</strong><br>"]
    parts.append(f"{esc(when_line)}<br>{esc(utc_line)}</p>")
    if join_line and join_url:
        link = f'<a href="{esc(join_url, quote=True)}">{esc(join_url)}</a>'
        parts.append(f"<p>{esc(_('Join: {url}')).format(url=link)}</p>")
    elif join_line:
        parts.append(f"<p>{esc(join_line)}</p>")
    if phone:
        parts.append(phone.html)
    if centre is not None and centre_head is not None:
        names = "".join(f"<li>{esc(name)}</li>" for name in centre[1])
        parts.append(f"<p>{esc(centre_head)}</p><ul>{names}</ul>")
    if session_description and method != "CANCEL":
        shown = shorten(session_description, MESSAGE_DESCRIPTION_MAX)
        parts.append("<p>" + "<br>".join(esc(line) for line in shown.split("\n")) + "</p>")
    parts.append(f"<p>{esc(organizer_line)}</p>")
    body = "\n".join(parts)
    page = (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head><meta charset="utf-8">'
        f"<title>{esc(subject)}</title></head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    return InviteText(
        subject=subject, summary=summary, description="\n".join(calendar), html=page, plain="\n".join(plain)
    )


@attrs.frozen
class PhoneLines:
    """The dial-in block of an invitation: plain-text lines, an HTML paragraph, and the ``tel:`` links
    with their labels (for CONFERENCE properties)."""

    plain: tuple[str, ...]
    html: str
    links: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1024)
def phone_lines(dial_in: DialIn, country: str | None, language: str) -> PhoneLines:
    """How to join by phone, in ``language``: the numbers of ``country`` first, each with its one-tap
    dialling string, then the meeting number and the phone passcode. Complete in plain text alone."""
    from babel import Locale

    _ = translations(language).gettext
    names = Locale.parse(language).territories
    esc = html.escape
    plain = [_("Join by phone:")]
    rows: list[str] = []
    links: list[tuple[str, str]] = []
    for number in numbers_for(dial_in, country):
        place = names.get(number.country, number.country) if number.country else ""
        if number.label and number.label.casefold() not in place.casefold():
            place = f"{place}, {number.label}" if place else number.label
        place = place or number.number
        uri = tel_uri(number, dial_in)
        plain.append(f"  {place}: {number.number}")
        if dial_in.one_tap:
            dial = uri.removeprefix("tel:").replace("%23", "#")
            plain.append("    " + _("One tap: {dial}").format(dial=dial))
        rows.append(f'{esc(place)}: <a href="{esc(uri, quote=True)}">{esc(number.number)}</a>')
        links.append((uri, place))
    tail = [_("Meeting number: {number}").format(number=dial_in.meeting_number)]
    if dial_in.passcode:
        tail.append(_("Phone passcode: {passcode}").format(passcode=dial_in.passcode))
    plain += tail
    body = "<br>".join([esc(plain[0]), *rows, *(esc(t) for t in tail)])
    return PhoneLines(plain=tuple(plain), html=f"<p>{body}</p>", links=tuple(links))
