"""Invite transports: how invitation messages leave ta_delivery (``outbox`` and ``smtp``, built in)."""

from __future__ import annotations

from .outbox import OutboxTransport
from .smtp import SmtpSettings, SmtpTransport

__all__ = ["OutboxTransport", "SmtpSettings", "SmtpTransport"]
