"""The core driving a provider plugin in one process: a store, a captured outbox, a context on a fake API.

For a plugin's end-to-end tests below the command line: ``apply``, ``plan`` and ``attendance pull`` run as
the CLI runs them, against the plugin's fake server (an httpx transport) and an SQLite store in a folder.

```python
run = PluginRun.start(tmp_path, plugin, transport=fake.transport(), env=ENV, clock=clock)
assert run.apply(course).ok
links = {str(m["To"]): invite_url(m) for m in run.outbox.sent}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import httpx

from ..clock import FakeClock
from ..context import RunContext
from ..settings import Settings
from .capture import CaptureTransport

if TYPE_CHECKING:
    from ..attendance.service import Attendance
    from ..models import Course
    from ..planning import ApplyResult, Plan
    from ..plugins import Plugins
    from ..store import Store

__all__ = ["PluginRun"]


@attrs.define
class PluginRun:
    """One plugin with a capture outbox, a store in a folder and a context on a fake API's transport."""

    plugins: Plugins
    store: Store
    context: RunContext
    outbox: CaptureTransport
    clock: FakeClock

    @classmethod
    def start(
        cls,
        folder: Path,
        plugin: object,
        *,
        transport: httpx.BaseTransport | None = None,
        env: Mapping[str, str] = {},
        clock: FakeClock | None = None,
        db: str = "state.db",
    ) -> PluginRun:
        """Register ``plugin`` and a capture outbox; settings are ``env`` with the outbox as transport.

        Without ``transport`` the run may not reach a remote API (an import needs none).
        """
        from ..plugins import make_plugin_manager
        from ..store import open_store

        clock = clock or FakeClock(datetime(2027, 6, 1, 12, tzinfo=UTC))
        outbox = CaptureTransport()
        plugins = make_plugin_manager(entry_points=False, extra=[plugin, outbox])
        store = open_store(f"sqlite:///{folder / db}")
        context = RunContext(
            settings=Settings({**env, "TA_DELIVERY_TRANSPORT": outbox.name}),
            clock=clock,
            base_dir=folder,
            transport=transport,
            state_factory=store.namespace,
        )
        return cls(plugins, store, context, outbox, clock)

    def apply(self, course: Course, *, workers: int = 1) -> ApplyResult:
        """``ta-delivery apply`` of ``course``."""
        from ..sync import Syncer

        return Syncer(course, self.store, self.plugins, self.context, workers=workers).apply()

    def plan(self, course: Course, *, workers: int = 1) -> Plan:
        """``ta-delivery plan`` of ``course``."""
        from ..sync import Syncer

        return Syncer(course, self.store, self.plugins, self.context, workers=workers).plan()

    def attendance(self, course: Course) -> Attendance:
        """The attendance service of ``course`` (``pull``, ``import_file``)."""
        from ..attendance.service import Attendance

        return Attendance(course, self.store, self.plugins, self.context)

    def close(self) -> None:
        self.store.close()
