"""The Acme example provider passes the ta_delivery contract kit against a small fake of its API."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx
import ta_delivery_acme

from ta_delivery.testing.contract import ProviderContract


class FakeAcme:
    """Acme's API in memory: classrooms by reference, behind a bearer token."""

    def __init__(self) -> None:
        self.rooms: dict[str, dict[str, object]] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != "Bearer acme-secret-token":
            return httpx.Response(401, json={"message": "unauthorized"})
        ref = request.url.path.removeprefix("/v1/classrooms/")
        if request.method == "PUT":
            body = json.loads(request.content)
            room = {
                "id": self.rooms.get(ref, {}).get("id", f"c{len(self.rooms) + 1}"),
                "join_url": f"https://acme.example/j/{len(ref)}{ref[-3:]}",
                "attendees": [
                    {"ref": a["ref"], "join_url": f"https://acme.example/j/{ref[-3:]}?a={a['ref']}"}
                    for a in body["attendees"]
                ],
            }
            self.rooms[ref] = room
            return httpx.Response(200, json=room)
        if ref not in self.rooms:
            return httpx.Response(404, json={"message": "no such classroom"})
        if request.method == "DELETE":
            del self.rooms[ref]
            return httpx.Response(204)
        return httpx.Response(200, json=self.rooms[ref])


class TestAcmeContract(ProviderContract):
    provider_name = "acme"
    plugin = ta_delivery_acme
    create_route = ("PUT", "/v1/classrooms/")

    def backend(self) -> httpx.BaseTransport:
        self.fake = FakeAcme()
        return httpx.MockTransport(self.fake.handle)

    def settings(self) -> Mapping[str, str]:
        return {"TA_DELIVERY_ACME_TOKEN": "acme-secret-token"}

    def remote_count(self, key: str) -> int:
        return int(key in self.fake.rooms)  # httpx hands the fake the decoded path
