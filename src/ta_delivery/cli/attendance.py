"""``ta-delivery attendance import|pull|excuse`` and ``ta-delivery report``."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.console import Console

from ..attendance import Attendance, Outcome
from ..attendance.formats.stamps import DATE_ORDERS
from ..attendance.reconcile import AttendanceReport
from ..attendance.service import check_lms
from ..errors import InputError, TaDeliveryError
from ..evaluation.model import Response
from ..models import Course, zone
from ..plugins import Plugins
from ..report import FORMATS, render, to_table
from ..store import Store, open_store, sqlite_file
from .common import (
    EXIT_FAILED,
    course_path,
    existing_store_url,
    load,
    main,
    make_context,
    plugin_manager,
    state_option,
    state_url,
    store_missing,
    write_out,
)

__all__ = ["attendance_group", "report_command"]


@contextmanager
def _store_for_writing(url: str) -> Iterator[Store]:
    """Open the store; if this run created it and fails on an input error, remove it again."""
    file = sqlite_file(url)
    fresh = file is not None and not file.exists()
    made_dir = file is not None and not file.parent.exists()
    store = open_store(url)
    try:
        yield store
    except InputError:
        store.close()
        if fresh and file is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{file}{suffix}").unlink(missing_ok=True)
            if made_dir:
                shutil.rmtree(file.parent, ignore_errors=True)
        raise
    finally:
        store.close()


def _live_session(model: Course, session_id: str | None) -> None:
    if session_id is None:
        return
    try:
        session = model.session(session_id)
    except KeyError:
        raise InputError(f"no session {session_id!r} on course {model.id!r}", key="--session") from None
    if not session.live:
        raise InputError(
            f"session {session_id!r} is recorded, not live: it has no attendance", key="--session"
        )


def _print_outcome(outcome: Outcome, verb: str) -> None:
    console = Console(highlight=False)
    if outcome.recorded:
        sessions = ", ".join(outcome.sessions) or "no session"
        console.print(
            f"{verb} {outcome.total} segment(s): {outcome.inserted} new, "
            f"{outcome.total - outcome.inserted} already recorded; sessions: {sessions}"
        )
    if outcome.statuses:
        counts: dict[str, int] = {}
        for s in outcome.statuses:
            counts[s.status] = counts.get(s.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        console.print(f"statuses: {summary}")
    if outcome.outside:
        console.print(
            f"{outcome.outside} row(s) fall in no live session's window: kept, counted in no session "
            "(a later edit of the course may bring them in)"
        )
    if outcome.unmatched:
        console.print(
            f"{outcome.unmatched} unmatched entr{'y' if outcome.unmatched == 1 else 'ies'} (see the report)"
        )
    for note in outcome.notes:
        console.print(f"note: {note}")
    for failure in outcome.failures:
        where = f"{failure.session_id}: " if failure.session_id else ""
        click.echo(f"error: {where}{failure.error}", err=True)
    if outcome.failures:
        click.echo("some operations failed; what succeeded is kept, run the command again", err=True)


@main.group("attendance")
def attendance_group() -> None:
    """Record attendance: import export files, pull from providers, excuse absences."""


@attendance_group.command("import")
@click.argument("course", metavar="COURSE")
@click.argument("file", metavar="FILE")
@click.option("--session", "session_id", metavar="ID", default=None, help="The session the file is about.")
@click.option(
    "--format", "fmt", metavar="F", default="register-csv", show_default=True, help="Import format."
)
@click.option("--timezone", "tz", metavar="TZ", default=None, help="Zone of times written without one.")
@click.option(
    "--date-order",
    "date_order",
    type=click.Choice(DATE_ORDERS),
    default=None,
    help="How to read dates such as 01/06/2023 (default: settled by the file or the sessions' dates).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@state_option
def import_command(
    course: str,
    file: str,
    session_id: str | None,
    fmt: str,
    tz: str | None,
    date_order: str | None,
    as_json: bool,
    state: str | None,
) -> None:
    """Record attendance from an export file (nothing is stored if the file is malformed)."""
    path = course_path(course)
    plugins = plugin_manager()
    model = load(path, plugins)
    formats = plugins.formats
    if fmt not in formats:
        known = ", ".join(sorted(formats)) or "none"
        raise InputError(f"no import format named {fmt!r} (installed: {known})", key="--format")
    timezone: ZoneInfo | None = None
    if tz is not None:
        try:
            timezone = zone(tz)
        except ValueError as exc:
            raise InputError(str(exc), key="--timezone") from None
    _live_session(model, session_id)
    source = Path(file)
    if not source.is_file():
        raise InputError("no such file", source=str(source))
    check_lms(model, plugins, make_context(path, None))  # a missing LMS setting exits 2, before the store
    with _store_for_writing(state_url(path, state)) as store:
        outcome = Attendance(model, store, plugins, make_context(path, store)).import_file(
            source, fmt=fmt, session_id=session_id, timezone=timezone, date_order=date_order
        )
    if as_json:
        click.echo(json.dumps(outcome.summary()))
        for failure in outcome.failures:
            where = f"{failure.session_id}: " if failure.session_id else ""
            click.echo(f"error: {where}{failure.error}", err=True)
    else:
        _print_outcome(outcome, "read")
    if not outcome.ok:
        sys.exit(EXIT_FAILED)


@attendance_group.command("pull")
@click.argument("course", metavar="COURSE")
@click.option("--session", "session_id", metavar="ID", default=None, help="Only this (ended) session.")
@state_option
def pull_command(course: str, session_id: str | None, state: str | None) -> None:
    """Fetch attendance from the providers of ended live sessions."""
    path = course_path(course)
    plugins = plugin_manager()
    model = load(path, plugins)
    _live_session(model, session_id)
    check_lms(model, plugins, make_context(path, None))
    url = state_url(path, state)
    if store_missing(url):
        click.echo("note: no classroom has been made for this course yet (run apply first); nothing to pull")
        return
    with _store_for_writing(url) as store:
        outcome = Attendance(model, store, plugins, make_context(path, store)).pull(session_id)
    _print_outcome(outcome, "pulled")
    if not outcome.recorded and not outcome.failures and not outcome.notes:
        click.echo("no ended live session to pull")
    if not outcome.ok:
        sys.exit(EXIT_FAILED)


@attendance_group.command("link")
@click.argument("course", metavar="COURSE")
@click.option("--session", "session_id", metavar="ID", required=True, help="The live session.")
@click.option("--email", metavar="E", default=None, help="The unmatched attendee's email.")
@click.option("--name", metavar="N", default=None, help="The unmatched attendee's name (rows without email).")
@click.option("--participant", "participant_id", metavar="ID", required=True, help="Who they are.")
@state_option
def link_command(
    course: str,
    session_id: str,
    email: str | None,
    name: str | None,
    participant_id: str,
    state: str | None,
) -> None:
    """Say who an unmatched attendee is; remembered for every later import and report."""
    path = course_path(course)
    plugins = plugin_manager()
    model = load(path, plugins)
    if (email is None) == (name is None):
        raise InputError("give exactly one of --email or --name", key="--email")
    check_lms(model, plugins, make_context(path, None))
    with _store_for_writing(state_url(path, state)) as store:
        attendance = Attendance(model, store, plugins, make_context(path, store))
        outcome = attendance.link(session_id, participant_id, email=email, name=name)
    status = next(
        (
            s.status
            for s in outcome.statuses
            if s.participant_id == participant_id and s.session_id == session_id
        ),
        None,
    )
    who = f"email {email}" if email is not None else f"name {name!r}"
    click.echo(f"linked {who} in {session_id} to {participant_id}; status now {status}")
    for failure in outcome.failures:
        click.echo(f"error: {failure.error}", err=True)
    if not outcome.ok:
        sys.exit(EXIT_FAILED)


@attendance_group.command("excuse")
@click.argument("course", metavar="COURSE")
@click.option("--session", "session_id", metavar="S", required=True, help="The live session.")
@click.option("--participant", "participant_id", metavar="P", required=True, help="The participant's id.")
@click.option("--reason", metavar="TEXT", default=None, help="Why the absence is excused.")
@click.option("--withdraw", is_flag=True, help="Remove the excuse instead.")
@state_option
def excuse_command(
    course: str,
    session_id: str,
    participant_id: str,
    reason: str | None,
    withdraw: bool,
    state: str | None,
) -> None:
    """Excuse a participant's absence from a session: it leaves their completion denominator."""
    path = course_path(course)
    plugins = plugin_manager()
    model = load(path, plugins)
    if withdraw and reason is not None:
        raise InputError("give either --reason or --withdraw", key="--withdraw")
    if not withdraw and (reason is None or not reason.strip()):
        raise InputError("a reason is required", key="--reason")
    check_lms(model, plugins, make_context(path, None))
    with _store_for_writing(state_url(path, state)) as store:
        attendance = Attendance(model, store, plugins, make_context(path, store))
        outcome = attendance.excuse(session_id, participant_id, None if withdraw else reason)
    status = next(
        (
            s.status
            for s in outcome.statuses
            if s.participant_id == participant_id and s.session_id == session_id
        ),
        None,
    )
    verb = "withdrew the excuse of" if withdraw else "excused"
    click.echo(f"{verb} {participant_id} in {session_id}; status now {status}")
    for failure in outcome.failures:
        click.echo(f"error: {failure.error}", err=True)
    if not outcome.ok:
        sys.exit(EXIT_FAILED)


