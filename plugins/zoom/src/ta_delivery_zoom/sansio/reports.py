"""Zoom's reports, read into our records: participants report rows as attendance segments, and the cloud
recording of a meeting (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

from ta_delivery.errors import BadResponse
from ta_delivery.records import Recording, Segment

from .meetings import PROVIDER, parse_time

__all__ = ["encode_uuid", "recording_from", "segments_from_report"]


def recording_from(answer: object) -> Recording | None:
    """The recording of a meeting from ``GET /meetings/{id}/recordings``: its ``share_url`` (else the
    first playable file's ``play_url``) and its passcode (``password``), or ``None`` while nothing is
    playable yet."""
    if not isinstance(answer, Mapping):
        raise BadResponse("recordings is not an object", provider=PROVIDER)
    url = answer.get("share_url")
    if not isinstance(url, str) or not url:
        files = answer.get("recording_files")
        playable = (
            [
                f.get("play_url")
                for f in files or ()
                if isinstance(f, Mapping) and f.get("status", "completed") == "completed"
            ]
            if isinstance(files, list)
            else []
        )
        url = next((u for u in playable if isinstance(u, str) and u), None)
    if not url:
        return None
    password = answer.get("password")
    return Recording(url=url, passcode=password if isinstance(password, str) and password else None)


def encode_uuid(uuid: str) -> str:
    """A meeting UUID as a path segment: double-encoded when it starts with ``/`` or contains ``//``."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def segments_from_report(
    rows: Iterable[Mapping[str, Any]],
    *,
    session_id: str,
    instance: str,
    registrants: Mapping[str, str],
    source: str = "zoom-report",
) -> Iterator[Segment]:
    """Segments from the participants report of one meeting instance.

    ``registrants`` maps registrant id -> person id; a row with a known registrant id is resolved to that
    person, others carry their email and name for the core to match. Waiting-room rows and rows without a
    leave time (still in the meeting) are skipped.
    """
    for row in rows:
        if row.get("status") == "in_waiting_room":
            continue
        if not row.get("leave_time"):
            continue
        join = parse_time(row.get("join_time"), "participant join_time")
        leave = parse_time(row.get("leave_time"), "participant leave_time")
        if leave < join:
            raise BadResponse("participant leaves before joining", provider=PROVIDER)
        registrant_id = row.get("registrant_id") or None
        person_id = registrants.get(registrant_id) if isinstance(registrant_id, str) else None
        email = row.get("user_email") or None
        name = row.get("name") or None
        # ``user_id`` is assigned per join (valid for that join only): a guest who rejoins would become
        # several people, so a guest without a Zoom account is matched by email or name instead
        external = row.get("participant_user_id") or row.get("id") or None
        yield Segment(
            session_id=session_id,
            join=join,
            leave=leave,
            source=source,
            raw_key=Segment.key_of(source, instance, row.get("user_id"), row.get("join_time"), leave),
            person_id=person_id,
            external_id=str(external) if external is not None else None,
            email=str(email) if email is not None else None,
            name=str(name) if name is not None else None,
        )
