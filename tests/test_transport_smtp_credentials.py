"""SMTP credentials smtplib cannot send (non-ASCII) are a transport error, not a crash."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd import controller as aiosmtpd_controller
from aiosmtpd import smtp as aiosmtpd_smtp

from ta_delivery.context import RunContext
from ta_delivery.errors import TransportError
from ta_delivery.settings import Settings
from ta_delivery.transports.smtp import smtp_factory

PASSWORD = "pässwörd-Geheim-42"


class _Inbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def _deny(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    return aiosmtpd_smtp.AuthResult(success=False, handled=False)


@pytest.fixture
def plain_server() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = aiosmtpd_controller.Controller(
        _Inbox(), hostname="127.0.0.1", port=port, authenticator=_deny, auth_require_tls=False
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.mark.parametrize(("user", "password"), [("mailer", PASSWORD), ("mäiler", "ascii-password")])
def test_non_ascii_credentials_are_a_transport_error_without_the_password(
    plain_server: int, user: str, password: str
) -> None:
    env = {
        "TA_DELIVERY_SMTP_HOST": "127.0.0.1",
        "TA_DELIVERY_SMTP_PORT": str(plain_server),
        "TA_DELIVERY_SMTP_STARTTLS": "false",
        "TA_DELIVERY_SMTP_USERNAME": user,
        "TA_DELIVERY_SMTP_PASSWORD": password,
        "TA_DELIVERY_SMTP_TIMEOUT": "10",
    }
    transport = smtp_factory(RunContext(settings=Settings(env)))
    message = EmailMessage()
    message["From"] = "org@example.org"
    message["To"] = "p@example.org"
    message["Subject"] = "x"
    message.set_content("x")
    with pytest.raises(TransportError) as caught:
        transport.send(message)
    transport.close()
    assert password not in str(caught.value)
    assert password not in repr(caught.value)
