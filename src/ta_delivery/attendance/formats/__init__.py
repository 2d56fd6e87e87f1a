"""The built-in attendance import formats, registered through ``ta_delivery_register_import_formats``."""

from __future__ import annotations

from ...hookspecs import hookimpl
from ...records import ImportFormatSpec
from . import register_csv, teams

__all__ = ["ta_delivery_register_import_formats"]


@hookimpl
def ta_delivery_register_import_formats() -> list[ImportFormatSpec]:
    """``register-csv`` and ``teams-csv``."""
    return [
        ImportFormatSpec(
            name=register_csv.NAME,
            parse=register_csv.parse,
            description="CSV with participant,join,leave[,session]; ISO 8601 times with an offset",
        ),
        ImportFormatSpec(
            name=teams.NAME,
            parse=teams.parse,
            description="Microsoft Teams attendance report (UTF-16, tab-separated, in sections)",
        ),
    ]
