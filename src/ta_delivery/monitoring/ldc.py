"""Least-developed-country status from the dated UN list shipped as ``ldc.json`` (with its source).

A country is an LDC on a date when it is on the list and has not graduated by then (scheduled graduations
recorded in the list count from their date); countries that graduated shortly before the list's date are kept
with their graduation date, so that activities held before it still count them.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from datetime import date
from typing import Any

__all__ = ["LDC_AS_OF", "LDC_SOURCE", "is_ldc", "ldc_list"]


@functools.cache
def ldc_list() -> dict[str, Any]:
    """The shipped list: ``title``, ``source``, ``url``, ``as_of``, ``countries`` {ISO2: graduation date or
    null}, ``graduated`` {ISO2: date}."""
    text = importlib.resources.files(__package__).joinpath("ldc.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


LDC_AS_OF: str = "2024-12-13"
LDC_SOURCE: str = "United Nations list of Least Developed Countries"


def is_ldc(country: str | None, on: date | None = None) -> bool:
    """Whether ``country`` (ISO 3166-1 alpha-2) is a least-developed country on ``on`` (default: the list's
    date)."""
    if not country:
        return False
    data = ldc_list()
    code = country.upper()
    when = on or date.fromisoformat(data["as_of"])
    if code in data["countries"]:
        until = data["countries"][code]
        return until is None or when < date.fromisoformat(until)
    if code in data["graduated"]:
        return when < date.fromisoformat(data["graduated"][code])
    return False
