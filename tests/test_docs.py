"""Docs stay honest: every hook is documented with its exact signature, and exercised by a test."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
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


# --- docs/writing-a-plugin.md: the plugins it walks through are complete and pass the kit ------------

WALKTHROUGH = ROOT / "docs" / "writing-a-plugin.md"


def walkthrough_files() -> dict[str, str]:
    """The code blocks of writing-a-plugin.md marked ``<!-- file: NAME -->``, by name."""
    text = WALKTHROUGH.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- file: (\S+) -->\n```python\n(.*?)```", text, flags=re.S)
    return dict(blocks)


def test_the_walkthrough_shows_the_example_plugin_as_it_is() -> None:
    files = walkthrough_files()
    examples = {name: code for name, code in files.items() if name.startswith("examples/")}
    assert set(examples) == {"examples/plugin-acme/ta_delivery_acme.py", "examples/plugin-acme/test_acme.py"}
    for name, code in examples.items():
        assert code == (ROOT / name).read_text(encoding="utf-8"), f"{name} differs from the walkthrough"


def test_a_plugin_written_from_the_walkthrough_alone_passes_the_kit_first_time(tmp_path: Path) -> None:
    files = {n: c for n, c in walkthrough_files().items() if not n.startswith("examples/")}
    assert set(files) == {"ta_delivery_roomly.py", "test_roomly.py"}
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert "passed" in summary and "failed" not in summary and "error" not in summary, summary
    assert "skipped" in summary, "what Roomly does not promise is skipped, not passed silently"
