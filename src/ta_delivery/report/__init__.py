"""The attendance report in four forms: a rich table, JSON (PRODUCT.md section 4), CSV and one HTML page."""

from __future__ import annotations

from .render import FORMATS, render, to_csv, to_json, to_table

__all__ = ["FORMATS", "render", "to_csv", "to_json", "to_table"]
