"""Shared pieces of the command line: the root group, course loading, exit codes, output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ..errors import InputError, TaDeliveryError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2


def fail_input(error: InputError | str) -> NoReturn:
    """Print an input error and exit 2."""
    click.echo(f"error: {error}", err=True)
    sys.exit(EXIT_INPUT)


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


class Group(click.Group):
    """The root group: input errors exit 2, other library errors exit 1, with a one-line message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            fail_input(exc)
        except TaDeliveryError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_FAILED)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ta-delivery")
def main() -> None:
    """Deliver training virtually: check schedules, provision classrooms, invite, track attendance."""


def course_path(value: str) -> Path:
    """The course file path, checked to exist."""
    path = Path(value)
    if not path.is_file():
        fail_input(InputError("no such course file", source=str(path)))
    return path
