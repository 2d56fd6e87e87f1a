"""The programme monitoring page: participation by course, country, gender and LDC status, continuity and
progression, with inline SVG charts so that balance shows at a glance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..report.charts import bar_chart, stacked_bar, stacked_rows
from .page import e, page, table
from .programme import CourseFacts, attendance_rate, continuity
from .words import word

if TYPE_CHECKING:
    from ..programme import Programme

__all__ = ["programme_html"]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def programme_html(programme: Programme, data: Mapping[str, Any], facts: Sequence[CourseFacts]) -> str:
    """The whole page, in the programme's first language."""
    lang = programme.languages[0] if programme.languages else "en"

    def w(key: str) -> str:
        return word(key, lang)

    title = programme.title_in(lang)
    done, rest = w("completed"), w("not_completed")
    rates = {f.course.id: attendance_rate(f.report) for f in facts}
    flow = continuity(facts)
    progression = data["progression"]
    body = [
        f"<header><h1>{e(title)}</h1>",
        f'<p class="meta">{e(w("programme_report"))} · {e(programme.id)} · {e(w("courses"))}: '
        f"{len(data['courses'])} · {e(w('people'))}: {data['people']}</p></header>",
        f"<section><h2>{e(w('courses'))}</h2>",
        stacked_rows(
            w("courses"),
            [
                (c["id"], [(done, c["completed"]), (rest, c["participants"] - c["completed"])])
                for c in data["courses"]
            ],
            colours={done: "#2e7d32", rest: "#90caf9"},
        ),
        table(
            ("", w("participants"), w("completed"), w("live_sessions"), w("attendance_rate"), w("dropped")),
            [
                (
                    c["id"],
                    c["participants"],
                    c["completed"],
                    c["live_sessions"],
                    _pct(rates.get(c["id"])),
                    sum(v["dropped_out"] for v in flow.get(c["id"], {}).values()),
                )
                for c in data["courses"]
            ],
        ),
        "</section>",
        f"<section><h2>{e(w('country'))}</h2>",
        bar_chart(w("country"), [(k, v["participants"]) for k, v in data["by_country"].items()]),
        table(
            (w("country"), w("participants"), w("completed")),
            [(k, v["participants"], v["completed"]) for k, v in data["by_country"].items()],
        ),
        "</section>",
        f"<section><h2>{e(w('gender'))}</h2>",
        stacked_bar(w("gender"), [(word(k, lang), v["participants"]) for k, v in data["by_gender"].items()]),
        table(
            (w("gender"), w("participants"), w("completed")),
            [(word(k, lang), v["participants"], v["completed"]) for k, v in data["by_gender"].items()],
        ),
        "</section>",
        f"<section><h2>{e(w('ldc'))}</h2>",
        stacked_bar(
            w("ldc"),
            [
                (w("ldc"), data["ldc"]["participants"]),
                (w("other"), sum(c["participants"] for c in data["courses"]) - data["ldc"]["participants"]),
            ],
        ),
        f'<p class="meta">{e(w("completed"))}: {data["ldc"]["completed"]}</p>',
        "</section>",
        f"<section><h2>{e(w('continuity'))}</h2>",
        f"<p>{e(w('dropped'))}</p>",
        table(
            ("", w("country"), w("participants"), w("dropped")),
            [
                (cid, country, v["participants"], v["dropped_out"])
                for cid, countries in flow.items()
                for country, v in countries.items()
            ],
        ),
        "</section>",
        f"<section><h2>{e(w('progression'))}</h2>",
        bar_chart(
            w("progression"),
            [
                (w("elearning_completed"), progression["elearning_completed"]),
                (w("advanced_enrolled"), progression["advanced_enrolled"]),
            ],
            color="#6a1b9a",
        ),
        "</section>",
    ]
    return page(f"{w('programme_report')}: {title}", lang, body)
