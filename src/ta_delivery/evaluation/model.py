"""The evaluation a course asks of its participants: questions, the survey-column mapping, responses.

Kept apart from :mod:`ta_delivery.models` so that a course without an evaluation never pays for it, and so
that the aggregation (:mod:`.aggregate`) can be tested over plain records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import attrs

from ..values import Value

__all__ = [
    "COLUMN_TARGETS",
    "QUESTION_TYPES",
    "SCALE",
    "Evaluation",
    "Question",
    "Response",
]

QUESTION_TYPES = ("scale", "choice", "text")
#: The values of a scale question, as the report's distribution keys them.
SCALE = ("1", "2", "3", "4", "5")
#: What a survey column may map to besides a question id.
COLUMN_TARGETS = ("participant", "session")
QUESTION_ID = re.compile(r"^[a-z0-9-]{1,64}$")


@attrs.frozen(repr=False, eq=False)
class Question(Value):
    """One question: its id, its text by language, its type and (for ``choice``) its options."""

    id: str
    text: Mapping[str, str]
    type: Literal["scale", "choice", "text"] = "scale"
    options: tuple[str, ...] = ()

    def text_in(self, language: str) -> str:
        """The question's text in ``language``, else English, else any language it has."""
        return self.text.get(language) or self.text.get("en") or next(iter(self.text.values()), self.id)


@attrs.frozen(repr=False, eq=False)
class Evaluation(Value):
    """``[evaluation]``: the questions, and the survey export columns that answer them.

    ``columns`` maps an export's column header (or a Moodle feedback item's label or name) to a question
    id, or to ``participant`` / ``session``; ``values`` maps answer labels to scale points or options.
    """

    questions: tuple[Question, ...] = ()
    columns: Mapping[str, str] = attrs.field(factory=dict)
    #: ``[evaluation.values]``: a survey tool's answer label -> the scale point or option it stands for
    #: (Moodle's rated choices export their labels, not their values).
    values: Mapping[str, int | str] = attrs.field(factory=dict)
    #: ``lms_feedback``: the ID number of the LMS Feedback activity ``evaluation pull`` reads.
    lms_feedback: str | None = None

    def question(self, question_id: str) -> Question:
        """The question with ``question_id``; ``KeyError`` if none."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """The question ids, in file order."""
        return tuple(q.id for q in self.questions)


@attrs.frozen(repr=False, eq=False)
class Response(Value):
    """One respondent's answers. ``participant_id`` is ``None`` for an anonymous response, ``session_id``
    ``None`` for the course as a whole. ``answers`` holds only the questions answered: an int 1-5 for a
    scale question, the option for a choice, the text for a text question."""

    key: str
    answers: Mapping[str, int | str]
    participant_id: str | None = None
    session_id: str | None = None
