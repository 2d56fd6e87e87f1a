"""Zoom's rate limits: categories paced per second, and daily limits remembered across runs.

* Every endpoint has a *Rate Limit Label* (Light, Medium, Heavy); each category gets its own
  :class:`~ta_delivery.http.RateLimiter` at the plan's rate.
* A 429 is either per-second (wait as ``Retry-After`` says: :class:`~ta_delivery.http.HttpApi` does it)
  or daily (``X-RateLimit-Type: Daily-limit``, a "daily" message, or a ``Retry-After`` hours away): then
  :class:`~ta_delivery.errors.DailyLimitReached` is raised, that kind of call stops for that host for
  the rest of the UTC day, and the next run resumes.
* Meeting (and webinar) creates and updates are limited per host per UTC day (100 by default);
  :class:`DailyBudget` counts them in the plugin's persistent state so ``plan`` can show what is left.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import attrs
import httpx

from ta_delivery.clock import Clock
from ta_delivery.context import KeyValue, SharedCounters
from ta_delivery.errors import DailyLimitReached
from ta_delivery.http import RateLimiter, parse_retry_after

__all__ = [
    "PLAN_RATES",
    "Category",
    "DailyBudget",
    "daily_kind",
    "daily_limit_error",
    "make_limiters",
]

Category = Literal["light", "medium", "heavy"]

#: Requests per second by plan and category (Zoom's published limits for the Meetings API).
PLAN_RATES: Mapping[str, Mapping[Category, float]] = {
    "pro": {"light": 30.0, "medium": 20.0, "heavy": 10.0},
    "business": {"light": 80.0, "medium": 60.0, "heavy": 40.0},
}

#: Daily-limited kinds of call. ``write`` is per host; ``report`` (Heavy, shared daily) per account.
DailyKind = Literal["write", "report"]
ACCOUNT = "*"

_WRITE = re.compile(r"^(?:/v2)?/(?:users/[^/]+/(?:meetings|webinars)|(?:meetings|webinars)/[^/]+)$")
_REPORT = re.compile(r"^(?:/v2)?/report/")
_HOURS = 3600.0


def make_limiters(plan: str, clock: Clock) -> dict[Category, RateLimiter]:
    """One token bucket per category at ``plan``'s rates."""
    rates = PLAN_RATES[plan]
    return {cat: RateLimiter(rate=rate, burst=1, clock=clock) for cat, rate in rates.items()}


def daily_kind(method: str, path: str) -> DailyKind | None:
    """The daily-limited kind of a request: meeting/webinar create or update, or a report read."""
    method = method.upper()
    if method in ("POST", "PATCH") and _WRITE.match(path):
        return "write"
    if method == "GET" and _REPORT.match(path):
        return "report"
    return None


def daily_limit_error(response: httpx.Response, now: datetime) -> DailyLimitReached | None:
    """The DailyLimitReached a 429 stands for, or ``None`` for a per-second 429 (or no 429)."""
    if response.status_code != 429:
        return None
    response.read()
    kind_header = response.headers.get("X-RateLimit-Type", "").lower()
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        message = body["message"][:300]
    retry = parse_retry_after(response.headers.get("Retry-After"), now)
    if retry is None:
        raw = response.headers.get("Retry-After")
        if raw:
            try:
                retry = max(0.0, (datetime.fromisoformat(raw) - now).total_seconds())
            except ValueError:
                retry = None
    daily = "daily" in kind_header or "daily" in message.lower() or (retry is not None and retry >= _HOURS)
    if not daily:
        return None
    return DailyLimitReached(message or "daily rate limit reached", provider="zoom", retry_after=retry)


