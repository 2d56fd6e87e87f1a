"""``evaluation import``: read a file in a named layout, check every cell, store the responses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..errors import InputError
from ..models import Course
from ..store import Store
from .model import Evaluation, Response
from .storage import ImportResult, save_responses
from .surveys import FORMATS
from .table import read_delimited, responses

__all__ = ["evaluation_of", "import_file", "read_file"]


def evaluation_of(course: Course, source: str | None = None) -> Evaluation:
    """The course's evaluation; an input error when the course file asks no question."""
    evaluation: Evaluation | None = getattr(course, "evaluation", None)
    if evaluation is None or not evaluation.questions:
        raise InputError(
            "the course asks no evaluation question: add [[evaluation.questions]] to the course file",
            source=source or course.source,
        )
    return evaluation


def read_file(course: Course, path: Path, data: bytes, fmt: str = "csv") -> list[Response]:
    """The responses of one file; an input error naming every bad row and column, nothing read."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", key="--format")
    evaluation = evaluation_of(course)
    return responses(read_delimited(data, str(path)), FORMATS[fmt], course, evaluation)


def import_file(
    course: Course, store: Store, path: Path, data: bytes, now: datetime, fmt: str = "csv"
) -> ImportResult:
    """Read and store one file: all of it, or (on an input error) nothing."""
    found = read_file(course, path, data, fmt)
    return save_responses(store, course.id, found, fmt, now)
