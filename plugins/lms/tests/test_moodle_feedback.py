"""Evaluation answers pulled from a Moodle Feedback activity, over the fake
Moodle (which validates every call against the functions' documented parameters)."""

from __future__ import annotations

import pytest
from fake_moodle import Running
from moodle_course import make_course

from ta_delivery.context import RunContext
from ta_delivery.errors import InputError
from ta_delivery.evaluation.aggregate import summary
from ta_delivery.evaluation.model import Evaluation, Question
from ta_delivery.evaluation.pull import pull_responses
from ta_delivery.plugins import make_plugin_manager

RATED = "r>>>>>1####Not relevant|2####A little|3####Somewhat|4####Relevant|5####Very relevant"
EVALUATION = Evaluation(
    (
        Question("relevance", {"en": "Relevant?"}, "scale"),
        Question("format", {"en": "Format?"}, "choice", ("live", "recorded")),
        Question("comments", {"en": "Comments"}, "text"),
    ),
    lms_feedback="rtpc-eval",
)
ITEMS = [
    {"typ": "label", "name": "Thank you", "label": "", "presentation": "<p>Thanks</p>"},
    {"typ": "multichoicerated", "name": "How relevant was it?", "label": "relevance", "presentation": RATED},
    {"typ": "multichoice", "name": "Which format?", "label": "format", "presentation": "r>>>>>live|recorded"},
    {"typ": "textarea", "name": "Comments", "label": "comments", "presentation": "30|5"},
]


def setup_site(moodle: Running, *, anonymous: bool) -> int:
    site = moodle.site
    cid = site.add_course("rtpc-2020")
    site.add_feedback(cid, "other", ITEMS, anonymous=anonymous)  # a second activity, never read
    fid = site.add_feedback(cid, "rtpc-eval", ITEMS, anonymous=anonymous)
    ana = site.add_user("ana", "ana@example.org")
    cleo = site.add_user("cleo", "cleo@example.org")
    site.answer_feedback(fid, ana, {"relevance": "5", "format": "1", "comments": "Great"})
    site.answer_feedback(fid, cleo, {"relevance": "2", "format": "2"})
    for _ in range(3):
        site.answer_feedback(fid, cleo, {"relevance": "4"})
    return fid


def test_named_feedback_answers_become_identified_responses(moodle: Running, context: RunContext) -> None:
    setup_site(moodle, anonymous=False)
    course = make_course(evaluation=EVALUATION)
    found = pull_responses(course, make_plugin_manager(), context)
    assert len(found) == 5
    assert {r.participant_id for r in found} == {"jm-01", "bb-03"}
    result = summary(EVALUATION, found)
    assert result["questions"]["relevance"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 3, "5": 1}
    assert result["questions"]["format"]["distribution"] == {"live": 1, "recorded": 1}
    assert result["questions"]["comments"] == {"answers": 1}
    used = {f for f, _ in moodle.site.calls}
    assert used >= {
        "mod_feedback_get_feedbacks_by_courses",
        "core_course_get_course_module",
        "mod_feedback_get_items",
        "mod_feedback_get_responses_analysis",
    }
    assert moodle.site.writes == []


def test_anonymous_feedback_has_no_participants_and_pages(moodle: Running, context: RunContext) -> None:
    setup_site(moodle, anonymous=True)
    import ta_delivery_lms.feedback as feedback

    feedback_page = feedback.PAGE_SIZE
    feedback.PAGE_SIZE = 2
    try:
        found = pull_responses(make_course(evaluation=EVALUATION), make_plugin_manager(), context)
    finally:
        feedback.PAGE_SIZE = feedback_page
    assert len(found) == 5 and all(r.participant_id is None for r in found)
    pages = [p["page"] for f, p in moodle.site.calls if f == "mod_feedback_get_responses_analysis"]
    assert pages == [0, 1, 2]
    again = pull_responses(make_course(evaluation=EVALUATION), make_plugin_manager(), context)
    assert sorted(r.key for r in again) == sorted(r.key for r in found)


def test_unknown_idnumber_is_an_input_error(moodle: Running, context: RunContext) -> None:
    setup_site(moodle, anonymous=False)
    evaluation = Evaluation(EVALUATION.questions, lms_feedback="nope")
    with pytest.raises(InputError, match="ID number 'nope'"):
        pull_responses(make_course(evaluation=evaluation), make_plugin_manager(), context)
