"""The ``ta-delivery`` command line: a thin layer over the library."""

from __future__ import annotations

import importlib

from .common import main as main

#: Modules that add commands to :func:`main` when imported. Each keeps its heavy imports (the store,
#: the HTTP stack, providers' clients) inside the functions that need them, so that starting is quick:
#: tests/test_cli_startup.py fails if ``--version``, ``--help``, ``check`` or ``slots`` load them.
COMMAND_MODULES: tuple[str, ...] = (
    "sync",
    "calendar",
    "check",
    "evaluation",
    "catalogue",
    "serve",
    "doctor",
    "init",
)

#: Commands whose module is imported only when the command runs: name -> (module, short help for
#: ``--help``). tests/test_cli_startup.py checks that the short help matches the command's own.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "attendance": (
        f"{__name__}.attendance",
        "Record attendance: import export files, pull from providers, excuse absences.",
    ),
    "report": (
        f"{__name__}.attendance",
        "Attendance and completion: statuses, unmatched attendees, suggested name matches.",
    ),
}

main.lazy = LAZY_COMMANDS

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