@attrs.define
class DailyBudget:
    """Per-host counts of meeting creates/updates and daily blocks for the current UTC day.

    Stored as one JSON value under ``daily`` in the plugin's KeyValue; a new UTC day starts afresh.
    A block (Zoom's own daily 429) stops further calls for the rest of this run; the stored one only
    informs ``plan``, so each new run asks Zoom once more (Zoom may have counted differently).
    """

    state: KeyValue
    clock: Clock
    limit: int = 100
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)
    _this_run: dict[str, str] = attrs.field(init=False, factory=dict)

    def _load(self) -> dict[str, object]:
        day = self.clock.now().date().isoformat()
        raw = self.state.get("daily")
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict) or data.get("day") != day:
            data = {"day": day, "writes": {}, "blocked": {}}
        return data

    def _save(self, data: Mapping[str, object]) -> None:
        self.state.put("daily", json.dumps(data, sort_keys=True))

    def _counter(self, host: str) -> str:
        return f"write:{self.clock.now().date().isoformat()}:{host}"

    def used(self, host: str) -> int:
        """Creates and updates sent today for ``host`` (by every course and process on the store)."""
        if isinstance(self.state, SharedCounters):
            return self.state.count(self._counter(host))
        with self._lock:
            writes = self._load()["writes"]
            assert isinstance(writes, dict)
            return int(writes.get(host, 0))

    def record(self, host: str) -> None:
        """Count one create or update sent for ``host``.

        On a store's shared counters this takes one unit of the day's budget atomically, so runs of
        other courses and processes can never together send more than the limit; with none left it
        raises :class:`DailyLimitReached` before the call is sent.
        """
        if isinstance(self.state, SharedCounters) and not self.state.take(self._counter(host), self.limit):
            raise DailyLimitReached(
                f"daily limit for {host}: {self.limit} meeting creates/updates already sent today "
                "for this host; resumes after 00:00 UTC",
                provider="zoom",
            )
        with self._lock:  # also noted in the JSON value, which names the hosts ``plan`` lists
            data = self._load()
            writes = data["writes"]
            assert isinstance(writes, dict)
            writes[host] = int(writes.get(host, 0)) + 1
            self._save(data)

    def block(self, kind: DailyKind, host: str, message: str) -> None:
        """Remember that Zoom refused ``kind`` calls for ``host`` for the rest of the UTC day."""
        with self._lock:
            data = self._load()
            blocked = data["blocked"]
            assert isinstance(blocked, dict)
            blocked[f"{kind}:{host}"] = message[:200]
            self._save(data)
            self._this_run[f"{kind}:{host}"] = message[:200]

    def blocked(self, kind: DailyKind, host: str) -> str | None:
        """Why Zoom refused ``kind`` calls for ``host`` earlier today (this run or another), or ``None``."""
        with self._lock:
            blocked = self._load()["blocked"]
            assert isinstance(blocked, dict)
            value = blocked.get(f"{kind}:{host}")
            return str(value) if value is not None else None

    def check(self, kind: DailyKind, host: str) -> None:
        """Raise :class:`DailyLimitReached` when ``kind`` calls for ``host`` must not be sent now."""
        with self._lock:
            reason = self._this_run.get(f"{kind}:{host}")
        if reason is None and kind == "write" and self.used(host) >= self.limit:
            reason = f"{self.limit} meeting creates/updates already sent today for this host"
        if reason is not None:
            raise DailyLimitReached(
                f"daily limit for {host}: {reason}; resumes after 00:00 UTC", provider="zoom"
            )

    def remaining(self, hosts: tuple[str, ...]) -> dict[str, int]:
        """Host -> creates/updates left today (0 when Zoom refused further ones)."""
        with self._lock:
            data = self._load()
        writes, blocked = data["writes"], data["blocked"]
        assert isinstance(writes, dict)
        assert isinstance(blocked, dict)
        if isinstance(self.state, SharedCounters):
            writes = {h: self.used(h) for h in {*hosts, *writes}}
        names = sorted({*hosts, *writes})
        return {
            h: 0 if f"write:{h}" in blocked else max(0, self.limit - int(writes.get(h, 0))) for h in names
        }
