"""``ta-delivery check`` and ``ta-delivery slots``: the schedule rules and the slot finder."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import click

from ..errors import InputError
from ..models import Course
from ..rules import check_course, has_errors
from ..specs import Finding
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    course_path,
    fail_input,
    is_programme,
    load,
    main,
    plugin_manager,
    print_json,
)
from .plain import plain_width, print_plain, table_plain, wrap_plain

if TYPE_CHECKING:
    from rich.console import Console

    from ..slots import Slot

__all__ = ["check_command", "slots_command"]

#: Slots printed in the table when ``--limit`` is not given (``--json`` then prints them all).
TABLE_LIMIT = 20
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _console() -> Console:
    from rich.console import Console  # the table output only: --json starts without rich

    return Console(soft_wrap=False, highlight=False)


def findings_json(course: Course, findings: Sequence[Finding]) -> dict[str, object]:
    """The ``check --json`` document."""
    return {
        "course": course.id,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "session": f.session,
                "person": f.person,
                "message": f.message,
            }
            for f in findings
        ],
    }


#: What ``check`` prints under the header of a course without findings (in green on a terminal).
NO_FINDINGS = "No findings: the schedule follows every rule."


def _print_findings(course: Course, findings: Sequence[Finding]) -> None:
    live = len(course.live_sessions)
    header = (
        f"{course.id}: {len(course.sessions)} sessions ({live} live), "
        f"{len(course.trainers)} trainers, {len(course.participants)} participants"
    )
    if not findings and print_plain([header, NO_FINDINGS]):
        return  # a clean course, not on a terminal: the same text, without importing rich
    from rich.text import Text

    console = _console()
    console.print(Text(header))
    if not findings:
        console.print(Text(NO_FINDINGS, style="green"))
        return
    from rich.padding import Padding  # with findings only: a clean course starts without them
    from rich.table import Table

    for f in findings:
        style = "bold red" if f.severity == "error" else "bold yellow"
        line = Text()
        line.append(f"{f.severity.upper():8}", style=style)
        line.append(f.rule, style="bold")
        if f.session:
            line.append(f"  session {f.session}")
        if f.person:
            line.append(f"  person {f.person}")
        console.print(line)
        console.print(Padding(Text(f.message), (0, 0, 0, 8)))
    by_rule = Table(title="Findings by rule", title_justify="left")
    by_rule.add_column("rule", overflow="fold")
    by_rule.add_column("errors", justify="right")
    by_rule.add_column("warnings", justify="right")
    for rule in sorted({f.rule for f in findings}):
        mine = [f for f in findings if f.rule == rule]
        n_err = sum(1 for f in mine if f.severity == "error")
        by_rule.add_row(rule, str(n_err), str(len(mine) - n_err))
    console.print(by_rule)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    console.print(Text(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@main.command("check")
@click.argument("course", metavar="COURSE")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check_command(course: str, as_json: bool) -> None:
    """Read COURSE and apply the rules; exit 1 if any finding is an error."""
    path = course_path(course)
    plugins = plugin_manager()
    if is_programme(path):
        from .programme import check_programme_command  # the programme's modules: when needed

        check_programme_command(path, plugins, as_json)
    loaded = load(path, plugins)
    findings = check_course(loaded, plugins)
    if as_json:
        print_json(findings_json(loaded, findings))
    else:
        _print_findings(loaded, findings)
    sys.exit(EXIT_FAILED if has_errors(findings) else EXIT_OK)


def _date(value: str, option: str) -> date:
    """``YYYY-MM-DD`` only: ``date.fromisoformat`` would also take ``20270802`` or ``2027-W31-1``."""
    try:
        if not _YMD.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        fail_input(InputError(f"{value!r} is not a date (YYYY-MM-DD)", key=option))


SLOT_COLUMNS = ("#", "start ({zone})", "start (UTC)", "suits", "missing")
SLOT_RIGHT = (True, False, False, True, False)
NO_SLOTS = "No start suits every trainer in this range."


def _slots_title(course: Course, minutes: int) -> str:
    return (
        f"{course.id}: best starts for {minutes} minutes; every trainer inside working hours, "
        f"ranked by participants suited (times in {course.timezone} and UTC)"
    )


def _slot_rows(course: Course, slots: Sequence[Slot]) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            str(n),
            f"{slot.start.astimezone(course.zone):%a %Y-%m-%d %H:%M}",
            f"{slot.start:%Y-%m-%d %H:%MZ}",
            f"{slot.suits}/{slot.of}",
            ", ".join(slot.missing) or "-",
        )
        for n, slot in enumerate(slots, 1)
    ]


def _slots_plain(course: Course, minutes: int, slots: Sequence[Slot]) -> list[str] | None:
    """The lines rich would print, off a terminal, where that is certain (see :mod:`.plain`); else None."""
    width = plain_width()
    if width is None:
        return None
    title = wrap_plain(_slots_title(course, minutes), width)
    header = [c.format(zone=course.timezone) for c in SLOT_COLUMNS]
    rest = (
        wrap_plain(NO_SLOTS, width)
        if not slots
        else table_plain(header, _slot_rows(course, slots), SLOT_RIGHT, width)
    )
    return None if title is None or rest is None else [*title, *rest]


def _print_slots(course: Course, minutes: int, slots: Sequence[Slot]) -> None:
    plain = _slots_plain(course, minutes, slots)
    if plain is not None:  # not on a terminal: the same text, without importing rich (decision 0082)
        for line in plain:
            click.echo(line)
        return
    from rich.table import Table
    from rich.text import Text

    console = _console()
    console.print(Text(_slots_title(course, minutes)))
    if not slots:
        console.print(Text(NO_SLOTS, style="yellow"))
        return
    table = Table()
    for name, right in zip(SLOT_COLUMNS, SLOT_RIGHT, strict=True):
        table.add_column(
            name.format(zone=course.timezone),
            justify="right" if right else "left",
            overflow="fold" if name == "missing" else "ellipsis",
        )
    for row in _slot_rows(course, slots):
        table.add_row(*row[:4], Text(row[4]))
    console.print(table)


@main.command("slots")
@click.argument("course", metavar="COURSE")
@click.option("--minutes", type=int, required=True, help="Length of the session in minutes.")
@click.option("--from", "first", metavar="DATE", required=True, help="First date (course zone), YYYY-MM-DD.")
@click.option("--to", "last", metavar="DATE", required=True, help="Last date (course zone), inclusive.")
@click.option(
    "--session-days",
    metavar="mon,tue,...",
    default=None,
    help="Allowed weekdays in the course's zone: a list or a range such as sun-thu "
    "[default: the course's rules.working_days, mon-fri unless set].",
)
@click.option(
    "--limit",
    type=int,
    default=None,
    help="How many slots to print (0: all; default 20 in the table, all with --json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the slots as JSON.")
def slots_command(
    course: str,
    minutes: int,
    first: str,
    last: str,
    session_days: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Rank start times on a 15-minute grid by how many participants they suit."""
    from ..slots import find_slots, parse_days, slots_json  # here: check starts without the slot finder

    path = course_path(course)
    start, end = _date(first, "--from"), _date(last, "--to")
    days = None if session_days is None else parse_days(session_days)
    if limit is None:
        limit = 0 if as_json else TABLE_LIMIT  # scripts get every candidate; people the best few
    if limit < 0:
        fail_input(InputError(f"must not be negative, got {limit}", key="--limit"))
    loaded = load(path, plugin_manager())
    slots = find_slots(loaded, minutes, start, end, days=days, limit=limit or None)
    if as_json:
        print_json(slots_json(minutes, slots))
    else:
        _print_slots(loaded, minutes, slots)
