"""The one place where HTTP meets our exceptions: status mapping, retries, pacing.

Providers take an injected :class:`httpx.Client` (tests pass ``httpx.MockTransport``) and send through
:class:`HttpApi`, so every provider behaves alike under failures.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.utils
import logging
import random
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

import attrs
import httpx

from .clock import Clock, SystemClock
from .errors import (
    AuthError,
    BadResponse,
    ConflictError,
    NotFound,
    ProviderError,
    RateLimited,
    Unavailable,
)

__all__ = [
    "HttpApi",
    "RateLimiter",
    "RetryPolicy",
    "error_for",
    "make_client",
    "parse_retry_after",
    "redact",
    "request_secrets",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def make_client(
    base_url: str,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """An httpx client with explicit timeouts; ``transport`` is injected by tests."""
    return httpx.Client(
        base_url=base_url,
        transport=transport,
        timeout=timeout,
        headers={"User-Agent": "ta-delivery", **(headers or {})},
        follow_redirects=False,
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); ``None`` if absent or bad."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return None
    return seconds


#: Header, query and form field names whose values are credentials.
_SENSITIVE_NAME = re.compile(r"token|secret|passw|auth|key|signature|credential|session|code", re.IGNORECASE)
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
MESSAGE_LIMIT = 200
MASK = "********"


def _credential_parts(value: str) -> Iterator[str]:
    yield value
    scheme, _, credential = value.strip().partition(" ")
    if not credential:
        return
    yield credential
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        _user, _, password = decoded.partition(":")
        yield decoded
        yield password


def request_secrets(request: httpx.Request) -> list[str]:
    """Credentials ``request`` carries: its Authorization value, and sensitive query and form values."""
    found: list[str] = []
    for name, value in request.headers.multi_items():
        if name.lower() in _SENSITIVE_HEADERS or _SENSITIVE_NAME.search(name):
            found.extend(_credential_parts(value))
    pairs: list[tuple[str, str]] = list(request.url.params.multi_items())
    if "application/x-www-form-urlencoded" in request.headers.get("Content-Type", ""):
        with contextlib.suppress(UnicodeDecodeError, httpx.RequestNotRead):
            pairs += parse_qsl(request.content.decode("utf-8"), keep_blank_values=True)
    found += [value for name, value in pairs if _SENSITIVE_NAME.search(name)]
    return [secret for secret in found if len(secret) >= 4]


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with each secret (as written, or URL-encoded) replaced by a mask."""
    forms = {form for secret in secrets for form in (secret, quote(secret, safe=""), quote_plus(secret))}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def _loggable(url: str | httpx.URL) -> str:
    """``url`` for a log line: the values of sensitive query parameters masked."""
    text = str(url)
    try:
        params = httpx.URL(text).params
    except httpx.InvalidURL:
        return text.partition("?")[0]
    return redact(text, [v for k, v in params.multi_items() if _SENSITIVE_NAME.search(k) and len(v) >= 4])


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text or response.reason_phrase
    if isinstance(body, Mapping):
        for key in ("message", "error_description", "error", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return response.reason_phrase


def _safe_message(response: httpx.Response) -> str:
    """The error text of ``response``: the request's credentials masked, control characters (escape
    sequences, line breaks) turned into spaces, then cut short."""
    text = _message(response)
    with contextlib.suppress(RuntimeError):  # a response built without its request has none to mask
        text = redact(text, request_secrets(response.request))
    return "".join(c if c.isprintable() else " " for c in text)[:MESSAGE_LIMIT]


def error_for(response: httpx.Response, provider: str, now: datetime | None = None) -> ProviderError | None:
    """The exception an HTTP response stands for, or ``None`` for a success."""
    status = response.status_code
    if status < 400:
        return None
    msg = _safe_message(response)
    if status in (401, 403):
        return AuthError(msg, provider=provider, status=status)
    if status in (404, 410):
        return NotFound(msg, provider=provider, status=status)
    if status == 409:
        return ConflictError(msg, provider=provider, status=status)
    if status == 429:
        retry = parse_retry_after(response.headers.get("Retry-After"), now)
        return RateLimited(msg, provider=provider, status=status, retry_after=retry)
    if status >= 500:
        return Unavailable(msg, provider=provider, status=status)
    return BadResponse(msg, provider=provider, status=status)


@attrs.define
class RateLimiter:
    """A token bucket: ``rate`` requests a second, bursts of ``burst``. Thread-safe; clock injectable."""

    rate: float
    burst: int = 1
    clock: Clock = attrs.field(factory=SystemClock)
    _tokens: float = attrs.field(init=False, default=0.0)
    _last: float | None = attrs.field(init=False, default=None)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)

    def acquire(self) -> None:
        """Wait until a request may be sent."""
        while True:
            with self._lock:
                now = self.clock.monotonic()
                if self._last is None:
                    self._tokens, self._last = float(self.burst), now
                self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1 - 1e-9:  # float rounding must not starve a fake clock
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            self.clock.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (after a 429)."""
        with self._lock:
            self._tokens = min(self._tokens, 0.0) - seconds * self.rate


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by total waiting time."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    budget: float = 120.0
    default_retry_after: float = 5.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number ``attempt`` (1-based)."""
        return rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


