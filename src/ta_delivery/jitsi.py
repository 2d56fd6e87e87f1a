"""The built-in, free classroom provider: Jitsi Meet rooms, on meet.jit.si or a self-hosted server.

A room needs no account: it exists as soon as someone opens its URL. So the room name is the only
protection, and it carries 128 bits of randomness, kept in the store with the classroom.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import attrs

from .errors import InputError
from .hookspecs import hookimpl
from .specs import Capabilities, ProviderSpec, no_options

if TYPE_CHECKING:  # annotations only: registering the provider loads no settings and no run records
    from .context import RunContext
    from .records import Classroom, ClassroomRequest, Segment

__all__ = ["DEFAULT_URL", "JitsiProvider"]

DEFAULT_URL = "https://meet.jit.si"
_SLUG = re.compile(r"[^A-Za-z0-9]+")


def room_name(request: ClassroomRequest, token: str | None = None) -> str:
    """A readable prefix from the course and session ids, then 128 random bits."""
    import secrets  # here, not at start: every command registers the provider (decision 0082)

    token = token or secrets.token_hex(16)
    prefix = _SLUG.sub("", f"{request.course_id.title()}{request.session_id.title()}")[:40]
    return f"{prefix}-{token}"


@attrs.define
class JitsiProvider:
    """Rooms on a Jitsi Meet server. Nothing remote to call: rooms live in our store."""

    base_url: str = DEFAULT_URL

    def __attrs_post_init__(self) -> None:
        try:
            parts = urlsplit(self.base_url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise InputError(
                f"{self.base_url!r} is not a valid URL", source="TA_DELIVERY_JITSI_URL"
            ) from None
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise InputError(f"{self.base_url!r} is not an http(s) URL", source="TA_DELIVERY_JITSI_URL")
        if parts.query or parts.fragment:  # the room name is appended to the path
            raise InputError(
                f"{self.base_url!r} must not have a query or fragment", source="TA_DELIVERY_JITSI_URL"
            )
        self.base_url = self.base_url.rstrip("/")

    def _classroom(self, request: ClassroomRequest, room: str) -> Classroom:
        from .records import Classroom

        return Classroom(
            provider="jitsi",
            key=request.key,
            external_id=room,
            join_url=f"{self.base_url}/{quote(room)}",
            data={"room": room},
        )

    def create(self, request: ClassroomRequest) -> Classroom:
        return self._classroom(request, room_name(request))

    def update(self, classroom: Classroom, request: ClassroomRequest) -> Classroom:
        return self._classroom(request, classroom.external_id)

    def cancel(self, classroom: Classroom) -> None:
        return None

    def stale(self, classroom: Classroom) -> bool:
        """True when ``classroom`` was made on another server (``TA_DELIVERY_JITSI_URL`` changed since)."""
        return not classroom.join_url.startswith(f"{self.base_url}/")

    def find(self, request: ClassroomRequest) -> Classroom | None:
        return None

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        return ()


def _factory(context: RunContext) -> JitsiProvider:
    return JitsiProvider(context.settings.get("jitsi", "url", DEFAULT_URL) or DEFAULT_URL)


@hookimpl
def ta_delivery_register_providers() -> Iterable[ProviderSpec]:
    """Jitsi Meet, free and built in."""
    yield ProviderSpec(
        name="jitsi",
        factory=_factory,
        capabilities=Capabilities(update_in_place=True, remote=False),
        parse_options=no_options,
        description="Jitsi Meet rooms (free, no account)",
    )
