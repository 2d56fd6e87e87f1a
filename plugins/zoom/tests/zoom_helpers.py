"""Helpers of the Zoom plugin's command-line tests: the course file they run, and the calls Zoom saw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fake_zoom import FakeZoom

from ta_delivery.testing.courses import TRAINER, course_toml, person, session

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


def calls(zoom: FakeZoom, since: int) -> list[tuple[str, str]]:
    """(method, path) of the requests Zoom saw since the ``since``-th."""
    return [(r.method, r.url.path) for r in zoom.requests[since:]]
