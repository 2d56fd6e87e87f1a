"""What Zoom answers, read into our records: list pages, meetings as classrooms, dial-in numbers,
registrants and panelists (pure; a malformed answer raises :class:`~ta_delivery.errors.BadResponse`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ta_delivery.errors import BadResponse
from ta_delivery.records import Classroom, ClassroomRequest, DialIn, PhoneNumber

from .meetings import PROVIDER, Kind, _clean

__all__ = ["classroom_from", "dial_in_from", "page_items", "panelists_from", "registrant_from"]


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadResponse(f"{what} is not a JSON object", provider=PROVIDER)
    return value


def _string(body: Mapping[str, Any], key: str, what: str) -> str:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise BadResponse(f"{what} has no {key}", provider=PROVIDER)
    return str(value)


def page_items(body: object, field: str) -> tuple[list[Mapping[str, Any]], str | None]:
    """The items of one list page and its ``next_page_token`` (``None`` on the last page)."""
    page = _mapping(body, f"{field} page")
    items = page.get(field, [])
    if items is None:
        items = []
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise BadResponse(f"{field} is not a list of objects", provider=PROVIDER)
    token = page.get("next_page_token")
    return items, token if isinstance(token, str) and token else None


def classroom_from(
    request: ClassroomRequest,
    meeting: object,
    *,
    kind: Kind,
    host: str,
    registrants: Mapping[str, Mapping[str, str]],
    body_hash: str | None = None,
    panelists: Mapping[str, Mapping[str, str]] | None = None,
    cancelled: Mapping[str, str] | None = None,
) -> Classroom:
    """The classroom for a Zoom meeting (or webinar) and its registrants (person id -> id, email, url).

    ``panelists`` (webinars: trainer id -> panelist id, email, url) add the trainers' personal links;
    ``cancelled`` (email -> registrant id) remembers registrants we cancelled, so a person added back
    is approved again rather than left with Zoom's denied registration.

    ``start_url`` (a host token valid two hours) is deliberately dropped: it is a secret and would be
    stale in any store; hosts start from their Zoom client or the web portal.
    """
    body = _mapping(meeting, "meeting")
    meeting_id = _string(body, "id", "meeting")
    join_url = _string(body, "join_url", "meeting")
    links = {pid: reg["join_url"] for pid, reg in registrants.items() if reg.get("join_url")}
    for pid, panelist in (panelists or {}).items():
        if panelist.get("join_url"):
            links[pid] = panelist["join_url"]
    data: dict[str, Any] = {
        "kind": kind,
        "host": host,
        "registrants": {pid: {"id": reg["id"], "email": reg["email"]} for pid, reg in registrants.items()},
    }
    if isinstance(body.get("uuid"), str):
        data["uuid"] = body["uuid"]
    if panelists:
        data["panelists"] = {pid: {"id": p["id"], "email": p["email"]} for pid, p in panelists.items()}
    if cancelled:
        data["cancelled"] = dict(sorted(cancelled.items()))
    if body_hash:
        data["body_hash"] = body_hash
    return Classroom(
        provider=PROVIDER,
        key=request.key,
        external_id=meeting_id,
        join_url=join_url,
        host_url=None,
        personal_links=links,
        data=data,
        dial_in=dial_in_from(body),
    )


def dial_in_from(meeting: Mapping[str, Any]) -> DialIn | None:
    """The phone details of a meeting: ``settings.global_dial_in_numbers``, the meeting id and the
    phone passcode (``pstn_password``; older answers carry it as ``h323_password``).

    Zoom's one-tap layout dials the meeting id, then the passcode after a pause:
    ``+16465588656,,85012345678#,,,,*123456#``.
    """
    settings = meeting.get("settings")
    numbers = settings.get("global_dial_in_numbers") if isinstance(settings, Mapping) else None
    if not isinstance(numbers, list) or not numbers:
        return None
    phones: list[PhoneNumber] = []
    for entry in numbers:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("number"), str):
            continue
        country = entry.get("country")
        city = entry.get("city")
        phones.append(
            PhoneNumber(
                number=_clean(entry["number"], keep_newlines=False),
                country=country.upper() if isinstance(country, str) and len(country) == 2 else None,
                label=_clean(city, keep_newlines=False) if isinstance(city, str) and city else None,
                toll_free=entry.get("type") == "tollfree",
            )
        )
    meeting_id = meeting.get("id")
    if not phones or meeting_id is None:
        return None
    digits = re.sub(r"\D", "", str(meeting_id))
    passcode = meeting.get("pstn_password") or meeting.get("h323_password")
    passcode = re.sub(r"\D", "", passcode) if isinstance(passcode, str) else ""
    tap = f",,{digits}#" + (f",,,,*{passcode}#" if passcode else "")
    return DialIn(numbers=tuple(phones), meeting_number=digits, passcode=passcode or None, one_tap=tap)


def registrant_from(answer: object) -> dict[str, str]:
    """``{"id", "join_url"}`` from the answer to a registrant POST."""
    body = _mapping(answer, "registrant")
    return {
        "id": _string(body, "registrant_id", "registrant"),
        "join_url": _string(body, "join_url", "registrant"),
    }


def panelists_from(answer: object) -> dict[str, dict[str, str]]:
    """Lower-cased email -> ``{"id", "email", "join_url"}`` from a webinar's panelist list."""
    items, _ = page_items(answer, "panelists")
    out: dict[str, dict[str, str]] = {}
    for item in items:
        email = item.get("email")
        if not isinstance(email, str) or not email:
            continue
        panelist_id = _string(item, "id", "panelist")
        url = item.get("join_url")
        out.setdefault(
            email.lower(),
            {"id": panelist_id, "email": email, "join_url": url if isinstance(url, str) else ""},
        )
    return out
