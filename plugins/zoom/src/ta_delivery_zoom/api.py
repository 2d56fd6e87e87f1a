"""Sending to Zoom's REST API: one authenticated call under its rate category and daily budget.

:class:`ZoomApi` holds what every part of the provider shares: the HTTP seam
(:class:`~ta_delivery.http.HttpApi`: status mapping, safe retries), the limiter of each rate category,
a bearer token from :class:`~.auth.TokenSource` (renewed once on 401/124), the daily budget of
:mod:`.limits`, paging, and looking before sending again (:func:`ta_delivery.plugin.send_checked`).
The provider's concerns (registrants, panelists, listings, reports) are mixins on top of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from ta_delivery.clock import Clock, SystemClock
from ta_delivery.context import KeyValue, MemoryKeyValue
from ta_delivery.errors import BadResponse, DailyLimitReached
from ta_delivery.http import HttpApi, RateLimiter
from ta_delivery.plugin import send_checked
from ta_delivery.records import Classroom

from . import sansio
from .auth import TokenExpired, TokenSource
from .limits import ACCOUNT, Category, DailyBudget, daily_kind, daily_limit_error, make_limiters
from .options import ZoomOptions
from .sansio import Kind

__all__ = ["DEFAULT_API_URL", "PAGE_SIZE", "ZoomApi"]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.zoom.us/v2"
PAGE_SIZE = 300
T = TypeVar("T")


def _is_expired_token(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    response.read()
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, Mapping) and body.get("code") == 124


@attrs.define(repr=False)
class ZoomApi:
    """One Zoom account's API, called as ``user`` unless a course's ``[zoom] host`` says otherwise."""

    client: httpx.Client
    tokens: TokenSource
    state: KeyValue = attrs.field(factory=MemoryKeyValue)
    clock: Clock = attrs.field(factory=SystemClock)
    user: str = "me"
    plan: str = "pro"
    daily_limit: int = 100
    workers: int = 4
    http: HttpApi = attrs.field(init=False)
    limiters: dict[Category, RateLimiter] = attrs.field(init=False)
    budget: DailyBudget = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.limiters = make_limiters(self.plan, self.clock)
        self.http = HttpApi(self.client, "zoom", clock=self.clock)
        self.budget = DailyBudget(self.state, self.clock, self.daily_limit)
        hooks = dict(self.client.event_hooks)
        hooks["response"] = [*hooks.get("response", []), self._inspect]
        self.client.event_hooks = hooks

    def _inspect(self, response: httpx.Response) -> None:
        """Response hook: tell an expired token and a daily limit from other errors, before any retry."""
        if _is_expired_token(response):
            raise TokenExpired("access token invalid or expired (code 124)", provider="zoom", status=401)
        daily = daily_limit_error(response, self.clock.now())
        if daily is not None:
            raise daily

    def _call(
        self,
        method: str,
        path: str,
        category: Category,
        *,
        host: str | None = None,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        kind = daily_kind(method, path)
        scope = ACCOUNT if kind == "report" else (host or self.user)
        if kind is not None:
            self.budget.check(kind, scope)
        recorded = False
        for attempt in (1, 2):
            token = self.tokens.token()
            if kind == "write" and not recorded:
                # counted once we can send it: a refused token request never reaches the meeting API
                self.budget.record(scope)
                recorded = True
            headers = {"Authorization": f"Bearer {token.reveal()}"}
            try:
                return self.http.json(
                    method,
                    path,
                    limiter=self.limiters[category],
                    idempotent=idempotent,
                    headers=headers,
                    **kwargs,
                )
            except TokenExpired:
                if attempt == 2:
                    raise
                log.info("zoom: access token expired; fetching a new one")
                self.tokens.invalidate(token)
            except DailyLimitReached as exc:
                if kind is not None:
                    self.budget.block(kind, scope, exc.message)
                log.warning("zoom: daily limit reached for %s (%s); stopped for this run", scope, kind)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(
        self, path: str, field: str, category: Category, params: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            query = dict(params)
            if token:
                query["next_page_token"] = token
            items, token = sansio.page_items(self._call("GET", path, category, params=query), field)
            yield from items
            if token is None:
                return
            if token in seen:
                raise BadResponse(f"{path}: pagination does not advance", provider="zoom")
            seen.add(token)

    def _checked(self, send: Callable[[], T], look: Callable[[], T | None], what: str) -> T:
        """Send a non-idempotent request, looking its result up after a lost answer (decision 0090)."""
        return send_checked(send, look, what=what, api=self.http, clock=self.clock)

    def _host(self, options: ZoomOptions) -> str:
        return options.host or self.user

    @staticmethod
    def _base(kind: Kind) -> str:
        return "/meetings" if kind == "meeting" else "/webinars"

    @staticmethod
    def _known(classroom: Classroom, field: str) -> dict[str, dict[str, str]]:
        """Person id -> {id, email, join_url} of the registrants (or panelists) a classroom records."""
        known: dict[str, dict[str, str]] = {}
        for pid, reg in dict(classroom.data.get(field, {})).items():
            if pid in classroom.personal_links:
                known[pid] = {
                    "id": reg["id"],
                    "email": reg["email"],
                    "join_url": classroom.personal_links[pid],
                }
        return known
