"""The settings a run needs, checked before it starts: transport, providers, LMS and feed address.

A missing or malformed ``TA_DELIVERY_*`` setting must stop a run before any state is created or changed
(an input error, exit 2), so these are read here, apart from the run itself.
"""

from __future__ import annotations

import logging

from .context import RunContext
from .errors import InputError, TaDeliveryError
from .models import Course
from .plugins import Plugins
from .records import SupportsPreflight, TransportSpec

__all__ = ["preflight", "serve_url", "transport_spec"]

log = logging.getLogger(__name__)


def transport_spec(plugins: Plugins, context: RunContext) -> TransportSpec:
    """The invite transport ``TA_DELIVERY_TRANSPORT`` names (``outbox`` by default)."""
    name = context.settings.get("transport") or "outbox"
    specs = plugins.transports
    if name not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise InputError(
            f"no invite transport named {name!r} is installed (installed: {known})",
            source="TA_DELIVERY_TRANSPORT",
        )
    return specs[name]


def preflight(course: Course, plugins: Plugins, context: RunContext, *, ask_lms: bool = False) -> None:
    """Build each provider and the LMS a run on ``course`` will use, to surface bad settings early.

    Call it with a context that has no store (its state is in memory): a missing or malformed
    ``TA_DELIVERY_*`` setting is then an :class:`InputError` before any state is created or changed.
    Building contacts no server. With ``ask_lms``, an LMS that has a ``preflight(course)`` method is asked
    too (it may read from its server): its input errors are raised, its other errors left for the run.
    """
    if course.status in ("scheduled", "delivered"):
        now = context.clock.now()
        names = {course.provider_of(s) for s in course.live_sessions if s.end > now}
        specs = plugins.providers
        for name in sorted(names):
            if name not in specs:
                raise InputError(f"no classroom provider named {name!r} is installed", key="course.provider")
            specs[name].factory(context)
    if course.invitations.delivery == "feed" and course.status in ("scheduled", "delivered"):
        serve_url(context)
    if course.lms is not None:
        if course.lms.provider not in plugins.lms:
            raise InputError(f"no LMS named {course.lms.provider!r} is installed", key="lms.provider")
        lms = plugins.lms[course.lms.provider].factory(context)
        if ask_lms and isinstance(lms, SupportsPreflight):
            try:
                lms.preflight(course)
            except InputError:
                raise
            except TaDeliveryError as exc:
                log.info("LMS preflight could not read the site (%s): the run will report it", exc)


def serve_url(context: RunContext) -> str:
    """The public address of ``ta-delivery serve`` (``TA_DELIVERY_SERVE_URL``), which a course that sends
    feeds instead of invitations needs for its welcome messages."""
    base = (context.settings.get("serve", "url") or "").strip()
    if not base.startswith(("https://", "http://")) or len(base) <= len("https://"):
        raise InputError(
            "is not set to the public http(s) address of `ta-delivery serve`, e.g. https://ta.example.org; "
            'a course with [invitations] delivery = "feed" sends it in each welcome message',
            source="TA_DELIVERY_SERVE_URL",
        )
    return base
