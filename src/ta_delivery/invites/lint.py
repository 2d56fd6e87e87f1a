"""A strict lint of iCalendar objects and iMIP messages, usable in tests and by plugin authors.

:func:`lint_calendar` checks the octets (CRLF only, lines of at most 75 octets folded on UTF-8
boundaries, no control characters), the structure, the RFC 5546 required properties of each METHOD,
mailto calendar addresses and UTC date-times. :func:`lint_message` checks the RFC 6047 message around
it. Both return a list of problems, empty when the object is clean.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage, Message
from typing import cast

import attrs

__all__ = ["ContentLine", "lint_calendar", "lint_message", "parse_lines"]

_UTC = re.compile(r"^\d{8}T\d{6}Z$")
_MAILTO = re.compile(r"^mailto:[^@\s<>\"(),;:\\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_BAD_CHARS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")

_ONCE = {
    "CLASS", "CREATED", "DESCRIPTION", "DTSTART", "GEO", "LAST-MODIFIED", "LOCATION", "ORGANIZER",
    "PRIORITY", "DTSTAMP", "SEQUENCE", "STATUS", "SUMMARY", "TRANSP", "URL", "RECURRENCE-ID", "UID",
    "DTEND", "DURATION",
}  # fmt: skip

#: RFC 5546 section 3.2: VEVENT properties that must appear exactly once, by METHOD.
REQUIRED: dict[str, frozenset[str]] = {
    "PUBLISH": frozenset({"DTSTAMP", "DTSTART", "ORGANIZER", "SUMMARY", "UID"}),
    "REQUEST": frozenset({"DTSTAMP", "DTSTART", "ORGANIZER", "SUMMARY", "UID"}),
    "CANCEL": frozenset({"DTSTAMP", "ORGANIZER", "SEQUENCE", "UID"}),
}


@attrs.frozen
class ContentLine:
    """One unfolded content line: ``name``, parameters (raw values, quotes kept) and value."""

    number: int
    name: str
    params: tuple[tuple[str, str], ...]
    value: str

    def param(self, key: str) -> str | None:
        """The raw value of parameter ``key``."""
        for k, v in self.params:
            if k.upper() == key.upper():
                return v
        return None


def _split_params(text: str) -> tuple[str, tuple[tuple[str, str], ...], str] | None:
    """``NAME;P=V;Q="x":value`` -> name, params, value (``None`` when malformed)."""
    i, n = 0, len(text)
    while i < n and text[i] not in ";:":
        i += 1
    name = text[:i]
    params: list[tuple[str, str]] = []
    while i < n and text[i] == ";":
        j = text.find("=", i + 1)
        if j < 0:
            return None
        key = text[i + 1 : j]
        k = j + 1
        while True:
            if k < n and text[k] == '"':
                end = text.find('"', k + 1)
                if end < 0:
                    return None
                k = end + 1
            else:
                while k < n and text[k] not in ';:,"':
                    k += 1
            if k < n and text[k] == ",":
                k += 1
                continue
            break
        params.append((key, text[j + 1 : k]))
        i = k
    if i >= n or text[i] != ":":
        return None
    return name, tuple(params), text[i + 1 :]


def parse_lines(data: bytes, problems: list[str] | None = None) -> Iterator[ContentLine]:
    """Unfold ``data`` and yield its content lines, adding octet-level problems to ``problems``."""
    out = problems if problems is not None else []
    if not data.endswith(b"\r\n"):
        out.append("the object does not end with CRLF")
    physical = data.split(b"\r\n")
    if physical and physical[-1] == b"":
        physical.pop()
    logical: list[tuple[int, bytearray]] = []
    for number, raw in enumerate(physical, start=1):
        if b"\r" in raw or b"\n" in raw:
            out.append(f"line {number}: bare CR or LF (lines must end with CRLF only)")
        if len(raw) > 75:
            out.append(f"line {number}: {len(raw)} octets (at most 75 before CRLF)")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            out.append(f"line {number}: not UTF-8 on its own (folded inside a character?)")
        if raw[:1] in (b" ", b"\t"):
            if not logical:
                out.append(f"line {number}: continuation without a line to continue")
                continue
            logical[-1][1].extend(raw[1:])
        elif not raw:
            out.append(f"line {number}: empty line")
        else:
            logical.append((number, bytearray(raw)))
    for number, buf in logical:
        text = bytes(buf).decode("utf-8", errors="replace")
        if _BAD_CHARS.search(text):
            out.append(f"line {number}: control character in the content line")
        parts = _split_params(text)
        if parts is None or not _NAME.match(parts[0]):
            out.append(f"line {number}: malformed content line {text[:40]!r}")
            continue
        name, params, value = parts
        yield ContentLine(number, name.upper(), params, value)


@attrs.define
class _Component:
    name: str
    line: int
    props: list[ContentLine] = attrs.field(factory=list)
    children: list[_Component] = attrs.field(factory=list)

    def count(self) -> Counter[str]:
        return Counter(p.name for p in self.props)

    def get(self, name: str) -> ContentLine | None:
        return next((p for p in self.props if p.name == name), None)


def _tree(lines: Iterator[ContentLine], out: list[str]) -> list[_Component]:
    roots: list[_Component] = []
    stack: list[_Component] = []
    for cl in lines:
        if cl.name == "BEGIN":
            comp = _Component(cl.value.upper(), cl.number)
            (stack[-1].children if stack else roots).append(comp)
            stack.append(comp)
        elif cl.name == "END":
            if not stack or stack[-1].name != cl.value.upper():
                out.append(f"line {cl.number}: END:{cl.value} does not close an open component")
                continue
            stack.pop()
        elif not stack:
            out.append(f"line {cl.number}: property {cl.name} outside any component")
        else:
            stack[-1].props.append(cl)
    for comp in stack:
        out.append(f"line {comp.line}: BEGIN:{comp.name} is never closed")
    return roots


def _check_address(cl: ContentLine, out: list[str]) -> None:
    if not _MAILTO.match(cl.value):
        out.append(f"line {cl.number}: {cl.name} is not a mailto: URI ({cl.value[:60]!r})")


def _check_event(event: _Component, method: str | None, require_utc: bool, out: list[str]) -> None:
    where = f"line {event.line}: VEVENT"
    counts = event.count()
    for name in sorted(_ONCE):
        if counts[name] > 1:
            out.append(f"{where} has {counts[name]} {name} (at most one)")
    if counts["DTEND"] and counts["DURATION"]:
        out.append(f"{where} has both DTEND and DURATION")
    if method in REQUIRED:
        for name in sorted(REQUIRED[method]):
            if counts[name] != 1:
                out.append(f"{where} lacks {name}, required by METHOD:{method}")
    if method == "PUBLISH" and counts["ATTENDEE"]:
        out.append(f"{where} has ATTENDEE, not allowed by METHOD:PUBLISH")
    if method == "REQUEST" and not counts["ATTENDEE"]:
        out.append(f"{where} lacks ATTENDEE, required by METHOD:REQUEST")
    if method == "CANCEL":
        status = event.get("STATUS")
        if status is not None and status.value.upper() != "CANCELLED":
            out.append(f"{where} of METHOD:CANCEL has STATUS:{status.value}")
        if any(c.name == "VALARM" for c in event.children):
            out.append(f"{where} of METHOD:CANCEL holds a VALARM")
    for cl in event.props:
        if cl.name in ("ORGANIZER", "ATTENDEE"):
            _check_address(cl, out)
        elif cl.name == "DTSTAMP" and not _UTC.match(cl.value):
            out.append(f"line {cl.number}: DTSTAMP is not a UTC date-time ({cl.value!r})")
        elif cl.name in ("DTSTART", "DTEND") and require_utc:
            if not _UTC.match(cl.value) or cl.param("TZID") is not None:
                out.append(f"line {cl.number}: {cl.name} is not a UTC date-time ({cl.value!r})")
        elif cl.name == "SEQUENCE" and not cl.value.isdigit():
            out.append(f"line {cl.number}: SEQUENCE is not a non-negative integer")
        elif cl.name == "CONFERENCE":
            if (cl.param("VALUE") or "").upper() != "URI":
                out.append(f"line {cl.number}: CONFERENCE lacks VALUE=URI")
            feature = cl.param("FEATURE")
            if feature and feature.startswith('"') and "," in feature:
                out.append(f"line {cl.number}: CONFERENCE FEATURE is one quoted value, not a list")


def lint_calendar(data: bytes, *, expect_method: str | None = None, require_utc: bool = True) -> list[str]:
    """Problems found in the iCalendar object ``data`` (empty list: clean).

    ``expect_method``: the METHOD it must carry. ``require_utc``: DTSTART/DTEND must be UTC (``...Z``).
    """
    out: list[str] = []
    roots = _tree(parse_lines(data, out), out)
    if len(roots) != 1 or roots[0].name != "VCALENDAR":
        out.append("the object is not exactly one VCALENDAR")
        return out
    cal = roots[0]
    counts = cal.count()
    for name in ("PRODID", "VERSION"):
        if counts[name] != 1:
            out.append(f"VCALENDAR has {counts[name]} {name} (exactly one required)")
    version = cal.get("VERSION")
    if version is not None and version.value != "2.0":
        out.append(f"VERSION is {version.value!r}, not 2.0")
    if counts["METHOD"] > 1:
        out.append("VCALENDAR has more than one METHOD")
    method_line = cal.get("METHOD")
    method = method_line.value.upper() if method_line else None
    if expect_method is not None and method != expect_method:
        out.append(f"METHOD is {method!r}, expected {expect_method!r}")
    events = [c for c in cal.children if c.name == "VEVENT"]
    if not events and method is not None:
        out.append("VCALENDAR holds no VEVENT")
    uids = {uid.value for e in events if (uid := e.get("UID")) is not None}
    if method in ("REQUEST", "CANCEL") and len(uids) > 1:
        out.append(f"METHOD:{method} object holds more than one UID")
    for event in events:
        _check_event(event, method, require_utc, out)
    return out


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def lint_message(message: EmailMessage | bytes) -> list[str]:
    """Problems found in an iMIP invitation (RFC 6047 shape, headers, and the calendar it carries)."""
    out: list[str] = []
    if isinstance(message, bytes):
        raw = message
        head = raw.split(b"\r\n\r\n", 1)[0]
        if b"\n" in head.replace(b"\r\n", b"") or b"\r" in head.replace(b"\r\n", b""):
            out.append("header section has a bare CR or LF")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    else:
        msg = message
        raw = message.as_bytes(policy=email.policy.SMTP)
    assert isinstance(msg, EmailMessage)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        values = msg.get_all(name) or []
        if len(values) != 1:
            out.append(f"header {name} appears {len(values)} times (exactly once required)")
    for name in ("Cc", "Bcc", "Reply-To", "Sender"):
        if msg.get_all(name):
            out.append(f"unexpected header {name}")
    to = msg["To"]
    addresses = getattr(to, "addresses", ()) if to is not None else ()
    if len(addresses) != 1:
        out.append(f"To names {len(addresses)} recipients (exactly one expected)")
    if msg.get_content_type() != "multipart/mixed":
        out.append(f"top-level type is {msg.get_content_type()}, not multipart/mixed")
        return out
    parts = cast(list[EmailMessage], msg.get_payload())
    if len(parts) != 2:
        out.append(f"multipart/mixed holds {len(parts)} parts, expected 2")
        return out
    alt, attachment = parts
    if alt.get_content_type() != "multipart/alternative":
        out.append("first part is not multipart/alternative")
        return out
    inner = cast(list[EmailMessage], alt.get_payload())
    types = [p.get_content_type() for p in inner] if isinstance(inner, list) else []
    if types != ["text/plain", "text/html", "text/calendar"]:
        out.append(f"multipart/alternative holds {types}, expected text/plain, text/html, text/calendar")
        return out
    cal_part = inner[2]
    method = str(cal_part.get_param("method") or "").upper()
    if str(cal_part.get_param("charset") or "").upper() != "UTF-8":
        out.append("text/calendar part lacks charset=UTF-8")
    ics = _payload(cal_part)
    out += lint_calendar(ics, expect_method=str(method) if method else None)
    if not method:
        out.append("text/calendar part lacks the method parameter")
    if attachment.get_content_disposition() != "attachment" or not str(
        attachment.get_filename() or ""
    ).endswith(".ics"):
        out.append("second part is not an .ics attachment")
    elif _payload(attachment) != ics:
        out.append("the .ics attachment differs from the text/calendar part")
    if not raw.endswith(b"\r\n") or b"\n" in raw.replace(b"\r\n", b""):
        out.append("message has line endings other than CRLF")
    lines = list(parse_lines(ics))
    sender = getattr(msg["From"], "addresses", ())
    organizer = next((cl.value for cl in lines if cl.name == "ORGANIZER"), "")
    if sender and organizer.lower() != f"mailto:{sender[0].addr_spec}".lower():
        out.append("ORGANIZER differs from the From address")
    attendees = [cl.value.lower() for cl in lines if cl.name == "ATTENDEE"]
    if addresses and f"mailto:{addresses[0].addr_spec}".lower() not in attendees:
        out.append("the recipient is not an ATTENDEE of the event")
    return out
