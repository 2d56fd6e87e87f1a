"""``ta-delivery plan``, ``apply`` and ``plugins``."""

from __future__ import annotations

import sys
from collections import Counter

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from ..records import SupportsCheck
from ..store import open_store
from ..sync import ApplyResult, Plan, Syncer, preflight, transport_spec
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
from .programme import apply_programme_command, is_programme, plan_programme_command

PROGRESS_THRESHOLD = 20


def _console() -> Console:
    """Standard output; piped or redirected, wide enough that addresses and reasons stay whole."""
    return Console(width=None if sys.stdout.isatty() else 200)


def _safe(text: object) -> Text:
    """``text`` shown verbatim: no rich markup, no control characters."""
    value = "" if text is None else str(text)
    return Text("".join(c if c.isprintable() else " " for c in value))


def _print_plan(plan: Plan) -> None:
    console = _console()
    if plan.empty:
        console.print(f"[bold]{plan.course_id}[/]: nothing to do")
    if plan.classrooms:
        table = Table(title="Classrooms", title_justify="left")
        for col in ("session", "provider", "action", "why"):
            table.add_column(col, overflow="fold")
        for c in plan.classrooms:
            table.add_row(*(_safe(v) for v in (c.session_id, c.provider, c.action, c.reason)))
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
@state_option
def plan(course: str, as_json: bool, state: str | None) -> None:
    """Show what `apply` would do: classrooms to create, update or cancel, invites to send."""
    path = course_path(course)
    plugins = plugin_manager()
    if is_programme(path):
        plan_programme_command(path, plugins, as_json, state)
    model = load(path, plugins)
    preflight(model, plugins, make_context(path, None))  # a missing setting exits 2, before the store
    url = state_url(path, state)
    store = open_store(existing_store_url(url))  # nothing applied yet: an empty store, no file made
    try:
        result = Syncer(model, store, plugins, make_context(path, store)).plan()
    finally:
        store.close()
    if as_json:
        print_json(result.to_json())
    else:
        _print_plan(result)


@main.command()
@click.argument("course", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="List every operation, not only failures.")
@state_option
def apply(course: str, as_json: bool, verbose: bool, state: str | None) -> None:
    """Create, update or cancel classrooms and send invites. Safe to run again."""
    path = course_path(course)
    plugins = plugin_manager()
    if is_programme(path):
        apply_programme_command(path, plugins, as_json, verbose, state)
    model = load(path, plugins)
    # the transport, providers and LMS read their settings now: a bad one exits 2 before any change
    context = make_context(path, None)
    transport = transport_spec(plugins, context).factory(context)
    if isinstance(transport, SupportsCheck):
        transport.check()  # e.g. an outbox that is a file: exit 2 before any classroom is made
    preflight(model, plugins, context, ask_lms=True)
    echo_warnings("ta_delivery.store.locking")  # "waiting for another run ..." when one holds the store
    store = open_store(state_url(path, state))
    try:
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
                syncer.on_progress = lambda _item: bar.advance(task)
                result = syncer.apply()
        else:
            result = syncer.apply()
    finally:
        store.close()
    if as_json:
        print_json(result.to_json())
    else:
        _print_result(result, verbose)
    if not result.ok:
        sys.exit(EXIT_FAILED)


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
