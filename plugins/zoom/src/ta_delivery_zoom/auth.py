"""Server-to-Server OAuth: an access token for the account, cached and fetched one caller at a time.

Zoom used to revoke the previous token whenever it issued a new one (it now lets several live at once),
so two callers fetching at once could invalidate each other: :class:`TokenSource` holds a lock while
fetching, keeps the token until shortly before it expires, and replaces it only when the token that
failed (HTTP 401, code 124) is still the current one. The token lives in memory only: never in the
store, a repr, a log line or an exception.
"""

from __future__ import annotations

import base64
import logging
import threading
from datetime import datetime, timedelta

import attrs
import httpx

from ta_delivery.clock import Clock, SystemClock
from ta_delivery.errors import AuthError, BadResponse
from ta_delivery.http import HttpApi
from ta_delivery.settings import Secret

__all__ = ["DEFAULT_OAUTH_URL", "TokenExpired", "TokenSource"]

log = logging.getLogger(__name__)

DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
#: A token is renewed this long before Zoom says it expires.
MARGIN = timedelta(minutes=5)


class TokenExpired(AuthError):
    """Zoom answered 401 with code 124: the access token is invalid or expired."""


@attrs.define(repr=False)
class TokenSource:
    """Access tokens for one Zoom account (``grant_type=account_credentials``)."""

    client: httpx.Client
    account_id: str
    client_id: str
    client_secret: Secret
    oauth_url: str = DEFAULT_OAUTH_URL
    clock: Clock = attrs.field(factory=SystemClock)
    _token: Secret | None = attrs.field(init=False, default=None)
    _expires: datetime | None = attrs.field(init=False, default=None)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)
    fetches: int = attrs.field(init=False, default=0)

    def __repr__(self) -> str:
        return f"TokenSource(oauth_url={self.oauth_url!r}, client_id=..., token=********)"

    def token(self) -> Secret:
        """A valid access token, fetching a new one only when none is cached or it is about to expire."""
        with self._lock:
            if self._token is not None and self._expires is not None and self.clock.now() < self._expires:
                return self._token
            return self._fetch()

    def invalidate(self, failed: Secret) -> None:
        """Forget ``failed`` (after a 401/124), unless another caller already replaced it."""
        with self._lock:
            if self._token is not None and self._token.reveal() == failed.reveal():
                self._token = None
                self._expires = None

    def _fetch(self) -> Secret:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret.reveal()}".encode()).decode()
        api = HttpApi(self.client, "zoom", clock=self.clock)
        try:
            # Safe to repeat: a token we never received is simply replaced by the next one. Zoom takes
            # the grant as query parameters (its documented example) or as a form body: send both.
            grant = {"grant_type": "account_credentials", "account_id": self.account_id}
            response = api.request(
                "POST",
                self.oauth_url,
                idempotent=True,
                params=grant,
                data=grant,
                headers={"Authorization": f"Basic {basic}"},
            )
        except (AuthError, BadResponse) as exc:
            if exc.status not in (400, 401, 403):
                raise
            raise AuthError(
                "Zoom refused the app credentials (check TA_DELIVERY_ZOOM_ACCOUNT_ID, _CLIENT_ID, "
                "_CLIENT_SECRET and that the Server-to-Server OAuth app is activated)",
                provider="zoom",
                status=exc.status,
            ) from None
        self.fetches += 1
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BadResponse("malformed token response", provider="zoom") from None
        if not isinstance(token, str) or not token:
            raise BadResponse("token response has no access_token", provider="zoom")
        self._token = Secret(token)
        valid = timedelta(seconds=max(lifetime, 0.0))
        self._expires = self.clock.now() + valid - min(MARGIN, valid / 10)
        log.info("zoom: new access token, valid %d s", int(lifetime))
        return self._token
