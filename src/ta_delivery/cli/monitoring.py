"""``report COURSE --activity`` and ``report PROGRAMME``: the monitoring reports (PRODUCT.md section 6)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from .common import EXIT_FAILED, existing_store_url, fail_input, load, make_context, state_url, write_out
from .programme import is_programme, load_programme_or_exit

if TYPE_CHECKING:
    from ..attendance.reconcile import AttendanceReport
    from ..evaluation.model import Response
    from ..models import Course
    from ..plugins import Plugins
    from ..store import Store

__all__ = ["activity_report", "is_programme", "programme_report"]


def _emit(text: str, out: str | None) -> None:
    if out is not None:
        write_out(Path(out), text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


def course_parts(
    model: Course, store: Store, plugins: Plugins, path: Path
) -> tuple[AttendanceReport, list[Response], str | None]:
    """The course's attendance report, its evaluation responses, and a warning when the LMS failed."""
    from ..attendance import Attendance
    from ..evaluation.storage import load_responses
    from .attendance import _prerequisites

    attendance = Attendance(model, store, plugins, make_context(path, store))
    prerequisites, warning = _prerequisites(attendance)
    report = attendance.report(prerequisites)
    responses = load_responses(store, model.id) if model.evaluation is not None else []
    return report, responses, warning


def activity_report(path: Path, plugins: Plugins, fmt: str, out: str | None, state: str | None) -> None:
    """``report COURSE --activity``: HTML (the default) or JSON."""
    from ..monitoring.activity import activity
    from ..monitoring.activity_html import activity_html
    from ..monitoring.failures import classroom_failures
    from ..store import open_store

    if fmt not in ("table", "html", "json"):
        fail_input(InputError("--activity writes html (the default) or json", key="--format"))
    model = load(path, plugins)
    store = open_store(existing_store_url(state_url(path, state)))
    try:
        report, responses, warning = course_parts(model, store, plugins, path)
        failures = classroom_failures(store, model.id)
    finally:
        store.close()
    data = activity(model, report, responses, failures)
    if fmt == "json":
        _emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", out)
    else:
        _emit(activity_html(model, data, responses), out)
    if warning:
        click.echo(f"warning: {warning}", err=True)
        sys.exit(EXIT_FAILED)


def programme_report(
    path: Path, plugins: Plugins, fmt: str, out: str | None, state: str | None, activity: bool
) -> None:
    """``report PROGRAMME``: JSON, CSV, HTML (the default on a terminal too: it has charts)."""
    from ..monitoring.programme import CourseFacts, programme_csv, programme_data
    from ..monitoring.programme_html import programme_html
    from ..monitoring.progression import elearning_completions
    from ..store import open_store

    if activity:
        fail_input(InputError("--activity is for one course; give a course file", key="--activity"))
    programme = load_programme_or_exit(path, plugins)
    store = open_store(existing_store_url(state_url(path, state)))
    facts: list[CourseFacts] = []
    warnings: list[str] = []
    try:
        for model in programme.courses:
            report, _, warning = course_parts(model, store, plugins, programme.paths[model.id])
            facts.append(CourseFacts(model, report))
            if warning:
                warnings.append(f"{model.id}: {warning}")
        completions, warning = elearning_completions(programme, store, plugins, path)
        if warning:
            warnings.append(warning)
    finally:
        store.close()
    data: dict[str, Any] = programme_data(programme.id, facts, completions)
    if fmt == "json":
        _emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", out)
    elif fmt == "csv":
        _emit(programme_csv(data, facts), out)
    elif fmt == "table" and out is None:
        _print_table(data)
    else:
        _emit(programme_html(programme, data, facts), out)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if warnings:
        sys.exit(EXIT_FAILED)


def _print_table(data: dict[str, Any]) -> None:
    """The programme report on a terminal: courses, then the balance by country, gender and LDC status."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    courses = Table(title=f"{data['programme']}: {data['people']} people")
    for col in ("course", "participants", "completed", "live sessions"):
        courses.add_column(col, justify="left" if col == "course" else "right")
    for c in data["courses"]:
        courses.add_row(c["id"], str(c["participants"]), str(c["completed"]), str(c["live_sessions"]))
    console.print(courses)
    for key in ("by_country", "by_gender"):
        table = Table(title=key.replace("_", " "))
        for col in (key.removeprefix("by_"), "participants", "completed"):
            table.add_column(col)
        for name, v in data[key].items():
            table.add_row(name, str(v["participants"]), str(v["completed"]))
        console.print(table)
    ldc, progression = data["ldc"], data["progression"]
    console.print(
        f"least developed countries: {ldc['participants']} participants, {ldc['completed']} completed"
    )
    console.print(
        f"progression: {progression['elearning_completed']} completed e-learning, "
        f"{progression['advanced_enrolled']} enrolled in courses that require it"
    )
