"""What Webex answers, read: the next page of a listing (``Link`` header) and a meeting's dial-in numbers
(pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ta_delivery.dialin import country_from_label
from ta_delivery.records import DialIn, PhoneNumber

from .meetings import clean_text

__all__ = ["dial_in_from", "next_link"]


def _links(header: str) -> Iterator[tuple[str, set[str]]]:
    """The (url, rels) pairs of an RFC 5988 ``Link`` header."""
    i, n = 0, len(header)
    while i < n:
        start = header.find("<", i)
        if start < 0:
            return
        end = header.find(">", start)
        if end < 0:
            return
        url = header[start + 1 : end].strip()
        nxt = header.find("<", end)
        params = header[end + 1 : nxt if nxt >= 0 else n]
        rels: set[str] = set()
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "rel":
                rels.update(value.strip().strip(",").strip().strip('"').lower().split())
        yield url, rels
        i = nxt if nxt >= 0 else n


def next_link(header: str | None, page_size: int, base: str | None = None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, with Webex's ``max=null`` defect repaired.

    A relative reference (RFC 8288 allows one) is resolved against ``base``, the page's own URL.
    """
    if not header:
        return None
    for url, rels in _links(header):
        if "next" in rels and url:
            parts = urlsplit(urljoin(base, url) if base else url)
            query = [
                (k, str(page_size) if k == "max" and v in ("null", "", "undefined", "None") else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ]
            return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return None


def dial_in_from(meeting: Mapping[str, Any]) -> DialIn | None:
    """The phone details of a meeting: ``telephony.callInNumbers``, the access code and the numeric
    password for phones and video systems (``phoneAndVideoSystemPassword``).

    Webex labels numbers by country ("US Toll", "United Kingdom Toll Free"); the country is read from the
    label where it names one. Webex's one-tap layout dials the access code, then the numeric password:
    ``+14156550001,,2550012345#12345678#`` (``##`` where there is no password).
    """
    telephony = meeting.get("telephony")
    if not isinstance(telephony, Mapping):
        return None
    access = telephony.get("accessCode")
    numbers = telephony.get("callInNumbers")
    if not isinstance(access, str) or not access or not isinstance(numbers, list):
        return None
    phones = [
        PhoneNumber(
            number=clean_text(entry["callInNumber"]),
            country=country_from_label(entry.get("label") if isinstance(entry.get("label"), str) else None),
            label=clean_text(entry["label"]) if isinstance(entry.get("label"), str) else None,
            toll_free=entry.get("tollType") == "tollFree",
        )
        for entry in numbers
        if isinstance(entry, Mapping) and isinstance(entry.get("callInNumber"), str)
    ]
    if not phones:
        return None
    code = re.sub(r"\D", "", access)
    password = meeting.get("phoneAndVideoSystemPassword")
    password = re.sub(r"\D", "", password) if isinstance(password, str) else ""
    tap = f",,{code}#" + (f"{password}#" if password else "#")
    return DialIn(numbers=tuple(phones), meeting_number=code, passcode=password or None, one_tap=tap)
