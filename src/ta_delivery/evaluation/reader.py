"""Read the ``[evaluation]`` table of a course file (PRODUCT.md section 6) into an :class:`Evaluation`.

Pure: it takes the parsed TOML value and returns the model with every problem found, each as
``(key path, message)``, so that the course reader can report them with all its other errors at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..models import LANGUAGES
from .model import COLUMN_TARGETS, QUESTION_ID, QUESTION_TYPES, Evaluation, Question

__all__ = ["Problem", "read_evaluation"]

Problem = tuple[str, str]
EVALUATION_KEYS = ("questions", "columns", "values", "lms_feedback")
QUESTION_KEYS = ("id", "text", "type", "options")


def read_evaluation(value: object, prefix: str = "evaluation") -> tuple[Evaluation | None, list[Problem]]:
    """The evaluation described by ``value`` (the ``[evaluation]`` table), and the problems found."""
    problems: list[Problem] = []
    if value is None:
        return None, problems
    if not isinstance(value, Mapping):
        return None, [(prefix, "must be a table")]
    for key in value:
        if key not in EVALUATION_KEYS:
            problems.append((f"{prefix}.{key}", f"unknown key (allowed: {', '.join(EVALUATION_KEYS)})"))
    questions = _questions(value.get("questions", []), f"{prefix}.questions", problems)
    ids = {q.id for q in questions}
    columns = _columns(value.get("columns", {}), f"{prefix}.columns", ids, problems)
    values = _values(value.get("values", {}), f"{prefix}.values", problems)
    feedback = value.get("lms_feedback")
    if feedback is not None and (not isinstance(feedback, str) or not feedback.strip()):
        problems.append((f"{prefix}.lms_feedback", "must be the ID number of the LMS Feedback activity"))
        feedback = None
    return Evaluation(tuple(questions), columns, values, feedback.strip() if feedback else None), problems


def _values(value: object, key: str, problems: list[Problem]) -> dict[str, int | str]:
    if not isinstance(value, Mapping):
        problems.append((key, 'must be a table: "Answer label" = 1-5 or "option"'))
        return {}
    out: dict[str, int | str] = {}
    for label, target in value.items():
        ok_int = isinstance(target, int) and not isinstance(target, bool) and 1 <= target <= 5
        ok_str = isinstance(target, str) and bool(target.strip())
        if not (ok_int or ok_str):
            problems.append((f"{key}.{_quoted(label)}", f"{target!r} must be a scale point 1-5 or an option"))
            continue
        out[label.strip()] = target
    return out


def _questions(value: object, key: str, problems: list[Problem]) -> list[Question]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        problems.append((key, "must be an array of tables ([[evaluation.questions]])"))
        return []
    out: list[Question] = []
    seen: set[str] = set()
    for i, entry in enumerate(value):
        question = _question(entry, f"{key}[{i}]", problems)
        if question is None:
            continue
        if question.id in seen:
            problems.append((f"{key}[{i}].id", f"duplicate question id {question.id!r}"))
            continue
        seen.add(question.id)
        out.append(question)
    return out


def _question(entry: Mapping[str, Any], key: str, problems: list[Problem]) -> Question | None:
    before = len(problems)
    for name in entry:
        if name not in QUESTION_KEYS:
            problems.append((f"{key}.{name}", f"unknown key (allowed: {', '.join(QUESTION_KEYS)})"))
    qid = entry.get("id")
    if qid is None:
        problems.append((f"{key}.id", "is required"))
    elif not isinstance(qid, str) or not QUESTION_ID.match(qid) or qid in {"participant", "session"}:
        problems.append((f"{key}.id", f"{qid!r} must be 1-64 characters of a-z, 0-9 and '-'"))
    text = _text(entry.get("text"), f"{key}.text", problems)
    qtype = entry.get("type", "scale")
    if qtype not in QUESTION_TYPES:
        problems.append((f"{key}.type", f"{qtype!r} must be one of {', '.join(QUESTION_TYPES)}"))
    options: tuple[str, ...] = ()
    raw = entry.get("options")
    if qtype == "choice":
        if raw is None:
            problems.append((f"{key}.options", "a choice question needs options = [...]"))
        elif not isinstance(raw, list) or not raw or not all(isinstance(o, str) and o.strip() for o in raw):
            problems.append((f"{key}.options", "must be a non-empty list of non-empty strings"))
        elif len({o.strip() for o in raw}) != len(raw):
            problems.append((f"{key}.options", "options must differ from one another"))
        else:
            options = tuple(o.strip() for o in raw)
    elif raw is not None and qtype in QUESTION_TYPES:
        problems.append((f"{key}.options", f"only choice questions have options (this one is {qtype})"))
    if len(problems) > before or not isinstance(qid, str):
        return None
    return Question(id=qid, text=text, type=qtype, options=options)


def _text(value: object, key: str, problems: list[Problem]) -> dict[str, str]:
    if value is None:
        problems.append((key, 'is required: { en = "...", fr = "...", es = "..." }'))
        return {}
    if isinstance(value, str) and value.strip():
        return {"en": value.strip()}
    if not isinstance(value, Mapping) or not value:
        problems.append((key, 'must be a table of texts by language, e.g. { en = "...", fr = "..." }'))
        return {}
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            problems.append((f"{key}.{lang}", f"unknown language (allowed: {', '.join(LANGUAGES)})"))
        elif not isinstance(text, str) or not text.strip():
            problems.append((f"{key}.{lang}", "must be a non-empty string"))
        else:
            out[lang] = text.strip()
    return out


def _columns(value: object, key: str, ids: set[str], problems: list[Problem]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        problems.append((key, 'must be a table: "Column header" = "question-id"'))
        return {}
    out: dict[str, str] = {}
    for header, target in value.items():
        if not isinstance(target, str) or (target not in ids and target not in COLUMN_TARGETS):
            known = ", ".join([*sorted(ids), *COLUMN_TARGETS])
            problems.append((f"{key}.{_quoted(header)}", f"{target!r} is not a question id ({known})"))
            continue
        out[header.strip()] = target
    return out


def _quoted(header: str) -> str:
    return header if re.fullmatch(r"[A-Za-z0-9_-]+", header) else '"' + header.replace('"', '\\"') + '"'
