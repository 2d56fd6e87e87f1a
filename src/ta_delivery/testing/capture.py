"""An invite transport that keeps messages in memory, for end-to-end tests of a provider plugin.

```python
capture = CaptureTransport()
plugins = make_plugin_manager(entry_points=False, extra=[my_plugin, capture])
context = RunContext(settings=Settings({"TA_DELIVERY_TRANSPORT": "capture", ...}), ...)
Syncer(course, store, plugins, context).apply()
links = {str(m["To"]): invite_url(m) for m in capture.sent}  # each person's join link
```
"""

from __future__ import annotations

from collections.abc import Iterable
from email.message import EmailMessage

import icalendar

from ..hookspecs import hookimpl
from ..records import TransportSpec

__all__ = ["CaptureTransport", "invite_url"]


class CaptureTransport:
    """A transport that keeps every message it is given in :attr:`sent`; it is also the plugin registering it.

    Register the instance with the plugin manager and select it with ``TA_DELIVERY_TRANSPORT=<name>``.
    """

    def __init__(self, name: str = "capture") -> None:
        self.name = name
        self.sent: list[EmailMessage] = []

    def __repr__(self) -> str:
        return f"CaptureTransport(name={self.name!r}, sent={len(self.sent)})"

    def send(self, message: EmailMessage) -> None:
        """Keep ``message``."""
        self.sent.append(message)

    @hookimpl
    def ta_delivery_register_transports(self) -> Iterable[TransportSpec]:
        """This transport, under :attr:`name`."""
        yield TransportSpec(
            name=self.name, factory=lambda _context: self, description="kept in memory (tests)"
        )


def invite_url(message: EmailMessage) -> str:
    """The ``URL`` of the event in ``message``'s calendar part: the join link its recipient was sent.

    Raises :class:`AssertionError` when the message has no calendar part or its event no URL.
    """
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes), "the calendar part has no bytes"
            event = next(iter(icalendar.Calendar.from_ical(payload).walk("VEVENT")))
            url = event.get("URL")
            assert url is not None, "the invitation's event has no URL"
            return str(url)
    raise AssertionError("no calendar part")
