"""``evaluation pull``: the answers of the course's LMS Feedback activity, through the LMS plugin.

An LMS plugin offers this by implementing :class:`LmsFeedback` (Moodle does, with the web-service functions
Moodle documents for its Feedback module). The table it returns goes through the same checks as an imported
file: every bad value is reported, and nothing is stored unless all of it is good.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError
from ..models import Course
from ..records import SupportsFeedback
from .model import Response
from .service import evaluation_of
from .surveys import FORMATS
from .table import Layout, Table, responses

if TYPE_CHECKING:
    from ..context import RunContext
    from ..plugins import Plugins

__all__ = ["PULL_LAYOUT", "LmsFeedback", "pull_responses"]

#: The table an LMS returns: ``response id``, ``email``, then one column per item (Moodle's headers).
PULL_LAYOUT = Layout(
    "lms-feedback",
    participant=frozenset({"email"}),
    key=frozenset({"response id"}),
    meta=frozenset({"response id"}),
    aliases=FORMATS["moodle-feedback"].aliases,
)


#: The optional LMS method this reads (declared with the others in :mod:`ta_delivery.records`).
LmsFeedback = SupportsFeedback


def pull_responses(course: Course, plugins: Plugins, context: RunContext) -> list[Response]:
    """The responses of the course's LMS Feedback activity; input errors when the course cannot say which."""
    evaluation = evaluation_of(course)
    if evaluation.lms_feedback is None:
        raise InputError(
            "name the LMS Feedback activity's ID number in [evaluation] lms_feedback",
            key="evaluation.lms_feedback",
        )
    if course.lms is None:
        raise InputError("the course names no LMS ([lms])", key="lms")
    if course.lms.provider not in plugins.lms:
        raise InputError(f"no LMS named {course.lms.provider!r} is installed", key="lms.provider")
    provider = plugins.lms[course.lms.provider].factory(context)
    if not isinstance(provider, LmsFeedback):
        raise InputError(
            f"the {course.lms.provider} LMS plugin cannot read survey answers", key="lms.provider"
        )
    header, rows = provider.feedback_table(course, evaluation.lms_feedback)
    table = Table(
        source=f"{course.lms.provider} feedback {evaluation.lms_feedback!r}",
        header=tuple(str(h).strip() for h in header),
        rows=tuple((n + 2, tuple(str(c) for c in row)) for n, row in enumerate(rows)),
    )
    return responses(table, PULL_LAYOUT, course, evaluation)
