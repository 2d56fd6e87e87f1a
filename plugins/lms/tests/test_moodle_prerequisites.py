"""Course completion on Moodle: prerequisites met (completed every prerequisite course, enrolled in it,
with an account) and the completions of a programme's e-learning courses."""

from __future__ import annotations

import pytest
from fake_moodle import Running
from moodle_course import make_course

from ta_delivery.context import RunContext
from ta_delivery.errors import ProviderError
from ta_delivery.plugins import make_plugin_manager
from ta_delivery_lms.plugin import make_moodle


def test_prerequisites_read_completion(moodle: Running, context: RunContext) -> None:
    site = moodle.site
    elearning = site.add_course("mta-elearning")
    basics = site.add_course("basics")
    ana = site.add_user("ana", "ana@example.org")
    ben = site.add_user("ben", "BEN.NG+TT@example.org")
    for cid in (elearning, basics):
        site.enrol_user(cid, ana)
        site.completions[(cid, ana)] = True
    site.enrol_user(elearning, ben)
    site.completions[(elearning, ben)] = True
    site.enrol_user(basics, ben)  # enrolled but not completed
    course = make_course(prerequisites=("mta-elearning", "basics"))
    result = make_moodle(context).prerequisites(course)
    assert result == {"jm-01": True, "tt-02": False, "bb-03": False}  # cleo has no account
    assert site.writes == []


def test_not_enrolled_in_a_prerequisite_is_false(moodle: Running, context: RunContext) -> None:
    site = moodle.site
    site.add_course("mta-elearning")
    site.add_user("ana", "ana@example.org")
    course = make_course(prerequisites=("mta-elearning",))
    assert make_moodle(context).prerequisites(course)["jm-01"] is False


def test_a_missing_prerequisite_course_is_false_for_all(moodle: Running, context: RunContext) -> None:
    moodle.site.add_user("ana", "ana@example.org")
    course = make_course(prerequisites=("nowhere",))
    assert set(make_moodle(context).prerequisites(course).values()) == {False}


def test_a_prerequisite_without_criteria_is_an_error(moodle: Running, context: RunContext) -> None:
    site = moodle.site
    cid = site.add_course("mta-elearning")
    site.courses[cid]["criteria"] = False
    ana = site.add_user("ana", "ana@example.org")
    site.enrol_user(cid, ana)
    course = make_course(prerequisites=("mta-elearning",))
    with pytest.raises(ProviderError, match="nocriteriaset"):
        make_moodle(context).prerequisites(course)


def test_no_prerequisites_asks_nothing(moodle: Running, context: RunContext) -> None:
    course = make_course()
    assert set(make_moodle(context).prerequisites(course).values()) == {True}
    assert moodle.site.calls == []


def test_completions_of_elearning_courses(moodle: Running, context: RunContext) -> None:
    site = moodle.site
    elearning = site.add_course("intro-elearning")
    ana = site.add_user("ana", "ana@example.org")
    ben = site.add_user("ben", "ben@example.org")
    for uid in (ana, ben):
        site.enrol_user(elearning, uid)
    site.completions[(elearning, ana)] = True
    provider = make_plugin_manager().lms["moodle"].factory(context)
    found = provider.completions(make_course(), ["intro-elearning", "missing"])  # type: ignore[attr-defined]
    assert found == {"intro-elearning": ["ana@example.org"], "missing": []}
