"""A whole course file: every section read in one pass, then one :class:`~ta_delivery.models.Course`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..evaluation.reader import read_evaluation
from ..limits import MAX_PEOPLE, MAX_SERIES_TABLES, MAX_SESSIONS
from ..models import (
    Centre,
    Course,
    InvitationPolicy,
    Participant,
    Person,
    RecordingPolicy,
    Session,
    Trainer,
    zone,
)
from .centres import read_centre, read_invitations, read_recordings
from .course import read_course_table
from .hints import did_you_mean
from .keys import PARTICIPANT_KEYS, TOP_LEVEL, TRAINER_KEYS
from .lms import read_lms
from .options import read_provider_options
from .people import check_unique_people, read_person, read_roster
from .reader import Reader, Skip
from .rules import read_attendance, read_rules
from .sessions import MAX_SERIES, read_series, read_session

__all__ = ["CourseReader"]


class CourseReader(Reader):
    """Reads a parsed course document; :meth:`read` reports every problem of the file at once."""

    def read(self, data: Mapping[str, Any]) -> Course:
        """The course of ``data``.

        :raises InputErrors: every problem found, each with the file, key path and line where known.
        """
        try:
            course = self._read(data)
        except Skip:
            course = None
        self.finish()
        assert course is not None  # no problem was recorded, so nothing was skipped
        return course

    def _read(self, data: Mapping[str, Any]) -> Course | None:
        for name in data:
            if name not in TOP_LEVEL and name not in self.providers:
                hint = did_you_mean(name, [*TOP_LEVEL, *self.providers])
                self.note(
                    name, f"unknown table {name!r}{hint} (not a course-file table nor an installed provider)"
                )
        head: dict[str, Any] = self.get(
            lambda: read_course_table(self, self.required(data, "course", "")), {}
        )
        course_t: dict[str, Any] = data["course"] if isinstance(data.get("course"), dict) else {}
        tz = zone(head.get("timezone", "UTC"))  # a bad zone is reported; times are then read in UTC

        rules = self.get(lambda: read_rules(self, data.get("rules")), None)
        evaluation, problems = read_evaluation(data.get("evaluation"))
        for key, message in problems:
            self.note(key, message)
        attendance = self.get(lambda: read_attendance(self, data.get("attendance")), None)

        trainer_ids: set[str] = set()
        participant_ids: set[str] = set()
        table_ids: list[tuple[str, str]] = []  # every person's id, those with other mistakes included
        trainers = self.entries(
            data.get("trainers", []),
            "trainers",
            lambda entry, key: read_person(self, Trainer, entry, key, TRAINER_KEYS, trainer_ids, table_ids),
        )
        participants = self.entries(
            data.get("participants", []),
            "participants",
            lambda entry, key: read_person(
                self, Participant, entry, key, PARTICIPANT_KEYS, participant_ids, table_ids
            ),
        )
        people: list[tuple[Person, str, str]] = [(p, key, "") for p, key in (*trainers, *participants)]
        roster: list[tuple[Participant, str, str]] = []
        roster_ids: list[tuple[str, str, str]] = []
        if "roster" in course_t:
            roster = self.get(lambda: read_roster(self, course_t["roster"], participant_ids, roster_ids), [])
        check_unique_people(self, [*((pid, key, "") for pid, key in table_ids), *roster_ids])
        centres = self.entries(data.get("centres", []), "centres", lambda e, key: read_centre(self, e, key))
        declared = [e.get("id") for e in data.get("centres", []) if isinstance(e, dict)]
        self._check_centres(centres, [str(i) for i in declared if i is not None], [*people, *roster])
        recordings = self.get(lambda: read_recordings(self, data.get("recordings")), None)
        invitations = self.get(lambda: read_invitations(self, data.get("invitations")), None)

        sessions: list[Session] = []
        session_keys: dict[str, str] = {}

        def add(session: Session, key: str) -> None:
            if session.id in session_keys:
                self.note(key, f"duplicate session id {session.id!r} (also {session_keys[session.id]})")
                return
            session_keys[session.id] = key
            sessions.append(session)

        sessions_data, series_data = self._within_counts(data, len(people) + len(roster))
        for session, key in self.entries(
            sessions_data,
            "sessions",
            lambda entry, key: read_session(self, entry, key, tz, trainer_ids, participant_ids),
        ):
            add(session, f"{key}.id")
        for run, key in self.entries(
            series_data,
            "series",
            lambda entry, key: read_series(self, entry, key, tz, trainer_ids, participant_ids),
        ):
            for session in run:
                add(session, f"{key}.id")

        provider_options = read_provider_options(self, data)
        lms = self.get(lambda: read_lms(self, data.get("lms")), None)
        if self.problems:
            return None
        assert rules is not None and attendance is not None
        return self.build(
            "course",
            lambda: Course(
                **head,
                rules=rules,
                attendance=attendance,
                trainers=tuple(t for t, _ in trainers),
                participants=tuple(p for p, _ in (*participants, *((p, k) for p, k, _ in roster))),
                sessions=tuple(sessions),
                provider_options=provider_options,
                lms=lms,
                evaluation=evaluation,
                centres=tuple(c for c, _ in centres),
                recordings=recordings or RecordingPolicy(),
                invitations=invitations or InvitationPolicy(),
                source=self.source,
            ),
        )

    def _within_counts(self, data: Mapping[str, Any], people: int) -> tuple[Any, Any]:
        """``sessions`` and ``series`` to read, each left out (and reported) when past its limit.

        Counted before anything is built, so a file asking for millions of sessions costs nothing.
        """
        if people > MAX_PEOPLE:
            self.note("participants", f"the course has {people} people; at most {MAX_PEOPLE} are allowed")
        sessions, series = data.get("sessions", []), data.get("series", [])
        if isinstance(sessions, list) and len(sessions) > MAX_SESSIONS:
            self.note("sessions", f"{len(sessions)} [[sessions]] tables; at most {MAX_SESSIONS} are allowed")
            sessions = []
        if isinstance(series, list) and len(series) > MAX_SERIES_TABLES:
            self.note("series", f"{len(series)} [[series]] tables; at most {MAX_SERIES_TABLES} are allowed")
            series = []
        if isinstance(series, list) and isinstance(sessions, list):
            counts = [e.get("count") for e in series if isinstance(e, dict)]
            # a count past MAX_SERIES is reported at its own key
            planned = len(sessions) + sum(c for c in counts if isinstance(c, int) and 0 < c <= MAX_SERIES)
            if planned > MAX_SESSIONS:
                self.note(
                    "series",
                    f"the sessions and series make {planned} sessions; at most {MAX_SESSIONS} are allowed",
                )
                series = []
        return sessions, series

    def _check_centres(
        self,
        centres: Sequence[tuple[Centre, str]],
        declared: Sequence[str],
        people: Sequence[tuple[Person, str, str]],
    ) -> None:
        """Centre ids are unique, and each person's ``centre`` names one declared (even one whose own
        table has a problem, reported apart)."""
        known: dict[str, str] = {}
        for centre, key in centres:
            if centre.id in known:
                self.note(f"{key}.id", f"duplicate centre id {centre.id!r} (also {known[centre.id]})")
            known.setdefault(centre.id, key)
        for person, key, where in people:
            if person.centre is not None and person.centre not in declared:
                hint = (
                    did_you_mean(person.centre, declared) if declared else " (no [[centres]] table lists it)"
                )
                note = f" ({where})" if where else ""
                self.note(f"{key}.centre", f"unknown centre id {person.centre!r}{hint}{note}")
