"""The Moodle plugin against behaviours of real Moodle sites our fake did not model."""

from __future__ import annotations

from fake_moodle import Running

from ta_delivery.context import RunContext
from ta_delivery.models import Course
from ta_delivery_lms.plugin import make_moodle


def test_a_course_whose_short_name_differs_in_case_is_the_course_on_a_mysql_site(
    moodle: Running, context: RunContext, course: Course
) -> None:
    """On MySQL, Moodle finds ``RTPC-2020`` for ``rtpc-2020`` and refuses to create it again."""
    site = moodle.site
    site.ci_collation = True
    cid = site.add_course("RTPC-2020")
    changes = make_moodle(context).apply(course)
    assert all(c.ok for c in changes), [c for c in changes if not c.ok]
    assert not [c for c in changes if c.target == "course rtpc-2020"]
    assert len(site.courses) == 1
    assert site.enrolments[cid], "the people are enrolled in the existing course"


def test_an_exact_short_name_wins_over_one_differing_in_case(
    moodle: Running, context: RunContext, course: Course
) -> None:
    site = moodle.site
    site.ci_collation = True
    site.add_course("RTPC-2020")
    exact = site.add_course("rtpc-2020")
    make_moodle(context).apply(course)
    assert site.enrolments[exact]


def test_register_sessions_carry_no_tags_for_sites_that_return_descriptions_as_text(
    moodle: Running, context: RunContext, course: Course
) -> None:
    """Some mod_attendance releases return a session's description as PARAM_TEXT: tags break every read."""
    site = moodle.site
    site.text_descriptions = True
    first = make_moodle(context).apply(course)
    assert all(c.ok for c in first), [c for c in first if not c.ok]
    assert make_moodle(context).apply(course) == []
    assert make_moodle(context).plan(course) == []
