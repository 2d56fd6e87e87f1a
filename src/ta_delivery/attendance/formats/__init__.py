"""The built-in attendance import formats, registered through ``ta_delivery_register_import_formats``."""

from __future__ import annotations

from ...hookspecs import hookimpl
from ...records import ImportFormatSpec
from . import meet, register_csv, teams

__all__ = ["ta_delivery_register_import_formats"]


@hookimpl
def ta_delivery_register_import_formats() -> list[ImportFormatSpec]:
    """``register-csv``, ``teams-csv`` and ``meet-csv``."""
    return [
        ImportFormatSpec(
            name=register_csv.NAME,
            parse=register_csv.parse,
            description="CSV with participant,join,leave[,session]; ISO 8601 times with an offset",
        ),
        ImportFormatSpec(
            name=teams.NAME,
            parse=teams.parse,
            description="Microsoft Teams attendance report (current layout in sections, or the 2020 layout)",
        ),
        ImportFormatSpec(
            name=meet.NAME,
            parse=meet.parse,
            description="Google Meet attendance report (names, Email, Duration, Time joined, Time exited)",
        ),
    ]
