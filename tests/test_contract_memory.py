"""The reference provider passes the contract kit; broken providers fail it."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import httpx
import pytest

from ta_delivery.context import RunContext
from ta_delivery.records import Classroom, ClassroomProvider, ClassroomRequest
from ta_delivery.testing.contract import ProviderContract
from ta_delivery.testing.memory import MemoryProvider, MemoryServer, make_memory_provider, memory_plugin


class MemoryContract(ProviderContract):
    provider_name = "memory"
    plugin = memory_plugin
    create_route = ("POST", "/rooms$")

    def backend(self) -> httpx.BaseTransport:
        self.server = MemoryServer(token="s3cret-token")
        return self.server.transport()

    def settings(self) -> Mapping[str, str]:
        return {"TA_DELIVERY_MEMORY_TOKEN": "s3cret-token"}

    def remote_count(self, key: str) -> int:
        return self.server.count(key)


class TestMemoryContract(MemoryContract):
    """The reference provider honours the whole contract."""


@attrs.define
class NotIdempotentCancel(MemoryProvider):
    def cancel(self, classroom: Classroom) -> None:
        self.api.request("DELETE", f"/rooms/{classroom.external_id}")


@attrs.define
class BlindRetry(MemoryProvider):
    def create(self, request: ClassroomRequest) -> Classroom:
        try:
            return super().create(request)
        except Exception:
            return super().create(request)


@attrs.define
class NoKeyMark(MemoryProvider):
    def find(self, request: ClassroomRequest) -> Classroom | None:
        return None


@attrs.define
class SwallowsErrors(MemoryProvider):
    def create(self, request: ClassroomRequest) -> Classroom:
        try:
            return super().create(request)
        except Exception:
            return Classroom("memory", request.key, "?", "https://rooms.example/unknown")


BROKEN = {
    "test_cancel_is_idempotent": NotIdempotentCancel,
    "test_lost_create_response_is_found_not_duplicated": BlindRetry,
    "test_find_by_key": NoKeyMark,
    "test_unauthorized_is_auth_error": SwallowsErrors,
    "test_persistent_timeout_is_unavailable": SwallowsErrors,
}


@pytest.mark.parametrize(("test_name", "broken"), sorted(BROKEN.items()))
def test_broken_provider_fails_the_kit(test_name: str, broken: type[MemoryProvider]) -> None:
    class Broken(MemoryContract):
        def make_provider(self, context: RunContext) -> ClassroomProvider:
            good = make_memory_provider(context)
            return broken(good.api)

    with pytest.raises(Exception):  # noqa: B017, PT011 - any failure is what the kit must produce
        getattr(Broken(), test_name)()