def _prerequisites(attendance: Attendance) -> tuple[Mapping[str, bool] | None, str | None]:
    try:
        return attendance.prerequisites(), None
    except InputError:
        raise
    except TaDeliveryError as exc:
        return None, f"prerequisites unknown: the LMS failed: {type(exc).__name__}: {exc}"


def _evaluation_responses(model: Course, store: Store) -> list[Response]:
    """The course's stored evaluation responses (none when it asks no question)."""
    if model.evaluation is None or not model.evaluation.questions:
        return []
    from ..evaluation.storage import load_responses

    return load_responses(store, model.id)


def _rendered(report: AttendanceReport, fmt: str, responses: list[Response]) -> str:
    from ..report.evaluation import add_evaluation

    course = report.course
    return add_evaluation(render(report, fmt), fmt, course, course.evaluation, responses)


@main.command("report")
@click.argument("course", metavar="COURSE")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--out", "out", metavar="FILE", default=None, help="Write the report here instead of stdout.")
@click.option(
    "--activity",
    is_flag=True,
    help="The activity report for the institute (HTML, or JSON with --format json).",
)
@state_option
def report_command(course: str, fmt: str, out: str | None, state: str | None, activity: bool) -> None:
    """Attendance and completion: statuses, unmatched attendees, suggested name matches.

    With a programme file: the programme's participation by course, country, gender and LDC status.
    """
    fmt = fmt.lower()
    path = course_path(course)
    plugins: Plugins = plugin_manager()
    from .monitoring import activity_report, is_programme, programme_report

    if is_programme(path):
        programme_report(path, plugins, fmt, out, state, activity)
        return
    if activity:
        activity_report(path, plugins, fmt, out, state)
        return
    model = load(path, plugins)
    store = open_store(existing_store_url(state_url(path, state)))
    try:
        attendance = Attendance(model, store, plugins, make_context(path, store))
        prerequisites, warning = _prerequisites(attendance)
        report = attendance.report(prerequisites)
        responses = _evaluation_responses(model, store)
    finally:
        store.close()
    if out is not None:
        write_out(Path(out), _rendered(report, fmt, responses).encode("utf-8"))
    elif fmt == "table":
        to_table(report, Console(highlight=False))  # piped: as wide as the table needs
    else:
        click.echo(_rendered(report, fmt, responses), nl=False)
    if warning:
        click.echo(f"warning: {warning}", err=True)
        sys.exit(EXIT_FAILED)
