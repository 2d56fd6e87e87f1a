"""The course the Moodle tests use, and the fixed instant they run at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ta_delivery.models import Course, LmsSettings, Organizer, Participant, Session, Trainer

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def make_course(**changes: Any) -> Course:
    """A course with two trainers, three participants and three live sessions (one ended)."""
    trainers = (
        Trainer(id="rf", name="Roberto F.", email="rf@example.org", timezone="Europe/Zurich"),
        Trainer(id="mk", name="Mia", email="mk@example.org", timezone="America/Jamaica"),
    )
    participants = (
        Participant(
            id="jm-01", name="Ana Pérez", email="ana@example.org", timezone="America/Jamaica", country="jm"
        ),
        Participant(id="tt-02", name="Ben <b>Bold</b> Ng", email="Ben.Ng+tt@Example.org", timezone="UTC"),
        Participant(id="bb-03", name="Cleo Diaz", email="cleo@example.org", timezone="America/Barbados"),
    )
    sessions = (
        Session(id="s00", title="Kick-off", start=NOW - timedelta(days=2), minutes=60, trainers=("rf",)),
        Session(
            id="s01", title="Opening webinar", start=NOW + timedelta(days=1), minutes=120, trainers=("rf",)
        ),
        Session(id="s02", title="Tariffs", start=NOW + timedelta(days=8), minutes=90, trainers=("mk",)),
        Session(id="r01", title="Reading", start=NOW + timedelta(days=3), minutes=30, kind="recorded"),
    )
    base: dict[str, Any] = {
        "id": "rtpc-2020",
        "title": "Regional Trade Policy Course",
        "timezone": "America/Port_of_Spain",
        "organizer": Organizer(name="Training Institute", email="training@example.org"),
        "trainers": trainers,
        "participants": participants,
        "sessions": sessions,
        "lms": LmsSettings(provider="moodle", course="rtpc-2020"),
    }
    base.update(changes)
    return Course(**base)
