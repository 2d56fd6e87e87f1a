"""A programme file (PRODUCT.md section 5) in place of a course file: the commands' course-by-course dispatch,
kept apart from the single-course commands so that those stay as they are.

A command calls :func:`is_programme` on its argument and, when true, hands over to the function here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from ..errors import InputError
from .common import EXIT_FAILED, EXIT_OK, fail_input, print_json

if TYPE_CHECKING:
    from ..plugins import Plugins
    from ..programme import Programme

__all__ = ["check_programme_command", "is_programme", "load_programme_or_exit"]


def is_programme(path: Path) -> bool:
    """Whether ``path`` is a programme file (a top-level ``[programme]`` table) rather than a course file."""
    from ..programme import is_programme_file

    return path.is_file() and is_programme_file(path)


def load_programme_or_exit(path: Path, plugins: Plugins) -> Programme:
    """Read the programme and all its courses; every input error printed, exit 2."""
    from ..programme import load_programme

    try:
        return load_programme(path, plugins)
    except InputError as exc:
        fail_input(exc)


def check_programme_command(path: Path, plugins: Plugins, as_json: bool) -> NoReturn:
    """``check PROGRAMME``: every course's rules, the cross-course ones counting the other courses."""
    from ..programme.rules import check_programme
    from ..rules import has_errors
    from .check import _print_findings, findings_json

    programme = load_programme_or_exit(path, plugins)
    results = check_programme(programme, plugins)
    if as_json:
        print_json(
            {
                "programme": programme.id,
                "courses": [
                    {"course": cid, "findings": findings_json(programme.course(cid), found)["findings"]}
                    for cid, found in results.items()
                ],
            }
        )
    else:
        for cid, found in results.items():
            _print_findings(programme.course(cid), found)
        errors = sum(f.severity == "error" for found in results.values() for f in found)
        click.echo(f"{programme.id}: {len(results)} courses, {errors} errors in all")
    sys.exit(EXIT_FAILED if any(has_errors(found) for found in results.values()) else EXIT_OK)
