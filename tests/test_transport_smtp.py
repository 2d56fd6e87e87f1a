"""The SMTP transport against a real SMTP server (aiosmtpd) on loopback: STARTTLS, implicit TLS, login."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")
x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from ta_delivery.context import RunContext  # noqa: E402
from ta_delivery.errors import InputError, TransportError  # noqa: E402
from ta_delivery.invites import build_invite, lint_message  # noqa: E402
from ta_delivery.models import Course, Organizer, Participant, Session  # noqa: E402
from ta_delivery.plugins import make_plugin_manager  # noqa: E402
from ta_delivery.settings import Settings  # noqa: E402
from ta_delivery.transports.smtp import SmtpSettings, SmtpTransport  # noqa: E402

USER, PASSWORD = "mailer", "s3cret-Pa55word"
STAMP = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)
COURSE = Course(
    id="c",
    title="Cours de politique commerciale",
    timezone="UTC",
    organizer=Organizer("Institut, Formation", "org@example.org"),
    participants=(Participant("p", "Zoë « Q » 名前", "p@example.org", "Europe/Paris", language="fr"),),
    sessions=(Session("s", "Séance d'ouverture", dt.datetime(2027, 5, 1, 10, tzinfo=dt.UTC), 60),),
)


def invite(sequence: int = 0) -> email.message.EmailMessage:
    return build_invite(
        COURSE, COURSE.sessions[0], COURSE.participants[0], method="REQUEST", sequence=sequence,
        join_url="https://x.example/r", dtstamp=STAMP,
    )  # fmt: skip


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return aiosmtpd_smtp.AuthResult(success=ok, handled=False)  # the server answers 235 or 535


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*certificate)
    return ctx


def serve(**options: Any) -> Iterator[tuple[int, Inbox]]:
    """An aiosmtpd relay on loopback with ``options`` (TLS, authentication), as (port, inbox)."""
    inbox = Inbox()
    port = free_port()
    controller = aiosmtpd_controller.Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, **options
    )
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Inbox]]:
    yield from serve(tls_context=server_context(certificate), require_starttls=True, auth_require_tls=True)


@pytest.fixture
def ssl_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Inbox]]:
    yield from serve(ssl_context=server_context(certificate), auth_require_tls=False)


def make(env: dict[str, str]) -> SmtpTransport:
    plugins = make_plugin_manager(entry_points=False)
    made = plugins.transports["smtp"].factory(RunContext(settings=Settings(env)))
    assert isinstance(made, SmtpTransport)
    return made


def env_for(port: int, certificate: tuple[Path, Path], **extra: str) -> dict[str, str]:
    env = {
        "TA_DELIVERY_SMTP_HOST": "127.0.0.1",
        "TA_DELIVERY_SMTP_PORT": str(port),
        "TA_DELIVERY_SMTP_USERNAME": USER,
        "TA_DELIVERY_SMTP_PASSWORD": PASSWORD,
        "TA_DELIVERY_SMTP_CA_FILE": str(certificate[0]),
        "TA_DELIVERY_SMTP_TIMEOUT": "10",
    }
    env.update({f"TA_DELIVERY_SMTP_{k.upper()}": v for k, v in extra.items()})
    return env


def check_delivered(inbox: Inbox, msg: email.message.EmailMessage) -> None:
    mail_from, rcpts, content = inbox.received[-1]
    assert mail_from == "org@example.org"
    assert rcpts == ["p@example.org"]
    assert lint_message(content) == []
    got = email.message_from_bytes(content, policy=email.policy.default)
    assert got["Message-ID"] == msg["Message-ID"]
    assert got["To"].addresses[0].display_name == "Zoë « Q » 名前"
    cal = next(p for p in got.walk() if p.get_content_type() == "text/calendar")
    want = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    assert cal.get_payload(decode=True) == want.get_payload(decode=True)


def test_starttls_and_login(
    starttls_server: tuple[int, Inbox], certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    port, inbox = starttls_server
    caplog.set_level(logging.DEBUG)
    with make(env_for(port, certificate)) as smtp:
        assert smtp.settings.starttls is None  # unset: used because the server offers it
        assert not smtp.settings.ssl
        first, second = invite(0), invite(1)
        smtp.send(first)
        check_delivered(inbox, first)
        smtp.send(second)  # over the same connection
        check_delivered(inbox, second)
        assert PASSWORD not in repr(smtp)
        assert PASSWORD not in repr(smtp.settings)
    assert len(inbox.received) == 2
    assert PASSWORD not in caplog.text


def test_implicit_tls(ssl_server: tuple[int, Inbox], certificate: tuple[Path, Path]) -> None:
    port, inbox = ssl_server
    with make(env_for(port, certificate, ssl="true")) as smtp:
        assert smtp.settings.ssl
        assert not smtp.settings.starttls
        msg = invite()
        smtp.send(msg)
    check_delivered(inbox, msg)


def test_wrong_password_is_a_transport_error_without_the_password(
    starttls_server: tuple[int, Inbox], certificate: tuple[Path, Path]
) -> None:
    port, inbox = starttls_server
    env = env_for(port, certificate, password="wrong-" + PASSWORD)
    with pytest.raises(TransportError, match="login") as info:
        make(env).send(invite())
    text = f"{info.value!r} {info.value} {info.value.__cause__!r} {info.value.__context__!r}"
    assert PASSWORD not in text
    assert inbox.received == []


def test_untrusted_certificate_is_refused(
    starttls_server: tuple[int, Inbox], certificate: tuple[Path, Path]
) -> None:
    port, inbox = starttls_server
    env = env_for(port, certificate)
    del env["TA_DELIVERY_SMTP_CA_FILE"]
    with pytest.raises(TransportError, match="failed"):
        make(env).send(invite())
    assert inbox.received == []


def test_plain_login_refused_by_a_server_that_requires_starttls(
    starttls_server: tuple[int, Inbox], certificate: tuple[Path, Path]
) -> None:
    port, inbox = starttls_server
    with pytest.raises(TransportError):
        make(env_for(port, certificate, starttls="false")).send(invite())
    assert inbox.received == []


def test_unset_starttls_never_sends_a_login_in_clear_but_relays_without_one(
    certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox()
    port = free_port()
    controller = aiosmtpd_controller.Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )  # a plain relay: no STARTTLS offered
    controller.start()
    try:
        with pytest.raises(TransportError, match="offers no STARTTLS: the login is not sent in clear"):
            make(env_for(port, certificate)).send(invite(0))
        assert inbox.received == []
        anonymous = {"TA_DELIVERY_SMTP_HOST": "127.0.0.1", "TA_DELIVERY_SMTP_PORT": str(port)}
        with make(anonymous) as smtp:
            smtp.send(invite(1))
        assert len(inbox.received) == 1
        with make(env_for(port, certificate, starttls="false")) as smtp:  # said explicitly: allowed
            smtp.send(invite(2))
        assert len(inbox.received) == 2
    finally:
        controller.stop()
    assert PASSWORD not in caplog.text


def test_unreachable_server_is_a_transport_error(certificate: tuple[Path, Path]) -> None:
    with pytest.raises(TransportError, match="failed"):
        make(env_for(free_port(), certificate, timeout="2")).send(invite())


def test_settings() -> None:
    with pytest.raises(InputError, match="TA_DELIVERY_SMTP_HOST"):
        make({})
    with pytest.raises(InputError, match="TA_DELIVERY_SMTP_PORT"):
        make({"TA_DELIVERY_SMTP_HOST": "h", "TA_DELIVERY_SMTP_PORT": "smtp"})
    default = SmtpSettings.from_context(RunContext(settings=Settings({"TA_DELIVERY_SMTP_HOST": "h"})))
    assert (default.port, default.starttls, default.ssl, default.username, default.password) == (
        587, None, False, None, None,
    )  # fmt: skip
    implicit = SmtpSettings.from_context(
        RunContext(settings=Settings({"TA_DELIVERY_SMTP_HOST": "h", "TA_DELIVERY_SMTP_PORT": "465"}))
    )
    assert implicit.ssl
    assert not implicit.starttls
    with_ssl = SmtpSettings.from_context(
        RunContext(settings=Settings({"TA_DELIVERY_SMTP_HOST": "h", "TA_DELIVERY_SMTP_SSL": "yes"}))
    )
    assert with_ssl.port == 465
    assert with_ssl.ssl
    secret = SmtpSettings.from_context(
        RunContext(settings=Settings({"TA_DELIVERY_SMTP_HOST": "h", "TA_DELIVERY_SMTP_PASSWORD": PASSWORD}))
    )
    assert PASSWORD not in repr(secret)
    assert PASSWORD not in str(secret)
    with pytest.raises(
        InputError, match="TA_DELIVERY_SMTP_PASSWORD: is required with TA_DELIVERY_SMTP_USERNAME"
    ):
        make({"TA_DELIVERY_SMTP_HOST": "h", "TA_DELIVERY_SMTP_USERNAME": "training@example.org"})


def test_reconnects_when_the_server_dropped_the_connection(certificate: tuple[Path, Path]) -> None:
    port = free_port()

    def start(inbox: Inbox) -> Any:
        controller = aiosmtpd_controller.Controller(
            inbox, hostname="127.0.0.1", port=port, tls_context=server_context(certificate),
            require_starttls=True, authenticator=authenticator, auth_require_tls=True,
        )  # fmt: skip
        controller.start()
        return controller

    first_inbox, second_inbox = Inbox(), Inbox()
    controller = start(first_inbox)
    smtp = make(env_for(port, certificate))
    try:
        smtp.send(invite(0))
        controller.stop()  # the server goes away with our connection
        controller = start(second_inbox)
        smtp.send(invite(1))  # NOOP fails on the dead connection: a new one is opened
    finally:
        smtp.close()
        controller.stop()
    assert len(first_inbox.received) == 1
    assert len(second_inbox.received) == 1


def test_doctor_logs_in_over_starttls_without_sending(
    starttls_server: tuple[int, Inbox], certificate: tuple[Path, Path]
) -> None:
    port, inbox = starttls_server
    [check] = make(env_for(port, certificate)).doctor()
    assert check.ok, check
    assert check.detail == "EHLO, STARTTLS, login accepted; nothing sent"
    assert f"127.0.0.1:{port}" in check.name
    assert inbox.received == []


def test_doctor_reports_a_refused_login_and_an_absent_relay_by_host(
    starttls_server: tuple[int, Inbox], certificate: tuple[Path, Path]
) -> None:
    port, inbox = starttls_server
    [refused] = make(env_for(port, certificate, password="wrong-Pa55")).doctor()
    assert not refused.ok
    assert "refused" in refused.detail and f"127.0.0.1:{port}" in refused.detail
    assert "wrong-Pa55" not in repr(refused)
    [absent] = make(env_for(free_port(), certificate)).doctor()
    assert not absent.ok and "127.0.0.1" in absent.detail
    assert inbox.received == []
