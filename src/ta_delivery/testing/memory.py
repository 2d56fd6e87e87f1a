"""An in-memory reference provider and the fake server it talks to over HTTP.

The provider is written the way a real one should be (HttpApi, key marks, idempotent cancel), so it both
passes the contract kit and serves as the example to copy. The server enforces a bearer token and can be
served through ``httpx.MockTransport`` or on a loopback socket (see ``bench/``).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import httpx

from ..context import RunContext
from ..errors import BadResponse
from ..hookspecs import hookimpl
from ..http import HttpApi, RateLimiter
from ..records import (
    Capabilities,
    Classroom,
    ClassroomRequest,
    DialIn,
    PhoneNumber,
    ProviderSpec,
    Recording,
    Segment,
)

__all__ = ["MemoryProvider", "MemoryServer", "memory_plugin"]


@attrs.define
class MemoryServer:
    """The fake rooms API: ``POST /rooms``, ``GET /rooms?key=``, ``PATCH|DELETE /rooms/{id}``."""

    token: str = "test-token"  # noqa: S105 - a fake server's fixed token
    rooms: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    calls: list[tuple[str, str]] = attrs.field(factory=list)
    #: dial-in numbers every new room gets (``[{"number": ..., "country": ...}]``), none when ``None``
    phones: list[dict[str, Any]] | None = None
    #: room id -> its recording (``{"url": ..., "passcode": ...}``), served at ``GET /rooms/{id}/recording``
    recordings: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    _ids: Iterable[int] = attrs.field(factory=lambda: itertools.count(1))
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def transport(self) -> httpx.MockTransport:
        """This server as an httpx transport."""
        return httpx.MockTransport(self.handle)

    def count(self, key: str) -> int:
        """How many live rooms carry ``key``."""
        return sum(1 for r in self.rooms.values() if r["key"] == key)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        with self._lock:
            self.calls.append((request.method, request.url.path))
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                return httpx.Response(401, json={"message": "invalid token"})
            parts = [p for p in request.url.path.split("/") if p]
            if parts[:1] != ["rooms"]:
                return httpx.Response(404, json={"message": "no such route"})
            if len(parts) == 3 and parts[2] == "recording" and request.method == "GET":
                recording = self.recordings.get(parts[1])
                if recording is None:
                    return httpx.Response(404, json={"message": "no recording yet"})
                return httpx.Response(200, json=recording)
            if len(parts) == 1 and request.method == "POST":
                return self._create(request)
            if len(parts) == 1 and request.method == "GET":
                key = request.url.params.get("key")
                found = [r for r in self.rooms.values() if key is None or r["key"] == key]
                return httpx.Response(200, json={"rooms": found})
            if len(parts) == 2 and parts[1] in self.rooms:
                room = self.rooms[parts[1]]
                if request.method == "PATCH":
                    body = json.loads(request.content)
                    room.update({k: body[k] for k in ("title", "start", "minutes") if k in body})
                    if "participants" in body:
                        kept = {p: u for p, u in room["personal"].items() if p in body["participants"]}
                        new = [p for p in body["participants"] if p not in kept]
                        room["personal"] = {**kept, **self._links(room["id"], new)}
                    return httpx.Response(200, json=room)
                if request.method == "DELETE":
                    del self.rooms[parts[1]]
                    return httpx.Response(204)
                if request.method == "GET":
                    return httpx.Response(200, json=room)
            return httpx.Response(404, json={"message": "no such room"})

    def _links(self, room_id: str, participants: list[str]) -> dict[str, str]:
        return {pid: f"https://rooms.example/{room_id}?p={secrets.token_hex(4)}" for pid in participants}

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
            key, title = str(body["key"]), str(body["title"])
        except (ValueError, KeyError):
            return httpx.Response(400, json={"message": "bad body"})
        room_id = str(next(iter(self._ids)))
        room = {
            "id": room_id,
            "key": key,
            "title": title,
            "start": body.get("start"),
            "minutes": body.get("minutes"),
            "join_url": f"https://rooms.example/{room_id}",
            "personal": self._links(room_id, body.get("participants", [])),
        }
        if self.phones is not None:
            room["phone"] = {
                "numbers": [dict(n) for n in self.phones],
                "meeting": room_id,
                "pin": "4" + room_id,
            }
        self.rooms[room_id] = room
        return httpx.Response(201, json=room)


def _room(provider: str, key: str, body: Any) -> Classroom:
    if not isinstance(body, Mapping) or "id" not in body or "join_url" not in body:
        raise BadResponse("room without id or join_url", provider=provider)
    phone = body.get("phone")
    dial_in = None
    if isinstance(phone, Mapping) and phone.get("numbers"):
        numbers = tuple(PhoneNumber(str(n["number"]), n.get("country")) for n in phone["numbers"])
        meeting, pin = str(phone["meeting"]), str(phone.get("pin") or "")
        dial_in = DialIn(numbers, meeting, pin or None, f",,{meeting}#" + (f"{pin}#" if pin else ""))
    return Classroom(
        provider=provider,
        key=key,
        external_id=str(body["id"]),
        join_url=str(body["join_url"]),
        personal_links=dict(body.get("personal") or {}),
        dial_in=dial_in,
    )


@attrs.define
class MemoryProvider:
    """The reference provider: rooms on a :class:`MemoryServer`."""

    api: HttpApi
    name: str = "memory"

    def _body(self, request: ClassroomRequest) -> dict[str, Any]:
        return {
            "key": request.key,
            "title": request.title,
            "start": request.start.isoformat(),
            "minutes": request.minutes,
            "participants": [p.id for p in request.participants],
        }

    def create(self, request: ClassroomRequest) -> Classroom:
        return _room(self.name, request.key, self.api.json("POST", "/rooms", json=self._body(request)))

    def update(self, classroom: Classroom, request: ClassroomRequest) -> Classroom:
        body = self.api.json(
            "PATCH", f"/rooms/{classroom.external_id}", json=self._body(request), idempotent=True
        )
        return _room(self.name, request.key, body)

    def cancel(self, classroom: Classroom) -> None:
        from ..errors import NotFound

        try:
            self.api.request("DELETE", f"/rooms/{classroom.external_id}")
        except NotFound:
            return

    def find(self, request: ClassroomRequest) -> Classroom | None:
        body = self.api.json("GET", "/rooms", params={"key": request.key})
        rooms = body.get("rooms") if isinstance(body, Mapping) else None
        if not isinstance(rooms, list):
            raise BadResponse("room list missing", provider=self.name)
        for room in rooms:
            if isinstance(room, Mapping) and room.get("key") == request.key:
                return _room(self.name, request.key, room)
        return None

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        return ()

    def find_recording(self, classroom: Classroom, request: ClassroomRequest) -> Recording | None:
        from ..errors import NotFound

        try:
            body = self.api.json("GET", f"/rooms/{classroom.external_id}/recording")
        except NotFound:
            return None
        if not isinstance(body, Mapping) or not isinstance(body.get("url"), str):
            raise BadResponse("recording without url", provider=self.name)
        return Recording(url=body["url"], passcode=body.get("passcode"))


def make_memory_provider(context: RunContext, rate: float | None = None) -> MemoryProvider:
    """The reference provider on ``TA_DELIVERY_MEMORY_URL`` with ``TA_DELIVERY_MEMORY_TOKEN``."""
    settings = context.settings
    url = settings.get("memory", "url", "http://memory.invalid") or "http://memory.invalid"
    token = settings.secret("memory", "token")
    headers = {"Authorization": f"Bearer {token.reveal()}"} if token else {}
    rate_setting = settings.get("memory", "rate")
    rate = rate if rate is not None else (float(rate_setting) if rate_setting else None)
    limiter = RateLimiter(rate, burst=1, clock=context.clock) if rate else None
    api = HttpApi(context.http_client(url, headers=headers), "memory", clock=context.clock, limiter=limiter)
    return MemoryProvider(api)


class _MemoryPlugin:
    @hookimpl
    def ta_delivery_register_providers(self) -> Iterable[ProviderSpec]:
        yield ProviderSpec(
            name="memory",
            factory=make_memory_provider,
            capabilities=Capabilities(
                personal_join_links=True,
                attendance_fetch=False,
                update_in_place=True,
                find_by_key=True,
                dial_in=True,
                recordings=True,
            ),
            description="in-memory reference provider (tests)",
        )


memory_plugin = _MemoryPlugin()
