"""Built-in plugin registering the ``outbox`` (default) and ``smtp`` invite transports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..hookspecs import hookimpl
from ..specs import TransportSpec

if TYPE_CHECKING:
    from ..context import RunContext
    from .outbox import OutboxTransport
    from .smtp import SmtpTransport

__all__ = ["DEFAULT_TRANSPORT", "ta_delivery_register_transports"]

#: The transport used when ``TA_DELIVERY_TRANSPORT`` is unset.
DEFAULT_TRANSPORT = "outbox"


def outbox_factory(context: RunContext) -> OutboxTransport:
    """The outbox (its module, and the email package, load when a run sends, not at start)."""
    from .outbox import outbox_factory as make

    return make(context)


def smtp_factory(context: RunContext) -> SmtpTransport:
    """SMTP (smtplib loads when a run sends, not at start)."""
    from .smtp import smtp_factory as make

    return make(context)


@hookimpl
def ta_delivery_register_transports() -> Iterable[TransportSpec]:
    """The outbox folder and SMTP."""
    yield TransportSpec(
        name="outbox",
        factory=outbox_factory,
        description="one .eml file per message in TA_DELIVERY_OUTBOX (default .ta-delivery/outbox)",
    )
    yield TransportSpec(
        name="smtp",
        factory=smtp_factory,
        description="an SMTP server (TA_DELIVERY_SMTP_HOST, _PORT, _USERNAME, _PASSWORD, _STARTTLS, _SSL)",
    )
