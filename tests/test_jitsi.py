"""The built-in Jitsi provider: contract kit, unguessable rooms kept across updates, the URL setting."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.context import RunContext
from ta_delivery.errors import InputError
from ta_delivery.jitsi import JitsiProvider, room_name
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.testing.contract import ProviderContract


class TestJitsiContract(ProviderContract):
    provider_name = "jitsi"
    remote = False

    def settings(self) -> Mapping[str, str]:
        return {"TA_DELIVERY_JITSI_URL": "https://meet.example.org/"}


def test_room_names_carry_128_random_bits() -> None:
    request = TestJitsiContract().request()
    names = {room_name(request) for _ in range(2000)}
    assert len(names) == 2000
    for name in names:
        token = name.rsplit("-", 1)[1]
        assert re.fullmatch(r"[0-9a-f]{32}", token), "32 hex digits: 128 bits from the OS's CSPRNG"


def test_update_keeps_the_room_and_the_link() -> None:
    provider = JitsiProvider("https://meet.example.org")
    contract = TestJitsiContract()
    room = provider.create(contract.request())
    moved = provider.update(room, contract.request(title="Moved", minutes=60))
    assert moved.join_url == room.join_url
    assert moved.join_url.startswith("https://meet.example.org/ContractS01-")


def test_default_server_is_meet_jit_si(ta_delivery_run_context: RunContext) -> None:
    provider = make_plugin_manager(entry_points=False).providers["jitsi"].factory(ta_delivery_run_context)
    room = provider.create(TestJitsiContract().request())
    assert room.join_url.startswith("https://meet.jit.si/")


@pytest.mark.parametrize("url", ["meet.example.org", "ftp://meet.example.org", "https://"])
def test_a_bad_url_setting_is_an_input_error(url: str) -> None:
    with pytest.raises(InputError, match="TA_DELIVERY_JITSI_URL"):
        JitsiProvider(url)


@settings(max_examples=50)
@given(
    course_id=st.from_regex(r"[a-z0-9-]{1,64}", fullmatch=True), session_id=st.text(min_size=1, max_size=64)
)
def test_room_names_are_url_safe_whatever_the_ids(course_id: str, session_id: str) -> None:
    request = TestJitsiContract().request()
    import attrs

    name = room_name(attrs.evolve(request, course_id=course_id, session_id=session_id))
    assert re.fullmatch(r"[A-Za-z0-9]{0,40}-[0-9a-f]{32}", name)
