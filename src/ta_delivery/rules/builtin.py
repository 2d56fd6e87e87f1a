"""The five built-in virtual-delivery rules (PRODUCT.md section 3), registered like any plugin's.

Times are instants: lengths and overlaps are measured in UTC. Day counts and working windows use the
session's local start date in the person's zone, even when the session runs past local midnight.
Recorded sessions are ignored by every rule here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from ..hookspecs import hookimpl
from ..models import Course, Person, Session, WorkingHours
from ..specs import Finding, RuleSpec

__all__ = [
    "DOUBLE_BOOKED",
    "OUTSIDE_WORKING_DAYS",
    "OUTSIDE_WORKING_HOURS",
    "TOO_LONG",
    "TOO_MANY",
    "Booking",
    "crowded_days",
    "double_booked",
    "double_bookings",
    "inside_working_hours",
    "live_session_too_long",
    "outside_working_days",
    "outside_working_hours",
    "too_many_live_sessions_per_day",
]

TOO_LONG = "live-session-too-long"
TOO_MANY = "too-many-live-sessions-per-day"
OUTSIDE_WORKING_HOURS = "outside-working-hours"
DOUBLE_BOOKED = "double-booked"
OUTSIDE_WORKING_DAYS = "outside-working-days"


def _local(instant: datetime, person: Person) -> datetime:
    return instant.astimezone(person.zone)


def inside_working_hours(start: datetime, minutes: int, person: Person, hours: WorkingHours) -> bool:
    """Whether ``start``..``start + minutes`` lies wholly inside ``hours`` on its local start date.

    Edges count as inside. The window is the person's, on the local date the session starts.
    """
    window_start, window_end = hours.window(_local(start, person))
    return window_start <= start and start + timedelta(minutes=minutes) <= window_end


def _live_by_person(course: Course) -> Iterator[tuple[Person, list[Session]]]:
    """Each person (trainers, then participants) with their live sessions by (start, id)."""
    mine: dict[str, list[Session]] = {p.id: [] for p in course.people}
    for session in course.live_sessions:
        for person in course.people_of(session):
            mine[person.id].append(session)
    for person in course.people:
        yield person, sorted(mine[person.id], key=lambda s: (s.start, s.id))


def _when(booking: Booking, person: Person) -> str:
    """The session on the person's clock; each end with its own offset when a DST change falls inside."""
    from ..timelabels import span_label

    return span_label(booking.start, booking.end, person.zone)


