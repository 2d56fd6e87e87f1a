"""A programme file (PRODUCT.md section 5) in place of a course file: the commands' course-by-course dispatch,
kept apart from the single-course commands so that those stay as they are.

A command calls :func:`is_programme` on its argument and, when true, hands over to the function here.
"""

from __future__ import annotations

import contextlib
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..errors import InputError, TaDeliveryError
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    existing_store_url,
    fail_input,
    is_programme,
    make_context,
    print_json,
    state_url,
)

if TYPE_CHECKING:
    from ..plugins import Plugins
    from ..programme import Programme
    from ..store import Store

__all__ = [
    "apply_programme_command",
    "check_programme_command",
    "is_programme",
    "load_programme_or_exit",
    "plan_programme_command",
    "programme_lock",
]


def load_programme_or_exit(path: Path, plugins: Plugins) -> Programme:
    """Read the programme and all its courses; every input error printed, exit 2."""
    from ..programme import load_programme

    try:
        return load_programme(path, plugins)
    except InputError as exc:
        fail_input(exc)


def check_programme_command(path: Path, plugins: Plugins, as_json: bool) -> NoReturn:
    """``check PROGRAMME``: every course's rules, the cross-course ones counting the other courses."""
    from ..programme.rules import check_programme
    from ..rules import has_errors
    from .check import _print_findings, findings_json

    programme = load_programme_or_exit(path, plugins)
    results = check_programme(programme, plugins)
    if as_json:
        print_json(
            {
                "programme": programme.id,
                "courses": [
                    {"course": cid, "findings": findings_json(programme.course(cid), found)["findings"]}
                    for cid, found in results.items()
                ],
            }
        )
    else:
        for cid, found in results.items():
            _print_findings(programme.course(cid), found)
        errors = sum(f.severity == "error" for found in results.values() for f in found)
        click.echo(f"{programme.id}: {len(results)} courses, {errors} errors in all")
    sys.exit(EXIT_FAILED if any(has_errors(found) for found in results.values()) else EXIT_OK)


@contextlib.contextmanager
def programme_lock(store: Store, path: Path) -> Iterator[None]:
    """Hold the programme's run lock on ``store`` when ``path`` (a course or programme file) is in one.

    Courses of one programme share a store and its providers' budgets, so their runs take turns: one
    ``apply`` per programme at a time (each course's own lock is taken inside, always in this order).
    """
    from ..programme.store import find_programme

    programme = path if is_programme(path) else find_programme(path)
    name = _programme_id(programme) if programme is not None else None
    if name is None:
        yield
        return
    with store.run_lock(f"{name}.programme"):  # no course id holds a dot: no clash with a course's lock
        yield


def _programme_id(path: Path) -> str | None:
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    table = data.get("programme")
    value = table.get("id") if isinstance(table, dict) else None
    return value if isinstance(value, str) else None


def _summary(programme: Programme, failed: Sequence[str], verb: str) -> str:
    n = len(programme.courses)
    if not failed:
        return f"{programme.id}: {n} courses {verb}"
    return f"{programme.id}: {n - len(failed)} of {n} courses {verb}; failed: {', '.join(failed)}"


def plan_programme_command(
    path: Path, plugins: Plugins, as_json: bool, state: str | None, *, exit_code: bool = False
) -> NoReturn:
    """``plan PROGRAMME``: each course's plan on the programme's store, then one totals line.

    A course whose plan cannot be made (a provider down) is reported and the others still planned; the
    exit status is then 1. Missing or malformed settings are input errors (exit 2) found before anything.
    With ``exit_code``, pending changes exit 3 as ``plan --exit-code`` does for a course.
    """
    from ..store import open_store
    from ..sync import Syncer, preflight
    from .plan_view import EXIT_PENDING, PlanView, totals_line
    from .sync import _print_plan

    programme = load_programme_or_exit(path, plugins)
    for course in programme.courses:
        preflight(course, plugins, make_context(programme.paths[course.id], None))
    store = open_store(existing_store_url(state_url(path, state)))
    plans: list[dict[str, Any]] = []
    failed: list[str] = []
    totals: Counter[str] = Counter()
    pending = False
    try:
        for course in programme.courses:
            file = programme.paths[course.id]
            try:
                plan = Syncer(course, store, plugins, make_context(file, store)).plan()
                view = PlanView.build(course, plan, store.classrooms(course.id), plugins)
            except TaDeliveryError as exc:
                failed.append(course.id)
                plans.append({"course": course.id, "error": str(exc)})
                if not as_json:
                    click.echo(f"{course.id}: cannot plan: {exc}", err=True)
                continue
            totals.update(view.totals)
            pending = pending or view.pending
            plans.append(view.to_json())
            if not as_json:
                _print_plan(plan, view)
    finally:
        store.close()
    if as_json:
        print_json(
            {
                "programme": programme.id,
                "courses": plans,
                "totals": dict(totals),
                "pending": pending,
                "ok": not failed,
            }
        )
    else:
        click.echo(f"{_summary(programme, failed, 'planned')}: {totals_line(totals)}")
    if failed:
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_PENDING if exit_code and pending else EXIT_OK)


