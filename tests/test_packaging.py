"""The four distributions build with ``uv build``, install with plain pip into a clean venv (no index: our
wheels from the build, dependencies from this environment), and show up in ``ta-delivery plugins`` and
``ta-delivery --version``; the plugins require a compatible core."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = ("ta-delivery", "ta-delivery-zoom", "ta-delivery-webex", "ta-delivery-lms")


def test_version_lists_the_core_and_every_plugin_with_versions() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "ta-delivery 0.1.0"
    for name in DISTRIBUTIONS[1:]:
        assert f"{name} 0.1.0" in lines


@pytest.mark.parametrize("plugin", ["zoom", "webex", "lms"])
def test_plugins_require_a_compatible_core_range(plugin: str) -> None:
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    deps = tomllib.loads((ROOT / "plugins" / plugin / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    [spec] = [d for d in deps if d.startswith("ta-delivery")]
    major, minor = (int(x) for x in core.split(".")[:2])
    assert spec == f"ta-delivery>={major}.{minor},<{major}.{minor + 1}", spec


def _dependencies_dir(target: Path) -> Path:
    """This environment's third-party packages (not ours) as a folder the clean venv can see."""
    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("ta_delivery", "_ta_delivery", "__editable__", "ta-delivery")) or name.endswith(
            ".pth"
        ):
            continue
        (target / entry.name).symlink_to(entry)
    return target


@pytest.mark.slow
def test_built_wheels_install_with_pip_into_a_clean_venv(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    dist = tmp_path / "dist"
    built = subprocess.run(
        [uv, "build", "--all-packages", "--wheel", "--out-dir", str(dist)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert len(list(dist.glob("*.whl"))) == 4
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    deps = _dependencies_dir(tmp_path / "deps")
    (Path(purelib) / "zz_dependencies.pth").write_text(f"{deps}\n")
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--find-links", str(dist),
         "--disable-pip-version-check", *DISTRIBUTIONS],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    cli = venv / "bin" / "ta-delivery"
    plugins = subprocess.run([str(cli), "plugins", "--json"], capture_output=True, text=True, timeout=120)
    assert plugins.returncode == 0, plugins.stderr
    listed = {p["name"]: p for p in json.loads(plugins.stdout)["plugins"]}
    assert {"ta-delivery-zoom", "ta-delivery-webex", "ta-delivery-lms"} <= set(listed)
    assert "zoom" in listed["ta-delivery-zoom"]["providers"]
    assert all(p["version"] == "0.1.0" for name, p in listed.items() if name in DISTRIBUTIONS)
    where = subprocess.run(
        [str(python), "-c", "import ta_delivery as c, ta_delivery_zoom as z; print(c.__file__, z.__file__)"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert str(ROOT) not in where, "the installed wheels are used, not the source tree"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.splitlines()[0] == "ta-delivery 0.1.0"
