"""The evaluation in the course report: the ``evaluation`` object of ``report --format json``, the text
answers in the CSV, and an HTML section with charts. Separate from the attendance rendering, added to it.

Nothing here takes a participant id: the aggregates and texts come from
:mod:`ta_delivery.evaluation.aggregate`, which drops who answered.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from html import escape
from typing import Any

from ..evaluation.aggregate import response_rate, results, summary, texts
from ..evaluation.model import Evaluation, Response
from ..models import Course
from .charts import bar_chart

__all__ = ["add_evaluation", "evaluation_html"]


def _e(value: object) -> str:
    text = "" if value is None else str(value)
    return escape("".join(c if c.isprintable() or c in "\n" else " " for c in text), quote=True)


def evaluation_html(
    course: Course,
    evaluation: Evaluation,
    responses: Sequence[Response],
    *,
    heading: str = "Evaluation",
    labels: tuple[str, str] = ("Responses", "Response rate"),
) -> list[str]:
    """An HTML section: responses and rate, a chart per scale or choice question, the text answers."""
    lang = course.language
    rate = response_rate(course, responses)
    out = [f'<section class="evaluation"><h2>{_e(heading)}</h2>']
    shown_rate = f" · {_e(labels[1])}: {rate * 100:.0f}%" if rate is not None else ""
    out.append(f'<p class="meta">{_e(labels[0])}: {len(responses)}{shown_rate}</p>')
    all_texts = texts(evaluation, responses)
    for r in results(evaluation, responses):
        text = r.question.text_in(lang)
        out.append(f"<h3>{_e(text)}</h3>")
        if r.distribution is not None:
            mean = f" · {r.mean:.2f}" if r.mean is not None else ""
            out.append(f'<p class="meta">n = {r.answers}{mean}</p>')
            out.append(bar_chart(text, [(k, v) for k, v in r.distribution.items()]))
        else:
            out.append(f'<p class="meta">n = {r.answers}</p><ul class="texts">')
            out.extend(f"<li>{_e(t)}</li>" for t in all_texts.get(r.question.id, []))
            out.append("</ul>")
    out.append("</section>")
    return out


def _csv_rows(rendered: str, evaluation: Evaluation, responses: Sequence[Response]) -> str:
    """The text answers as rows of the attendance CSV: status ``evaluation``, the question id and the text
    in ``reason``, no participant."""
    header = next(csv.reader(io.StringIO(rendered)), [])
    if not header:
        return rendered
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    from .render import neutralise

    for qid, answers in texts(evaluation, responses).items():
        for text in answers:
            row = dict.fromkeys(header, "")
            row["status"] = "evaluation"
            row["reason"] = f"{qid}: {text}"
            writer.writerow([neutralise(row[c]) for c in header])
    return rendered + out.getvalue()


def add_evaluation(
    rendered: str, fmt: str, course: Course, evaluation: Evaluation | None, responses: Sequence[Response]
) -> str:
    """The report ``rendered`` in ``fmt`` with the evaluation added (unchanged without questions)."""
    if evaluation is None or not evaluation.questions:
        return rendered
    if fmt == "json":
        data: dict[str, Any] = json.loads(rendered)
        data["evaluation"] = summary(evaluation, responses)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv_rows(rendered, evaluation, responses)
    if fmt == "html" and "</body>" in rendered:
        section = "\n".join(evaluation_html(course, evaluation, responses))
        head, _, tail = rendered.rpartition("</body>")
        return f"{head}{section}\n</body>{tail}"
    return rendered
