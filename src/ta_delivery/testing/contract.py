"""The provider contract: subclass :class:`ProviderContract` in your plugin's tests.

```python
class TestMyProviderContract(ProviderContract):
    provider_name = "mine"                            # the name your ProviderSpec registers
    plugin = ta_delivery_mine                         # your plugin module (omit once it is installed)

    def backend(self) -> httpx.BaseTransport:        # your fake server
        self.server = MyFakeServer()
        return self.server.transport()
    def settings(self):                               # TA_DELIVERY_* variables for the provider
        return {"TA_DELIVERY_MINE_TOKEN": "t"}
    def remote_count(self, key):                      # how many live classrooms carry our key
        return self.server.count(key)
```
The capabilities and the factory are read from the registered :class:`~ta_delivery.records.ProviderSpec`,
so the kit checks what the core will rely on. Every ``test_*`` method then runs against your provider, with
faults injected by a :class:`~ta_delivery.testing.faults.FaultyTransport` around your backend and a fake
clock, so no test sleeps; what your capabilities do not promise is skipped, with the reason. The import
format and LMS kits are :class:`ImportFormatContract` and :class:`LmsContract`, also importable from here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ..clock import FakeClock
from ..context import MemoryKeyValue, RunContext
from ..errors import AuthError, BadResponse, ProviderError, Unavailable
from ..records import Capabilities, Classroom, ClassroomProvider, ClassroomRequest, ProviderSpec, Segment
from ..settings import Settings
from .courses import classroom_request, participant, trainer
from .faults import Fault, FaultyTransport
from .import_contract import ImportFormatContract
from .lms_contract import LmsContract
from .registered import registered

__all__ = ["ImportFormatContract", "LmsContract", "ProviderContract"]


class ProviderContract:
    """The behaviour every classroom provider owes the core. Not collected itself (no ``Test`` prefix)."""

    #: The provider's name as its ProviderSpec registers it (``provider = "..."`` in course files).
    provider_name: str = ""
    #: Your plugin module or object, when it is not installed as a ``ta_delivery`` entry point.
    plugin: object | None = None
    #: (method, path regex) of the request that creates a classroom, for the lost-response test.
    create_route: tuple[str, str | None] = ("POST", None)
    #: False for a provider with no remote API (rooms that exist by their URL, like Jitsi): the HTTP fault
    #: tests are skipped and nothing is counted remotely.
    remote: bool = True

    # --- what the plugin registered -----------------------------------------------------------

    def spec(self) -> ProviderSpec:
        """The registered :class:`ProviderSpec` named :attr:`provider_name`."""
        found: ProviderSpec = registered("providers", self.provider_name, self.plugin, type(self).__name__)
        return found

    @property
    def declared(self) -> Capabilities:
        """The capabilities the registered spec declares: what the core relies on, and what is tested."""
        return self.spec().capabilities

    # --- to implement -------------------------------------------------------------------------

    def backend(self) -> httpx.BaseTransport:
        """The fake server the provider talks to (fresh for each test); not needed when ``remote = False``."""
        raise NotImplementedError(f"{type(self).__name__}: implement backend(), or set remote = False")

    def make_provider(self, context: RunContext) -> ClassroomProvider:
        """The provider built on ``context``: by default the registered spec's factory, as the core does."""
        return self.spec().factory(context)

    def settings(self) -> Mapping[str, str]:
        """The ``TA_DELIVERY_*`` variables the provider reads."""
        return {}

    def options(self) -> Mapping[str, Any]:
        """The provider's ``[name]`` table of a course file; the spec's ``parse_options`` reads it."""
        return {}

    def remote_count(self, key: str) -> int:
        """How many live classrooms carrying ``key`` exist on the backend (unused when ``remote = False``)."""
        raise NotImplementedError(f"{type(self).__name__}: implement remote_count(key)")

    def attend(self, classroom: Classroom, request: ClassroomRequest) -> None:
        """Make the backend hold attendance of the ended ``classroom``: some of ``request``'s participants
        joined and left (only for a provider declaring ``attendance_fetch``)."""
        raise NotImplementedError(
            f"{type(self).__name__}: the provider declares attendance_fetch, so implement attend(classroom, "
            "request) to record some participants joining and leaving on your fake"
        )

    def backend_or_none(self) -> httpx.BaseTransport:
        """The backend, or a transport that fails every request for a provider with no remote API."""
        if self.remote:
            return self.backend()

        def refuse(request: httpx.Request) -> httpx.Response:
            raise AssertionError(f"a provider with no remote API sent {request.method} {request.url}")

        return httpx.MockTransport(refuse)

    def assert_count(self, key: str, expected: int) -> None:
        """Check the remote count of ``key`` (a no-op for a provider with no remote API)."""
        if self.remote:
            count = self.remote_count(key)
            assert count == expected, f"{count} classrooms carry {key!r}, expected {expected}"

    def needs_remote(self) -> None:
        """Skip an HTTP fault test for a provider with no remote API."""
        if not self.remote:
            pytest.skip("the provider has no remote API (remote = False)")

    def needs(self, capability: str) -> None:
        """Skip a test of a capability the registered spec does not declare."""
        if not getattr(self.declared, capability):
            pytest.skip(f"{self.provider_name!r} does not declare the capability {capability}")

    # --- the harness ----------------------------------------------------------------------------

    def setup_contract(self) -> tuple[ClassroomProvider, FaultyTransport, FakeClock]:
        """A provider on a fresh backend behind a fault injector, with a fake clock."""
        transport = FaultyTransport(self.backend_or_none())
        clock = FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))
        context = RunContext(
            settings=Settings(dict(self.settings())),
            clock=clock,
            transport=transport,
            states={},
        )
        context.states = {}
        self.context = context
        self.state = MemoryKeyValue()
        return self.make_provider(context), transport, clock

    def request(self, key: str = "ta-delivery:contract/s01", **changes: Any) -> ClassroomRequest:
        """A request for a two-hour session with two trainers and three participants."""
        kit: dict[str, Any] = {
            "title": "Contract session",
            "timezone": "Europe/Zurich",
            "description": "A session made by the contract kit",
            "hosts": (
                trainer("t1", name="Trainer One"),
                trainer("t2", name="Trainer Two", timezone="America/Jamaica"),
            ),
            "participants": tuple(
                participant(f"p{i}", name=f"Participant {i}", timezone="UTC") for i in range(1, 4)
            ),
            "options": dict(self.spec().parse_options(self.options())),
        }
        return classroom_request(key, **{**kit, **changes})

    def _check_room(self, room: Classroom, request: ClassroomRequest) -> None:
        assert isinstance(room, Classroom)
        assert room.external_id, "a classroom needs the provider's id"
        assert room.join_url.startswith(("https://", "http://")), "a classroom needs a join URL"
        assert room.key == request.key, "the classroom must carry our key"
        if self.declared.personal_join_links:
            links = room.personal_links
            participants = {p.id for p in request.participants}
            assert participants <= set(links), "a personal link for each participant"
            extra = set(links) - participants
            assert extra <= {h.id for h in request.hosts}, "personal links only for the session's people"
            assert len(set(links.values())) == len(links), "personal links must differ"

    # --- the contract ---------------------------------------------------------------------------

    def test_create_update_cancel_round_trip(self) -> None:
        provider, _t, _c = self.setup_contract()
        request = self.request()
        room = provider.create(request)
        self._check_room(room, request)
        self.assert_count(request.key, 1)
        moved = self.request(
            title="Contract session (moved)", start=request.start + timedelta(days=1), minutes=90
        )
        updated = provider.update(room, moved)
        self._check_room(updated, moved)
        if self.declared.update_in_place:
            assert updated.external_id == room.external_id, "update in place keeps the classroom"
        self.assert_count(request.key, 1)
        provider.cancel(updated)
        self.assert_count(request.key, 0)

    def test_cancel_is_idempotent(self) -> None:
        provider, _t, _c = self.setup_contract()
        room = provider.create(self.request())
        provider.cancel(room)
        provider.cancel(room)
        self.assert_count(room.key, 0)

    def test_update_changes_participants(self) -> None:
        provider, _t, _c = self.setup_contract()
        request = self.request()
        room = provider.create(request)
        fewer = self.request(participants=request.participants[:2])
        updated = provider.update(room, fewer)
        self._check_room(updated, fewer)

    def test_find_by_key(self) -> None:
        self.needs("find_by_key")
        provider, _t, _c = self.setup_contract()
        request = self.request()
        assert provider.find(request) is None
        room = provider.create(request)
        other = self.request(key="ta-delivery:contract/s02")
        provider.create(other)
        found = provider.find(request)
        assert found is not None
        assert found.external_id == room.external_id

    def test_lost_create_response_is_found_not_duplicated(self) -> None:
        self.needs_remote()
        self.needs("find_by_key")
        provider, transport, _c = self.setup_contract()
        request = self.request()
        method, path = self.create_route
        transport.inject(Fault("lost", method=method, path=path))
        try:
            provider.create(request)
        except ProviderError as exc:
            if not isinstance(exc, Unavailable):
                raise AssertionError(f"a lost response is Unavailable, not {exc!r}") from exc
        found = provider.find(request)
        assert found is not None, "a classroom whose create response was lost must be found by key"
        assert self.remote_count(request.key) == 1, "never a duplicate"

    def test_unauthorized_is_auth_error(self) -> None:
        self.needs_remote()
        provider, transport, _c = self.setup_contract()
        transport.inject(Fault("status", status=401, times=None, body=b'{"message": "bad token"}'))
        try:
            provider.create(self.request())
        except AuthError:
            return
        raise AssertionError("a persistent 401 must raise AuthError")

    def test_rate_limit_waits_as_told(self) -> None:
        self.needs_remote()
        provider, transport, clock = self.setup_contract()
        fault = transport.inject(Fault("status", status=429, headers={"Retry-After": "7"}))
        request = self.request()
        room = provider.create(request)
        self._check_room(room, request)
        assert fault.hits == 1
        assert sum(clock.slept) >= 7, "Retry-After must be honoured (through the injected clock)"
        assert self.remote_count(request.key) == 1

    def test_server_error_never_duplicates(self) -> None:
        self.needs_remote()
        provider, transport, _c = self.setup_contract()
        request = self.request()
        transport.inject(Fault("status", status=503))
        with contextlib.suppress(Unavailable):
            provider.create(request)
        assert self.remote_count(request.key) <= 1

    def test_read_errors_are_retried(self) -> None:
        self.needs_remote()
        self.needs("find_by_key")
        provider, transport, _c = self.setup_contract()
        request = self.request()
        provider.create(request)
        transport.inject(Fault("status", status=502, method="GET"))
        transport.inject(Fault("timeout", method="GET"))
        assert provider.find(request) is not None

    def test_persistent_timeout_is_unavailable(self) -> None:
        self.needs_remote()
        provider, transport, _c = self.setup_contract()
        transport.inject(Fault("timeout", times=None))
        try:
            provider.create(self.request())
        except Unavailable:
            return
        raise AssertionError("persistent timeouts must raise Unavailable")

    def test_malformed_body_is_bad_response(self) -> None:
        self.needs_remote()
        provider, transport, _c = self.setup_contract()
        method, path = self.create_route
        transport.inject(Fault("malformed", method=method, path=path))
        try:
            provider.create(self.request())
        except BadResponse:
            return
        raise AssertionError("a malformed body must raise BadResponse")

    def test_secrets_stay_out_of_reprs(self) -> None:
        provider, _t, _c = self.setup_contract()
        text = repr(provider) + repr(self.context)
        for name, value in self.settings().items():
            if any(w in name for w in ("SECRET", "TOKEN", "PASSWORD")) and len(value) >= 4:
                assert value not in text, f"{name} leaks into a repr"

    def test_capabilities_are_the_registered_ones(self) -> None:
        declared = self.declared
        assert isinstance(declared, Capabilities)
        restated = getattr(type(self), "capabilities", None)
        if restated is not None:
            assert restated == declared, "the test restates capabilities that differ from the ProviderSpec's"

    def test_fetch_attendance(self) -> None:
        self.needs("attendance_fetch")
        provider, _t, _c = self.setup_contract()
        request = self.request()
        room = provider.create(request)
        self.attend(room, request)
        segments = list(provider.fetch_attendance(room, request))
        assert segments, "attend() recorded people joining: fetch_attendance must return their segments"
        people = {p.id for p in request.participants} | {h.id for h in request.hosts}
        for seg in segments:
            assert isinstance(seg, Segment)
            assert seg.session_id == request.session_id, "segments belong to the request's session"
            assert seg.join.tzinfo is not None and seg.leave.tzinfo is not None, "aware date-times"
            assert seg.join <= seg.leave, f"a segment that leaves before it joins: {seg!r}"
            assert seg.raw_key, "a raw_key, so importing the same attendance again changes nothing"
            assert seg.person_id or seg.external_id or seg.email or seg.name, "someone to match"
            assert seg.person_id is None or seg.person_id in people, "person_id is one of the request's"
        again = list(provider.fetch_attendance(room, request))
        assert sorted(s.raw_key for s in again) == sorted(s.raw_key for s in segments), (
            "a second fetch gives the same raw keys"
        )
