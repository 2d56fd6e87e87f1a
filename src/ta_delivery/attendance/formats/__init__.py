"""The built-in attendance import formats, registered through ``ta_delivery_register_import_formats``.

Every command registers them, so a format's module (csv, its column tables, the date parsing) is imported
when a file is parsed, not at start (decision 0082); tests/test_cli_startup.py checks the names registered
here are the modules' ``NAME``.
"""

from __future__ import annotations

from ...hookspecs import hookimpl
from ...specs import ImportFormatSpec, parse_on_first_use

__all__ = ["ta_delivery_register_import_formats"]

#: format name -> its module here
MODULES = {"register-csv": "register_csv", "teams-csv": "teams", "meet-csv": "meet"}


@hookimpl
def ta_delivery_register_import_formats() -> list[ImportFormatSpec]:
    """``register-csv``, ``teams-csv`` and ``meet-csv``."""
    return [
        ImportFormatSpec(
            name="register-csv",
            parse=parse_on_first_use(f"{__name__}.{MODULES['register-csv']}"),
            description="CSV with participant,join,leave[,session]; ISO 8601 times with an offset",
        ),
        ImportFormatSpec(
            name="teams-csv",
            parse=parse_on_first_use(f"{__name__}.{MODULES['teams-csv']}"),
            description="Microsoft Teams attendance report (current layout in sections, or the 2020 layout)",
        ),
        ImportFormatSpec(
            name="meet-csv",
            parse=parse_on_first_use(f"{__name__}.{MODULES['meet-csv']}"),
            description="Google Meet attendance report (names, Email, Duration, Time joined, Time exited)",
        ),
    ]
