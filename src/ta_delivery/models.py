"""The domain: courses, sessions, people and policies, as immutable attrs records.

Times are instants: every ``datetime`` held here is timezone-aware UTC. Zones belong to people
(and to the course, for reading local times in its file). The values the records are made of live beside
this module and are importable from it too: :mod:`.zones` (``zone``, ``known_zones``, ``utc``),
:mod:`.hours` (``WorkingHours``), :mod:`.weekdays` (``WorkingDays``) and :mod:`.validators` (the field
checks, ``is_email``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

import attrs

from .evaluation.model import Evaluation
from .hours import EIGHT_TO_SIX, WorkingHours
from .validators import _EMAIL as _EMAIL  # the start-up test checks its character class
from .validators import (
    check_course_id,
    check_email,
    check_id,
    check_text,
    check_utc,
    check_zone,
    is_email,
)
from .values import Value
from .weekdays import MON_FRI, WorkingDays
from .zones import known_zones, utc, zone

__all__ = [
    "ACTIVITY_KINDS",
    "LANGUAGES",
    "AttendancePolicy",
    "Centre",
    "Course",
    "InvitationPolicy",
    "LmsSettings",
    "Organizer",
    "Participant",
    "Person",
    "RecordingPolicy",
    "Registration",
    "Rules",
    "Session",
    "Trainer",
    "WorkingDays",
    "WorkingHours",
    "is_email",
    "known_zones",
    "utc",
    "zone",
]

ACTIVITY_KINDS = ("course", "workshop", "seminar", "webinar", "symposium", "dialogue")
SCOPES = ("national", "sub-regional", "regional", "global")
LEVELS = ("basic", "intermediate", "advanced")
LANGUAGES = ("en", "fr", "es")
STATUSES = ("planned", "scheduled", "delivered", "postponed", "cancelled")
SESSION_KINDS = ("live", "recorded")
SEVERITIES = ("error", "warning")
GENDERS = ("female", "male", "other")


@attrs.frozen(repr=False, eq=False)
class Organizer(Value):
    """Who sends the invitations."""

    name: str = attrs.field(validator=check_text)
    email: str = attrs.field(validator=check_email)


@attrs.frozen(repr=False, eq=False)
class Rules(Value):
    """The virtual-delivery rules (PRODUCT.md section 1 ``[rules]``)."""

    max_live_minutes: int = 120
    max_live_sessions_per_day: int = 2
    working_hours: WorkingHours = EIGHT_TO_SIX
    working_days: WorkingDays = MON_FRI
    severity: Mapping[str, Literal["error", "warning"]] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if self.max_live_minutes <= 0 or self.max_live_sessions_per_day <= 0:
            raise ValueError("rule limits must be positive")
        for rule, sev in self.severity.items():
            if sev not in SEVERITIES:
                raise ValueError(f"severity of {rule} must be 'error' or 'warning'")


@attrs.frozen(repr=False, eq=False)
class AttendancePolicy(Value):
    """How attended time becomes a status and statuses become completion."""

    late_after_minutes: float = 10
    present_fraction: float = 0.75
    partial_fraction: float = 0.25
    completion_fraction: float = 0.8

    def __attrs_post_init__(self) -> None:
        if self.late_after_minutes < 0:
            raise ValueError("late_after_minutes must not be negative")
        for name in ("present_fraction", "partial_fraction", "completion_fraction"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.partial_fraction > self.present_fraction:
            raise ValueError("partial_fraction must not exceed present_fraction")


@attrs.frozen(repr=False, eq=False)
class Person(Value):
    """Someone who takes part: a trainer or a participant."""

    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_text)
    email: str = attrs.field(validator=check_email)
    timezone: str = attrs.field(validator=check_zone)
    working_hours: WorkingHours | None = None
    working_days: WorkingDays | None = attrs.field(default=None, kw_only=True)
    language: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(LANGUAGES))
    )
    country: str | None = None
    #: For the reports only (PRODUCT.md section 1).
    organisation: str | None = None
    gender: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(GENDERS))
    )
    #: the id of the reference centre (``[[centres]]``) the person attends from, if any
    centre: str | None = None

    #: ``"trainer"`` or ``"participant"``: a class constant, not a field (the kinds differ in nothing else)
    role: ClassVar[str] = "person"

    @property
    def zone(self) -> ZoneInfo:
        """The person's zone."""
        return zone(self.timezone)