class Booking(Protocol):
    """A live session on one person's timeline: when it runs, and the id its findings name it by."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    @property
    def id(self) -> str: ...


B = TypeVar("B", bound=Booking)


def _error(rule: str, session: str, person: str | None, message: str) -> Finding:
    return Finding(rule=rule, severity="error", session=session, person=person, message=message)


def double_bookings(
    person: Person, timeline: Sequence[B], concerns: Callable[[B, B], bool] | None = None
) -> Iterator[Finding]:
    """``double-booked``: one finding per overlapping pair of ``timeline`` (sorted by start, then id) that
    ``concerns`` keeps (every pair by default); touching sessions do not overlap.

    The programme's cross-course rule runs this too, so that a finding reads the same in both.
    """
    for i, first in enumerate(timeline):
        first_end = first.end
        for second in timeline[i + 1 :]:
            if second.start >= first_end:
                break
            if concerns is not None and not concerns(first, second):
                continue
            # sorted by (start, id): ``second`` starts later, or together with a greater id
            yield _error(
                DOUBLE_BOOKED,
                second.id,
                person.id,
                f"{person.id} is in {first.id} and {second.id} at once "
                f"({_when(first, person)} and {_when(second, person)})",
            )


def crowded_days(
    person: Person, timeline: Sequence[B], limit: int, concerns: Callable[[list[B]], bool] | None = None
) -> Iterator[Finding]:
    """``too-many-live-sessions-per-day``: one finding per local date of ``person`` with more than ``limit``
    starts in ``timeline`` (sorted by start, then id) that ``concerns`` keeps (every date by default).

    The programme's cross-course rule runs this too, so that a finding reads the same in both.
    """
    days: dict[date, list[B]] = {}
    tz = person.zone
    for booking in timeline:
        days.setdefault(booking.start.astimezone(tz).date(), []).append(booking)
    for day, on_day in sorted(days.items()):
        if len(on_day) > limit and (concerns is None or concerns(on_day)):
            yield _error(
                TOO_MANY,
                on_day[limit].id,
                person.id,
                f"{person.id} has {len(on_day)} live sessions starting on {day:%a %Y-%m-%d} "
                f"({person.timezone}): {', '.join(x.id for x in on_day)}; at most {limit} a day",
            )


def _attendances(course: Course) -> Iterator[tuple[Session, Person, datetime]]:
    """Each live session with each of its people and its local start on their clock."""
    zones = {p.id: p.zone for p in course.people}
    for session in course.live_sessions:
        for person in course.people_of(session):
            yield session, person, session.start.astimezone(zones[person.id])


def live_session_too_long(course: Course) -> Iterable[Finding]:
    """One finding per live session longer than ``max_live_minutes``."""
    limit = course.rules.max_live_minutes
    for s in course.live_sessions:
        if s.minutes > limit:
            yield _error(
                TOO_LONG,
                s.id,
                None,
                f"{s.id} lasts {s.minutes} minutes; a live session lasts at most {limit}",
            )


def too_many_live_sessions_per_day(course: Course) -> Iterable[Finding]:
    """One finding per person and local date with more than ``max_live_sessions_per_day`` live starts."""
    limit = course.rules.max_live_sessions_per_day
    for person, sessions in _live_by_person(course):
        yield from crowded_days(person, sessions, limit)


def outside_working_hours(course: Course) -> Iterable[Finding]:
    """One finding per person and live session not wholly inside the person's working window."""
    for session, person, local in _attendances(course):
        hours = course.hours_of(person)
        window_start, window_end = hours.window(local)
        if not (window_start <= session.start and session.end <= window_end):
            yield _error(
                OUTSIDE_WORKING_HOURS,
                session.id,
                person.id,
                f"{session.id} runs {_when(session, person)} for {person.id}, "
                f"outside their working hours {hours}",
            )


def outside_working_days(course: Course) -> Iterable[Finding]:
    """One finding per person and live session starting on a local weekday that is not a working day."""
    for session, person, local in _attendances(course):
        days = course.days_of(person)
        if not days.allows(local.date()):
            yield _error(
                OUTSIDE_WORKING_DAYS,
                session.id,
                person.id,
                f"{session.id} starts {_when(session, person)} for {person.id}, "
                f"on a {local:%A}, outside their working days {days}",
            )


def double_booked(course: Course) -> Iterable[Finding]:
    """One finding per person and pair of overlapping live sessions (touching ones do not overlap)."""
    for person, sessions in _live_by_person(course):
        yield from double_bookings(person, sessions)


BUILTIN_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(TOO_LONG, live_session_too_long, "error", "a live session lasts longer than max_live_minutes"),
    RuleSpec(
        TOO_MANY,
        too_many_live_sessions_per_day,
        "error",
        "a person has more than max_live_sessions_per_day live sessions on one local date",
    ),
    RuleSpec(
        OUTSIDE_WORKING_HOURS,
        outside_working_hours,
        "error",
        "a live session is not wholly inside a person's local working window",
    ),
    RuleSpec(DOUBLE_BOOKED, double_booked, "error", "a person is in two live sessions that overlap"),
    RuleSpec(
        OUTSIDE_WORKING_DAYS,
        outside_working_days,
        "error",
        "a live session starts on a local weekday that is not one of a person's working days",
    ),
)


@hookimpl
def ta_delivery_register_rules() -> Iterable[RuleSpec]:
    """The built-in virtual-delivery rules."""
    return BUILTIN_RULES
