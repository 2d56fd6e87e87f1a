"""Invite transports: how invitation messages leave ta_delivery (``outbox`` and ``smtp``, built in).

The transports' modules (smtplib, ssl, the email package) load on first use of a name here: the
built-in transport plugin is registered by every command, ``check`` included (decision 0082).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .outbox import OutboxTransport
    from .smtp import SmtpSettings, SmtpTransport

_LAZY = {"OutboxTransport": ".outbox", "SmtpSettings": ".smtp", "SmtpTransport": ".smtp"}


__getattr__ = lazy_names(__name__, _LAZY, globals())


__all__ = ["OutboxTransport", "SmtpSettings", "SmtpTransport"]
