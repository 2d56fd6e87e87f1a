"""Sending to the Webex Meetings REST API: the bearer token (refreshed once on 401), pages, concurrency.

:class:`WebexApi` holds what every part of the provider shares: one :class:`~ta_delivery.http.HttpApi`
(pacing, 429 Retry-After, safe retries) on ``context.http_client(api_url)``, the token of
:class:`~.auth.WebexAuth`, ``Link``-header paging that never leaves the API's host, a bounded number of
calls in flight, and looking before sending again (:func:`ta_delivery.plugin.send_checked`). The
provider's concerns (people, reports) are mixins on top of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs
import httpx

from ta_delivery.clock import Clock, SystemClock
from ta_delivery.errors import AuthError, BadResponse
from ta_delivery.http import HttpApi
from ta_delivery.plugin import send_checked

from . import sansio
from .auth import WebexAuth

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_RATE", "NAME", "WebexApi"]

log = logging.getLogger(__name__)

NAME = "webex"
PAGE_SIZE = 100
MAX_PAGES = 1000
DEFAULT_CONCURRENCY = 4
DEFAULT_RATE = 5.0
T = TypeVar("T")


@attrs.define(repr=False)
class WebexApi:
    """The Webex Meetings API as one account's token reaches it."""

    api: HttpApi
    auth: WebexAuth
    base_url: str = sansio.DEFAULT_API_URL
    concurrency: int = DEFAULT_CONCURRENCY
    page_size: int = PAGE_SIZE
    clock: Clock = attrs.field(factory=SystemClock)
    _slots: threading.BoundedSemaphore = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.concurrency = max(1, self.concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the bearer token; on 401 refresh once and retry once."""
        extra = dict(kwargs.pop("headers", None) or {})
        with self._slots:
            token = self.auth.token()
            try:
                return self.api.request(
                    method, url, headers={**extra, "Authorization": f"Bearer {token}"}, **kwargs
                )
            except AuthError as exc:
                if exc.status == 403:
                    raise AuthError(
                        f"{method} {_path(url)} is forbidden (a missing scope?): {exc.message}",
                        provider=NAME,
                        status=403,
                    ) from None
                if exc.status != 401 or not self.auth.can_refresh:
                    raise
            if self.auth.was_refused(token):
                raise AuthError(
                    "the refreshed Webex access token was refused too; authorise the integration again",
                    provider=NAME,
                    status=401,
                ) from None
            log.info("webex: %s %s answered 401; refreshing the access token once", method, _path(url))
            self.auth.refresh(stale=token)
            token = self.auth.token()
            try:
                return self.api.request(
                    method, url, headers={**extra, "Authorization": f"Bearer {token}"}, **kwargs
                )
            except AuthError as exc:
                if exc.status == 401:  # a fresh token refused: later calls fail at once, no refresh loop
                    self.auth.refused(token)
                raise

    def _checked(self, send: Callable[[], T], look: Callable[[], T | None], what: str) -> T:
        """Send a non-idempotent request, looking its result up after a lost answer (decision 0090)."""
        return send_checked(send, look, what=what, api=self.api, clock=self.clock)

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self._send(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise BadResponse(f"malformed JSON from {method} {_path(url)}", provider=NAME) from None

    def _object(self, method: str, url: str, **kwargs: Any) -> Mapping[str, Any]:
        body = self._json(method, url, **kwargs)
        if not isinstance(body, Mapping):
            raise BadResponse(f"{method} {_path(url)} did not answer an object", provider=NAME)
        return body

    def _pages(self, url: str, params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Every item of a listing, following ``Link: <...>; rel="next"`` (``max=null`` repaired)."""
        seen: set[str] = set()
        next_url: str | None = url
        query: Mapping[str, Any] | None = {**params, "max": self.page_size}
        for _page in range(MAX_PAGES):
            assert next_url is not None
            response = self._send("GET", next_url, params=query)
            try:
                body = response.json() if response.content else {}
            except ValueError:
                raise BadResponse(f"malformed JSON from GET {_path(url)}", provider=NAME) from None
            items = body.get("items") if isinstance(body, Mapping) else None
            if not isinstance(items, list):
                raise BadResponse(f"GET {_path(url)} answered without items", provider=NAME)
            for item in items:
                if isinstance(item, Mapping):
                    yield item
            next_url = sansio.next_link(
                response.headers.get("Link"), self.page_size, base=str(response.request.url)
            )
            if next_url is None:
                return
            self._check_origin(next_url)
            if next_url in seen:
                raise BadResponse("pagination loops back to a page already read", provider=NAME)
            seen.add(next_url)
            query = None
        raise BadResponse(f"more than {MAX_PAGES} pages", provider=NAME)

    def _check_origin(self, url: str) -> None:
        """Never send our token to a host other than the API's."""
        mine, theirs = urlsplit(self.base_url), urlsplit(url)
        if (theirs.scheme, theirs.netloc) != (mine.scheme, mine.netloc):
            raise BadResponse("a next-page link points to another host", provider=NAME)

    def _parallel(self, jobs: Sequence[Callable[[], T]]) -> list[T]:
        """Run ``jobs`` with at most ``concurrency`` in flight; raise the first failure after all ran."""
        if len(jobs) <= 1 or self.concurrency == 1:
            return [job() for job in jobs]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(job) for job in jobs]
            results: list[T] = []
            error: BaseException | None = None
            for future in futures:
                try:
                    results.append(future.result())
                except BaseException as exc:  # collect, then raise the first
                    error = error or exc
        if error is not None:
            raise error
        return results


def _path(url: str) -> str:
    return urlsplit(url).path or url
