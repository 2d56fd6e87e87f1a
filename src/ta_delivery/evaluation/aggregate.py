"""Evaluation results from stored responses: counts, means and distributions. Pure.

The shape of :func:`summary` is PRODUCT.md section 6's ``evaluation`` object. Nothing here carries a
participant id: what leaves this module can be shown next to anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..models import Course
from .model import SCALE, Evaluation, Question, Response

__all__ = ["QuestionResult", "response_rate", "results", "summary", "texts"]


@attrs.frozen
class QuestionResult:
    """One question's results: answers counted, the mean (scale), the distribution (scale, choice)."""

    question: Question
    answers: int
    mean: float | None
    distribution: Mapping[str, int] | None


def results(evaluation: Evaluation, responses: Sequence[Response]) -> list[QuestionResult]:
    """Every question's results, in the course file's order."""
    out: list[QuestionResult] = []
    for q in evaluation.questions:
        given = [r.answers[q.id] for r in responses if q.id in r.answers]
        if q.type == "scale":
            points = [int(v) for v in given]
            counts = dict.fromkeys(SCALE, 0)
            for v in points:
                counts[str(v)] += 1
            mean = sum(points) / len(points) if points else None
            out.append(QuestionResult(q, len(points), mean, counts))
        elif q.type == "choice":
            by_option = dict.fromkeys(q.options, 0)
            for choice in given:
                if str(choice) in by_option:
                    by_option[str(choice)] += 1
            out.append(QuestionResult(q, sum(by_option.values()), None, by_option))
        else:
            out.append(QuestionResult(q, len(given), None, None))
    return out


def summary(evaluation: Evaluation, responses: Sequence[Response]) -> dict[str, Any]:
    """``{"responses": N, "questions": {ID: {"answers": N, "mean": X|null, "distribution": {...}}}}``."""
    questions: dict[str, Any] = {}
    for r in results(evaluation, responses):
        entry: dict[str, Any] = {"answers": r.answers}
        if r.question.type == "scale":
            entry["mean"] = r.mean
        if r.distribution is not None:
            entry["distribution"] = dict(r.distribution)
        questions[r.question.id] = entry
    return {"responses": len(responses), "questions": questions}


def texts(evaluation: Evaluation, responses: Sequence[Response]) -> dict[str, list[str]]:
    """The text answers by question id, sorted so that their order tells nothing about who wrote them."""
    out: dict[str, list[str]] = {}
    for q in evaluation.questions:
        if q.type == "text":
            out[q.id] = sorted(str(r.answers[q.id]) for r in responses if q.id in r.answers)
    return out


def response_rate(course: Course, responses: Sequence[Response]) -> float | None:
    """Responses per participant asked: each response counts against the participants of what it evaluates
    (the course, or one session), summed over everything evaluated; ``None`` with no participant asked."""
    if not responses:
        return 0.0 if course.participants else None
    asked = 0
    for sid in {r.session_id for r in responses}:
        if sid is None:
            asked += len(course.participants)
        else:
            try:
                asked += len(course.participants_of(course.session(sid)))
            except KeyError:
                continue
    return len(responses) / asked if asked else None
