"""Render an :class:`~ta_delivery.attendance.AttendanceReport` as JSON, CSV or a rich table."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..attendance.reconcile import AttendanceReport
from ..store import to_text

__all__ = ["FORMATS", "neutralise", "render", "to_csv", "to_json", "to_table"]

FORMATS = ("table", "json", "csv", "html")

#: Status -> (table symbol, rich style)
STYLE = {
    "present": ("P", "green"),
    "late": ("L", "yellow"),
    "partial": ("p", "dark_orange"),
    "absent": ("A", "red"),
    "excused": ("E", "cyan"),
}


def to_json(report: AttendanceReport) -> dict[str, Any]:
    """The report as ``report --format json`` prints it (exactly the keys of PRODUCT.md section 4)."""
    return {
        "course": report.course.id,
        "sessions": [{"id": s.id, "start": to_text(s.start), "minutes": s.minutes} for s in report.sessions],
        "participants": [
            {
                "id": p.participant.id,
                "completed": p.completed,
                "attended_sessions": p.attended_sessions,
                "live_sessions": p.live_sessions,
                "prerequisites_met": p.prerequisites_met,
                "sessions": {
                    sid: {"status": r.status, "minutes": r.minutes} for sid, r in p.sessions.items()
                },
            }
            for p in report.participants
        ],
        "unmatched": [
            {"session": u.session_id, "name": u.name, "email": u.email, "minutes": u.minutes}
            for u in report.unmatched
        ],
    }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula (OWASP: prefix ``'``), with
    control characters (tab, CR, LF, BEL, ESC, ...) turned into spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if isinstance(value, int | float):
        return text
    text = "".join(c if c.isprintable() else " " for c in text)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


CSV_COLUMNS = (
    "participant",
    "name",
    "email",
    "country",
    "session",
    "session_start",
    "status",
    "minutes",
    "reason",
    "attended_sessions",
    "live_sessions",
    "completed",
    "prerequisites_met",
)


def to_csv(report: AttendanceReport) -> str:
    """One row per participant and live session (one with empty session columns for a participant in
    none, so everyone is listed), then one per unmatched entry (status ``unmatched``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    starts = {s.id: to_text(s.start) for s in report.sessions}
    for p in report.participants:
        person = p.participant
        rows: list[tuple[object, ...]] = [
            (sid, starts[sid], r.status, r.minutes, r.reason) for sid, r in p.sessions.items()
        ]
        for session_part in rows or [(None,) * 5]:
            writer.writerow(
                [
                    neutralise(v)
                    for v in (
                        person.id,
                        person.name,
                        person.email,
                        person.country,
                        *session_part,
                        p.attended_sessions,
                        p.live_sessions,
                        p.completed,
                        p.prerequisites_met,
                    )
                ]
            )
    for u in report.unmatched:
        writer.writerow(
            [
                neutralise(v)
                for v in (
                    None,
                    u.name,
                    u.email,
                    None,
                    u.session_id,
                    starts[u.session_id],
                    "unmatched",
                    u.minutes,
                    "not on the course",
                    None,
                    None,
                    None,
                    None,
                )
            ]
        )
    return out.getvalue()


def _safe(text: str | None) -> Text:
    """Text shown verbatim: no rich markup, no control characters."""
    clean = "".join(c if c.isprintable() else " " for c in (text or ""))
    return Text(clean)


def to_table(report: AttendanceReport, console: Console) -> None:
    """Print the report as rich tables: statuses, unmatched, suggested name matches."""
    course = report.course
    table = Table(title=_safe(f"{course.title} ({course.id})"), show_lines=False)
    table.add_column("participant")
    for s in report.sessions:
        table.add_column(_safe(s.id), justify="center")
    table.add_column("attended", justify="right")
    table.add_column("completed", justify="center")
    if any(p.prerequisites_met is not None for p in report.participants):
        table.add_column("prerequisites", justify="center")
    for p in report.participants:
        cells: list[Text | str] = [_safe(f"{p.participant.name} ({p.participant.id})")]
        for s in report.sessions:
            r = p.sessions.get(s.id)
            if r is None:
                cells.append("")
                continue
            symbol, style = STYLE[r.status]
            cells.append(Text(f"{symbol} {r.minutes}", style=style))
        cells.append(f"{p.attended_sessions}/{p.live_sessions}")
        cells.append(Text("yes", style="green") if p.completed else Text("no", style="red"))
        if p.prerequisites_met is not None:
            cells.append("yes" if p.prerequisites_met else "no")
        table.add_row(*cells)
    console.print(table)
    console.print("P present  L late  p partial  A absent  E excused; numbers are attended minutes")
    reasons = [
        (p.participant.id, sid, r.reason)
        for p in report.participants
        for sid, r in p.sessions.items()
        if r.status in ("late", "partial", "excused") or (r.status == "absent" and r.attended)
    ]
    if reasons:
        why = Table(title="why")
        for col in ("participant", "session", "reason"):
            why.add_column(col)
        for pid, sid, reason in reasons:
            why.add_row(_safe(pid), _safe(sid), _safe(reason))
        console.print(why)
    if report.unmatched:
        um = Table(title="unmatched (not on the course)")
        for col in ("session", "name", "email", "minutes"):
            um.add_column(col)
        for u in report.unmatched:
            um.add_row(_safe(u.session_id), _safe(u.name), _safe(u.email), str(u.minutes))
        console.print(um)
    if report.suggestions:
        sg = Table(title="suggested name matches (not applied)")
        for col in ("session", "name", "email", "participant", "minutes"):
            sg.add_column(col)
        for g in report.suggestions:
            sg.add_row(
                _safe(g.session_id), _safe(g.name), _safe(g.email), _safe(g.participant_id), str(g.minutes)
            )
        console.print(sg)


def render(report: AttendanceReport, fmt: str, *, color: bool = False, width: int | None = None) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`) as text."""
    if fmt == "json":
        return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(report)
    if fmt == "html":
        from .html import to_html

        return to_html(report)
    if fmt == "table":
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=width or 160,
            color_system="standard" if color else None,
            force_terminal=color,
            highlight=False,
        )
        to_table(report, console)
        return buffer.getvalue()
    raise ValueError(f"unknown report format {fmt!r}")
