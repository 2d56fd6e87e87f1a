"""The programme (PRODUCT.md section 5): an institute's courses for a period and its e-learning courses.

Plain immutable records; :mod:`.reader` builds them from ``programme.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from ..models import Course, Organizer

__all__ = ["CATALOGUE_STATUSES", "Elearning", "Programme", "localized"]

#: Course statuses the public catalogue lists (``planned`` and ``cancelled`` are left out).
CATALOGUE_STATUSES = ("scheduled", "delivered", "postponed")


def localized(text: Mapping[str, str], language: str, fallbacks: Sequence[str] = ()) -> str:
    """``text`` in ``language``, else in the first of ``fallbacks`` it has, else its first entry."""
    for lang in (language, *fallbacks):
        if lang in text:
            return text[lang]
    return next(iter(text.values()))


@attrs.frozen
class Elearning:
    """A self-paced course on the LMS; courses name its ``id`` in their ``prerequisites``."""

    id: str
    title: Mapping[str, str]
    url: str
    languages: tuple[str, ...] = ()
    hours: float | None = None
    summary: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Programme:
    """A programme file read with every course file it lists.

    ``title`` maps languages to text (a plain string in the file is stored under every language).
    ``paths`` maps each course id to the file it was read from. ``source`` is the programme file as given.
    """

    id: str
    title: Mapping[str, str]
    path: Path
    languages: tuple[str, ...] = ("en",)
    base_url: str | None = None
    contact: Organizer | None = None
    courses: tuple[Course, ...] = ()
    paths: Mapping[str, Path] = attrs.field(factory=dict)
    elearning: tuple[Elearning, ...] = ()

    @property
    def source(self) -> str:
        """The programme file as given on the command line."""
        return str(self.path)

    @property
    def base_dir(self) -> Path:
        """The folder of ``programme.toml``: course globs and the default store are relative to it."""
        return self.path.resolve().parent

    @property
    def language(self) -> str:
        """The default language of the catalogue (the first of ``languages``)."""
        return self.languages[0]

    def title_in(self, language: str) -> str:
        """The programme's title in ``language`` (else the default language's, else any)."""
        return localized(self.title, language, self.languages)

    def course(self, course_id: str) -> Course:
        """The course with ``course_id``; ``KeyError`` if none."""
        for course in self.courses:
            if course.id == course_id:
                return course
        raise KeyError(course_id)

    def elearning_course(self, elearning_id: str) -> Elearning | None:
        """The ``[[elearning]]`` entry ``elearning_id``, or ``None``."""
        for entry in self.elearning:
            if entry.id == elearning_id:
                return entry
        return None
