"""The ``lms`` plugin: registers the ``moodle`` LMS and pushes recorded attendance to its register."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ta_delivery.hookspecs import hookimpl
from ta_delivery.models import Course
from ta_delivery.specs import LmsSpec

if TYPE_CHECKING:  # the client, the HTTP stack and the run context load when a run builds the LMS
    from ta_delivery.context import RunContext
    from ta_delivery.records import AttendanceStatus

    from .options import LmsOptions
    from .provider import MoodleLms

__all__ = ["lms_options", "make_moodle", "parse_options"]


def parse_options(options: Mapping[str, Any]) -> LmsOptions:
    """Moodle's ``[lms]`` keys, parsed; the options module (and settings) load when a course has them."""
    from .options import parse_options as parse

    return parse(options)


def lms_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Validate moodle's extra ``[lms]`` keys (``partial``, ``register``); InputError on a bad one."""
    return attrs.asdict(parse_options(options))


def make_moodle(context: RunContext) -> MoodleLms:
    """The Moodle provider for one run, built on the context's settings, clock, HTTP seam and state."""
    from ta_delivery.http import HttpApi, RateLimiter

    from .client import MoodleClient
    from .options import MoodleSettings
    from .provider import MoodleLms

    settings = MoodleSettings.from_settings(context.settings)
    http = HttpApi(
        context.http_client(settings.url),
        "moodle",
        clock=context.clock,
        limiter=RateLimiter(rate=10.0, burst=10, clock=context.clock),
    )
    return MoodleLms(
        client=MoodleClient(http, settings.token),
        settings=settings,
        clock=context.clock,
        state=context.state("moodle"),
    )


@hookimpl
def ta_delivery_register_lms() -> Iterable[LmsSpec]:
    """Moodle, through its REST web services."""
    yield LmsSpec(
        name="moodle",
        factory=make_moodle,
        parse_options=lms_options,
        description="Moodle: course, accounts, enrolments, attendance register, prerequisites",
    )


@hookimpl
def ta_delivery_attendance_recorded(
    course: Course, statuses: Sequence[AttendanceStatus], context: RunContext
) -> None:
    """Push reconciled statuses to the Moodle register when the course's ``[lms]`` asks for it.

    Raises :class:`~ta_delivery.errors.ProviderError` when some statuses could not be pushed (after
    trying them all); the attendance itself is already recorded, and the next import or pull retries.
    """
    lms = course.lms
    if lms is None or lms.provider != "moodle" or not lms.attendance or not statuses:
        return
    make_moodle(context).push_attendance(course, statuses)
