"""Inline SVG charts for the printable reports: no script, no network, readable in print and by screen
readers (each chart has a ``<title>`` and its numbers are written beside the bars)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart", "stacked_bar"]

PALETTE = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f", "#9e9d24", "#5d4037")


def _e(value: object) -> str:
    text = "" if value is None else str(value)
    return escape("".join(c if c.isprintable() else " " for c in text), quote=True)


def _head(title: str, width: int, height: int) -> str:
    """The opening of a chart: its size and its ``<title>`` (what a screen reader says)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart"><title>{_e(title)}</title>'
    )


def _legend(entries: Sequence[tuple[str, str]], x: int, baseline: int) -> list[str]:
    """A legend in one line from ``x``: a square of each ``(colour, text)`` and its text."""
    out = []
    for colour, text in entries:
        out.append(
            f'<rect x="{x}" y="{baseline - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{baseline}" font-size="11">{_e(text)}</text>'
        )
        x += 24 + 7 * len(text)
    return out


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    *,
    width: int = 480,
    unit: str = "",
    color: str = PALETTE[0],
) -> str:
    """Horizontal bars, one per ``(label, value)``, each with its value written at its end."""
    row, label_w, pad = 22, 170, 6
    height = row * max(len(bars), 1) + pad * 2
    most = max((v for _, v in bars), default=0) or 1
    span = width - label_w - 60
    parts = [_head(title, width, height)]
    for i, (label, value) in enumerate(bars):
        y = pad + i * row
        w = max(0.0, value / most * span)
        shown = f"{value:g}{unit}" if isinstance(value, float) else f"{value}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_e(label[:28])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{color}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{_e(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(title: str, parts: Sequence[tuple[str, int]], *, width: int = 480) -> str:
    """One bar split into ``parts`` (label, count), with a legend underneath."""
    total = sum(v for _, v in parts) or 1
    height = 62
    out = [_head(title, width, height)]
    x = 0.0
    for i, (_, value) in enumerate(parts):
        w = value / total * width
        out.append(
            f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="22" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        x += w
    out += _legend(
        [(PALETTE[i % len(PALETTE)], f"{label}: {value}") for i, (label, value) in enumerate(parts)], 0, 47
    )
    out.append("</svg>")
    return "".join(out)


#: Attendance statuses in the report's colours.
STATUS_COLOURS = {
    "present": "#2e7d32",
    "late": "#9e9d24",
    "partial": "#ef6c00",
    "absent": "#c62828",
    "excused": "#1565c0",
    "upcoming": "#9e9e9e",
    "unrecorded": "#cfcfcf",
}


def stacked_rows(
    title: str,
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]],
    *,
    colours: dict[str, str] | None = None,
    width: int = 560,
) -> str:
    """One stacked bar per row (``label``, [(part, count), ...]), parts coloured by name, with a legend."""
    colours = colours or STATUS_COLOURS
    row, label_w = 20, 110
    names = [n for n in colours if any(n == p for _, parts in rows for p, v in parts if v)]
    height = row * len(rows) + 34
    span = width - label_w - 10
    out = [_head(title, width, height)]
    for i, (label, parts) in enumerate(rows):
        y = 4 + i * row
        total = sum(v for _, v in parts) or 1
        out.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="11">{_e(label[:18])}</text>'
        )
        x = float(label_w)
        for name, value in parts:
            w = value / total * span
            if w <= 0:
                continue
            out.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" '
                f'fill="{colours.get(name, "#888")}"><title>{_e(name)}: {value}</title></rect>'
            )
            x += w
    out += _legend([(colours[name], name) for name in names], label_w, 4 + len(rows) * row + 14)
    out.append("</svg>")
    return "".join(out)
