"""Evaluation aggregates against a straightforward oracle, and the ``[evaluation]`` reader's errors."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.evaluation import write_course
from ta_delivery.coursefile import load_course
from ta_delivery.errors import InputError
from ta_delivery.evaluation.aggregate import summary, texts
from ta_delivery.evaluation.model import Evaluation, Question, Response
from ta_delivery.evaluation.reader import read_evaluation

OPTIONS = ("live", "recorded", "both")
EVALUATION = Evaluation(
    (
        Question("q1", {"en": "One"}, "scale"),
        Question("q2", {"en": "Two"}, "choice", OPTIONS),
        Question("q3", {"en": "Three"}, "text"),
    )
)

answer_sets = st.fixed_dictionaries(
    {},
    optional={
        "q1": st.integers(1, 5),
        "q2": st.sampled_from(OPTIONS),
        "q3": st.text(min_size=1, max_size=12),
    },
)


@settings(deadline=None)
@given(st.lists(st.tuples(answer_sets, st.sampled_from([None, "p1", "p2"])), max_size=40))
def test_summary_matches_an_oracle(rows: list[tuple[dict[str, int | str], str | None]]) -> None:
    responses = [Response(f"k{i}", a, participant_id=p) for i, (a, p) in enumerate(rows)]
    got = summary(EVALUATION, responses)
    scale = [int(a["q1"]) for a, _ in rows if "q1" in a]
    choices = [a["q2"] for a, _ in rows if "q2" in a]
    comments = [a["q3"] for a, _ in rows if "q3" in a]
    assert got["responses"] == len(rows)
    q1 = got["questions"]["q1"]
    assert q1["answers"] == len(scale)
    assert q1["mean"] == (statistics.mean(scale) if scale else None)
    assert q1["distribution"] == {str(k): scale.count(k) for k in range(1, 6)}
    assert got["questions"]["q2"] == {
        "answers": len(choices),
        "distribution": {o: choices.count(o) for o in OPTIONS},
    }
    assert got["questions"]["q3"] == {"answers": len(comments)}
    assert sorted(texts(EVALUATION, responses)["q3"]) == sorted(str(c) for c in comments)
    assert "p1" not in repr(got) and "p2" not in repr(got)


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ({"questions": [{"id": "Bad id", "text": {"en": "x"}}]}, "evaluation.questions[0].id", "a-z"),
        ({"questions": [{"id": "q", "text": {"en": "x"}, "type": "stars"}]}, "questions[0].type", "scale"),
        (
            {"questions": [{"id": "q", "text": {"en": "x"}, "type": "choice"}]},
            "questions[0].options",
            "options",
        ),
        ({"questions": [{"id": "q", "text": {"de": "x"}}]}, "questions[0].text.de", "language"),
        ({"questions": [{"id": "q"}]}, "questions[0].text", "required"),
        ({"questions": [{"id": "q", "text": "x"}, {"id": "q", "text": "y"}]}, "questions[1].id", "duplicate"),
        (
            {"questions": [{"id": "q", "text": "x"}], "columns": {"Q1": "nope"}},
            "columns.Q1",
            "not a question",
        ),
        ({"questions": [{"id": "q", "text": "x"}], "values": {"Good": 9}}, "values.Good", "1-5"),
        ({"questionz": []}, "evaluation.questionz", "unknown key"),
    ],
)
def test_reader_problems(table: dict[str, object], key: str, message: str) -> None:
    _, problems = read_evaluation(table)
    assert any(key in k and message in m for k, m in problems), problems


def test_course_file_error_names_the_key(tmp_path: Path) -> None:
    path = write_course(tmp_path, extra='\n[evaluation.columns]\n"Q9" = "missing"\n')
    with pytest.raises(InputError) as info:
        load_course(path)
    assert "evaluation.columns.Q9" in str(info.value)


def test_course_file_reads_questions_people_keys(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path))
    assert course.evaluation is not None
    assert course.evaluation.ids == ("relevance", "format", "comments")
    assert course.evaluation.question("relevance").text_in("fr").startswith("Le cours")
    ana = course.participants[0]
    assert (ana.gender, ana.organisation) == ("female", "Ministry of Trade")
