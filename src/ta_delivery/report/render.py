"""Render an :class:`~ta_delivery.attendance.AttendanceReport` as JSON, CSV or a rich table."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..attendance.reconcile import AttendanceReport
from ..models import zone
from ..store import to_text
from .centres import centre_rows

__all__ = ["FORMATS", "neutralise", "render", "to_csv", "to_json", "to_table"]

FORMATS = ("table", "json", "csv", "html")

#: Status -> (table symbol, rich style)
STYLE = {
    "present": ("P", "green"),
    "late": ("L", "yellow"),
    "partial": ("p", "dark_orange"),
    "absent": ("A", "red"),
    "excused": ("E", "cyan"),
    "upcoming": ("·", "dim"),
    "unrecorded": ("?", "magenta"),
}


def to_json(report: AttendanceReport) -> dict[str, Any]:
    """The report as ``report --format json`` prints it (exactly the keys of PRODUCT.md section 4, and
    ``centres`` for a course with reference centres)."""
    out = {
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
    if report.course.centres:
        out["centres"] = [
            {
                "id": centre.id,
                "participants": centre.participants,
                "completed": centre.completed,
                "attended_sessions": centre.attended_sessions,
                "live_sessions": centre.live_sessions,
                "device_minutes": centre.device_minutes,
            }
            for centre in centre_rows(report)
        ]
    return out


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


TOTALS = ("present", "late", "partial", "absent")


def _cell(status: str, minutes: int, linked: bool) -> Text:
    """A status cell: ``P 118`` (``*`` when confirmed by hand); pending sessions spelled out."""
    symbol, style = STYLE[status]
    if status in ("upcoming", "unrecorded"):
        return Text(status, style=style)
    return Text(f"{symbol} {minutes}{'*' if linked else ''}", style=style)


def _completed(value: bool | None) -> Text:
    if value is True:
        return Text("yes", style="green")
    if value is False:
        return Text("no", style="red")
    return Text("in progress", style="dim")


def _fit(console: Console, table: Table) -> None:
    """Widen a console that is not a terminal (a pipe, a file) to the table's natural width, so that no
    heading or name is cut to ``p…``."""
    if console.is_terminal:
        return
    needed = Measurement.get(console, console.options.update(width=100_000), table).maximum
    if needed > console.width:
        console.width = needed


def to_table(report: AttendanceReport, console: Console) -> None:
    """Print the report as rich tables: statuses by session (ordered by start, with title and date),
    per-session totals, rates and completion; then reasons, unmatched and suggested name matches."""
    course = report.course
    sessions = report.by_start
    state = " - in progress" if report.in_progress else ""
    table = Table(title=_safe(f"{course.title} ({course.id}){state}"), show_lines=False)
    table.add_column("participant", no_wrap=True)
    for s in sessions:
        lines = [s.id, s.title[:24], s.start.astimezone(zone(course.timezone)).date().isoformat()]
        heading = Text("\n").join(_safe(x) for x in lines)
        table.add_column(heading, justify="center", min_width=max(len(x) for x in lines))
    table.add_column("attended", justify="right", no_wrap=True)
    table.add_column("rate", justify="right", no_wrap=True)
    table.add_column("completed", justify="center", no_wrap=True)
    show_pre = any(p.prerequisites_met is not None for p in report.participants)
    if show_pre:
        table.add_column("prerequisites", justify="center", no_wrap=True)
    for p in report.participants:
        cells: list[Text | str] = [_safe(f"{p.participant.name} ({p.participant.id})")]
        for s in sessions:
            r = p.sessions.get(s.id)
            cells.append("" if r is None else _cell(r.status, r.minutes, r.linked))
        cells.append(f"{p.attended_sessions}/{p.live_sessions}")
        cells.append("-" if p.rate is None else f"{p.rate * 100:.0f}%")
        cells.append(_completed(p.completed))
        if show_pre:
            cells.append("yes" if p.prerequisites_met else "no")
        table.add_row(*cells)
    table.add_section()
    for status in TOTALS:
        row: list[Text | str] = [Text(f"total {status}", style="bold")]
        for s in sessions:
            results = [p.sessions[s.id] for p in report.participants if s.id in p.sessions]
            pending = any(r.status in ("upcoming", "unrecorded") for r in results)
            row.append("" if pending else str(sum(1 for r in results if r.status == status)))
        row.extend(["", "", ""] + ([""] if show_pre else []))
        table.add_row(*row)
    _fit(console, table)
    console.print(table)
    legend = "P present  L late  p partial  A absent  E excused; numbers are attended minutes"
    console.print(legend)
    console.print("upcoming: not ended yet; unrecorded: ended, no attendance imported or pulled yet")
    if any(r.linked for p in report.participants for r in p.sessions.values()):
        console.print("* confirmed by hand (attendance link)")
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
    if report.course.centres:
        ct = Table(title="reference centres")
        for col in ("centre", "participants", "attended", "completed", "centre's device (min per session)"):
            ct.add_column(col)
        for centre in centre_rows(report):
            rate = "-" if centre.rate is None else f"{centre.rate * 100:.0f}%"
            devices = ", ".join(f"{sid} {m}" for sid, m in centre.device_minutes.items()) or "-"
            ct.add_row(
                _safe(centre.name), str(centre.participants), rate, str(centre.completed), _safe(devices)
            )
        console.print(ct)
    if report.unmatched:
        um = Table(title="unmatched (not on the course)")
        for col in ("session", "name", "email", "minutes"):
            um.add_column(col)
        for u in report.unmatched:
            um.add_row(_safe(u.session_id), _safe(u.name), _safe(u.email), str(u.minutes))
        console.print(um)
    if report.suggestions:
        sg = Table(title="suggested name matches (not applied: confirm with ta-delivery attendance link)")
        for col in ("session", "name", "email", "participant", "minutes", "why"):
            sg.add_column(col)
        for g in report.suggestions:
            sg.add_row(
                _safe(g.session_id),
                _safe(g.name),
                _safe(g.email),
                _safe(g.participant_id),
                str(g.minutes),
                _safe(g.reason),
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
