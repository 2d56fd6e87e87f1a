"""The iMIP message (RFC 6047) carrying one invitation.

Structure::

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8
        text/html; charset=utf-8
        text/calendar; method=REQUEST; charset=UTF-8     (base64, bytes exactly as serialised)
      application/ics; name=invite.ics                  (attachment, the same bytes)

The message is assembled as bytes (display names quoted or RFC 2047-encoded, bodies quoted-printable,
the calendar base64) and parsed back into an :class:`~email.message.EmailMessage`: several times faster than
building it part by part through the email package, and every field is neutralised first, so no text
can start a new header.
"""

from __future__ import annotations

import binascii
import hashlib
import html
from datetime import datetime
from email import quoprimime
from email.header import Header
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ..models import Course, Person, Session
from ..records import DialIn
from .content import Reason, shorten
from .events import render_calendar, stamp
from .ids import session_uid
from .text import clean_line

if TYPE_CHECKING:
    from ..plugins import Plugins

__all__ = ["POLICY", "build_invite", "message_id"]


class _Registry(HeaderRegistry):
    """The standard header registry, with memory.

    The standard one makes a new class on every lookup and parses a header each time it is read, and the
    email generator reads Content-Type many times per message. Header objects are immutable, so the
    classes and the parsed headers of recently seen (name, value) pairs are kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._parsed: dict[tuple[str, str], BaseHeader] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value)
        header = self._parsed.get(key)
        if header is None:
            if len(self._parsed) >= 4096:
                self._parsed.clear()
            header = self._parsed[key] = self[name](name, value)
        return header


#: The email policy of invitation messages: CRLF line endings, RFC-conformant header folding.
POLICY = SMTP.clone(header_factory=_Registry())
CRLF = "\r\n"


def message_id(course: Course, session: Session, person: Person, method: str, sequence: int) -> str:
    """A Message-ID that is the same for the same invitation (so a retry is recognisable as one)."""
    uid = session_uid(course.id, session.id)
    key = f"{uid}\x1f{method}\x1f{sequence}\x1f{person.email.lower()}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = course.organizer.email.rpartition("@")[2].lower()
    return f"<{method.lower()}.{sequence}.{digest}@{domain}>"


@lru_cache(maxsize=8192)
def _phrase(name: str, header: str) -> str:
    """A display name as a header phrase: quoted when short ASCII, else RFC 2047-encoded whole."""
    text = clean_line(name)
    if not text:
        return ""
    if text.isascii():
        quoted = formataddr((text, "x@x")).rpartition(" <")[0]
        if len(header) + 2 + len(quoted) <= 60:
            return quoted
    return _encoded_words(text)


def _encoded_words(text: str) -> str:
    """``text`` as base64 encoded-words of at most 75 characters, folded, characters never split.

    The whole phrase is encoded (not only its non-ASCII runs, as ``email.header.Header`` does), so quotes,
    colons or angle brackets in a name can never end the phrase early.
    """
    words: list[str] = []
    chunk = bytearray()
    for char in text:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > 42:  # 42 octets -> 56 base64 characters -> a 68-character word
            words.append(bytes(chunk).hex())
            chunk = bytearray()
        chunk.extend(data)
    if chunk:
        words.append(bytes(chunk).hex())
    return (CRLF + " ").join(
        "=?utf-8?b?" + binascii.b2a_base64(bytes.fromhex(w), newline=False).decode("ascii") + "?="
        for w in words
    )


def _mailbox(name: str, email: str, header: str) -> str:
    """``phrase <address>``, folded so that no line exceeds 78 characters.

    Lines that fit are never refolded by the email generator, whose refolding of encoded-words in a phrase
    can produce a broken address.
    """
    phrase = _phrase(name, header)
    if not phrase:
        return email
    lines = phrase.split(CRLF)
    used = len(lines[-1]) + (len(header) + 2 if len(lines) == 1 else 0)
    if used + len(email) + 3 > 78:
        return f"{phrase}{CRLF} <{email}>"
    return f"{phrase} <{email}>"


@lru_cache(maxsize=8192)
def _unstructured(text: str, header: str) -> str:
    value = clean_line(text)
    if value.isascii() and len(value) + len(header) + 2 <= 78:
        return value
    charset = "us-ascii" if value.isascii() else "utf-8"
    folded: str = Header(value, charset, header_name=header).encode(linesep=CRLF, maxlinelen=78)
    lines = folded.split(CRLF)
    if len(header) + 2 + len(lines[0]) > 78 or any(len(line) > 78 for line in lines[1:]):
        return _encoded_words(value)  # a word too long to fold at a space: encoded-words split anywhere
    return folded


@lru_cache(maxsize=4096)
def _qp(text: str) -> str:
    body = CRLF.join(text.splitlines()) + CRLF
    return quoprimime.body_encode(body.encode("utf-8").decode("latin-1"), maxlinelen=76, eol=CRLF)


def text_part(subtype: str, text: str) -> EmailMessage:
    """A ``text/<subtype>`` part, quoted-printable (readable as it is) unless base64 is smaller, as it is
    for text mostly outside ASCII: a message in Chinese or Arabic stays light."""
    encoded = _qp(text)
    body = (CRLF.join(text.splitlines()) + CRLF).encode("utf-8")
    if len(encoded) > len(body) * 4 // 3 + 4:
        return _part(
            [("Content-Type", f'text/{subtype}; charset="utf-8"'), ("Content-Transfer-Encoding", "base64")],
            _b64(body),
        )
    return _part(_TEXT_HEADERS[subtype], encoded)


def _b64(data: bytes) -> str:
    step = 57  # 76 characters per line
    return "".join(
        binascii.b2a_base64(data[i : i + step]).decode("ascii").replace("\n", CRLF)
        for i in range(0, len(data), step)
    )


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
    dial_in: DialIn | None = None,
    centre: tuple[str, tuple[str, ...]] | None = None,
    lighter: int = 0,
) -> EmailMessage:
    """The full iMIP message inviting ``person`` to ``session`` (REQUEST) or withdrawing it (CANCEL).

    ``reason`` (for CANCEL: ``session-cancelled``, ``course-cancelled``, ``course-postponed`` or
    ``removed``; for REQUEST: ``invited`` when it invites afresh rather than updates) picks the words of
    the subject and body; the calendar part is the same whatever the reason.
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
        dial_in=dial_in,
        centre=centre,
    )
    mid = message_id(course, session, person, method, sequence)
    token = hashlib.sha256(mid.encode()).hexdigest()[:24]
    mixed, alt = f"=_mixed_{token}", f"=_alt_{token}"
    headers = [
        ("From", _mailbox(course.organizer.name, course.organizer.email, "From")),
        ("To", _mailbox(person.name, person.email, "To")),
        ("Subject", _unstructured(words.subject, "Subject")),
        ("Date", format_datetime(stamp(dtstamp))),
        ("Message-ID", mid),
        ("Auto-Submitted", "auto-generated"),
        ("Content-Language", course.language_of(person)),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed; boundary="{mixed}"'),
    ]
    calendar64 = _b64(ics)
    msg = EmailMessage(policy=POLICY)
    for name, value in headers:
        msg.set_raw(name, value)
    plain = text_part("plain", words.plain or words.description)
    page = text_part("html", words.html) if lighter == 0 else None
    alternative = _part(
        [("Content-Type", f'multipart/alternative; boundary="{alt}"')],
        [
            plain,
            *([page] if page is not None else []),
            _part(
                [
                    ("Content-Type", f"text/calendar; method={method}; charset=UTF-8"),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                calendar64,
            ),
        ],
    )
    attachment = [_part(_ATTACHMENT_HEADERS, calendar64)] if lighter < 2 else []
    msg.set_payload([alternative, *attachment])
    # the parts' bodies are most of the message; its headers and MIME lines add under 2 KB
    bodies = (1 + len(attachment)) * len(calendar64)
    bodies += sum(len(str(p.get_payload())) for p in (plain, page) if p is not None)
    if lighter < 2 and bodies + 2048 > MESSAGE_BUDGET and len(msg.as_bytes()) > MESSAGE_BUDGET:
        # too heavy for a poor connection: the session's description gives way first, step by step, then
        # the HTML part (the plain text says everything), then the calendar's copy as an attachment
        shorter = session
        if session.description:
            size = len(session.description.encode("utf-8"))
            step = next((n for n in _DESCRIPTION_STEPS if n < size), 0)
            shorter = attrs.evolve(session, description=shorten(session.description, step) if step else None)
        return build_invite(
            course,
            shorter,
            person,
            method=method,
            sequence=sequence,
            join_url=join_url,
            dtstamp=dtstamp,
            plugins=plugins,
            reason=reason,
            dial_in=dial_in,
            centre=centre,
            lighter=lighter if shorter is not session else lighter + 1,
        )
    return msg


def text_message(
    course: Course,
    person: Person,
    *,
    kind: str,
    key: str,
    subject: str,
    plain: str,
    body: str,
    language: str,
    dtstamp: datetime,
) -> EmailMessage:
    """A message without a calendar part (a recording link, a welcome): plain text first, then HTML.

    ``body`` is the HTML body's content; ``key`` identifies the message, so a retry has the same
    Message-ID (``<kind.hash@organizer-domain>``).
    """
    esc = html.escape
    page = (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head><meta charset="utf-8">'
        f"<title>{esc(subject)}</title></head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = course.organizer.email.rpartition("@")[2].lower()
    headers = [
        ("From", _mailbox(course.organizer.name, course.organizer.email, "From")),
        ("To", _mailbox(person.name, person.email, "To")),
        ("Subject", _unstructured(subject, "Subject")),
        ("Date", format_datetime(stamp(dtstamp))),
        ("Message-ID", f"<{kind}.{digest}@{domain}>"),
        ("Auto-Submitted", "auto-generated"),
        ("Content-Language", language),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="=_alt_{digest[:24]}"'),
    ]
    msg = EmailMessage(policy=POLICY)
    for name, value in headers:
        msg.set_raw(name, value)
    msg.set_payload([text_part("plain", plain), text_part("html", page)])
    return msg


#: The most an invitation may weigh: people on a poor connection download it whole (docs/connectivity.md).
MESSAGE_BUDGET = 30 * 1024
#: How far a session description is shortened, in turn, when an invitation would be heavier than that.
_DESCRIPTION_STEPS = (1000, 300, 0)


_TEXT_HEADERS = {
    subtype: [
        ("Content-Type", f'text/{subtype}; charset="utf-8"'),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ]
    for subtype in ("plain", "html")
}
_ATTACHMENT_HEADERS = [
    ("Content-Type", 'application/ics; name="invite.ics"'),
    ("Content-Transfer-Encoding", "base64"),
    ("Content-Disposition", 'attachment; filename="invite.ics"'),
]


def _part(headers: list[tuple[str, str]], payload: Any) -> EmailMessage:
    """A MIME part from already encoded headers and body (no parsing, no re-encoding)."""
    part = EmailMessage(policy=POLICY)
    for name, value in headers:
        part.set_raw(name, value)
    part.set_payload(payload)
    return part