@attrs.define
class HttpApi:
    """Sends requests for one provider with pacing, status mapping and safe retries.

    A non-idempotent request (POST, PATCH unless ``idempotent=True``) is retried only when it surely
    did not take effect: a 429, or a connection that never opened. A lost response is raised as
    :class:`Unavailable` so the caller can look before creating again.
    """

    client: httpx.Client
    provider: str
    clock: Clock = attrs.field(factory=SystemClock)
    limiter: RateLimiter | None = None
    policy: RetryPolicy = RetryPolicy()
    rng: random.Random = attrs.field(factory=random.Random)

    def _host(self, url: str | httpx.URL) -> str:
        """The host a request goes to, for error messages (``url`` may be relative to the base URL)."""
        try:
            target = httpx.URL(url)
            host = target.host or self.client.base_url.host
            port = target.port if target.host else self.client.base_url.port
        except (httpx.InvalidURL, TypeError):
            return "?"
        return f"{host}:{port}" if port else host

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool | None = None,
        limiter: RateLimiter | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send and return a successful response, or raise the mapped :class:`ProviderError`."""
        method = method.upper()
        safe = method in IDEMPOTENT if idempotent is None else idempotent
        waited = 0.0
        attempt = 0
        started = self.clock.now()
        limiter = limiter or self.limiter
        while True:
            attempt += 1
            if limiter is not None:
                limiter.acquire()
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.ConnectError as exc:
                error: ProviderError = Unavailable(
                    f"cannot connect to {self._host(url)}: {type(exc).__name__}", provider=self.provider
                )
                retry_ok = True
            except (
                httpx.TimeoutException,
                httpx.NetworkError,
                httpx.RemoteProtocolError,
                httpx.ProxyError,
            ) as exc:
                error = Unavailable(
                    f"no response from {self._host(url)}: {type(exc).__name__}", provider=self.provider
                )
                retry_ok = safe
            except httpx.DecodingError:
                raise BadResponse("undecodable response body", provider=self.provider) from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # e.g. UnsupportedProtocol: never sent
                raise Unavailable(
                    f"cannot send to {self._host(url)}: {type(exc).__name__}", provider=self.provider
                ) from None
            else:
                mapped = error_for(response, self.provider, self.clock.now())
                if mapped is None:
                    return response
                error = mapped
                retry_ok = isinstance(error, RateLimited) or (isinstance(error, Unavailable) and safe)
            if not retry_ok or not error.retryable or attempt >= self.policy.attempts:
                raise self._where(error, url, attempt, started)
            if isinstance(error, RateLimited):
                wait = error.retry_after if error.retry_after is not None else self.policy.default_retry_after
                if limiter is not None:
                    limiter.pause(wait)
                    wait = 0.0
            else:
                wait = self.policy.backoff(attempt, self.rng)
            if waited + wait > self.policy.budget:
                raise self._where(error, url, attempt, started)
            log.info(
                "%s %s %s failed (%s); retry %d in %.1fs",
                self.provider,
                method,
                _loggable(url),
                type(error).__name__,
                attempt,
                wait,
            )
            waited += wait
            self.clock.sleep(wait)

    def _where(self, error: ProviderError, url: str, attempts: int, started: datetime) -> ProviderError:
        """``error`` with the time spent and the attempts made (and the host, unless it names it).

        Only for failures to reach the host (no connection, no response): a status the server answered
        with already says what it means.
        """
        if not isinstance(error, Unavailable) or error.status is not None:
            return error
        host = self._host(url)
        elapsed = max(0.0, (self.clock.now() - started).total_seconds())
        tries = f"{attempts} attempt" + ("" if attempts == 1 else "s")
        where = "" if host and host in error.message else f"{host or 'the server'}, "
        error.message = f"{error.message} ({where}{tries} over {elapsed:.1f}s)"
        error.args = (str(error),)
        return error

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send and decode a JSON body (``None`` for an empty one); malformed bodies are BadResponse."""
        response = self.request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise BadResponse("malformed JSON body", provider=self.provider) from exc
