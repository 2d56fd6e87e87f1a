"""Stable identifiers: the UID of a session's event and the fingerprint of what makes an invite change."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC
from functools import lru_cache

from ..models import Session
from ..records import DialIn

__all__ = ["UID_NAMESPACE", "invite_fingerprint", "session_uid"]

#: The UUIDv5 namespace of every session UID. Fixed forever: changing it would duplicate every invite.
UID_NAMESPACE = uuid.UUID("5f0d2c1e-7a43-5b8e-9c61-3d2f4a8b6e10")


@lru_cache(maxsize=4096)
def session_uid(course_id: str, session_id: str) -> str:
    """The UID of a session's event: a UUIDv5 of the course and session ids (no personal data).

    The same for every recipient and every message about the session, so a reschedule updates the
    event in the calendar instead of adding a second one.
    """
    return str(uuid.uuid5(UID_NAMESPACE, f"{course_id}/{session_id}"))


def invite_fingerprint(session: Session, join_url: str | None, dial_in: DialIn | None = None) -> str:
    """A hash of the fields whose change must raise SEQUENCE: start, length, title, join link and the
    dial-in details (numbers, meeting number, passcode). Without dial-in the hash is what it always was,
    so stores written before dial-in existed re-send nothing."""
    start = session.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields: list[object] = [start, session.minutes, session.title, join_url or ""]
    if dial_in is not None:
        fields.append(dial_in.to_json())
    blob = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
