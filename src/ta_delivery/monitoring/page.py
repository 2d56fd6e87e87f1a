"""The frame of a printable monitoring page: one self-contained HTML document, inline CSS, no script,
nothing fetched (a Content-Security-Policy forbids it)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

__all__ = ["e", "page", "table"]

CSS = """
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
  max-width: 60rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem;
  border-bottom: 1px solid #ccc; } h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
p.meta { color: #555; margin: 0 0 .8rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { display: block; margin: .4rem 0; max-width: 100%; height: auto; }
footer { margin-top: 2rem; color: #666; font-size: .85rem; }
@media print { body { margin: 0; max-width: none; } section { break-inside: avoid; }
  h2 { break-after: avoid; } }
"""


def e(value: object) -> str:
    """Escaped text, control characters dropped."""
    text = "" if value is None else str(value)
    return escape("".join(c if c.isprintable() or c == "\n" else " " for c in text), quote=True)


def table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A small table; numbers right-aligned."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{e(c)}</td>' if isinstance(c, int | float) else f"<td>{e(c)}</td>" for c in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, language: str, body: Iterable[str]) -> str:
    """The whole document."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(language)}"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy"',
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
        *body,
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
