"""A complete classroom provider for the (fictional) Acme Classrooms API, in about fifty lines.

Acme lets the client choose each classroom's reference, so ``PUT /v1/classrooms/{ref}`` creates or updates:
a retried or repeated create can never make a second classroom.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from urllib.parse import quote

from ta_delivery.plugin import (
    BadResponse,
    Capabilities,
    Classroom,
    ClassroomRequest,
    HttpApi,
    NotFound,
    ProviderSpec,
    RunContext,
    Segment,
    hookimpl,
    url,
)


class AcmeProvider:
    def __init__(self, api: HttpApi) -> None:
        self.api = api

    def _room(self, key: str, body: object) -> Classroom:
        if not isinstance(body, dict) or "join_url" not in body:
            raise BadResponse("classroom without join_url", provider="acme")
        links = {a["ref"]: a["join_url"] for a in body.get("attendees", [])}
        return Classroom("acme", key, str(body["id"]), body["join_url"], personal_links=links)

    def create(self, request: ClassroomRequest) -> Classroom:
        body = {
            "title": request.title,
            "starts_at": request.start.isoformat().replace("+00:00", "Z"),
            "duration_minutes": request.minutes,
            "attendees": [{"ref": p.id, "email": p.email, "name": p.name} for p in request.participants],
        }
        return self._room(
            request.key, self.api.json("PUT", f"/v1/classrooms/{quote(request.key, safe='')}", json=body)
        )

    def update(self, classroom: Classroom, request: ClassroomRequest) -> Classroom:
        return self.create(request)  # PUT is an upsert

    def cancel(self, classroom: Classroom) -> None:
        with contextlib.suppress(NotFound):  # already gone counts as done
            self.api.request("DELETE", f"/v1/classrooms/{quote(classroom.key, safe='')}")

    def find(self, request: ClassroomRequest) -> Classroom | None:
        try:
            return self._room(
                request.key, self.api.json("GET", f"/v1/classrooms/{quote(request.key, safe='')}")
            )
        except NotFound:
            return None

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        return ()


def make_provider(context: RunContext) -> AcmeProvider:
    token = context.settings.secret("acme", "token")
    headers = {"Authorization": f"Bearer {token.reveal()}"} if token else {}
    base = url(
        context.settings.get("acme", "url") or "https://api.acme.example", source="TA_DELIVERY_ACME_URL"
    )
    client = context.http_client(base, headers)
    return AcmeProvider(HttpApi(client, "acme", clock=context.clock))


@hookimpl
def ta_delivery_register_providers() -> Iterable[ProviderSpec]:
    caps = Capabilities(personal_join_links=True, update_in_place=True, find_by_key=True)
    yield ProviderSpec(name="acme", factory=make_provider, capabilities=caps, description="Acme Classrooms")
