"""Low connectivity: ``[[centres]]`` (reference centres people attend from), ``[recordings]`` and
``[invitations]`` (one welcome message with a calendar subscription instead of one email per session)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..models import (
    INVITATION_DELIVERIES,
    RECORDING_AUDIENCES,
    Centre,
    InvitationPolicy,
    Organizer,
    RecordingPolicy,
)
from .keys import CENTRE_CONTACT_KEYS, CENTRE_KEYS, INVITATIONS_KEYS, RECORDINGS_KEYS
from .reader import Reader

__all__ = ["read_centre", "read_invitations", "read_recordings", "url"]

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


def read_centre(r: Reader, entry: Mapping[str, Any], prefix: str) -> Centre:
    """One ``[[centres]]`` table: id, name, zone, contact (name and email), city and country."""
    r.only(entry, CENTRE_KEYS, prefix)
    mark = r.mark()
    cid = r.get(lambda: _centre_id(r, r.required(entry, "id", prefix), f"{prefix}.id"), "")
    name = r.get(lambda: r.text(r.required(entry, "name", prefix), f"{prefix}.name"), "")
    tzname = r.get(lambda: r.timezone(r.required(entry, "timezone", prefix), f"{prefix}.timezone"), "UTC")
    contact = r.get(lambda: _contact(r, r.required(entry, "contact", prefix), f"{prefix}.contact"), None)
    city = r.get(lambda: r.text(entry["city"], f"{prefix}.city"), None) if "city" in entry else None
    country = None
    if "country" in entry:
        country = r.get(lambda: _country(r, entry["country"], f"{prefix}.country"), None)
    r.since(mark)
    assert contact is not None
    return r.build(
        prefix,
        lambda: Centre(id=cid, name=name, timezone=tzname, contact=contact, city=city, country=country),
    )


#: A centre id is at most this long: its contact's messages are logged as ``"centre <id>"`` (64 at most).
CENTRE_ID_MAX = 57


def _centre_id(r: Reader, value: object, key: str) -> str:
    cid = r.ident(value, key)
    if len(cid) > CENTRE_ID_MAX:
        r.fail(key, f"a centre id has at most {CENTRE_ID_MAX} characters")
    return cid


def _contact(r: Reader, value: object, key: str) -> Organizer:
    table = r.table(value, key)
    r.only(table, CENTRE_CONTACT_KEYS, key)
    mark = r.mark()
    name = r.get(lambda: r.text(r.required(table, "name", key), f"{key}.name"), "")
    email = r.get(lambda: r.email(r.required(table, "email", key), f"{key}.email"), "")
    r.since(mark)
    return Organizer(name=name, email=email)


def _country(r: Reader, value: object, key: str) -> str:
    country = r.text(value, key)
    if not _COUNTRY.match(country):
        r.fail(key, f"{country!r} is not an ISO 3166-1 alpha-2 code such as JM")
    return country.upper()


def read_recordings(r: Reader, value: object) -> RecordingPolicy:
    """``[recordings]``: ``send_to`` is ``missed`` (default), ``all`` or ``none``."""
    if value is None:
        return RecordingPolicy()
    table = r.table(value, "recordings")
    r.only(table, RECORDINGS_KEYS, "recordings")
    send_to = r.choice(table.get("send_to", "missed"), "recordings.send_to", RECORDING_AUDIENCES)
    return RecordingPolicy(send_to=send_to)


def read_invitations(r: Reader, value: object) -> InvitationPolicy:
    """``[invitations]``: ``delivery`` is ``invites`` (default, one invitation per session) or ``feed``
    (one welcome message with the person's calendar subscription address)."""
    if value is None:
        return InvitationPolicy()
    table = r.table(value, "invitations")
    r.only(table, INVITATIONS_KEYS, "invitations")
    delivery = r.choice(table.get("delivery", "invites"), "invitations.delivery", INVITATION_DELIVERIES)
    return InvitationPolicy(delivery=delivery)


def url(r: Reader, value: object, key: str) -> str:
    """An ``http(s)://`` address without spaces (a recording link, say)."""
    text = r.text(value, key)
    if not _URL.match(text):
        r.fail(key, f"{text!r} is not a web address: write it as https://...")
    return text
