"""The ``zoom`` entry point: registers the Zoom classroom provider and the ``zoom-csv`` import format."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ta_delivery.errors import InputError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.specs import Capabilities, ImportFormatSpec, ProviderSpec, parse_on_first_use

if (
    TYPE_CHECKING
):  # the client, the HTTP stack, the run context and the webhooks load when used, not at discovery
    from ta_delivery.context import RunContext
    from ta_delivery.webhooks import ASGIApp, WebhookSpec, WebhookTarget

    from .provider import ZoomProvider

__all__ = ["make_provider"]


def parse_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Validate the course file's ``[zoom]`` table; the options module loads when a course has one."""
    from .options import parse_options as parse

    return parse(options)


def _origin(value: str, variable: str) -> str:
    from ta_delivery.settings import url

    parts = urlsplit(url(value, source=variable))
    return f"{parts.scheme}://{parts.netloc}"


def make_provider(context: RunContext) -> ZoomProvider:
    """Build the provider from ``TA_DELIVERY_ZOOM_*`` settings on the context's HTTP seam."""
    from ta_delivery.settings import positive_number

    from .auth import DEFAULT_OAUTH_URL, TokenSource
    from .limits import PLAN_RATES
    from .provider import DEFAULT_API_URL, ZoomProvider

    settings = context.settings
    account = settings.get("zoom", "account_id")
    client_id = settings.get("zoom", "client_id")
    secret = settings.secret("zoom", "client_secret")
    missing = [
        name
        for name, value in (("ACCOUNT_ID", account), ("CLIENT_ID", client_id), ("CLIENT_SECRET", secret))
        if value is None
    ]
    if missing or account is None or client_id is None or secret is None:
        raise InputError(
            "is not set: Zoom needs the account id, client id and client secret of a Server-to-Server "
            "OAuth app",
            source=", ".join(f"TA_DELIVERY_ZOOM_{m}" for m in missing),
        )
    api_url = (settings.get("zoom", "api_url", DEFAULT_API_URL) or DEFAULT_API_URL).rstrip("/")
    oauth_url = settings.get("zoom", "oauth_url", DEFAULT_OAUTH_URL) or DEFAULT_OAUTH_URL
    _origin(api_url, "TA_DELIVERY_ZOOM_API_URL")
    oauth_client = context.http_client(_origin(oauth_url, "TA_DELIVERY_ZOOM_OAUTH_URL"))
    plan = (settings.get("zoom", "plan", "pro") or "pro").lower()
    if plan not in PLAN_RATES:
        raise InputError(f"must be one of {', '.join(PLAN_RATES)}", source="TA_DELIVERY_ZOOM_PLAN")
    daily_limit = (
        positive_number(
            settings.get("zoom", "daily_limit"), source="TA_DELIVERY_ZOOM_DAILY_LIMIT", whole=True
        )
        or 100
    )
    tokens = TokenSource(
        client=oauth_client,
        account_id=account,
        client_id=client_id,
        client_secret=secret,
        oauth_url=oauth_url,
        clock=context.clock,
    )
    return ZoomProvider(
        client=context.http_client(api_url + "/"),
        tokens=tokens,
        state=context.state("zoom"),
        clock=context.clock,
        user=settings.get("zoom", "user", "me") or "me",
        plan=plan,
        daily_limit=daily_limit,
    )


@hookimpl
def ta_delivery_register_providers() -> Iterable[ProviderSpec]:
    """Zoom meetings and webinars."""
    yield ProviderSpec(
        name="zoom",
        factory=make_provider,
        capabilities=Capabilities(
            personal_join_links=True,
            attendance_fetch=True,
            update_in_place=True,
            find_by_key=True,
            dial_in=True,
            recordings=True,
        ),
        parse_options=parse_options,
        description="Zoom meetings or webinars with registrants (Server-to-Server OAuth)",
    )


@hookimpl
def ta_delivery_register_import_formats() -> Iterable[ImportFormatSpec]:
    """The Zoom portal's participants and usage exports, and saved participants API responses."""
    yield ImportFormatSpec(
        name="zoom-csv",
        parse=parse_on_first_use(f"{__package__}.csvimport", "parse_zoom_csv"),
        description="Zoom web portal participants or usage report (any portal language and date layout)",
    )
    yield ImportFormatSpec(
        name="zoom-json",
        parse=parse_on_first_use(f"{__package__}.csvimport", "parse_zoom_json"),
        description="Saved response of Zoom's past-meeting or report participants API",
    )


def _webhook_app(target: WebhookTarget) -> ASGIApp:
    from .webhooks import serve_app  # imported when `serve` starts, not on every command

    return serve_app(target)


@hookimpl
def ta_delivery_register_webhooks() -> Iterable[WebhookSpec]:
    """``POST /webhooks/zoom`` on ``ta-delivery serve``: join and leave events become attendance."""
    from ta_delivery.webhooks import WebhookSpec

    yield WebhookSpec(name="zoom", make_app=_webhook_app, description="zoom participant events")
