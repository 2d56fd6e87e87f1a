"""The recording message: where to watch a live session that has ended, in the recipient's language.

It is not an invitation: no calendar part, no SEQUENCE, its own words. It is sent once per person and link
(a changed link is sent again, worded as a correction), plain text first, small enough for a poor
connection (well under 30 KB).
"""

from __future__ import annotations

import hashlib
import html
from datetime import UTC, datetime
from email.message import EmailMessage

from ..models import Course, Person, Session
from ..records import Recording
from .i18n import format_span, translations, zone_label
from .lifecycle import RECORDING
from .message import text_message
from .text import clean_line, clean_url

__all__ = ["RECORDING", "build_recording_message", "recording_fingerprint"]


def recording_fingerprint(recording: Recording) -> str:
    """What a recording message says that, when it changes, calls for a correction: link and passcode."""
    blob = f"{recording.url}\x1f{recording.passcode or ''}"
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def build_recording_message(
    course: Course,
    session: Session,
    person: Person,
    *,
    recording: Recording,
    correction: bool,
    dtstamp: datetime,
) -> EmailMessage:
    """The message telling ``person`` where the recording of ``session`` is (``correction``: the link sent
    before was wrong or has changed)."""
    language = course.language_of(person)
    _ = translations(language).gettext
    title = clean_line(session.title)
    course_title = clean_line(course.title)
    url = clean_url(recording.url) or ""
    start, end = session.start.astimezone(UTC), session.end.astimezone(UTC)
    when = _("When: {when} ({zone})").format(
        when=format_span(start, end, person.timezone, language), zone=zone_label(person.zone, start, end)
    )
    if correction:
        subject = _("Corrected recording link: {title}").format(title=title)
        intro = _("The recording link we sent for this session of {course} has changed. Use this one:")
    else:
        subject = _("Recording: {title}").format(title=title)
        intro = _("The recording of this session of {course} is available:")
    intro = intro.format(course=course_title)
    watch = _("Watch: {url}").format(url=url)
    lines = [intro, "", title, when, watch]
    if recording.passcode:
        lines.append(_("Passcode: {passcode}").format(passcode=recording.passcode))
    organizer = _("Organizer: {name} <{email}>").format(
        name=clean_line(course.organizer.name), email=course.organizer.email
    )
    lines += ["", organizer]
    plain = "\n".join(lines)

    esc = html.escape
    link = f'<a href="{esc(url, quote=True)}">{esc(url)}</a>'
    body = [f"<p>{esc(intro)}</p>", f"<p><strong>{esc(title)}</strong><br>{esc(when)}<br>"]
    body.append(esc(_("Watch: {url}")).format(url=link))
    if recording.passcode:
        body.append("<br>" + esc(lines[5]))
    body.append(f"</p>\n<p>{esc(organizer)}</p>")
    return text_message(
        course,
        person,
        kind="recording",
        key=f"{course.id}\x1f{session.id}\x1f{person.email.lower()}\x1f{recording_fingerprint(recording)}",
        subject=subject,
        plain=plain,
        body="".join(body),
        language=language,
        dtstamp=dtstamp,
    )
