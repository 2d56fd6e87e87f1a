"""What reconciliation gives: per participant and session results, unmatched attendees and the report.

Plain records (no store, no clock): the report, the table, the HTML page, the LMS and monitoring read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from ..models import Centre, Course, Participant, Session
from ..records import AttendanceStatus, Status
from .intervals import micros
from .status import MINUTE_US, PENDING

__all__ = [
    "AttendanceReport",
    "CentreDevice",
    "NameSuggestion",
    "ParticipantResult",
    "SessionResult",
    "Unmatched",
    "centre_of",
]


@attrs.frozen
class SessionResult:
    """One participant in one live session."""

    session_id: str
    status: Status
    attended: timedelta
    first_join: datetime | None
    reason: str
    computed: Status
    excuse: str | None = None
    #: credited through ``attendance link`` (a match confirmed by hand)
    linked: bool = False

    @property
    def minutes(self) -> int:
        """Attended time in whole minutes, rounded down."""
        return micros(self.attended) // MINUTE_US


@attrs.frozen
class ParticipantResult:
    """A participant's statuses and completion."""

    participant: Participant
    sessions: Mapping[str, SessionResult]
    attended_sessions: int
    live_sessions: int
    #: True: reached; False: can no longer be reached; None: still open (sessions to come or to record)
    completed: bool | None
    prerequisites_met: bool | None = None

    @property
    def rate(self) -> float | None:
        """Attended sessions over the recorded live sessions not excused (None before any is recorded)."""
        done = sum(1 for r in self.sessions.values() if r.status not in PENDING and r.status != "excused")
        return None if done == 0 else self.attended_sessions / done


@attrs.frozen
class Unmatched:
    """Attendance by someone not on the course: one entry per unknown identifier per session."""

    session_id: str
    key: str
    name: str | None
    email: str | None
    attended: timedelta

    @property
    def minutes(self) -> int:
        """Attended time in whole minutes, rounded down."""
        return micros(self.attended) // MINUTE_US


@attrs.frozen
class CentreDevice:
    """A reference centre's own device in a session (it joined once for the people in its room): shown as
    the centre's, never as someone unknown. Its people are credited through the centre's register."""

    session_id: str
    centre_id: str
    attended: timedelta

    @property
    def minutes(self) -> int:
        """Attended time in whole minutes, rounded down."""
        return micros(self.attended) // MINUTE_US


def centre_of(name: str | None, email: str | None, centres: Sequence[Centre]) -> str | None:
    """The centre an attendee is, by its contact's email or its name or id (any case), or ``None``."""
    mail = (email or "").strip().casefold()
    label = " ".join((name or "").split()).casefold()
    for centre in centres:
        if mail and mail == centre.contact.email.casefold():
            return centre.id
        if label and label in (" ".join(centre.name.split()).casefold(), centre.id.casefold()):
            return centre.id
    return None


@attrs.frozen
class NameSuggestion:
    """An unmatched entry whose name matches a participant: shown, never applied."""

    session_id: str
    name: str
    email: str | None
    participant_id: str
    minutes: int
    #: why the match is suggested
    reason: str = "same name"


@attrs.frozen
class AttendanceReport:
    """Everything the report shows."""

    course: Course
    sessions: tuple[Session, ...]
    participants: tuple[ParticipantResult, ...]
    unmatched: tuple[Unmatched, ...]
    suggestions: tuple[NameSuggestion, ...]
    #: sessions whose attendance is recorded (None: all of them)
    recorded: frozenset[str] | None = None
    #: when the report was made (None: unknown)
    now: datetime | None = None
    #: reference centres' own devices, by session
    centres: tuple[CentreDevice, ...] = ()

    @property
    def by_start(self) -> tuple[Session, ...]:
        """The sessions ordered by start (then id), as the table and the HTML page show them."""
        return tuple(sorted(self.sessions, key=lambda s: (s.start, s.id)))

    @property
    def in_progress(self) -> bool:
        """True while some live session is still upcoming or unrecorded."""
        return any(r.status in PENDING for p in self.participants for r in p.sessions.values()) or (
            self.recorded is not None and any(s.id not in self.recorded for s in self.sessions)
        )

    def statuses(self, session_ids: Iterable[str] | None = None) -> list[AttendanceStatus]:
        """Every participant's status in ``session_ids`` (all reported sessions by default)."""
        wanted = None if session_ids is None else set(session_ids)
        out: list[AttendanceStatus] = []
        for session in self.sessions:
            if wanted is not None and session.id not in wanted:
                continue
            for p in self.participants:
                r = p.sessions.get(session.id)
                if r is None:
                    continue
                out.append(
                    AttendanceStatus(
                        session_id=session.id,
                        participant_id=p.participant.id,
                        status=r.status,
                        attended_seconds=r.attended.total_seconds(),
                        first_join=r.first_join,
                        reason=r.reason,
                    )
                )
        return out
