"""The report as one self-contained HTML page: inline CSS, no script, nothing fetched from anywhere.

A Content-Security-Policy meta tag forbids every external resource, so the page works offline and leaks
nothing when opened. Every text from the course or an export is escaped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from ..attendance.reconcile import AttendanceReport
from ..models import zone
from ..store import to_text
from .centres import centre_rows

__all__ = ["to_html"]

_CSS = """
:root { color-scheme: light; --present:#2e7d32; --late:#9e9d24; --partial:#ef6c00; --absent:#c62828;
  --excused:#1565c0; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
p.meta { color: #555; margin: 0 0 1rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: middle; }
thead th { background: #f3f3f3; position: sticky; top: 0; }
table.heatmap td.cell { text-align: center; min-width: 3.2rem; color: #fff;
  font-variant-numeric: tabular-nums; }
td.present { background: var(--present); } td.late { background: var(--late); }
td.partial { background: var(--partial); } td.absent { background: var(--absent); }
td.excused { background: var(--excused); }
td.upcoming { background: #f5f5f5; color: #555; } td.unrecorded { background: #bdbdbd; color: #222; }
td.in-progress { color: #555; font-style: italic; } td.total { text-align: center; }
tfoot th, tfoot td { background: #fafafa; font-weight: 600; }
td.yes { color: var(--present); font-weight: 600; } td.no { color: var(--absent); font-weight: 600; }
.legend span { display: inline-block; padding: .1rem .5rem; margin-right: .4rem; color: #fff;
  border-radius: 3px; }
.bar { background: #eee; width: 12rem; height: .9rem; border-radius: 3px; overflow: hidden; }
.bar > div { background: var(--present); height: 100%; }
.scroll { overflow-x: auto; max-width: 100%; }
small { color: #666; }
"""

_LABEL = {
    "present": "P",
    "late": "L",
    "partial": "p",
    "absent": "A",
    "excused": "E",
    "upcoming": "·",
    "unrecorded": "?",
}


def _e(value: object) -> str:
    text = "" if value is None else str(value)
    return escape("".join(c if c.isprintable() or c in "\n\t" else " " for c in text), quote=True)


def _heatmap(report: AttendanceReport) -> list[str]:
    sessions = report.by_start
    local = zone(report.course.timezone)
    out = ['<div class="scroll"><table class="heatmap" id="heatmap">', "<thead><tr><th>participant</th>"]
    for s in sessions:
        out.append(
            f'<th title="{_e(to_text(s.start))}">{_e(s.id)}<br>{_e(s.title)}'
            f"<br><small>{_e(s.start.astimezone(local).date())}</small></th>"
        )
    out.append("<th>attended</th><th>rate</th><th>completed</th>")
    show_pre = any(p.prerequisites_met is not None for p in report.participants)
    if show_pre:
        out.append("<th>prerequisites</th>")
    out.append("</tr></thead><tbody>")
    for p in report.participants:
        person = p.participant
        out.append(f'<tr><th scope="row">{_e(person.name)} <small>{_e(person.id)}</small></th>')
        for s in sessions:
            r = p.sessions.get(s.id)
            if r is None:
                out.append('<td class="none"></td>')
                continue
            pending = r.status in ("upcoming", "unrecorded")
            label = r.status if pending else f"{_LABEL[r.status]} {r.minutes}{'*' if r.linked else ''}"
            tip = f"{r.status}: {r.reason}" + (" (confirmed by hand: attendance link)" if r.linked else "")
            out.append(f'<td class="cell {r.status}" title="{_e(tip)}">{_e(label)}</td>')
        out.append(f"<td>{p.attended_sessions}/{p.live_sessions}</td>")
        out.append(f"<td>{'-' if p.rate is None else f'{p.rate * 100:.0f}%'}</td>")
        done = {True: "yes", False: "no", None: "in progress"}[p.completed]
        out.append(f'<td class="{done.replace(" ", "-")}">{done}</td>')
        if show_pre:
            pre = {True: "yes", False: "no", None: ""}[p.prerequisites_met]
            out.append(f'<td class="{pre}">{pre}</td>')
        out.append("</tr>")
    out.append('</tbody><tfoot id="totals">')
    for status in ("present", "late", "partial", "absent"):
        out.append(f'<tr><th scope="row">total {status}</th>')
        for s in sessions:
            results = [p.sessions[s.id] for p in report.participants if s.id in p.sessions]
            pending = any(r.status in ("upcoming", "unrecorded") for r in results)
            count = "" if pending else str(sum(1 for r in results if r.status == status))
            out.append(f'<td class="total">{count}</td>')
        out.append("<td></td><td></td><td></td>" + ("<td></td>" if show_pre else "") + "</tr>")
    out.append("</tfoot></table></div>")
    return out


def _table(table_id: str, head: tuple[Sequence[str], Sequence[str]], rows: Iterable[str]) -> list[str]:
    """A table as the page writes it: the column heads over two lines, then one line per row."""
    first, second = ("".join(f"<th>{h}</th>" for h in heads) for heads in head)
    return [
        f'<table id="{table_id}"><thead><tr>{first}',
        f"{second}</tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def _row(*cells: str, attributes: Mapping[int, str] | None = None) -> str:
    """One body row of escaped ``cells``, with ``attributes`` (by cell index) where a cell has some."""
    extra = attributes or {}
    return (
        "<tr>"
        + "".join(f"<td{' ' + extra[i] if i in extra else ''}>{c}</td>" for i, c in enumerate(cells))
        + "</tr>"
    )


def _why(report: AttendanceReport) -> list[str]:
    rows = [
        (p.participant, sid, r)
        for p in report.participants
        for sid, r in p.sessions.items()
        if r.status in ("late", "partial", "excused") or (r.status == "absent" and r.attended)
    ]
    if not rows:
        return []
    head = (("participant", "session"), ("status", "reason"))
    lines = (
        _row(
            f"{_e(person.name)} <small>{_e(person.id)}</small>",
            _e(sid),
            _e(r.status),
            _e(r.reason),
            attributes={2: f'class="cell {r.status}" style="color:#fff"'},
        )
        for person, sid, r in rows
    )
    return ["<h2>Why</h2>", *_table("reasons", head, lines)]


def _countries(report: AttendanceReport) -> list[str]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for p in report.participants:
        groups[p.participant.country or "unknown"].append(p.completed is True)
    everyone = [c for flags in groups.values() for c in flags]
    rows = sorted(groups.items(), key=lambda kv: (kv[0] == "unknown", kv[0]))
    lines = []
    for country, flags in [*rows, ("all", everyone)]:
        n, done = len(flags), sum(flags)
        share = done / n * 100 if n else 0.0
        bar = f'<div class="bar"><div style="width:{share:.1f}%"></div></div>'
        lines.append(_row(_e(country), str(n), str(done), f"{share:.0f}%", bar))
    head = (("country",), ("participants", "completed", "share", ""))
    return ["<h2>Completion by country</h2>", *_table("countries", head, lines)]


def _centres(report: AttendanceReport) -> list[str]:
    if not report.course.centres:
        return []
    lines = []
    for row in centre_rows(report):
        rate = "–" if row.rate is None else f"{row.rate * 100:.0f}%"
        devices = ", ".join(f"{sid}: {m}" for sid, m in row.device_minutes.items()) or "–"
        lines.append(_row(_e(row.name), str(row.participants), rate, str(row.completed), _e(devices)))
    head = (("centre", "participants"), ("attended", "completed", "centre's device (minutes)"))
    return ["<h2>Reference centres</h2>", *_table("centres", head, lines)]


def _unmatched(report: AttendanceReport) -> list[str]:
    if not report.unmatched:
        return ["<h2>Unmatched</h2>", "<p>Everyone in the attendance data is on the course.</p>"]
    head = (("session", "name", "email"), ("minutes",))
    lines = (_row(_e(u.session_id), _e(u.name), _e(u.email), str(u.minutes)) for u in report.unmatched)
    return ["<h2>Unmatched</h2>", *_table("unmatched", head, lines)]


def _suggestions(report: AttendanceReport) -> list[str]:
    if not report.suggestions:
        return []
    names = {p.participant.id: p.participant.name for p in report.participants}
    head = (("session", "name in the data", "email"), ("participant", "minutes", "why"))
    lines = (
        _row(
            _e(g.session_id),
            _e(g.name),
            _e(g.email),
            f"{_e(names.get(g.participant_id, ''))} <small>{_e(g.participant_id)}</small>",
            str(g.minutes),
            _e(g.reason),
        )
        for g in report.suggestions
    )
    return [
        "<h2>Suggested name matches</h2>",
        "<p>These unmatched entries carry a participant's name. They are <strong>not</strong> counted: "
        "if one is right, confirm it with <code>ta-delivery attendance link COURSE --session ID --name N "
        "--participant ID</code> (or add the address to the course file).</p>",
        *_table("suggestions", head, lines),
    ]


def to_html(report: AttendanceReport) -> str:
    """The whole page."""
    course = report.course
    completed = sum(1 for p in report.participants if p.completed is True)
    state = " · <strong>in progress</strong>" if report.in_progress else ""
    legend = "".join(
        f'<span style="background:var(--{s})">{_LABEL[s]} {s}</span>'
        for s in ("present", "late", "partial", "absent", "excused")
    ) + "".join(f'<span class="{s}" style="color:#222">{s}</span>' for s in ("upcoming", "unrecorded"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy"',
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Attendance: {_e(course.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(course.title)}</h1>",
        f'<p class="meta">{_e(course.id)} · {len(report.sessions)} live sessions · '
        f"{len(report.participants)} participants · {completed} completed · "
        f"completion needs {course.attendance.completion_fraction * 100:g}% of live sessions attended"
        f"{state}</p>",
        "<h2>Attendance</h2>",
        f'<p class="legend">{legend} <small>numbers are attended minutes;',
        "hover a cell for the reason</small></p>",
        *_heatmap(report),
        *_why(report),
        *_countries(report),
        *_centres(report),
        *_unmatched(report),
        *_suggestions(report),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
