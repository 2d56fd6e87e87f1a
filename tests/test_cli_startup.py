"""Light commands start fast: ``--version``, ``--help``, ``check`` and ``slots`` load no heavy module.

Each runs in a fresh interpreter (``python -c``) that drives the real command line and then lists what
was imported; the store (SQLAlchemy), the HTTP stack (httpx) and the providers' clients must not be
among them. bench/startup.py measures the time; this only guards the imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ta_delivery.cli import LAZY_COMMANDS, main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rtpc-caribbean-2027" / "course.toml"

#: Module prefixes a light command must not import.
HEAVY = (
    "sqlalchemy",
    "httpx",
    "httpcore",
    "jinja2",
    "ta_delivery.store",
    "ta_delivery.http",
    "ta_delivery.sync",
    "ta_delivery.attendance.service",
    "ta_delivery_zoom.provider",
    "ta_delivery_zoom.auth",
    "ta_delivery_webex.provider",
    "ta_delivery_webex.auth",
    "ta_delivery_lms.provider",
    "ta_delivery_lms.client",
)

PROBE = """
import json, sys
from ta_delivery.cli import main
try:
    main(sys.argv[1:], prog_name="ta-delivery")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded(*args: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False, timeout=120
    )
    last = run.stderr.strip().splitlines()[-1]
    modules: list[str] = json.loads(last)
    return modules


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["check", str(EXAMPLE)],
        ["check", str(EXAMPLE), "--json"],
        ["slots", str(EXAMPLE), "--minutes", "60", "--from", "2027-08-09", "--to", "2027-08-13"],
    ],
    ids=["version", "help", "check", "check-json", "slots"],
)
def test_light_commands_import_nothing_heavy(args: list[str]) -> None:
    heavy = [m for m in loaded(*args) if m.startswith(HEAVY)]
    assert heavy == [], f"{' '.join(args[:1])} imported {heavy[:8]}: import them where they are used"


def test_plugins_are_still_discovered_by_check() -> None:
    modules = loaded("check", str(EXAMPLE))
    assert "ta_delivery.jitsi" in modules


def test_heavy_commands_still_load_what_they_need() -> None:
    """The guard is not vacuous: ``plan`` does load the store."""
    modules = loaded("plan", str(EXAMPLE), "--json")
    assert any(m.startswith("sqlalchemy") for m in modules)


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_lazy_commands_help_is_their_own(name: str) -> None:
    import click

    command = main.get_command(click.Context(main), name)
    assert command is not None
    assert (command.help or "").strip().splitlines()[0] == LAZY_COMMANDS[name][1]


def test_version_is_the_package_version() -> None:
    """``--version`` reads ``ta_delivery.__version__`` (no metadata lookup at start): it must match."""
    import importlib.metadata

    import ta_delivery

    assert importlib.metadata.version("ta-delivery") == ta_delivery.__version__
