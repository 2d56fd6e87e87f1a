"""Every ``ta_delivery_*`` hook.

Registration hooks return an iterable of typed records (see :mod:`ta_delivery.records`); the plugin
manager collects them and rejects duplicate names. Notification hooks return nothing and let plugins
react to what the core did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import pluggy

if TYPE_CHECKING:
    import icalendar

    from .context import RunContext
    from .models import Course, Person, Session
    from .records import (
        AttendanceStatus,
        Classroom,
        ImportFormatSpec,
        LmsSpec,
        ProviderSpec,
        RuleSpec,
        TransportSpec,
    )
    from .webhooks import WebhookSpec

PROJECT = "ta_delivery"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# --- registration ---------------------------------------------------------------------------------


@hookspec
def ta_delivery_register_providers() -> Iterable[ProviderSpec]:
    """Register classroom providers.

    :return: :class:`~ta_delivery.records.ProviderSpec` records, one per provider name.
    """
    raise NotImplementedError


@hookspec
def ta_delivery_register_transports() -> Iterable[TransportSpec]:
    """Register invite transports (how invitation messages are delivered).

    :return: :class:`~ta_delivery.records.TransportSpec` records.
    """
    raise NotImplementedError


@hookspec
def ta_delivery_register_import_formats() -> Iterable[ImportFormatSpec]:
    """Register attendance import formats for ``ta-delivery attendance import --format``.

    :return: :class:`~ta_delivery.records.ImportFormatSpec` records.
    """
    raise NotImplementedError


@hookspec
def ta_delivery_register_rules() -> Iterable[RuleSpec]:
    """Register schedule rules applied by ``ta-delivery check``.

    :return: :class:`~ta_delivery.records.RuleSpec` records; rule ids must be unique.
    """
    raise NotImplementedError


@hookspec
def ta_delivery_register_lms() -> Iterable[LmsSpec]:
    """Register learning management systems usable in a course's ``[lms]`` table.

    :return: :class:`~ta_delivery.records.LmsSpec` records.
    """
    raise NotImplementedError


@hookspec
def ta_delivery_register_webhooks() -> Iterable[WebhookSpec]:
    """Register webhook receivers that ``ta-delivery serve`` answers at ``POST /webhooks/<name>``.

    :return: :class:`~ta_delivery.webhooks.WebhookSpec` records.
    """
    raise NotImplementedError


# --- notifications --------------------------------------------------------------------------------


@hookspec
def ta_delivery_classroom_provisioned(
    course: Course,
    session: Session,
    classroom: Classroom,
    action: Literal["create", "update", "cancel"],
) -> None:
    """A classroom was created, updated or cancelled for ``session``.

    :param course: the course as read from its file.
    :param session: the session the classroom serves.
    :param classroom: the classroom as the provider reported it.
    :param action: what was done.
    """


@hookspec
def ta_delivery_invite_building(
    course: Course,
    session: Session,
    person: Person,
    method: Literal["REQUEST", "CANCEL", "PUBLISH"],
    event: icalendar.Event,
) -> None:
    """An invite's VEVENT is being built: a plugin may add properties to ``event``.

    Called before the event is serialised; UID, SEQUENCE, DTSTART and DTEND must not be changed.

    :param course: the course.
    :param session: the session the event stands for.
    :param person: the recipient (for a feed: the person whose feed it is, else the organizer as a Person).
    :param method: the iTIP method of the calendar.
    :param event: the :class:`icalendar.Event` to decorate.
    """


@hookspec
def ta_delivery_attendance_recorded(
    course: Course,
    statuses: Sequence[AttendanceStatus],
    context: RunContext,
) -> None:
    """Attendance was imported or pulled and reconciled.

    :param course: the course.
    :param statuses: every participant's reconciled status in the affected live sessions.
    :param context: the run's context (settings, clock, HTTP seam) for plugins that push statuses on.
    """