def apply_programme_command(
    path: Path,
    plugins: Plugins,
    as_json: bool,
    verbose: bool,
    state: str | None,
    *,
    ignore_rules: bool = False,
    yes: bool = True,
) -> NoReturn:
    """``apply PROGRAMME``: the rules across courses first, then each course in turn, then one summary.

    A rule error in any course changes nothing (exit 1) unless ``ignore_rules``. On a terminal, without
    ``yes``, a run that would mail people or change remote classrooms shows the plans and asks once. A
    course that fails (a
    provider down, a refused write) does not stop the others: what succeeded is kept and the exit status
    is 1, so a new run resumes. One progress display covers the whole programme on a terminal.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..programme.rules import check_programme
    from ..rules import has_errors
    from ..store import open_store
    from ..sync import Syncer, preflight, transport_spec
    from .check import _print_findings, findings_json
    from .gate import interactive, invites_went_json, where_invites_went
    from .sync import _print_result

    programme = load_programme_or_exit(path, plugins)
    transports: dict[str, Any] = {}
    names: dict[str, str] = {}
    for course in programme.courses:  # every setting of every course read before any change
        context = make_context(programme.paths[course.id], None)
        spec = transport_spec(plugins, context)
        transport = spec.factory(context)
        check = getattr(transport, "check", None)
        if callable(check):
            check()
        preflight(course, plugins, context, ask_lms=True)
        transports[course.id] = transport
        names[course.id] = spec.name
    findings = check_programme(programme, plugins)
    errors = sum(f.severity == "error" for found in findings.values() for f in found)
    if errors and ignore_rules:
        click.echo(f"warning: {errors} rule error(s) ignored (--ignore-rules)", err=True)
    elif errors:
        if as_json:
            print_json(
                {
                    "programme": programme.id,
                    "courses": [
                        {"course": c.id, "findings": findings_json(c, findings[c.id])["findings"]}
                        for c in programme.courses
                    ],
                    "applied": False,
                }
            )
        else:
            for course in programme.courses:
                if has_errors(findings[course.id]):
                    _print_findings(course, findings[course.id])
        click.echo(
            f"error: {programme.id}: {errors} rule error(s): apply changed nothing; fix them (see "
            "`ta-delivery check`) or run apply with --ignore-rules",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    if not yes and interactive():
        _ask_before(programme, plugins, path, state, names)
    store = open_store(state_url(path, state))
    results: list[dict[str, Any]] = []
    failed: list[str] = []
    show = not as_json and sys.stderr.isatty()
    total = sum(len(c.live_sessions) * (1 + len(c.people)) for c in programme.courses)
    try:
        with (
            programme_lock(store, path),
            Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
                disable=not show,
            ) as bar,
        ):
            task = bar.add_task("applying", total=total or None)
            for course in programme.courses:
                bar.update(task, description=course.id)
                file = programme.paths[course.id]
                syncer = Syncer(
                    course, store, plugins, make_context(file, store), transport=transports[course.id]
                )
                syncer.on_progress = lambda _item: bar.advance(task)
                try:
                    result = syncer.apply()
                except TaDeliveryError as exc:
                    failed.append(course.id)
                    results.append({"course": course.id, "ok": False, "error": str(exc)})
                    if not as_json:
                        click.echo(f"{course.id}: failed: {exc}", err=True)
                    continue
                if not result.ok:
                    failed.append(course.id)
                went = invites_went_json(result, names[course.id], transports[course.id])
                results.append({**result.to_json(), "invitations": went})
                if not as_json:
                    _print_result(result, verbose)
                    click.echo(where_invites_went(result, names[course.id], transports[course.id]))
    finally:
        store.close()
    if as_json:
        print_json({"programme": programme.id, "courses": results, "ok": not failed})
    else:
        click.echo(_summary(programme, failed, "applied"))
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


def _ask_before(
    programme: Programme, plugins: Plugins, path: Path, state: str | None, names: dict[str, str]
) -> None:
    """Show the plans and ask once, when the run mails people or changes remote systems."""
    from rich.console import Console

    from ..store import open_store
    from ..sync import Syncer
    from .gate import ask_first, needs_question
    from .plan_view import PlanView, totals_line
    from .sync import _print_plan

    store = open_store(existing_store_url(state_url(path, state)))
    views = []
    ask = False
    try:
        for course in programme.courses:
            file = programme.paths[course.id]
            context = make_context(file, store)
            plan = Syncer(course, store, plugins, context).plan()
            ask = ask or (not plan.empty and needs_question(plan, plugins, names[course.id]))
            views.append((plan, PlanView.build(course, plan, store.classrooms(course.id), plugins)))
    finally:
        store.close()
    if not ask:
        return
    totals: Counter[str] = Counter()
    for plan, view in views:
        _print_plan(plan, view, Console(stderr=True))
        totals.update(view.totals)
    ask_first(f"{programme.id}: {totals_line(totals)}. Apply these changes?")
