"""What a plugin's factory gets for one run: settings, clock, HTTP seam and a little persistent state."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from .clock import Clock, SystemClock
from .settings import Settings

if TYPE_CHECKING:  # the HTTP stack loads when a plugin first asks for a client, not at start
    import httpx

__all__ = ["KeyValue", "MemoryKeyValue", "RunContext", "SharedCounters"]


class KeyValue(Protocol):
    """Small persistent values of one plugin (a rotated refresh token, daily counters)."""

    def get(self, key: str) -> str | None:
        """The value stored under ``key``."""
        ...

    def put(self, key: str, value: str | None) -> None:
        """Store (or with ``None`` delete) ``value`` under ``key``."""
        ...


@runtime_checkable
class SharedCounters(Protocol):
    """Counters every course and process on one store shares (a provider's daily budget per host).

    The state store's :class:`KeyValue` offers them; a plugin checks ``isinstance(state, SharedCounters)``.
    """

    def count(self, key: str) -> int:
        """The counter under ``key`` (0 if never taken)."""
        ...

    def take(self, key: str, limit: int) -> bool:
        """Add one unless the counter reached ``limit``, atomically across processes; say whether it did."""
        ...


@attrs.define
class MemoryKeyValue:
    """A :class:`KeyValue` (with :class:`SharedCounters`) in memory, for tests and runs without a store."""

    values: dict[str, str] = attrs.field(factory=dict)
    counters: dict[str, int] = attrs.field(factory=dict)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def count(self, key: str) -> int:
        return self.counters.get(key, 0)

    def take(self, key: str, limit: int) -> bool:
        with self._lock:
            if self.counters.get(key, 0) >= limit:
                return False
            self.counters[key] = self.counters.get(key, 0) + 1
            return True

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def put(self, key: str, value: str | None) -> None:
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value


@attrs.define
class RunContext:
    """Everything outside a plugin that a plugin may use, injected so tests control it all."""

    settings: Settings = attrs.field(factory=Settings)
    clock: Clock = attrs.field(factory=SystemClock)
    base_dir: Path = attrs.field(factory=Path.cwd)
    transport: httpx.BaseTransport | None = attrs.field(default=None, repr=False)
    states: Mapping[str, KeyValue] | None = attrs.field(default=None, repr=False)
    state_factory: object = attrs.field(default=None, repr=False)

    def http_client(self, base_url: str, headers: Mapping[str, str] | None = None) -> httpx.Client:
        """An httpx client for ``base_url`` on the injected transport (the network by default)."""
        from .http import make_client

        return make_client(base_url, transport=self.transport, headers=headers)

    def state(self, namespace: str) -> KeyValue:
        """The persistent values of ``namespace`` (the state store's, or in memory)."""
        factory = self.state_factory
        if callable(factory):
            kv: KeyValue = factory(namespace)
            return kv
        if self.states is not None and namespace in self.states:
            return self.states[namespace]
        store = MemoryKeyValue()
        self.states = {**(self.states or {}), namespace: store}
        return store
