"""Helpers for the catalogue tests: a copy of the example programme, and a built site (no tests here)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from ta_delivery.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COURSES = ("rtpc-caribbean-2027", "ecowas-services-2027", "mongolia-agriculture-2027")
#: Before every example course starts: all of them are upcoming.
NOW = "2027-06-01T00:00:00Z"


def copy_programme(target: Path) -> Path:
    """The example programme and its three courses copied under ``target``; the programme file's path."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COURSES:
        shutil.copytree(EXAMPLES / name, target / name, ignore=shutil.ignore_patterns(".ta-delivery"))
    shutil.copy(EXAMPLES / "programme.toml", target / "programme.toml")
    return target / "programme.toml"


def run(*args: str, now: str = NOW) -> Result:
    return CliRunner().invoke(main, list(args), env={"TA_DELIVERY_NOW": now, "TA_DELIVERY_STATE": None})


def build(programme: Path, out: Path, *extra: str, now: str = NOW) -> Result:
    result = run("catalogue", str(programme), "--out", str(out), *extra, now=now)
    assert result.exit_code == 0, result.output
    return result


def site_files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
