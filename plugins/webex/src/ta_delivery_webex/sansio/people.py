"""Webex people: invitee and registrant bodies, and each participant's personal join link (pure)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ta_delivery.models import Person

from .meetings import NAME_MAX, clean_text

__all__ = ["invitee_body", "personal_link", "registrant_body", "split_name"]


def split_name(name: str) -> tuple[str, str]:
    """First and last name for a registration form, which requires both."""
    words = clean_text(name).split()
    if not words:
        return ("-", "-")
    if len(words) == 1:
        return (words[0], words[0])
    return (" ".join(words[:-1]), words[-1])


def invitee_body(meeting_id: str, person: Person, cohost: bool) -> dict[str, Any]:
    """The body of ``POST /meetingInvitees`` (Webex sends no e-mail)."""
    return {
        "meetingId": meeting_id,
        "email": person.email,
        "displayName": clean_text(person.name).strip()[:NAME_MAX] or person.email,
        "coHost": cohost,
        "sendEmail": False,
    }


def registrant_body(person: Person) -> dict[str, Any]:
    """The body of ``POST /meetings/{id}/registrants`` (Webex sends no e-mail)."""
    first, last = split_name(person.name)
    return {"firstName": first, "lastName": last, "email": person.email, "sendEmail": False}


def personal_link(web_link: str, person: Person) -> str:
    """The join link written into ``person``'s invite.

    Webex's REST API returns one lasting join link per meeting (``webLink``); the invitee list or the
    registration is what admits a person. We add the person's e-mail and name, which the join page uses
    to fill in its form, so each invite carries its own link that still opens the same meeting.
    """
    parts = urlsplit(web_link)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("email", "name")]
    query += [("email", person.email), ("name", clean_text(person.name).strip()[:NAME_MAX])]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
