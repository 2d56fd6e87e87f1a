"""The ``ta-delivery`` command line: a thin layer over the library."""

from __future__ import annotations

import importlib

from .common import main as main

#: Modules that add commands to :func:`main` when imported.
COMMAND_MODULES: tuple[str, ...] = (
    "sync",
    "calendar",
    "attendance",
    "check",
    "evaluation",
    "catalogue",
    "serve",
    "doctor",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
