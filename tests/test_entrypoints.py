"""ta_delivery.entrypoints finds what importlib.metadata finds, in the same order, or lets it find them."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.entrypoints import (
    EntryPoint,
    _from_importlib,
    _normalize,
    _scan,
    _Unusual,
)


def _rows(points: list[EntryPoint]) -> list[tuple[str, str, str, str | None, str | None]]:
    return [(p.name, p.value, p.group, p.dist_name, p.version) for p in points]


@pytest.mark.parametrize("group", ["ta_delivery", "console_scripts", "pytest11", "no-such-group"])
def test_the_installed_entry_points_are_importlib_metadatas(group: str) -> None:
    assert _rows(_scan(group)) == _rows(_from_importlib(group))


def _dist(
    root: Path, folder: str, name: str, version: str, entry_points: str | None, extra: str = ""
) -> None:
    info = root / folder
    info.mkdir(parents=True)
    metadata = "METADATA" if folder.endswith(".dist-info") else "PKG-INFO"
    (info / metadata).write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra}\nBody: no\n"
    )
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


def test_a_made_up_path_is_read_as_importlib_metadata_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    points = (
        "# a comment\n[console_scripts]\nx = y\n\n[ta_delivery]\n  alpha = alpha_mod:plugin.inner [extra]\n"
    )
    _dist(first, "Alpha_Plug-1.0.dist-info", "Alpha_Plug", "1.0", points, "Summary: folded\n  over two lines")
    _dist(first, "beta-2.0.dist-info", "beta", "2.0", "[ta_delivery]\nbeta=beta_mod\n[other]\nz = w\n")
    _dist(first, "gamma-3.0.egg-info", "gamma", "3.0", "[ta_delivery]\ngamma = gamma_mod:plugin\n")
    _dist(first, "nothing-1.0.dist-info", "nothing", "1.0", None)
    (first / "legacy-1.0.egg-info").write_text("Name: legacy\nVersion: 1.0\n")  # an egg-info file
    # the same distribution again, later on the path, under another spelling: the first one wins
    _dist(second, "alpha.plug-9.0.dist-info", "alpha.plug", "9.0", "[ta_delivery]\nalpha = shadowed\n")
    _dist(second, "delta-4.0.dist-info", "delta", "4.0", "[ta_delivery]\ndelta = delta_mod\n")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    found = _rows(_scan("ta_delivery"))
    assert found == _rows(_from_importlib("ta_delivery"))
    assert sorted(row[0] for row in found) == [
        "alpha",
        "beta",
        "delta",
        "gamma",
    ]  # folder order within a folder
    assert ("alpha", "alpha_mod:plugin.inner [extra]", "ta_delivery", "Alpha_Plug", "1.0") in found


@pytest.mark.parametrize(
    "case",
    ["zip on the path", "line without =", "not UTF-8", "another finder"],
    ids=lambda c: c.replace(" ", "-"),
)
def test_what_importlib_metadata_reads_otherwise_is_left_to_it(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    _dist(root, "odd-1.0.dist-info", "odd", "1.0", "[ta_delivery]\nodd = odd_mod\n")
    path = [str(root)]
    if case == "zip on the path":
        archive = tmp_path / "bundle.zip"
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("z-1.0.dist-info/METADATA", "Name: z\nVersion: 1.0\n")
        path.append(str(archive))
    elif case == "line without =":
        (root / "odd-1.0.dist-info" / "entry_points.txt").write_text("[ta_delivery]\nodd\n")
    elif case == "not UTF-8":
        (root / "odd-1.0.dist-info" / "entry_points.txt").write_bytes(b"[ta_delivery]\nodd = \xff\n")
    else:

        class Finder:
            @staticmethod
            def find_distributions(*_args: object, **_kwargs: object) -> list[object]:
                return []

        monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    monkeypatch.setattr(sys, "path", path)
    with pytest.raises(_Unusual):
        _scan("ta_delivery")


def test_an_entry_point_loads_the_attribute_it_names() -> None:
    assert (
        EntryPoint("x", "importlib.metadata:EntryPoint", "g", None, None).load()
        is importlib.metadata.EntryPoint
    )
    assert EntryPoint("x", "importlib.metadata", "g", None, None).load() is importlib.metadata
    assert EntryPoint("x", "os : path.join [extra]", "g", None, None).load() is __import__("os").path.join
    with pytest.raises(ValueError, match="not a module"):
        EntryPoint("x", "no good!", "g", None, None).load()


@given(st.text(alphabet="aB9-_.", max_size=12))
def test_names_are_normalized_as_pep_503_says(name: str) -> None:
    """Runs of ``-``, ``_`` and ``.`` are one separator and case is ignored (written with ``_``)."""
    assert _normalize(name) == re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")
