"""The survey tools' exports (tests/data/evaluations, sources in SOURCES.md), read by layout name."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.evaluation import write_course
from ta_delivery.coursefile import load_course
from ta_delivery.errors import InputError
from ta_delivery.evaluation.aggregate import summary
from ta_delivery.evaluation.service import read_file

DATA = Path(__file__).parent / "data" / "evaluations"

MAPPING = """
[evaluation.columns]
"How relevant was the course to your work?" = "relevance"
"Which format suited you best?" = "format"

[evaluation.values]
"Very relevant" = 5
"Relevant" = 4
"Somewhat relevant" = 3
"Not very relevant" = 2
"Not relevant" = 1
"""


@pytest.fixture
def course(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_course(write_course(tmp_path, extra=MAPPING))


@pytest.mark.parametrize(
    ("fmt", "name", "responses", "identified", "relevance", "texts"),
    [
        ("moodle-feedback", "moodle-feedback-named.csv", 3, 3, {"5": 1, "4": 1, "3": 1}, 2),
        ("moodle-feedback", "moodle-feedback-anonymous.csv", 3, 0, {"5": 2, "4": 1}, 1),
        ("limesurvey", "limesurvey-codes.csv", 2, 0, {"5": 1, "4": 1}, 1),
        ("limesurvey", "limesurvey-fulltext.csv", 2, 0, {"5": 1, "3": 1}, 1),
        ("kobo", "kobo-xml.csv", 2, 1, {"5": 1, "2": 1}, 1),
        ("google-forms", "google-forms.csv", 3, 3, {"5": 1, "4": 1, "3": 1}, 2),
    ],
)
def test_exports(
    course, fmt: str, name: str, responses: int, identified: int, relevance: dict[str, int], texts: int
) -> None:  # type: ignore[no-untyped-def]
    path = DATA / name
    found = read_file(course, path, path.read_bytes(), fmt)
    assert len(found) == responses
    assert sum(1 for r in found if r.participant_id) == identified
    result = summary(course.evaluation, found)
    want = {k: relevance.get(k, 0) for k in ("1", "2", "3", "4", "5")}
    assert result["questions"]["relevance"]["distribution"] == want
    assert result["questions"]["comments"]["answers"] == texts
    # reading again gives the same keys: importing twice changes nothing
    again = read_file(course, path, path.read_bytes(), fmt)
    assert [r.key for r in again] == [r.key for r in found]


def test_tool_ids_are_response_keys(course) -> None:  # type: ignore[no-untyped-def]
    found = read_file(course, DATA / "kobo-xml.csv", (DATA / "kobo-xml.csv").read_bytes(), "kobo")
    assert {r.key for r in found} == {
        "kobo:6f3c2a8e-1d2b-4c55-9f0e-2b1d4c9a7e11",
        "kobo:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    }


def test_an_unmapped_label_names_line_and_column(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path))
    path = DATA / "moodle-feedback-named.csv"
    with pytest.raises(InputError) as info:
        read_file(course, path, path.read_bytes(), "moodle-feedback")
    text = str(info.value)
    assert (
        "line 2 (answer row 1), column '(relevance) How relevant" in text
        and "'Very relevant' is not on the scale" in text
    )


def test_no_question_column_asks_for_a_mapping(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path))
    path = DATA / "limesurvey-fulltext.csv"
    data = path.read_bytes().replace(b'"Comments"', b'"Remarks"')
    with pytest.raises(InputError, match=r"\[evaluation.columns\]"):
        read_file(course, path, data, "limesurvey")
