"""``ta-delivery doctor COURSE [--json]``: settings, credentials, scopes, the store and the transport.

Changes nothing: no classroom, invitation or store row is made (the store is not even created). Exit 1
when any check fails, 2 when the course file itself is invalid. No secret is printed in either output.
"""

from __future__ import annotations

import sys

import click

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    course_path,
    load,
    main,
    make_context,
    plugin_manager,
    print_json,
    state_option,
    state_url,
)

__all__ = ["doctor_command"]


@main.command("doctor")
@click.argument("course", metavar="COURSE")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@state_option
def doctor_command(course: str, as_json: bool, state: str | None) -> None:
    """Check settings, credentials, scopes, the store and the transport without changing anything."""
    from ..doctor import run_doctor

    path = course_path(course)
    plugins = plugin_manager()
    model = load(path, plugins)
    checks = run_doctor(model, plugins, make_context(path, None), state_url(path, state, carry_over=False))
    ok = all(c.ok for c in checks)
    if as_json:
        print_json({"course": model.id, "ok": ok, "checks": [c.as_json() for c in checks]})
    else:
        for check in checks:
            mark = "ok  " if check.ok else "FAIL"
            click.echo(f"{mark} {check.area:<9} {check.name}: {check.detail}")
        failed = sum(not c.ok for c in checks)
        click.echo(f"{model.id}: {len(checks)} checks, {failed} failed")
    sys.exit(EXIT_OK if ok else EXIT_FAILED)
