"""The ``ta_delivery`` entry point of ta-delivery-webex: provider ``webex``, import format ``webex-csv``."""

from __future__ import annotations

from collections.abc import Iterable

from ta_delivery.hookspecs import hookimpl
from ta_delivery.records import Capabilities, ImportFormatSpec, ProviderSpec

from .csvimport import FORMAT
from .options import parse_options
from .provider import make_provider

__all__ = ["CAPABILITIES", "ta_delivery_register_import_formats", "ta_delivery_register_providers"]

CAPABILITIES = Capabilities(
    personal_join_links=True,
    attendance_fetch=True,
    update_in_place=True,
    find_by_key=True,
    dial_in=True,
    recordings=True,
)


@hookimpl
def ta_delivery_register_providers() -> Iterable[ProviderSpec]:
    """Webex Meetings: a meeting per live session, participants as invitees or registrants."""
    yield ProviderSpec(
        name="webex",
        factory=make_provider,
        capabilities=CAPABILITIES,
        parse_options=parse_options,
        description="Webex Meetings (meetings, invitees or registrants, attendance)",
    )


@hookimpl
def ta_delivery_register_import_formats() -> Iterable[ImportFormatSpec]:
    """The Webex attendee report export."""
    yield FORMAT