class Trainer(Person):
    """A trainer: must be inside working hours for every slot proposed.

    The fields, ``__init__`` and validation are :class:`Person`'s: a plain subclass, so that attrs does not
    write and compile the same methods twice more at every start (decision 0170). It is still an attrs
    class (``attrs.fields``, ``attrs.evolve``), frozen and slotted, and never equal to a participant.
    """

    __slots__ = ()
    role: ClassVar[str] = "trainer"


class Participant(Person):
    """A participant (a plain subclass of :class:`Person`, as :class:`Trainer` is)."""

    __slots__ = ()
    role: ClassVar[str] = "participant"


@attrs.frozen(repr=False, eq=False)
class Session(Value):
    """One session of the activity. ``start`` is a UTC instant."""

    id: str = attrs.field(validator=check_id)
    title: str = attrs.field(validator=check_text)
    start: datetime = attrs.field(validator=check_utc)
    minutes: int = attrs.field()
    kind: Literal["live", "recorded"] = attrs.field(
        default="live", validator=attrs.validators.in_(SESSION_KINDS)
    )
    trainers: tuple[str, ...] = ()
    participants: tuple[str, ...] | None = None
    provider: str | None = None
    description: str | None = None
    #: where the recording is once it exists; wins over the one a provider finds
    recording_url: str | None = None

    @minutes.validator
    def _positive(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError("minutes must be a positive whole number")

    @property
    def end(self) -> datetime:
        """The UTC instant the session ends."""
        return self.start + timedelta(minutes=self.minutes)

    @property
    def live(self) -> bool:
        """True for a live session (needs a classroom, counted by rules and attendance)."""
        return self.kind == "live"


@attrs.frozen(repr=False, eq=False)
class LmsSettings(Value):
    """The ``[lms]`` table."""

    provider: str
    course: str
    attendance: bool = True
    require_prerequisites: bool = False
    #: Further keys of the ``[lms]`` table, validated by the LMS plugin (e.g. moodle's ``partial``).
    options: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(repr=False, eq=False)
class Centre(Value):
    """A reference centre: a room with a good connection that people attend from (``[[centres]]``).

    Its contact receives each live session's invitation with the names of the people attending from it.
    """

    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_text)
    timezone: str = attrs.field(validator=check_zone)
    contact: Organizer
    city: str | None = None
    country: str | None = None


RECORDING_AUDIENCES = ("missed", "all", "none")


@attrs.frozen(repr=False, eq=False)
class RecordingPolicy(Value):
    """Who gets a live session's recording (``[recordings] send_to``): participants who were not present
    or late (``missed``), every participant (``all``), or nobody (``none``)."""

    send_to: str = attrs.field(default="missed", validator=attrs.validators.in_(RECORDING_AUDIENCES))


INVITATION_DELIVERIES = ("invites", "feed")


@attrs.frozen(repr=False, eq=False)
class InvitationPolicy(Value):
    """How people learn their sessions (``[invitations] delivery``): one calendar invitation per session
    (``invites``, the default), or one welcome message with their personal feed address (``feed``)."""

    delivery: str = attrs.field(default="invites", validator=attrs.validators.in_(INVITATION_DELIVERIES))


@attrs.frozen(repr=False, eq=False)
class Registration(Value):
    """How to apply for a course (the public catalogue's ``registration = { url, deadline }``)."""

    url: str | None = None
    deadline: date | None = None


