"""The activity report as one printable HTML page in the course's language, with inline SVG charts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..evaluation.model import Response
from ..models import Course
from ..report.charts import bar_chart, stacked_bar, stacked_rows
from ..report.evaluation import evaluation_html
from .activity import STATUSES
from .page import e, page, table
from .words import word

__all__ = ["activity_html"]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def activity_html(course: Course, data: dict[str, Any], responses: Sequence[Response] = ()) -> str:
    """The page for ``data`` (from :func:`ta_delivery.monitoring.activity.activity`)."""
    lang = course.language

    def w(key: str) -> str:
        return word(key, lang)

    d = data["delivered"]
    p = data["participants"]
    a = data["attendance"]
    period = f"{(d['start'] or '')[:10]} – {(d['end'] or '')[:10]}"
    body = [
        f"<header><h1>{e(course.title)}</h1>",
        f'<p class="meta">{e(w("activity_report"))} · {e(course.id)} · {e(course.kind)} · '
        f"{e(period)}</p></header>",
        f"<section><h2>{e(w('delivered'))}</h2>",
        table(
            ("", ""),
            [
                (
                    w("sessions"),
                    f"{d['sessions']} ({d['live_sessions']} {w('live')}, "
                    f"{d['recorded_sessions']} {w('recorded')})",
                ),
                (w("hours"), f"{d['hours']:g} ({d['live_hours']:g} {w('live')})"),
                (w("period"), period),
                (w("providers"), ", ".join(d["providers"]) or "–"),
                (w("languages"), ", ".join(d["languages"])),
                (w("trainers"), d["trainers"]),
            ],
        ),
        "</section>",
        f"<section><h2>{e(w('who'))}</h2>",
        f'<p class="meta">{e(w("participants"))}: {p["total"]} · '
        f"{e(w('ldc'))}: {p['ldc']['participants']}</p>",
        f"<h3>{e(w('country'))}</h3>",
        bar_chart(w("country"), [(_label(k, lang), v["participants"]) for k, v in p["by_country"].items()]),
        f"<h3>{e(w('gender'))}</h3>",
        stacked_bar(w("gender"), [(_label(k, lang), v["participants"]) for k, v in p["by_gender"].items()]),
        f"<h3>{e(w('ldc'))}</h3>",
        stacked_bar(
            w("ldc"),
            [
                (w("ldc"), p["ldc"]["participants"]),
                (w("other"), p["total"] - p["ldc"]["participants"]),
            ],
        ),
        f"<h3>{e(w('organisation'))}</h3>",
        table(
            (w("organisation"), w("participants"), w("completed")),
            [(_label(k, lang), v["participants"], v["completed"]) for k, v in p["by_organisation"].items()],
        ),
    ]
    if any(k != "unspecified" for k in p["by_centre"]):
        body += [
            f"<h3>{e(w('centre'))}</h3>",
            table(
                (w("centre"), w("participants"), w("completed")),
                [
                    (_centre(course, k, lang), v["participants"], v["completed"])
                    for k, v in p["by_centre"].items()
                ],
            ),
        ]
    body += [
        "</section>",
        f"<section><h2>{e(w('attendance'))}</h2>",
        f'<p class="meta">{e(w("completed"))}: {a["completed"]} / {p["total"]} · '
        f"{e(w('completion_rate'))}: {_pct(a['completion_rate'])} · "
        f"{e(w('attendance_rate'))}: {_pct(a['attendance_rate'])}</p>",
    ]
    shown = [k for k in STATUSES if any(s["statuses"].get(k) for s in a["sessions"])]
    body.append(
        stacked_rows(w("attendance"), [(s["id"], list(s["statuses"].items())) for s in a["sessions"]])
    )
    body.append(
        table(
            ("", w("sessions"), "UTC", *shown),
            [
                (
                    s["id"],
                    s["title"],
                    s["start"][:16].replace("T", " "),
                    *(s["statuses"].get(k, 0) for k in shown),
                )
                for s in a["sessions"]
            ],
        )
    )
    body.append("</section>")
    if course.evaluation is not None and course.evaluation.questions:
        body += evaluation_html(
            course,
            course.evaluation,
            responses,
            heading=w("evaluation"),
            labels=(w("responses"), w("response_rate")),
        )
    body.append(f"<section><h2>{e(w('trouble'))}</h2>")
    if data["trouble"]:
        body.append("<ul>")
        for t in data["trouble"]:
            body.append(
                f"<li><strong>{e(t['session'])}</strong> {e(t['title'])}: {e('; '.join(t['reasons']))}</li>"
            )
        body.append("</ul>")
    else:
        body.append(f"<p>{e(w('none'))}</p>")
    body.append("</section>")
    body.append(
        f"<footer>{e(w('ldc'))} — {e(w('source'))}: {e(data['ldc_list']['source'])} "
        f"({e(data['ldc_list']['as_of'])})</footer>"
    )
    return page(f"{w('activity_report')}: {course.title}", lang, body)


def _label(key: str, language: str) -> str:
    return word(key, language) if key in ("female", "male", "other", "unspecified") else key


def _centre(course: Course, key: str, language: str) -> str:
    try:
        centre = course.centre(key)
    except KeyError:
        return _label(key, language)
    where = ", ".join(x for x in (centre.city, centre.country) if x)
    return f"{centre.name} ({where})" if where else centre.name
