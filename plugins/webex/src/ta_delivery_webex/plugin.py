"""The ``ta_delivery`` entry point of ta-delivery-webex: provider ``webex``, import format ``webex-csv``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ta_delivery.hookspecs import hookimpl
from ta_delivery.specs import Capabilities, ImportFormatSpec, ProviderSpec, parse_on_first_use

if (
    TYPE_CHECKING
):  # the client, the HTTP stack, the run context and the webhooks load when used, not at discovery
    from ta_delivery.context import RunContext
    from ta_delivery.webhooks import ASGIApp, WebhookSpec, WebhookTarget

    from .provider import WebexProvider

__all__ = [
    "CAPABILITIES",
    "make_provider",
    "ta_delivery_register_import_formats",
    "ta_delivery_register_providers",
]


def parse_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Validate the course file's ``[webex]`` table; the options module loads when a course has one."""
    from .options import parse_options as parse

    return parse(options)


CAPABILITIES = Capabilities(
    personal_join_links=True,
    attendance_fetch=True,
    update_in_place=True,
    find_by_key=True,
    dial_in=True,
    recordings=True,
)


def make_provider(context: RunContext) -> WebexProvider:
    """The provider the ``TA_DELIVERY_WEBEX_*`` settings describe, on ``context``'s HTTP seam."""
    from ta_delivery.http import HttpApi, RateLimiter
    from ta_delivery.settings import positive_number, url

    from .auth import auth_from_settings
    from .provider import DEFAULT_CONCURRENCY, DEFAULT_RATE, NAME, WebexProvider
    from .sansio import DEFAULT_API_URL

    settings = context.settings
    base_url = url(settings.get("webex", "api_url") or DEFAULT_API_URL, source="TA_DELIVERY_WEBEX_API_URL")
    concurrency = (
        positive_number(
            settings.get("webex", "concurrency"), source="TA_DELIVERY_WEBEX_CONCURRENCY", whole=True
        )
        or DEFAULT_CONCURRENCY
    )
    rate = positive_number(settings.get("webex", "rate"), source="TA_DELIVERY_WEBEX_RATE") or DEFAULT_RATE
    limiter = RateLimiter(rate, burst=concurrency, clock=context.clock)
    api = HttpApi(context.http_client(base_url), NAME, clock=context.clock, limiter=limiter)
    # an input error without a token or client credentials; a refresh token may be in the store only
    auth = auth_from_settings(settings, api, context.state(NAME), context.clock)
    return WebexProvider(api=api, auth=auth, base_url=base_url, concurrency=concurrency, clock=context.clock)


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
    yield ImportFormatSpec(
        name="webex-csv",
        parse=parse_on_first_use(f"{__package__}.csvimport", "parse"),
        description="Webex meeting attendee report (UTF-16 tab-separated export, or CSV)",
    )


def _webhook_app(target: WebhookTarget) -> ASGIApp:
    from .webhooks import serve_app  # imported when `serve` starts, not on every command

    return serve_app(target)


@hookimpl
def ta_delivery_register_webhooks() -> Iterable[WebhookSpec]:
    """``POST /webhooks/webex`` on ``ta-delivery serve``: join and leave events become attendance."""
    from ta_delivery.webhooks import WebhookSpec

    yield WebhookSpec(name="webex", make_app=_webhook_app, description="webex participant events")
