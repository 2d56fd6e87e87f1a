"""The classroom a session should have: our key, the request, and its fingerprint."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .models import Course, Session
from .records import ClassroomRequest

__all__ = ["classroom_key", "classroom_request", "request_fingerprint"]


def classroom_key(course_id: str, session_id: str) -> str:
    """Our stable mark of a session's classroom, searchable on the provider's side."""
    return f"ta-delivery:{course_id}/{session_id}"


def classroom_request(course: Course, session: Session) -> ClassroomRequest:
    """The classroom ``session`` should have."""
    provider = course.provider_of(session)
    return ClassroomRequest(
        key=classroom_key(course.id, session.id),
        course_id=course.id,
        session_id=session.id,
        title=session.title,
        start=session.start,
        minutes=session.minutes,
        timezone=course.timezone,
        description=session.description,
        language=course.language,
        hosts=course.trainers_of(session),
        participants=course.participants_of(session),
        options=dict(course.provider_options.get(provider, {})),
    )


def request_fingerprint(provider: str, request: ClassroomRequest, personal: bool) -> str:
    """A hash of everything in ``request`` the provider's classroom depends on."""
    facts: dict[str, Any] = {
        "provider": provider,
        "title": request.title,
        "start": request.start.isoformat(),
        "minutes": request.minutes,
        "timezone": request.timezone,
        "description": request.description,
        "hosts": [(p.id, p.email.lower()) for p in request.hosts],
        "options": request.options,
    }
    if personal:
        facts["participants"] = [(p.id, p.email.lower(), p.name) for p in request.participants]
    blob = json.dumps(facts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:32]
