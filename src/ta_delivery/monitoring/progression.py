"""Progression: who completed the programme's e-learning courses, as the LMS says.

An LMS plugin offers this by implementing :class:`LmsCompletions` (Moodle does); where none does, or the
programme's courses name no LMS, the count is 0 and the report says nothing was read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, TaDeliveryError
from ..records import SupportsCompletions

if TYPE_CHECKING:
    from ..plugins import Plugins
    from ..programme import Programme
    from ..store import Store

__all__ = ["LmsCompletions", "elearning_completions", "elearning_ids"]


#: The optional LMS method this reads (declared with the others in :mod:`ta_delivery.records`).
LmsCompletions = SupportsCompletions


def elearning_ids(programme: Programme) -> list[str]:
    """The e-learning courses to follow: the programme's ``[[elearning]]`` and every course prerequisite."""
    ids = [e.id for e in programme.elearning]
    for course in programme.courses:
        ids.extend(p for p in course.prerequisites if p not in ids)
    return ids


def elearning_completions(
    programme: Programme, store: Store, plugins: Plugins, path: Path
) -> tuple[dict[str, list[str]], str | None]:
    """E-learning id -> emails that completed it, read through the first course's LMS that can tell; and a
    warning when the LMS failed."""
    from ..cli.common import make_context

    ids = elearning_ids(programme)
    if not ids:
        return {}, None
    for course in programme.courses:
        if course.lms is None or course.lms.provider not in plugins.lms:
            continue
        provider = plugins.lms[course.lms.provider].factory(make_context(path, store))
        if not isinstance(provider, LmsCompletions):
            continue
        try:
            found = provider.completions(course, ids)
        except InputError:
            raise
        except TaDeliveryError as exc:
            return {}, f"e-learning completions unknown: the LMS failed: {type(exc).__name__}: {exc}"
        return {k: list(v) for k, v in found.items()}, None
    return {}, None
