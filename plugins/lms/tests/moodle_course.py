"""The course the Moodle tests use, the fixed instant they run at, and the course files and site of the
command-line tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_moodle import FakeMoodle, Running, serve

from ta_delivery.models import Course, LmsSettings, Organizer, Participant, Session, Trainer
from ta_delivery.testing.cli import cli_settings
from ta_delivery.testing.courses import course_toml, person, session

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


# --- the command line ----------------------------------------------------------------------------------

#: The people of the command-line tests' course files, all in UTC.
RF = person("rf", "Roberto F.", "rf@example.org", "UTC")
ANA = person("p1", "Ana Pérez", "ana@example.org", "UTC")
KIRAN = person("p2", "Kiran R.", "kiran@example.org", "UTC")


def cli_course(
    lms: str,
    *,
    participants: Sequence[Mapping[str, Any]] = (ANA, KIRAN),
    sessions: Sequence[Mapping[str, Any]] = (session("s01", minutes=60, title="Opening"),),
    extra: str = "",
    **course: Any,
) -> str:
    """A course file in UTC linked to Moodle: ``lms`` is the rest of its ``[lms]`` table."""
    tables = f'[lms]\nprovider = "moodle"\n{lms}\n{extra}'
    return course_toml(
        trainers=(RF,),
        participants=participants,
        sessions=sessions,
        extra=tables,
        **{"timezone": "UTC", **course},
    )


@contextmanager
def serve_for_cli(site: FakeMoodle, monkeypatch: pytest.MonkeyPatch, path: str = "") -> Iterator[Running]:
    """``site`` on loopback with the command line's Moodle settings pointing at it (category 7)."""
    running = serve(site)
    try:
        settings = {
            "TA_DELIVERY_MOODLE_URL": running.url + path,
            "TA_DELIVERY_MOODLE_TOKEN": site.token,
            "TA_DELIVERY_MOODLE_CATEGORY_ID": "7",
        }
        cli_settings(monkeypatch, settings)
        yield running
    finally:
        running.stop()
