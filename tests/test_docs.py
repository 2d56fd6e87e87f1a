"""Docs stay honest: every hook is documented with its exact signature, and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from ta_delivery import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(
    name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("ta_delivery_")
)


def signature_text(name: str) -> str:
    """``name(arg: Type, ...) -> Return`` as the docs write it (annotations are strings here)."""
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


def test_every_hook_is_a_hookspec() -> None:
    assert len(HOOKS) == 9
    for name in HOOKS:
        assert hasattr(getattr(hookspecs, name), "ta_delivery_spec")


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_its_signature(hook: str) -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert f"### {hook}" in docs
    assert signature_text(hook) in docs, signature_text(hook)


def test_every_hook_is_implemented_by_the_recording_plugin() -> None:
    """tests/test_plugins.py drives every hook through a plugin implementing all of them."""
    from test_plugins import RecordingPlugin

    implemented = sorted(n for n in dir(RecordingPlugin) if n.startswith("ta_delivery_"))
    assert implemented == HOOKS
