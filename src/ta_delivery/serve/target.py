"""What ``serve`` serves: the courses of a course file or programme, their store and run context.

Course files are read again when they change on disk, so a running server follows the coordinators'
edits; what ``apply`` made (classrooms, feed tokens) is read from the store on every request.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import attrs

from ..context import RunContext
from ..errors import InputError
from ..models import Course
from ..records import Segment
from ..store import Store
from ..webhooks import MeetingTarget

__all__ = ["Served", "feed_url"]

#: How long a webhook waits for another process handling the same meeting.
_SERIAL_TIMEOUT = 30.0


def feed_url(base: str, token: str) -> str:
    """The address of a personal feed under the serve URL ``base``."""
    return f"{base.rstrip('/')}/feeds/{token}.ics"


@attrs.define
class Served:
    """The courses one ``serve`` process answers for, read by ``loader`` from ``paths``."""

    paths: tuple[Path, ...]
    loader: Callable[[], Sequence[Course]]
    store: Store
    context: RunContext
    _courses: tuple[Course, ...] = attrs.field(init=False, default=())
    _stamp: tuple[float, ...] = attrs.field(init=False, default=())
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)

    def courses(self) -> tuple[Course, ...]:
        """The courses as their files are now (read again when a file changed; kept if it is broken)."""
        stamp = tuple(p.stat().st_mtime if p.exists() else 0.0 for p in self.paths)
        with self._lock:
            if stamp != self._stamp or not self._courses:
                try:
                    self._courses = tuple(self.loader())
                    self._stamp = stamp
                except InputError:
                    if not self._courses:
                        raise
            return self._courses

    def course(self, course_id: str) -> Course | None:
        """The served course ``course_id``, if any."""
        return next((c for c in self.courses() if c.id == course_id), None)

    def meeting(self, provider: str, external_id: str) -> MeetingTarget | None:
        """The served session whose classroom on ``provider`` has ``external_id``."""
        for course in self.courses():
            for session_id, row in self.store.classrooms(course.id).items():
                room = row.classroom
                if room.provider == provider and room.external_id == external_id:
                    return MeetingTarget(course=course, session_id=session_id, classroom=room)
        return None

    def record(self, course_id: str, segments: Sequence[Segment]) -> int:
        """Record segments for ``course_id``; return how many were new."""
        from ..attendance.storage import AttendanceStore

        if not segments:
            return 0
        return AttendanceStore(self.store).record(course_id, segments, self.context.clock.now()).inserted

    @contextmanager
    def serialised(self, key: str) -> Iterator[None]:
        """A lock named ``key`` shared by every serve process on the store (the store's run lock)."""
        name = "serve-" + hashlib.sha256(key.encode()).hexdigest()[:24]
        with self.store.run_lock(name, timeout=_SERIAL_TIMEOUT):
            yield
