"""``ta_delivery.plugin``, the one door for plugin authors, and the optional methods it declares."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import ta_delivery.plugin as door
from ta_delivery import records
from ta_delivery.jitsi import JitsiProvider
from ta_delivery.transports.outbox import OutboxTransport
from ta_delivery.transports.smtp import SmtpTransport
from ta_delivery_lms.provider import MoodleLms
from ta_delivery_webex.provider import WebexProvider
from ta_delivery_zoom.provider import ZoomProvider

DOCS = Path(__file__).resolve().parents[1] / "docs"
OPTIONAL = sorted(name for name in records.__all__ if name.startswith("Supports"))


def test_every_name_of_the_door_is_exported_and_is_the_core_s_own_object() -> None:
    assert sorted(door.__all__) == sorted(set(door.__all__)), "no name twice"
    for name in door.__all__:
        assert hasattr(door, name), name
    # the same objects as their home modules: isinstance checks and except clauses keep working
    assert door.hookimpl is importlib.import_module("ta_delivery.hookspecs").hookimpl
    assert door.InputError is importlib.import_module("ta_delivery.errors").InputError
    assert door.HttpApi is importlib.import_module("ta_delivery.http").HttpApi


def test_the_door_has_what_a_plugin_needs() -> None:
    needed = {
        "hookimpl",
        "ProviderSpec",
        "Capabilities",
        "ClassroomRequest",
        "Classroom",
        "Segment",
        "ImportFormatSpec",
        "LmsSpec",
        "RunContext",
        "InputError",
        "ProviderError",
        "HttpApi",
        "RateLimiter",
        "url",
        "positive_number",
        "Secret",
        *OPTIONAL,
    }
    assert needed <= set(door.__all__)


def test_every_optional_method_is_documented_in_plugins_md() -> None:
    text = (DOCS / "plugins.md").read_text(encoding="utf-8")
    assert OPTIONAL, "the optional protocols exist"
    for name in OPTIONAL:
        protocol = getattr(records, name)
        (method,) = [m for m in vars(protocol) if not m.startswith("_")]
        assert f"`{name}`" in text, f"{name} is missing from docs/plugins.md"
        assert f"`{method}(" in text, f"{method}() is missing from docs/plugins.md"


@pytest.mark.parametrize(
    ("implementation", "protocol"),
    [
        (JitsiProvider, door.SupportsStale),
        (ZoomProvider, door.SupportsPlanNotes),
        (ZoomProvider, door.SupportsFindMany),
        (WebexProvider, door.SupportsFindMany),
        (OutboxTransport, door.SupportsCheck),
        (SmtpTransport, door.SupportsClose),
        (MoodleLms, door.SupportsPreflight),
        (MoodleLms, door.SupportsCompletions),
        (MoodleLms, door.SupportsFeedback),
    ],
)
def test_the_in_repo_optional_methods_match_their_protocol(implementation: type, protocol: type) -> None:
    (method,) = [m for m in vars(protocol) if not m.startswith("_")]
    assert callable(getattr(implementation, method, None)), f"{implementation.__name__}.{method}"
    wanted = list(inspect.signature(getattr(protocol, method)).parameters)
    have = list(inspect.signature(getattr(implementation, method)).parameters)
    assert have == wanted, f"{implementation.__name__}.{method}{have} differs from {protocol.__name__}"


def test_an_object_without_the_method_goes_without_the_feature() -> None:
    class Plain:
        def create(self) -> None:
            return None

    for name in OPTIONAL:
        assert not isinstance(Plain(), getattr(records, name))
