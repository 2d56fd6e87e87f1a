"""``ta-delivery plan``, ``apply`` and ``plugins``."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from ..records import SupportsCheck
from .common import (
    EXIT_FAILED,
    course_path,
    echo_warnings,
    existing_store_url,
    load,
    main,
    make_context,
    plugin_manager,
    print_json,
    state_option,
    state_url,
)
from .gate import (
    ask_first,
    check_rules,
    interactive,
    invites_went_json,
    needs_question,
    where_invites_went,
)
from .plan_view import EXIT_PENDING, PlanView, totals_line
from .programme import apply_programme_command, is_programme, plan_programme_command, programme_lock

if TYPE_CHECKING:
    from ..models import Course
    from ..planning import ApplyResult, Plan
    from ..plugins import Plugins

PROGRESS_THRESHOLD = 20


def _console() -> Console:
    """Standard output; piped or redirected, wide enough that addresses and reasons stay whole."""
    return Console(width=None if sys.stdout.isatty() else 200)


def _safe(text: object) -> Text:
    """``text`` shown verbatim: no rich markup, no control characters."""
    value = "" if text is None else str(text)
    return Text("".join(c if c.isprintable() else " " for c in value))


def _print_plan(plan: Plan, view: PlanView | None = None, console: Console | None = None) -> None:
    console = console or _console()
    if plan.empty:
        console.print(f"[bold]{plan.course_id}[/]: nothing to do")
    changes = view.by_session() if view is not None else {}
    if plan.classrooms:
        table = Table(title="Classrooms", title_justify="left")
        for col in ("session", "provider", "action", "why"):
            table.add_column(col, overflow="fold")
        for c in plan.classrooms:
            what = [str(change) for change in changes.pop(c.session_id, [])]
            why = "\n".join([c.reason, *what])
            table.add_row(*(_safe(v) for v in (c.session_id, c.provider, c.action)), _safe_lines(why))
        console.print(table)
    if changes:  # people invited or withdrawn where the classroom itself stays as it is
        table = Table(title="People", title_justify="left")
        for col in ("session", "before", "after"):
            table.add_column(col, overflow="fold")
        for sid, listed in changes.items():
            for person_change in listed:
                table.add_row(_safe(sid), _safe(person_change.old), _safe(person_change.new))
        console.print(table)
    if plan.invites:
        table = Table(title="Invitations", title_justify="left")
        for col in ("session", "person", "email", "method", "sequence", "why"):
            table.add_column(col, overflow="fold")
        for i in plan.invites:
            row = (i.session_id, i.person_id, i.email, i.method, i.sequence, i.reason)
            table.add_row(*(_safe(v) for v in row))
        console.print(table)
    if plan.lms:
        table = Table(title="LMS", title_justify="left")
        for col in ("action", "target", "detail"):
            table.add_column(col, overflow="fold")
        for change in plan.lms:
            table.add_row(*(_safe(v) for v in (change.action, change.target, change.detail)))
        console.print(table)
    if plan.prerequisites is not None:
        met = sum(plan.prerequisites.values())
        console.print(f"Prerequisites met by {met} of {len(plan.prerequisites)} participants")
    for note in plan.notes:
        console.print(_safe(f"note: {note}"))
    if view is not None and not plan.empty:
        console.print(_safe(totals_line(view.totals)))


def _safe_lines(text: str) -> Text:
    """Like :func:`_safe`, keeping line breaks."""
    return Text("\n".join(_safe(line).plain for line in text.split("\n")))


def _print_result(result: ApplyResult, verbose: bool) -> None:
    console = _console()
    if not result.items:
        console.print(f"[bold]{result.course_id}[/]: nothing to do")
        for note in result.notes:
            console.print(_safe(f"note: {note}"))
        return
    counts = Counter((i.kind, i.action) for i in result.items if i.ok)
    summary = ", ".join(f"{n} {kind} {action}" for (kind, action), n in sorted(counts.items()))
    console.print(f"[bold]{result.course_id}[/]: {summary or 'nothing succeeded'}")
    shown = result.items if verbose else tuple(i for i in result.items if not i.ok)
    if shown:
        table = Table(title="what was done" if verbose else "what failed", title_justify="left")
        for col in ("kind", "target", "action", "result"):
            table.add_column(col, overflow="fold")
        for item in shown:
            outcome = (
                Text("ok", style="green")
                if item.ok
                else Text.assemble(("failed", "red"), " ", _safe(item.error))
            )
            table.add_row(_safe(item.kind), _safe(item.target), _safe(item.action), outcome)
        console.print(table)
    failed = sum(not i.ok for i in result.items)
    if failed:
        console.print(f"[red]{failed} operation(s) failed[/]; what succeeded is kept: run apply again")
    for note in result.notes:
        console.print(_safe(f"note: {note}"))


@main.command()
@click.argument("course", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option(
    "--exit-code",
    "exit_code",
    is_flag=True,
    help=f"Exit {EXIT_PENDING} when apply has something to do (0 when nothing), for scripts.",
)
@state_option
def plan(course: str, as_json: bool, exit_code: bool, state: str | None) -> None:
    """Show what `apply` would do: classrooms to create, update or cancel, invites to send."""
    from ..store import open_store
    from ..sync import Syncer, preflight

    path = course_path(course)
    plugins = plugin_manager()
    if is_programme(path):
        plan_programme_command(path, plugins, as_json, state, exit_code=exit_code)
    model = load(path, plugins)
    preflight(model, plugins, make_context(path, None))  # a missing setting exits 2, before the store
    url = state_url(path, state)
    store = open_store(existing_store_url(url))  # nothing applied yet: an empty store, no file made
    try:
        result = Syncer(model, store, plugins, make_context(path, store)).plan()
        view = PlanView.build(model, result, store.classrooms(model.id), plugins)
    finally:
        store.close()
    if as_json:
        print_json(view.to_json())
    else:
        _print_plan(result, view)
    if exit_code and view.pending:
        sys.exit(EXIT_PENDING)


@main.command()
@click.argument("course", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="List every operation, not only failures.")
@click.option(
    "-y", "--yes", is_flag=True, help="Do not ask before mailing people or changing remote classrooms."
)
@click.option(
    "--ignore-rules", is_flag=True, help="Apply even when the rules find errors (they are still shown)."
)
@state_option
def apply(
    course: str, as_json: bool, verbose: bool, yes: bool, ignore_rules: bool, state: str | None
) -> None:
    """Check the rules, then create, update or cancel classrooms and send invites. Safe to run again."""
    from ..store import open_store
    from ..sync import Syncer, preflight, transport_spec

    path = course_path(course)
    plugins = plugin_manager()
    if is_programme(path):
        apply_programme_command(path, plugins, as_json, verbose, state, ignore_rules=ignore_rules, yes=yes)
    model = load(path, plugins)
    check_rules(model, plugins, ignore=ignore_rules, as_json=as_json)
    # the transport, providers and LMS read their settings now: a bad one exits 2 before any change
    context = make_context(path, None)
    spec = transport_spec(plugins, context)
    transport = spec.factory(context)
    if isinstance(transport, SupportsCheck):
        transport.check()  # e.g. an outbox that is a file: exit 2 before any classroom is made
    preflight(model, plugins, context, ask_lms=True)
    if not yes and interactive():
        _ask_before(model, plugins, path, state, spec.name)
    echo_warnings("ta_delivery.store.locking")  # "waiting for another run ..." when one holds the store
    store = open_store(state_url(path, state))
    try:
        with programme_lock(store, path):  # courses of one programme take turns (shared budgets)
            syncer = Syncer(model, store, plugins, make_context(path, store), transport=transport)
            show = not as_json and sys.stderr.isatty()
            if show:
                total = len(model.live_sessions) * (1 + len(model.people))
                with Progress(
                    TextColumn("[progress.description]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=Console(stderr=True),
                    transient=True,
                ) as bar:
                    task = bar.add_task("applying", total=total if total > PROGRESS_THRESHOLD else None)
                    syncer.on_progress = lambda item: bar.update(
                        task, advance=1, description=_safe(item).plain
                    )
                    result = syncer.apply()
            else:
                result = syncer.apply()
    finally:
        store.close()
    if as_json:
        print_json({**result.to_json(), "invitations": invites_went_json(result, spec.name, transport)})
    else:
        _print_result(result, verbose)
        _console().print(_safe(where_invites_went(result, spec.name, transport)))
    if not result.ok:
        sys.exit(EXIT_FAILED)


def _ask_before(model: Course, plugins: Plugins, path: Path, state: str | None, transport: str) -> None:
    """Show the plan and ask, when it mails people or changes remote systems; no answer, no change."""
    from ..store import open_store
    from ..sync import Syncer

    store = open_store(existing_store_url(state_url(path, state)))  # a first run makes no file to ask
    try:
        planned = Syncer(model, store, plugins, make_context(path, store)).plan()
        rows = store.classrooms(model.id)
    finally:
        store.close()
    if planned.empty or not needs_question(planned, plugins, transport):
        return
    view = PlanView.build(model, planned, rows, plugins)
    _print_plan(planned, view, Console(stderr=True))
    ask_first(f"{totals_line(view.totals)}. Apply these changes?")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plugins as JSON.")
def plugins(as_json: bool) -> None:
    """List installed plugins with the providers, transports and import formats each adds."""
    manager = plugin_manager()
    manager.check()
    infos = manager.info()
    if as_json:
        print_json(
            {
                "plugins": [
                    {
                        "name": i.name,
                        "version": i.version,
                        "providers": sorted({*i.providers, *i.lms}),
                        "transports": list(i.transports),
                        "formats": list(i.formats),
                    }
                    for i in infos
                ]
            }
        )
        return
    console = _console()
    for i in infos:
        console.print(f"[bold]{i.name}[/] {i.version or ''}".rstrip(), soft_wrap=True)
        for label, names in (
            ("providers", sorted({*i.providers, *i.lms})),
            ("transports", i.transports),
            ("formats", i.formats),
            ("rules", i.rules),
        ):
            if names:
                console.print(f"  {label + ':':<12}{', '.join(names)}", soft_wrap=True, highlight=False)
