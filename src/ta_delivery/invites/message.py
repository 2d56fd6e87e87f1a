"""The iMIP message (RFC 6047) carrying one invitation.

Structure::

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8
        text/html; charset=utf-8
        text/calendar; method=REQUEST; charset=UTF-8     (base64, bytes exactly as serialised)
      application/ics; name=invite.ics                  (attachment, the same bytes)

Headers are built from :class:`email.headerregistry.Address` objects, so names with quotes, commas,
semicolons or non-Latin scripts are quoted or RFC 2047-encoded, and neutralised text can never start a
new header.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime
from typing import TYPE_CHECKING, Literal, cast

from ..models import Course, Person, Session
from .content import Reason
from .events import render_calendar, stamp
from .ids import session_uid
from .text import clean_line

if TYPE_CHECKING:
    from ..plugins import Plugins

__all__ = ["POLICY", "build_invite", "message_id"]

#: The email policy of invitation messages: CRLF line endings, RFC-conformant header folding.
POLICY = SMTP


def message_id(course: Course, session: Session, person: Person, method: str, sequence: int) -> str:
    """A Message-ID that is the same for the same invitation (so a retry is recognisable as one)."""
    uid = session_uid(course.id, session.id)
    key = f"{uid}\x1f{method}\x1f{sequence}\x1f{person.email.lower()}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = course.organizer.email.rpartition("@")[2].lower()
    return f"<{method.lower()}.{sequence}.{digest}@{domain}>"


def _address(name: str, email: str) -> Address:
    local, _at, domain = email.rpartition("@")
    return Address(display_name=clean_line(name), username=local, domain=domain)


def build_invite(
    course: Course,
    session: Session,
    person: Person,
    *,
    method: Literal["REQUEST", "CANCEL"],
    sequence: int,
    join_url: str | None,
    dtstamp: datetime,
    plugins: Plugins | None = None,
    reason: Reason | None = None,
) -> EmailMessage:
    """The full iMIP message inviting ``person`` to ``session`` (REQUEST) or withdrawing it (CANCEL).

    ``reason`` (for CANCEL: ``session-cancelled``, ``course-cancelled`` or ``removed``) picks the
    explanation in the body; the calendar part is the same whatever the reason.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"an invitation is a REQUEST or a CANCEL, not {method!r}")
    ics, words = render_calendar(
        course,
        session,
        method=method,
        sequence=sequence,
        dtstamp=dtstamp,
        join_url=join_url,
        attendee=person,
        plugins=plugins,
        reason=reason,
    )
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(course.organizer.name, course.organizer.email)
    msg["To"] = _address(person.name, person.email)
    msg["Subject"] = clean_line(words.subject)
    msg["Date"] = format_datetime(stamp(dtstamp))
    mid = message_id(course, session, person, method, sequence)
    msg["Message-ID"] = mid
    token = hashlib.sha256(mid.encode()).hexdigest()[:24]
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = course.language_of(person)
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = f'multipart/mixed; boundary="=_mixed_{token}"'

    body = MIMEPart(policy=POLICY)
    body["Content-Type"] = f'multipart/alternative; boundary="=_alt_{token}"'
    for text, subtype in ((words.description + "\n", "plain"), (words.html, "html")):
        part = MIMEPart(policy=POLICY)
        part.set_content(text, subtype=subtype, charset="utf-8", cte="quoted-printable")
        body.attach(cast(EmailMessage, part))
    calendar = MIMEPart(policy=POLICY)
    calendar.set_content(
        ics, maintype="text", subtype="calendar", cte="base64", params={"method": method, "charset": "UTF-8"}
    )
    body.attach(cast(EmailMessage, calendar))
    msg.attach(cast(EmailMessage, body))

    attachment = MIMEPart(policy=POLICY)
    attachment.set_content(
        ics,
        maintype="application",
        subtype="ics",
        cte="base64",
        disposition="attachment",
        filename="invite.ics",
    )
    msg.attach(cast(EmailMessage, attachment))
    return msg
