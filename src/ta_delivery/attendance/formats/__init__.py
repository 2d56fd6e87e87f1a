"""The built-in attendance import formats, registered through ``ta_delivery_register_import_formats``.

Every command registers them, so a format's module (csv, its column tables, the date parsing) is imported
when a file is parsed, not at start (decision 0082); tests/test_cli_startup.py checks the names registered
here are the modules' ``NAME``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ...hookspecs import hookimpl
from ...specs import ImportFormatSpec

if TYPE_CHECKING:
    from ...records import ImportRequest, Segment

__all__ = ["ta_delivery_register_import_formats"]

#: format name -> its module here
MODULES = {"register-csv": "register_csv", "teams-csv": "teams", "meet-csv": "meet"}


def _parser(module: str) -> Callable[[ImportRequest], Iterable[Segment]]:
    """The ``parse`` of format module ``module``, imported on the first call."""

    def parse(request: ImportRequest) -> Iterable[Segment]:
        found: Callable[[ImportRequest], Iterable[Segment]] = importlib.import_module(
            f"{__name__}.{module}"
        ).parse
        return found(request)

    parse.__qualname__ = parse.__name__ = f"parse_{module}"
    return parse


@hookimpl
def ta_delivery_register_import_formats() -> list[ImportFormatSpec]:
    """``register-csv``, ``teams-csv`` and ``meet-csv``."""
    return [
        ImportFormatSpec(
            name="register-csv",
            parse=_parser(MODULES["register-csv"]),
            description="CSV with participant,join,leave[,session]; ISO 8601 times with an offset",
        ),
        ImportFormatSpec(
            name="teams-csv",
            parse=_parser(MODULES["teams-csv"]),
            description="Microsoft Teams attendance report (current layout in sections, or the 2020 layout)",
        ),
        ImportFormatSpec(
            name="meet-csv",
            parse=_parser(MODULES["meet-csv"]),
            description="Google Meet attendance report (names, Email, Duration, Time joined, Time exited)",
        ),
    ]
