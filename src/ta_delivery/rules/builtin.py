"""The five built-in virtual-delivery rules (PRODUCT.md section 3), registered like any plugin's.

Times are instants: lengths and overlaps are measured in UTC. Day counts and working windows use the
session's local start date in the person's zone, even when the session runs past local midnight.
Recorded sessions are ignored by every rule here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from ..hookspecs import hookimpl
from ..models import Course, Person, Session, WorkingHours
from ..records import Finding, RuleSpec

__all__ = [
    "DOUBLE_BOOKED",
    "OUTSIDE_WORKING_DAYS",
    "OUTSIDE_WORKING_HOURS",
    "TOO_LONG",
    "TOO_MANY",
    "double_booked",
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


def _when(session: Session, person: Person) -> str:
    """The session on the person's clock; each end with its own offset when a DST change falls inside."""
    from ..timelabels import span_label

    return span_label(session.start, session.end, person.zone)


def live_session_too_long(course: Course) -> Iterable[Finding]:
    """One finding per live session longer than ``max_live_minutes``."""
    limit = course.rules.max_live_minutes
    for s in course.live_sessions:
        if s.minutes > limit:
            yield Finding(
                rule=TOO_LONG,
                severity="error",
                session=s.id,
                person=None,
                message=f"{s.id} lasts {s.minutes} minutes; a live session lasts at most {limit}",
            )


def too_many_live_sessions_per_day(course: Course) -> Iterable[Finding]:
    """One finding per person and local date with more than ``max_live_sessions_per_day`` live starts."""
    limit = course.rules.max_live_sessions_per_day
    for person, sessions in _live_by_person(course):
        days: dict[date, list[Session]] = {}
        tz = person.zone
        for s in sessions:
            days.setdefault(s.start.astimezone(tz).date(), []).append(s)
        for day, on_day in sorted(days.items()):
            if len(on_day) > limit:
                over = on_day[limit]
                yield Finding(
                    rule=TOO_MANY,
                    severity="error",
                    session=over.id,
                    person=person.id,
                    message=(
                        f"{person.id} has {len(on_day)} live sessions starting on {day:%a %Y-%m-%d} "
                        f"({person.timezone}): {', '.join(x.id for x in on_day)}; at most {limit} a day"
                    ),
                )


def outside_working_hours(course: Course) -> Iterable[Finding]:
    """One finding per person and live session not wholly inside the person's working window."""
    zones = {p.id: p.zone for p in course.people}
    for session in course.live_sessions:
        end = session.end
        for person in course.people_of(session):
            hours = course.hours_of(person)
            window_start, window_end = hours.window(session.start.astimezone(zones[person.id]))
            if not (window_start <= session.start and end <= window_end):
                yield Finding(
                    rule=OUTSIDE_WORKING_HOURS,
                    severity="error",
                    session=session.id,
                    person=person.id,
                    message=(
                        f"{session.id} runs {_when(session, person)} for {person.id}, "
                        f"outside their working hours {hours}"
                    ),
                )


def outside_working_days(course: Course) -> Iterable[Finding]:
    """One finding per person and live session starting on a local weekday that is not a working day."""
    zones = {p.id: p.zone for p in course.people}
    for session in course.live_sessions:
        for person in course.people_of(session):
            days = course.days_of(person)
            local = session.start.astimezone(zones[person.id])
            if not days.allows(local.date()):
                yield Finding(
                    rule=OUTSIDE_WORKING_DAYS,
                    severity="error",
                    session=session.id,
                    person=person.id,
                    message=(
                        f"{session.id} starts {_when(session, person)} for {person.id}, "
                        f"on a {local:%A}, outside their working days {days}"
                    ),
                )


def double_booked(course: Course) -> Iterable[Finding]:
    """One finding per person and pair of overlapping live sessions (touching ones do not overlap)."""
    for person, sessions in _live_by_person(course):
        for i, first in enumerate(sessions):
            first_end = first.end
            for second in sessions[i + 1 :]:
                if second.start >= first_end:
                    break
                # sorted by (start, id): ``second`` starts later, or together with a greater id
                yield Finding(
                    rule=DOUBLE_BOOKED,
                    severity="error",
                    session=second.id,
                    person=person.id,
                    message=(
                        f"{person.id} is in {first.id} and {second.id} at once "
                        f"({_when(first, person)} and {_when(second, person)})"
                    ),
                )


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
