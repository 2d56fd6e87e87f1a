"""The contract kit's capture transport and invite_url."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.testing.capture import CaptureTransport, invite_url


def invitation(url: str | None) -> EmailMessage:
    event = icalendar.Event()
    event.add("uid", "s01@example.org")
    event.add("dtstart", datetime(2027, 4, 5, 14, tzinfo=UTC))
    if url is not None:
        event.add("url", url)
    calendar = icalendar.Calendar()
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    message = EmailMessage()
    message["To"] = "ana@example.org"
    message.set_content("You are invited.")
    message.add_attachment(calendar.to_ical(), maintype="text", subtype="calendar")
    return message


def test_the_instance_registers_itself_and_keeps_what_it_is_sent(tmp_path: Path) -> None:
    capture = CaptureTransport("kept")
    plugins = make_plugin_manager(entry_points=False, extra=[capture])
    context = RunContext(
        settings=Settings({}), clock=FakeClock(datetime(2027, 3, 1, tzinfo=UTC)), base_dir=tmp_path
    )
    transport = plugins.transports["kept"].factory(context)
    assert transport is capture
    message = invitation("https://meet.example.org/j/1?tk=abc")
    transport.send(message)
    assert capture.sent == [message]
    assert "sent=1" in repr(capture)


def test_invite_url() -> None:
    assert (
        invite_url(invitation("https://meet.example.org/j/1?tk=abc")) == "https://meet.example.org/j/1?tk=abc"
    )
    with pytest.raises(AssertionError, match="no URL"):
        invite_url(invitation(None))
    plain = EmailMessage()
    plain.set_content("no calendar here")
    with pytest.raises(AssertionError, match="no calendar part"):
        invite_url(plain)
