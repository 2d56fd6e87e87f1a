"""Helpers of the Zoom plugin's tests: a request and its people, the course files of the command-line
tests, and what Zoom saw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fake_zoom import FakeZoom

from ta_delivery.models import Participant, Trainer
from ta_delivery.records import ClassroomRequest
from ta_delivery.testing.courses import TRAINER, classroom_request, course_toml, person, session
from ta_delivery_zoom import sansio

#: The participants of the command-line tests, in the course's zone.
ANA = person("jm-01", "Ana Pérez", "ana@example.org", "Europe/Zurich")
KIRAN = person("tt-01", "Kiran R.", "kiran@example.org", "Europe/Zurich")
#: A second trainer (a panelist of a webinar, an alternative host of a meeting).
KIM = person("kb", "Kim B.", "kb@example.org", "UTC")


def cli_course(
    zoom: str,
    *,
    trainers: Sequence[Mapping[str, Any]] = (TRAINER,),
    participants: Sequence[Mapping[str, Any]] = (ANA, KIRAN),
    sessions: Sequence[Mapping[str, Any]] | None = None,
    **course: Any,
) -> str:
    """A Zoom course in Zurich with the ``[zoom]`` table ``zoom``: by default one 90-minute session."""
    keys: dict[str, Any] = {
        "title": "Trade policy",
        "timezone": "Europe/Zurich",
        "provider": "zoom",
        **course,
    }
    if sessions is None:
        sessions = (session("s01", minutes=90, title="Opening"),)
    return course_toml(
        trainers=trainers, participants=participants, sessions=sessions, extra=f"[zoom]\n{zoom}\n", **keys
    )


#: Two sessions a week apart with a waiting room: the course most command-line tests apply.
APPLY_COURSE = cli_course(
    "waiting_room = true",
    id="zoom-e2e",
    title="Trade policy webinars",
    participants=({**ANA, "language": "es"}, KIRAN),
    sessions=(
        session("s01", title="Opening webinar"),
        session("s02", "2027-09-13T10:00:00", 90, title="Tariffs"),
    ),
)


def calls(zoom: FakeZoom, since: int) -> list[tuple[str, str]]:
    """(method, path) of the requests Zoom saw since the ``since``-th."""
    return [(r.method, r.url.path) for r in zoom.requests[since:]]


# --- the provider's requests ----------------------------------------------------------------------


def people(n: int, start: int = 1) -> tuple[Participant, ...]:
    """``n`` participants ``p{start}``.. in UTC."""
    return tuple(
        Participant(id=f"p{i}", name=f"Person Number{i}", email=f"p{i}@example.org", timezone="UTC")
        for i in range(start, start + n)
    )


TRAINERS = (Trainer(id="rf", name="Roberto F.", email="RF@example.org", timezone="Europe/Zurich"),)


def make_request(key: str = "rtpc-2020/s01", **changes: Any) -> ClassroomRequest:
    """A 90-minute session with trainer ``rf`` (its email in another case) and three participants."""
    zoom: dict[str, Any] = {
        "title": "Opening webinar",
        "minutes": 90,
        "description": "Trade policy basics",
        "hosts": TRAINERS,
        "participants": people(3),
        "options": {"waiting_room": True, "auto_recording": "cloud"},
    }
    return classroom_request(key, **{**zoom, **changes})


def marked(fake: FakeZoom, key: str) -> list[dict[str, Any]]:
    """The live meetings carrying the mark of ``key``."""
    return [m for m in fake.live() if sansio.has_mark(m["agenda"], key)]


def report_row(**fields: Any) -> dict[str, Any]:
    """One row of a participants report (a guest by default); ``fields`` change it."""
    row = {
        "id": "",
        "user_id": "16778240",
        "name": "Guest",
        "user_email": "",
        "join_time": "2027-04-05T14:02:00Z",
        "leave_time": "2027-04-05T15:00:00Z",
        "duration": 3480,
        "status": "in_meeting",
    }
    row.update(fields)
    return row
