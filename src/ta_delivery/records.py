"""Typed records exchanged through the hooks: what plugins register and what they hand back.

Every record is a frozen attrs class; plugins build them, the core reads them. The Protocols of the
optional methods (``SupportsStale``, ``SupportsCheck``, ...) live in :mod:`.supports` and are named here too.
The registrations and :class:`Finding` live in :mod:`.specs`, which every command loads, and are named here
too; the records of a run (classrooms, segments, statuses) are built only when a command imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import attrs

from . import supports
from .models import Course, Participant, Trainer
from .specs import (
    Capabilities,
    Finding,
    ImportFormatSpec,
    LmsSpec,
    ProviderSpec,
    RuleSpec,
    Severity,
    TransportSpec,
    any_options,
    no_options,
    parse_on_first_use,
)
from .supports import *  # noqa: F403 (the optional-method Protocols: named here too)

if TYPE_CHECKING:
    from email.message import EmailMessage


__all__ = [
    "AttendanceStatus",
    "Capabilities",
    "Classroom",
    "ClassroomProvider",
    "ClassroomRequest",
    "DialIn",
    "Finding",
    "ImportFormatSpec",
    "ImportRequest",
    "LmsProvider",
    "LmsSpec",
    "PhoneNumber",
    "ProviderSpec",
    "Recording",
    "RecordingFinder",
    "RuleSpec",
    "Segment",
    "Severity",
    "Transport",
    "TransportSpec",
    "any_options",
    "no_options",
    "parse_on_first_use",
]
__all__ += supports.__all__

Status = Literal["present", "late", "partial", "absent", "excused", "upcoming", "unrecorded"]


# --- rules ---------------------------------------------------------------------------------------


# --- classrooms ----------------------------------------------------------------------------------


@attrs.frozen
class ClassroomRequest:
    """The desired classroom for one live session. ``key`` is our stable, searchable mark."""

    key: str
    course_id: str
    session_id: str
    title: str
    start: datetime
    minutes: int
    timezone: str
    description: str | None = None
    language: str = "en"
    hosts: tuple[Trainer, ...] = ()
    participants: tuple[Participant, ...] = ()
    options: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def end(self) -> datetime:
        """The UTC end instant."""
        from datetime import timedelta

        return self.start + timedelta(minutes=self.minutes)


@attrs.frozen
class PhoneNumber:
    """One dial-in number. ``country`` is ISO 3166-1 alpha-2 where the provider says or we can tell."""

    number: str
    country: str | None = None
    label: str | None = None
    toll_free: bool = False


@attrs.frozen
class DialIn:
    """How to join a classroom by phone: numbers, the meeting number and the phone passcode.

    ``one_tap`` is what follows the number in a one-tap ``tel:`` link, in the provider's own layout
    (for example ``",,123456789#,,,,*111222#"``); ``None`` where the provider has no such layout.
    """

    numbers: tuple[PhoneNumber, ...]
    meeting_number: str
    passcode: str | None = attrs.field(default=None, repr=False)
    one_tap: str | None = attrs.field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form, for the store."""
        return {
            "numbers": [attrs.asdict(n) for n in self.numbers],
            "meeting_number": self.meeting_number,
            "passcode": self.passcode,
            "one_tap": self.one_tap,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DialIn:
        """The inverse of :meth:`to_json`."""
        return cls(
            numbers=tuple(PhoneNumber(**n) for n in data.get("numbers", ())),
            meeting_number=str(data["meeting_number"]),
            passcode=data.get("passcode"),
            one_tap=data.get("one_tap"),
        )


@attrs.frozen
class Recording:
    """Where a finished session's recording can be watched, with its passcode if it has one."""

    url: str
    passcode: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Classroom:
    """A virtual classroom as a provider made it. ``data`` is provider-private, JSON-able, secret-free."""

    provider: str
    key: str
    external_id: str
    join_url: str
    host_url: str | None = attrs.field(default=None, repr=False)
    personal_links: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    data: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    #: how to join by phone, where the provider gives numbers (capability ``dial_in``)
    dial_in: DialIn | None = attrs.field(default=None, repr=False)

    def join_url_for(self, person_id: str) -> str:
        """The link ``person_id`` joins with: their personal one where the provider gave one."""
        return self.personal_links.get(person_id, self.join_url)


class ClassroomProvider(Protocol):
    """Creates, changes and cancels classrooms on one system. Made per run by a factory."""

    def create(self, request: ClassroomRequest) -> Classroom:
        """Create the classroom. Never called twice for one key without a ``find`` in between."""
        ...

    def update(self, classroom: Classroom, request: ClassroomRequest) -> Classroom:
        """Bring ``classroom`` in line with ``request``; return it as it now is."""
        ...

    def cancel(self, classroom: Classroom) -> None:
        """Delete or end the classroom. Idempotent: already gone counts as done."""
        ...

    def find(self, request: ClassroomRequest) -> Classroom | None:
        """The classroom marked with ``request.key``, if one exists (capability ``find_by_key``)."""
        ...

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        """Join/leave segments of an ended classroom (capability ``attendance_fetch``)."""
        ...


@runtime_checkable
class RecordingFinder(Protocol):
    """Optional provider method, declared by the capability ``recordings``."""

    def find_recording(self, classroom: Classroom, request: ClassroomRequest) -> Recording | None:
        """The recording of an ended classroom, or ``None`` while there is none yet."""
        ...


# --- attendance ----------------------------------------------------------------------------------


@attrs.frozen
class Segment:
    """One raw join-leave interval of someone in a session, as a source reported it.

    ``raw_key`` identifies the raw row or event within its source, so importing it again changes nothing.
    Identity: ``person_id`` when the source already resolved it (e.g. a registrant id), else ``external_id``,
    ``email`` and ``name`` for the core to match.
    """

    session_id: str
    join: datetime
    leave: datetime
    source: str
    raw_key: str
    person_id: str | None = None
    external_id: str | None = None
    email: str | None = None
    name: str | None = None

    @staticmethod
    def key_of(*parts: object) -> str:
        """A stable hash of the raw fields identifying a row."""
        import hashlib  # here, not at start: only imports hash rows (decision 0082)

        text = "\x1f".join("" if p is None else str(p) for p in parts)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@attrs.frozen
class ImportRequest:
    """What an import format gets: the file, the course, and the command's options."""

    path: Path
    data: bytes
    course: Course
    session_id: str | None = None
    timezone: ZoneInfo | None = None
    #: ``--date-order`` (``dmy``, ``mdy`` or ``ymd``): how to read dates such as 01/06/2023; None to infer
    date_order: str | None = None


@attrs.frozen
class AttendanceStatus:
    """A participant's reconciled status in one live session."""

    session_id: str
    participant_id: str
    status: Status
    attended_seconds: float
    first_join: datetime | None = None
    reason: str | None = None


# --- invites -------------------------------------------------------------------------------------


class Transport(Protocol):
    """Delivers invitation messages."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise :class:`~ta_delivery.errors.TransportError`."""
        ...


# --- LMS -----------------------------------------------------------------------------------------


@attrs.frozen
class LmsChange:
    """One thing an LMS sync would do or did: ``action`` is create, update, delete or enrol."""

    action: str
    target: str
    detail: str = ""
    ok: bool = True
    error: str | None = None


class LmsProvider(Protocol):
    """A learning management system linked through the course's ``[lms]`` table."""

    def plan(self, course: Course) -> list[LmsChange]:
        """What ``apply`` would change, read-only."""
        ...

    def apply(self, course: Course) -> list[LmsChange]:
        """Make the LMS course, accounts, enrolments and register match the course. Idempotent."""
        ...

    def prerequisites(self, course: Course) -> Mapping[str, bool]:
        """Participant id -> whether they completed every ``course.prerequisites`` course."""
        ...

    def push_attendance(self, course: Course, statuses: Iterable[AttendanceStatus]) -> None:
        """Write statuses into the LMS attendance register."""
        ...
