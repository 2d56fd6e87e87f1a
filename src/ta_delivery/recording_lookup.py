"""Where an ended session's recording is, and who attended it: the reads that recording messages need.

This is the I/O beside :mod:`ta_delivery.recordings` (which decides, purely, who gets which link). A link
a provider found is remembered in the store (namespace ``recordings``), so each provider is asked once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from .context import RunContext
from .desired import classroom_request
from .errors import ProviderError
from .models import Course, Session
from .planning import error_text
from .plugins import Plugins
from .records import ClassroomProvider, ProviderSpec, Recording, RecordingFinder
from .store import ClassroomRow, Store

__all__ = ["find_recording", "session_statuses"]

log = logging.getLogger(__name__)


def session_statuses(
    course: Course, store: Store, plugins: Plugins, context: RunContext
) -> dict[str, dict[str, str]]:
    """Each live session's participant statuses, from the attendance recorded so far."""
    from .attendance.service import Attendance

    report = Attendance(course, store, plugins, context).report()
    out: dict[str, dict[str, str]] = {}
    for status in report.statuses():
        out.setdefault(status.session_id, {})[status.participant_id] = status.status
    return out


def find_recording(
    course: Course,
    store: Store,
    session: Session,
    row: ClassroomRow | None,
    spec: Callable[[str], ProviderSpec],
    provider: Callable[[str], ClassroomProvider],
    *,
    remember: bool,
) -> Recording | None:
    """The recording the session's provider found (remembered once found, unless ``plan`` only reads)."""
    memory = store.namespace("recordings")
    kept = memory.get(session.id)
    if kept is not None:
        data = json.loads(kept)
        return Recording(url=data["url"], passcode=data.get("passcode"))
    if row is None or not spec(row.classroom.provider).capabilities.recordings:
        return None
    finder = provider(row.classroom.provider)
    if not isinstance(finder, RecordingFinder):
        return None
    try:
        found = finder.find_recording(row.classroom, classroom_request(course, session))
    except ProviderError as exc:
        log.warning("recording of %s not looked up: %s", session.id, error_text(exc))
        return None
    if found is not None and remember:
        memory.put(session.id, json.dumps({"url": found.url, "passcode": found.passcode}))
    return found
