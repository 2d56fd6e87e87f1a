"""Invite transports: how invitation messages leave ta_delivery (``outbox`` and ``smtp``, built in).

The transports' modules (smtplib, ssl, the email package) load on first use of a name here: the
built-in transport plugin is registered by every command, ``check`` included (decision 0082).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .outbox import OutboxTransport
    from .smtp import SmtpSettings, SmtpTransport

_LAZY = {"OutboxTransport": ".outbox", "SmtpSettings": ".smtp", "SmtpTransport": ".smtp"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["OutboxTransport", "SmtpSettings", "SmtpTransport"]
