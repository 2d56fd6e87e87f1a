"""Short plain lines printed without rich, where rich would print them unchanged.

Importing rich costs a light command a fifth of its start, and a clean ``check`` prints two lines.
When stdout is not a terminal and nothing in the environment asks rich to act as one, rich writes no
escape codes, and a line of printable ASCII no wider than the console comes out as the line and a
newline. :func:`plain_width` finds that width the way rich's ``Console`` does, or says ``None`` wherever
rich might do anything else (a terminal, a forcing variable, Windows, Jupyter); only then, and only for
lines that fit, :func:`print_plain` prints them itself. tests/test_cli_startup.py compares the two
outputs across widths, environments and lines.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence

import click

#: Variables with which rich may treat a pipe as a terminal, or size it otherwise: rich prints then.
FORCING = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS", "JUPYTER_LINES")


def _fileno(stream: object, default: int) -> int:
    try:
        return int(stream.fileno())  # type: ignore[attr-defined]
    except Exception:  # as rich: a replaced standard stream counts as its usual descriptor
        return default


def plain_width() -> int | None:
    """The width rich's console would wrap stdout at, when it would write no escape codes; else ``None``."""
    import builtins

    out = sys.stdout
    if sys.platform == "win32" or out is None or hasattr(out, "rich_proxied_file"):
        return None
    if any(name in os.environ for name in FORCING) or hasattr(builtins, "get_ipython"):
        return None
    isatty = getattr(out, "isatty", None)
    try:
        if isatty is not None and isatty():
            return None
    except ValueError:
        return None
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    streams = (sys.__stdin__, sys.__stdout__, sys.__stderr__)
    for default, stream in enumerate(streams):
        try:
            width = os.get_terminal_size(_fileno(stream, default)).columns
        except (AttributeError, ValueError, OSError):
            continue
        return width or 80
    return 80


def print_plain(lines: Sequence[str]) -> bool:
    """Print ``lines`` on stdout as rich would, without importing it, if that is certain; else ``False``."""
    width = plain_width()
    if width is None or not all(
        line.isascii() and line.isprintable() and len(line) <= width for line in lines
    ):
        return False
    for line in lines:
        click.echo(line)
    return True


def _printable(text: str) -> bool:
    return text.isascii() and text.isprintable()


def wrap_plain(text: str, width: int) -> list[str] | None:
    """``text`` in lines as rich word-wraps it at ``width``: greedy, a word's trailing spaces kept up to
    the width; ``None`` if a word is wider than the line (rich folds it) or the text is not plain ASCII."""
    if not _printable(text):
        return None
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\s*\S+\s*", text):
        size = len(word.rstrip())
        if size > width:
            return None
        if line and size > width - len(line):
            lines.append(line)
            line = word
        else:
            line += word
    lines.append(line)
    return [(line[:width] if line[width:].isspace() else line) for line in lines if line]


def table_plain(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool], width: int
) -> list[str] | None:
    """The lines of rich's default ``Table`` (heavy head, one space of padding) with these one-line cells;
    ``None`` where rich would do more than pad them: a cell that is not plain ASCII, or a table wider
    than ``width``, which rich would shrink and wrap."""
    cells = [list(header), *(list(row) for row in rows)]
    if not all(_printable(cell) for row in cells for cell in row):
        return None
    sizes = [max(len(row[n]) for row in cells) for n in range(len(header))]
    if sum(sizes) + 3 * len(sizes) + 1 > width:
        return None

    def line(row: Sequence[str], bar: str) -> str:
        padded = (c.rjust(s) if r else c.ljust(s) for c, s, r in zip(row, sizes, right, strict=True))
        return bar + bar.join(f" {cell} " for cell in padded) + bar

    def rule(left: str, fill: str, cross: str, end: str) -> str:
        return left + cross.join(fill * (size + 2) for size in sizes) + end

    return [
        rule("┏", "━", "┳", "┓"),
        line(header, "┃"),
        rule("┡", "━", "╇", "┩"),
        *(line(row, "│") for row in rows),
        rule("└", "─", "┴", "┘"),
    ]
