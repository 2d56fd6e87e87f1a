"""``ta-delivery init DIR``: a commented course file and roster to start from; never overwrites."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ..errors import InputError
from ..starter import COURSE_FILE, ROSTER_FILE, course_toml, roster_csv
from .common import fail_input, main, now_override

__all__ = ["init_command"]


@main.command("init")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
def init_command(directory: str) -> None:
    """Write a commented course file and roster CSV into DIR to start from (never overwrites)."""
    folder = Path(directory)
    taken = [
        path for path in (folder / COURSE_FILE, folder / ROSTER_FILE) if path.exists() or path.is_symlink()
    ]
    if taken:
        names = ", ".join(str(path) for path in taken)
        fail_input(InputError(f"already exists; init never overwrites (choose another DIR): {names}"))
    today = (now_override() or datetime.now(UTC)).date()
    contents = {folder / COURSE_FILE: course_toml(today), folder / ROSTER_FILE: roster_csv()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in contents.items():
            with path.open("x", encoding="utf-8", newline="\n") as fh:  # "x": never replace a file
                fh.write(text)
    except OSError as exc:
        fail_input(InputError(f"cannot write: {exc.strerror or exc}", source=str(exc.filename or folder)))
    course = folder / COURSE_FILE
    click.echo(f"wrote {course} and {folder / ROSTER_FILE}")
    click.echo(f"next: ta-delivery check {course}, then ta-delivery plan {course}")