@attrs.frozen(repr=False, eq=False)
class Course(Value):
    """One activity with its people and sessions."""

    id: str = attrs.field(validator=lambda _i, _a, v: check_course_id(v))
    title: str = attrs.field(validator=check_text)
    timezone: str = attrs.field(validator=check_zone)
    organizer: Organizer
    kind: str = attrs.field(default="course", validator=attrs.validators.in_(ACTIVITY_KINDS))
    scope: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(SCOPES))
    )
    level: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(LEVELS))
    )
    language: str = attrs.field(default="en", validator=attrs.validators.in_(LANGUAGES))
    provider: str = "jitsi"
    status: str = attrs.field(default="scheduled", validator=attrs.validators.in_(STATUSES))
    prerequisites: tuple[str, ...] = ()
    rules: Rules = Rules()
    attendance: AttendancePolicy = AttendancePolicy()
    trainers: tuple[Trainer, ...] = ()
    participants: tuple[Participant, ...] = ()
    sessions: tuple[Session, ...] = ()
    provider_options: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    lms: LmsSettings | None = None
    #: ``[evaluation]``: the questions asked of participants (PRODUCT.md section 6).
    evaluation: Evaluation | None = None
    source: str | None = attrs.field(default=None, eq=False)
    #: The public catalogue's keys (PRODUCT.md section 5): blurb, audience, listed or not, how to apply.
    summary: str | None = None
    audience: str | None = None
    public: bool = True
    registration: Registration | None = None
    centres: tuple[Centre, ...] = ()
    recordings: RecordingPolicy = RecordingPolicy()
    invitations: InvitationPolicy = InvitationPolicy()

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        centres = {c.id for c in self.centres}
        if len(centres) != len(self.centres):
            raise ValueError("duplicate centre id")
        for person in (*self.trainers, *self.participants):
            if person.id in seen:
                raise ValueError(f"duplicate person id {person.id!r}")
            seen.add(person.id)
            if person.centre is not None and person.centre not in centres:
                raise ValueError(f"person {person.id!r} names unknown centre {person.centre!r}")
        sids: set[str] = set()
        for s in self.sessions:
            if s.id in sids:
                raise ValueError(f"duplicate session id {s.id!r}")
            sids.add(s.id)
            for tid in s.trainers:
                if tid not in {t.id for t in self.trainers}:
                    raise ValueError(f"session {s.id!r} names unknown trainer {tid!r}")
            for pid in s.participants or ():
                if pid not in {p.id for p in self.participants}:
                    raise ValueError(f"session {s.id!r} names unknown participant {pid!r}")

    @property
    def zone(self) -> ZoneInfo:
        """The course's zone, used to read local times in its file."""
        return zone(self.timezone)

    @property
    def people(self) -> tuple[Person, ...]:
        """Trainers then participants."""
        return (*self.trainers, *self.participants)

    def person(self, person_id: str) -> Person:
        """The person with ``person_id``; ``KeyError`` if none."""
        for p in self.people:
            if p.id == person_id:
                return p
        raise KeyError(person_id)

    def centre(self, centre_id: str) -> Centre:
        """The reference centre with ``centre_id``; ``KeyError`` if none."""
        for c in self.centres:
            if c.id == centre_id:
                return c
        raise KeyError(centre_id)

    def session(self, session_id: str) -> Session:
        """The session with ``session_id``; ``KeyError`` if none."""
        for s in self.sessions:
            if s.id == session_id:
                return s
        raise KeyError(session_id)

    @property
    def live_sessions(self) -> tuple[Session, ...]:
        """The live sessions, in file order."""
        return tuple(s for s in self.sessions if s.live)

    def trainers_of(self, session: Session) -> tuple[Trainer, ...]:
        """The session's trainers."""
        ids = set(session.trainers)
        return tuple(t for t in self.trainers if t.id in ids)

    def participants_of(self, session: Session) -> tuple[Participant, ...]:
        """The session's participants (every participant when the session names none)."""
        if session.participants is None:
            return self.participants
        ids = set(session.participants)
        return tuple(p for p in self.participants if p.id in ids)

    def people_of(self, session: Session) -> tuple[Person, ...]:
        """Trainers then participants of ``session``."""
        return (*self.trainers_of(session), *self.participants_of(session))

    def sessions_of(self, person_id: str) -> Iterator[Session]:
        """The sessions ``person_id`` takes part in."""
        for s in self.sessions:
            if any(p.id == person_id for p in self.people_of(s)):
                yield s

    def provider_of(self, session: Session) -> str:
        """The classroom provider of ``session``."""
        return session.provider or self.provider

    def language_of(self, person: Person) -> str:
        """The language invites to ``person`` are written in."""
        return person.language or self.language

    def hours_of(self, person: Person) -> WorkingHours:
        """The working window of ``person``."""
        return person.working_hours or self.rules.working_hours

    def days_of(self, person: Person) -> WorkingDays:
        """The working days of ``person``."""
        return person.working_days or self.rules.working_days
