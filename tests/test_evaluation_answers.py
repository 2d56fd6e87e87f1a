"""One cell of an evaluation file read as an answer, or refused."""

from __future__ import annotations

import pytest

from ta_delivery.evaluation.answers import parse_answer
from ta_delivery.evaluation.model import Question

SCALE = Question("q", {"en": "Q"})
CHOICE = Question("c", {"en": "C"}, "choice", ("Live webinars", "Recordings"))


@pytest.mark.parametrize(
    ("cell", "value"),
    [("5", 5), ("5.0", 5), ("(5) Excellent", 5), ("5 - Excellent", 5), ("5. Excellent", 5), (" 1 ", 1)],
)
def test_scale_points_as_survey_tools_write_them(cell: str, value: int) -> None:
    assert parse_answer(SCALE, cell) == value


@pytest.mark.parametrize("cell", ["0", "6", "10", "5.5", "4,5", "abc", "5 5", "-1"])
def test_values_off_the_scale_are_refused(cell: str) -> None:
    with pytest.raises(ValueError, match="not on the scale 1 to 5"):
        parse_answer(SCALE, cell)


def test_choices_match_their_option_ignoring_case() -> None:
    assert parse_answer(CHOICE, "live WEBINARS") == "Live webinars"
    with pytest.raises(ValueError, match="not one of the options"):
        parse_answer(CHOICE, "Both")


def test_text_is_kept_trimmed() -> None:
    assert parse_answer(Question("t", {"en": "T"}, "text"), "  Merci !  ") == "Merci !"
