"""The SMTP transport: STARTTLS, implicit TLS or plain, with optional login.

Settings (``TA_DELIVERY_SMTP_*``): ``HOST`` (required), ``PORT`` (default 587, or 465 with SSL),
``USERNAME`` and ``PASSWORD`` (login when both are set), ``STARTTLS`` (true: required; false: never;
unset: used whenever the server offers it, and a login is never sent without it), ``SSL`` (implicit
TLS; also implied by port 465), ``CA_FILE`` (extra trusted certificates, e.g. a private CA),
``TIMEOUT`` (seconds, default 30). The password is held as a :class:`~ta_delivery.settings.Secret` and
never appears in a repr, a log line or an error.
"""

from __future__ import annotations

import logging
import smtplib
import ssl as tls
from email.message import EmailMessage
from typing import TYPE_CHECKING

import attrs

from ..context import RunContext
from ..errors import InputError, TransportError
from ..settings import Secret, Settings

if TYPE_CHECKING:
    from ..doctor import Check

__all__ = ["SmtpSettings", "SmtpTransport", "smtp_factory"]

log = logging.getLogger(__name__)


@attrs.frozen
class SmtpSettings:
    """How to reach the SMTP server."""

    host: str
    port: int = 587
    username: str | None = None
    password: Secret | None = None
    #: True: required; False: never; None: whenever the server offers it (no login without it)
    starttls: bool | None = None
    ssl: bool = False
    ca_file: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_context(cls, context: RunContext) -> SmtpSettings:
        """Read ``TA_DELIVERY_SMTP_*``; :class:`InputError` naming the variable when one is invalid."""
        s = context.settings
        host = s.get("smtp", "host")
        if not host:
            raise InputError("is required by the smtp transport", source="TA_DELIVERY_SMTP_HOST")
        use_ssl = s.flag("smtp", "ssl")
        port_text = s.get("smtp", "port")
        try:
            port = int(port_text) if port_text else (465 if use_ssl else 587)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise InputError(f"{port_text!r} is not a port number", source="TA_DELIVERY_SMTP_PORT") from None
        use_ssl = use_ssl or port == 465
        timeout_text = s.get("smtp", "timeout")
        try:
            timeout = float(timeout_text) if timeout_text else 30.0
        except ValueError:
            raise InputError(f"{timeout_text!r} is not a number", source="TA_DELIVERY_SMTP_TIMEOUT") from None
        username, password = s.get("smtp", "username"), s.secret("smtp", "password")
        if username and password is None:
            # without it the login would be skipped and every send refused by the server
            raise InputError("is required with TA_DELIVERY_SMTP_USERNAME", source="TA_DELIVERY_SMTP_PASSWORD")
        return cls(
            host=host,
            port=port,
            username=username,
            password=password,
            starttls=False if use_ssl else _tristate(s.get("smtp", "starttls"), s),
            ssl=use_ssl,
            ca_file=s.get("smtp", "ca_file"),
            timeout=timeout,
        )

    def tls_context(self) -> tls.SSLContext:
        """A verifying TLS context (system trust store plus ``ca_file``)."""
        context = tls.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context


def _tristate(value: str | None, settings: Settings) -> bool | None:
    """``TA_DELIVERY_SMTP_STARTTLS``: ``None`` when unset, else the yes/no it says."""
    return None if value is None else settings.flag("smtp", "starttls")


@attrs.define
class SmtpTransport:
    """Sends each message over one SMTP connection, opened on first use and reused while alive."""

    settings: SmtpSettings
    _conn: smtplib.SMTP | None = attrs.field(default=None, init=False, repr=False)

    def _connect(self) -> smtplib.SMTP:
        st = self.settings
        conn: smtplib.SMTP
        if st.ssl:
            conn = smtplib.SMTP_SSL(st.host, st.port, timeout=st.timeout, context=st.tls_context())
        else:
            conn = smtplib.SMTP(st.host, st.port, timeout=st.timeout)
        try:
            conn.ehlo()
            if st.starttls or (st.starttls is None and conn.has_extn("starttls")):
                conn.starttls(context=st.tls_context())
                conn.ehlo()
            elif st.starttls is None and st.username and not st.ssl:
                raise TransportError(
                    f"SMTP server {st.host}:{st.port} offers no STARTTLS: the login is not sent in clear "
                    "(set TA_DELIVERY_SMTP_SSL=true, or TA_DELIVERY_SMTP_STARTTLS=false to allow it)"
                )
            if st.username and st.password is not None:
                try:
                    conn.login(st.username, st.password.reveal())
                except UnicodeEncodeError:  # smtplib's AUTH sends ASCII only
                    raise TransportError(
                        "SMTP login impossible: TA_DELIVERY_SMTP_USERNAME and _PASSWORD must be ASCII"
                    ) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def doctor(self) -> list[Check]:
        """Connect, EHLO, STARTTLS and log in as a send would, then QUIT without sending anything."""
        from ..doctor import Check

        st = self.settings
        where = f"SMTP relay {st.host}:{st.port}"
        try:
            conn = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            return [
                Check("smtp", where, False, f"login to {st.host}:{st.port} refused (code {exc.smtp_code})")
            ]
        except TransportError as exc:
            return [Check("smtp", where, False, str(exc))]
        except (smtplib.SMTPException, tls.SSLError, OSError) as exc:
            return [Check("smtp", where, False, f"cannot talk to {st.host}:{st.port}: {type(exc).__name__}")]
        steps = ["EHLO"]
        if isinstance(conn.sock, tls.SSLSocket):
            steps.append("TLS" if st.ssl else "STARTTLS")
        if st.username and st.password is not None:
            steps.append("login")
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
        return [Check("smtp", where, True, ", ".join(steps) + " accepted; nothing sent")]

    def _alive(self, conn: smtplib.SMTP) -> bool:
        try:
            return conn.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to its ``To`` address; :class:`TransportError` on any failure."""
        st = self.settings
        try:
            if self._conn is None or not self._alive(self._conn):
                self.close()
                self._conn = self._connect()
            refused = self._conn.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise TransportError(
                f"SMTP login to {st.host}:{st.port} refused (code {exc.smtp_code})"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"SMTP server refused the recipient(s) {sorted(exc.recipients)}") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise TransportError(f"SMTP server {st.host}:{st.port} answered {exc.smtp_code}") from None
        except smtplib.SMTPNotSupportedError as exc:  # e.g. no STARTTLS on a plain relay: say so
            self.close()
            hint = (
                " (for a plain relay set TA_DELIVERY_SMTP_STARTTLS=false)" if "STARTTLS" in str(exc) else ""
            )
            raise TransportError(
                f"SMTP server {st.host}:{st.port} lacks a needed extension: {exc}{hint}"
            ) from None
        except (smtplib.SMTPException, tls.SSLError, OSError) as exc:
            self.close()
            raise TransportError(
                f"SMTP delivery via {st.host}:{st.port} failed: {type(exc).__name__}"
            ) from None
        if refused:
            raise TransportError(f"SMTP server refused the recipient(s) {sorted(refused)}")
        log.info("smtp: sent %s", message.get("Message-ID"))

    def close(self) -> None:
        """Close the connection, if one is open."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def smtp_factory(context: RunContext) -> SmtpTransport:
    """The SMTP transport configured by ``TA_DELIVERY_SMTP_*``."""
    return SmtpTransport(SmtpSettings.from_context(context))
