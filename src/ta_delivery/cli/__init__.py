"""The ``ta-delivery`` command line: a thin layer over the library.

Starting must be quick (``--version``, ``--help``, ``check`` and ``slots`` are run often and by scripts),
so a command's module is imported only when that command runs: :data:`LAZY_COMMANDS` names each
command's module and the short help ``--help`` shows. tests/test_cli_startup.py checks the short help
against the command's own and that the light commands load no store, HTTP stack or provider client.

To add a command: write it in a module here with ``@main.command()``, and add a line to
:data:`LAZY_COMMANDS` (or, for a module that must load at start, to :data:`COMMAND_MODULES`).
"""

from __future__ import annotations

import importlib

from .common import main as main

#: Modules imported at start (each keeps heavy imports inside the functions that need them).
COMMAND_MODULES: tuple[str, ...] = ()

_P = __name__
#: command -> (module that defines it, its short help for ``--help``), imported on first use.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        f"{_P}.init",
        "Write a commented course file and roster CSV into DIR to start from (never overwrites).",
    ),
    "check": (f"{_P}.check", "Read COURSE and apply the rules; exit 1 if any finding is an error."),
    "slots": (f"{_P}.check", "Rank start times on a 15-minute grid by how many participants they suit."),
    "plan": (
        f"{_P}.sync",
        "Show what `apply` would do: classrooms to create, update or cancel, invites to send.",
    ),
    "apply": (
        f"{_P}.sync",
        "Check the rules, then create, update or cancel classrooms and send invites. Safe to run again.",
    ),
    "plugins": (
        f"{_P}.sync",
        "List installed plugins with the providers, transports and import formats each adds.",
    ),
    "attendance": (
        f"{_P}.attendance",
        "Record attendance: import export files, pull from providers, excuse absences.",
    ),
    "report": (
        f"{_P}.attendance",
        "Attendance and completion: statuses, unmatched attendees, suggested name matches.",
    ),
    "calendar": (
        f"{_P}.calendar",
        "Print the course's (or one person's) sessions as an iCalendar feed (METHOD:PUBLISH).",
    ),
    "evaluation": (
        f"{_P}.evaluation",
        "Evaluations: record participants' answers to the course's questions.",
    ),
    "serve": (
        f"{_P}.serve",
        "Receive provider webhooks and serve personal calendar feeds (needs ta-delivery[serve]).",
    ),
    "doctor": (
        f"{_P}.doctor",
        "Check settings, credentials, scopes, the store and the transport without changing anything.",
    ),
    "catalogue": (
        f"{_P}.catalogue",
        "Write the public catalogue of PROGRAMME as a static site in DIR (every language of the programme).",
    ),
}

main.lazy = LAZY_COMMANDS

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}")


def load_all() -> None:
    """Import every command's module (for tools that list or document all commands)."""
    for module, _help in LAZY_COMMANDS.values():
        importlib.import_module(module)
