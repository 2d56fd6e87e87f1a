"""The source's shape that review relies on: module sizes (issue 18) and the plugins' sansio re-exports
(decisions 0145 and 0147)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: "About 400 lines" (docs/decisions/0147): past this, a module says at its top why it is one module.
LONGEST = 440


def _sources() -> list[Path]:
    return sorted([*ROOT.glob("src/ta_delivery/**/*.py"), *ROOT.glob("plugins/*/src/**/*.py")])


def test_a_long_module_says_why_at_its_top() -> None:
    unexplained = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= LONGEST:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "lines" not in doc:
            unexplained.append(
                f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines, no reason in its docstring"
            )
    assert not unexplained, unexplained


@pytest.mark.parametrize("package", ["ta_delivery_zoom.sansio", "ta_delivery_webex.sansio"])
def test_a_sansio_package_exports_each_concern_once(package: str) -> None:
    sansio = importlib.import_module(package)
    folder = Path(sansio.__file__ or "").parent
    owners: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.py")):
        if path.stem == "__init__":
            continue
        concern = importlib.import_module(f"{package}.{path.stem}")
        for name in concern.__all__:
            owners.setdefault(name, []).append(path.stem)
            # the package's name is the concern's object, not one a later star import shadowed
            assert getattr(sansio, name) is getattr(concern, name), (package, name)
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}
    assert sorted(sansio.__all__) == sorted(owners)
