"""The optional methods a plugin's objects may have, one runtime-checkable Protocol each.

The core asks ``isinstance(obj, SupportsX)`` before calling one of these; an object without the method
simply goes without the feature. They are runtime-checkable, so only the method's name is checked at run
time: keep the signatures as written here (mypy checks them where you annotate the class). Import them
from :mod:`ta_delivery.plugin` (or :mod:`ta_delivery.records`, which names them too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .models import Course
    from .records import Classroom, ClassroomRequest

__all__ = [
    "SupportsCheck",
    "SupportsClose",
    "SupportsCompletions",
    "SupportsFeedback",
    "SupportsFindMany",
    "SupportsPlanNotes",
    "SupportsPreflight",
    "SupportsStale",
]


@runtime_checkable
class SupportsStale(Protocol):
    """Optional provider method: a stored classroom no longer matches the provider's settings."""

    def stale(self, classroom: Classroom) -> bool:
        """True when ``classroom`` must be replaced (``plan`` shows an update with a new link).

        Jitsi says so when ``TA_DELIVERY_JITSI_URL`` moved to another server.
        """
        ...


@runtime_checkable
class SupportsPlanNotes(Protocol):
    """Optional provider method: lines ``plan`` prints under its changes."""

    def plan_notes(self) -> Iterable[str]:
        """Notes about this run (Zoom: how much of the daily create budget the plan would use)."""
        ...


@runtime_checkable
class SupportsFindMany(Protocol):
    """Optional provider method: look for many keys at once (one listing instead of one call per key)."""

    def find_many(self, requests: Sequence[ClassroomRequest]) -> Mapping[str, Classroom]:
        """Classrooms carrying the requests' keys, by key; a key with none is left out.

        Same promise as ``find`` (capability ``find_by_key``), used before creating after a lost response.
        """
        ...


@runtime_checkable
class SupportsCheck(Protocol):
    """Optional transport method: refuse bad settings before ``apply`` changes anything."""

    def check(self) -> None:
        """Raise :class:`~ta_delivery.errors.InputError` for a setting that would fail every send."""
        ...


@runtime_checkable
class SupportsClose(Protocol):
    """Optional transport method: release what the sends held (an SMTP connection)."""

    def close(self) -> None:
        """Called once after ``apply`` sent its messages, even when some failed."""
        ...


@runtime_checkable
class SupportsPreflight(Protocol):
    """Optional LMS method: input errors only the LMS server can reveal, before ``apply`` changes anything."""

    def preflight(self, course: Course) -> None:
        """Raise :class:`~ta_delivery.errors.InputError` (exit 2); other errors are left for the run."""
        ...


@runtime_checkable
class SupportsCompletions(Protocol):
    """Optional LMS method: who completed LMS courses (``report PROGRAMME``'s progression)."""

    def completions(self, course: Course, shortnames: Sequence[str]) -> Mapping[str, Sequence[str]]:
        """LMS course short name -> the emails of the users who completed it (a course missing on the LMS
        maps to an empty list). ``course`` is the one whose ``[lms]`` settings to use."""
        ...


@runtime_checkable
class SupportsFeedback(Protocol):
    """Optional LMS method: the answers of a survey activity (``evaluation pull``)."""

    def feedback_table(self, course: Course, idnumber: str) -> tuple[Sequence[str], Sequence[Sequence[str]]]:
        """Header (``response id``, ``email``, then one column per question as the LMS heads it) and one
        row per attempt of the course's LMS activity with this ID number; anonymous attempts leave
        ``email`` blank."""
        ...
