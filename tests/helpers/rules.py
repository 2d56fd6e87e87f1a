"""Models shared by the rules and slots tests: people with working hours, sessions, a course."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from ta_delivery.models import Course, Organizer, Participant, Rules, Session, Trainer, WorkingHours

P = TypeVar("P", Trainer, Participant)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _person(kind: type[P], pid: str, tz: str, hours: str | None) -> P:
    return kind(
        id=pid,
        name=pid.upper(),
        email=f"{pid}@example.org",
        timezone=tz,
        working_hours=WorkingHours.parse(hours) if hours else None,
    )


def trainer(pid: str, tz: str, hours: str | None = None) -> Trainer:
    return _person(Trainer, pid, tz, hours)


def participant(pid: str, tz: str, hours: str | None = None) -> Participant:
    return _person(Participant, pid, tz, hours)


def session(
    sid: str,
    start: datetime,
    minutes: int = 60,
    trainers: Sequence[str] = (),
    participants: Sequence[str] | None = None,
    kind: str = "live",
) -> Session:
    return Session(
        id=sid,
        title=sid,
        start=start,
        minutes=minutes,
        trainers=tuple(trainers),
        participants=None if participants is None else tuple(participants),
        kind=kind,  # type: ignore[arg-type]
    )


def course(
    sessions: Sequence[Session] = (),
    trainers: Sequence[Trainer] = (),
    participants: Sequence[Participant] = (),
    tz: str = "UTC",
    rules: Rules | None = None,
) -> Course:
    return Course(
        id="test-course",
        title="Test",
        timezone=tz,
        organizer=Organizer(name="Org", email="org@example.org"),
        trainers=tuple(trainers),
        participants=tuple(participants),
        sessions=tuple(sessions),
        rules=rules or Rules(),
    )
