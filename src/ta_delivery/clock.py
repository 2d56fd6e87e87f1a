"""Injectable time: every component asks a :class:`Clock` instead of the system for 'now'."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import attrs


class Clock(Protocol):
    """Source of the current instant and of sleeping."""

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a monotonic clock, for rate limiting and timeouts."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@attrs.define
class FakeClock:
    """A clock for tests: time moves only when told to, and sleeping advances it."""

    current: datetime = attrs.field(factory=lambda: datetime(2027, 1, 1, tzinfo=UTC))
    _mono: float = 0.0
    slept: list[float] = attrs.field(factory=list)
    on_sleep: Callable[[float], None] | None = None

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(max(seconds, 0.0))
        if self.on_sleep is not None:
            self.on_sleep(seconds)

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self._mono += seconds
        self.current += timedelta(seconds=seconds)
