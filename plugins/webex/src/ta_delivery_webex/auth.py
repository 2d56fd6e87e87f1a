"""Webex credentials: a fixed bearer token, or an integration's refresh flow.

With ``TA_DELIVERY_WEBEX_CLIENT_ID``, ``_CLIENT_SECRET`` and ``_REFRESH_TOKEN`` the access token is fetched
with ``POST {api}/access_token`` (``grant_type=refresh_token``) and kept in memory only. Webex may rotate
the refresh token: the newest one is written to the plugin's state (``context.state("webex")``, key
``refresh_token``), the one secret the store holds, and is used from then on. The stored value is tagged
with a short hash of the configured refresh token it descends from: when ``TA_DELIVERY_WEBEX_REFRESH_TOKEN``
changes (the integration was authorised anew, perhaps by another host), the configured token wins. When the
stored token is refused and the environment holds a different one, that one is tried once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from typing import Any

import attrs

from ta_delivery.clock import Clock
from ta_delivery.context import KeyValue
from ta_delivery.errors import AuthError, BadResponse, InputError, ProviderError
from ta_delivery.http import HttpApi
from ta_delivery.settings import Secret, Settings

__all__ = ["STATE_KEY", "WebexAuth", "auth_from_settings", "lineage", "stored_refresh_token"]

log = logging.getLogger(__name__)

STATE_KEY = "refresh_token"
#: Refresh this long before the access token's announced expiry.
EXPIRY_MARGIN = 300.0


@attrs.define(repr=False)
class WebexAuth:
    """Hands out the bearer token; refreshes it when it expires or the API says 401.

    Thread-safe: concurrent 401s cause a single refresh. No secret ever appears in its repr.
    """

    api: HttpApi
    state: KeyValue
    clock: Clock
    access_token: Secret | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    refresh_token: Secret | None = None
    _token: str | None = attrs.field(init=False, default=None)
    _expires: float | None = attrs.field(init=False, default=None)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)
    _refused: set[str] = attrs.field(init=False, factory=set)

    def __attrs_post_init__(self) -> None:
        if self.access_token is not None:
            self._token = self.access_token.reveal()

    def __repr__(self) -> str:
        mode = "refresh" if self.can_refresh else "bearer"
        return f"WebexAuth(mode={mode!r}, client_id={self.client_id!r})"

    @property
    def can_refresh(self) -> bool:
        """True when an integration's client id, secret and a refresh token are known."""
        return bool(self.client_id and self.client_secret and self._refresh_token())

    def token(self) -> str:
        """The current access token, refreshed first when missing or about to expire."""
        token = self._token
        expired = self._expires is not None and self.clock.monotonic() >= self._expires
        if token is None or (expired and self.can_refresh):
            self.refresh(stale=token)
            token = self._token
        if token is None:
            raise AuthError(
                "no Webex credentials: set TA_DELIVERY_WEBEX_ACCESS_TOKEN, or _CLIENT_ID, _CLIENT_SECRET "
                "and _REFRESH_TOKEN",
                provider="webex",
            )
        return token

    def refused(self, token: str) -> None:
        """Remember that ``token`` was refused right after a refresh: it is never refreshed again."""
        with self._lock:
            self._refused.add(token)

    def was_refused(self, token: str) -> bool:
        """Whether ``token`` was refused right after a refresh (so refreshing again would loop)."""
        with self._lock:
            return token in self._refused

    def _env_token(self) -> str | None:
        return self.refresh_token.reveal() if self.refresh_token is not None else None

    def _refresh_token(self) -> str | None:
        """The stored (rotated) token, unless the configured one changed since it was stored."""
        env = self._env_token()
        stored = self.state.get(STATE_KEY)
        if stored:
            origin, _, token = stored.partition(":")
            if token and (env is None or origin == lineage(env)):
                return token
        return env

    def _stored_origin(self) -> str:
        stored = self.state.get(STATE_KEY) or ""
        origin, _, token = stored.partition(":")
        return origin if token else ""

    def refresh(self, stale: str | None) -> None:
        """Get a new access token, unless another thread already replaced ``stale``."""
        with self._lock:
            if self._token is not None and self._token != stale:
                return
            if not self.can_refresh:
                if stale is not None:
                    raise AuthError("the Webex access token was refused", provider="webex", status=401)
                return
            env = self._env_token()
            current = self._refresh_token()
            assert current is not None
            try:
                body = self._grant(current)
            except AuthError:
                if env is None or env == current:
                    raise
                log.info("webex: the stored refresh token was refused; trying the configured one")
                body = self._grant(env)
                current = env
            self._accept(body, current)

    def _grant(self, refresh_token: str) -> Mapping[str, Any]:
        assert self.client_id is not None
        assert self.client_secret is not None
        form = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret.reveal(),
            "refresh_token": refresh_token,
        }
        try:
            response = self.api.request("POST", "/access_token", data=form, idempotent=True)
        except ProviderError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                raise AuthError(
                    "Webex refused to refresh the access token; authorise the integration again",
                    provider="webex",
                    status=exc.status,
                ) from None
            raise
        try:
            body = response.json()
        except ValueError:
            raise BadResponse("malformed token response", provider="webex") from None
        if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
            raise BadResponse("token response without access_token", provider="webex")
        return body

    def _accept(self, body: Mapping[str, Any], used: str) -> None:
        self._token = str(body["access_token"])
        expires_in = body.get("expires_in")
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
            self._expires = self.clock.monotonic() + max(float(expires_in) - EXPIRY_MARGIN, 0.0)
        else:
            self._expires = None
        rotated = body.get("refresh_token")
        new = rotated if isinstance(rotated, str) and rotated else used
        env = self._env_token()
        origin = lineage(env) if env is not None else self._stored_origin()
        value = f"{origin}:{new}"
        if value != self.state.get(STATE_KEY):
            self.state.put(STATE_KEY, value)
        log.info("webex: access token refreshed")


def stored_refresh_token(state: KeyValue) -> str | None:
    """The refresh token kept in ``state`` (without its lineage tag)."""
    stored = state.get(STATE_KEY) or ""
    _origin, _, token = stored.partition(":")
    return token or None


def lineage(configured: str) -> str:
    """A short, non-reversible tag of the configured refresh token that a stored token descends from."""
    return hashlib.sha256(configured.encode()).hexdigest()[:16]


def auth_from_settings(settings: Settings, api: HttpApi, state: KeyValue, clock: Clock) -> WebexAuth:
    """The credentials the ``TA_DELIVERY_WEBEX_*`` variables describe; an input error when there are none.

    (A refresh token may live in the state store only, so its absence from the settings is not an error.)
    """
    access = settings.secret("webex", "access_token")
    if access is None and (
        settings.get("webex", "client_id") is None or settings.secret("webex", "client_secret") is None
    ):
        raise InputError(
            "is not set: set TA_DELIVERY_WEBEX_ACCESS_TOKEN, or TA_DELIVERY_WEBEX_CLIENT_ID, _CLIENT_SECRET "
            "and _REFRESH_TOKEN",
            source="TA_DELIVERY_WEBEX_ACCESS_TOKEN",
        )
    return WebexAuth(
        api=api,
        state=state,
        clock=clock,
        access_token=settings.secret("webex", "access_token"),
        client_id=settings.get("webex", "client_id"),
        client_secret=settings.secret("webex", "client_secret"),
        refresh_token=settings.secret("webex", "refresh_token"),
    )
