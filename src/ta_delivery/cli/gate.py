"""What ``apply`` does before and after the work: the rules, the question, the closing summary.

PRODUCT.md section 2: rule errors stop ``apply`` (exit 1, nothing changed) unless ``--ignore-rules``; on
a terminal, a run that would mail people (a transport other than the outbox) or change classrooms on a
remote system shows the plan and asks (``--yes`` skips the question; without a terminal it never asks);
the run ends by saying where the invitations went.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import EXIT_FAILED, print_json

if TYPE_CHECKING:
    from ..models import Course
    from ..planning import ApplyResult, Plan
    from ..plugins import Plugins

__all__ = [
    "ask_first",
    "check_rules",
    "interactive",
    "invites_went_json",
    "needs_question",
    "where_invites_went",
]


def interactive() -> bool:
    """Whether someone is at a terminal to answer: stdin and stderr are one.

    The plan and the question go to stderr, so ``apply > log`` at a terminal still asks before mailing
    people; a script (no terminal on stdin) never waits for an answer.
    """
    return sys.stdin.isatty() and sys.stderr.isatty()


def check_rules(course: Course, plugins: Plugins, *, ignore: bool, as_json: bool) -> None:
    """Apply the rules; error findings print and exit 1 unless ``ignore``. Warnings are shown and pass."""
    from ..rules import check_course, has_errors
    from .check import _print_findings, findings_json

    findings = check_course(course, plugins)
    errors = [f for f in findings if f.severity == "error"]
    if not has_errors(findings) or ignore:
        if errors:
            click.echo(f"warning: {len(errors)} rule error(s) ignored (--ignore-rules)", err=True)
        for f in findings:
            if f.severity == "warning" and not as_json:
                click.echo(f"warning: {f.rule}: {f.message}", err=True)
        return
    if as_json:
        data: dict[str, Any] = findings_json(course, findings)
        data["applied"] = False
        print_json(data)
    else:
        _print_findings(course, findings)
    click.echo(
        f"error: {len(errors)} rule error(s): apply changed nothing; fix them (see `ta-delivery check`) "
        "or run apply with --ignore-rules",
        err=True,
    )
    sys.exit(EXIT_FAILED)


def needs_question(plan: Plan, plugins: Plugins, transport: str) -> bool:
    """Whether ``plan`` mails people or changes something on a remote system (classrooms, the LMS)."""
    if transport != "outbox" and plan.invites:
        return True
    for change in plan.classrooms:
        spec = plugins.providers.get(change.provider)
        if spec is None or spec.capabilities.remote:
            return True
    return any(change.action != "none" for change in plan.lms)


def ask_first(text: str) -> None:
    """Ask ``text``; anything but yes exits 1 with nothing changed."""
    if not click.confirm(text, default=False, err=True):
        click.echo("apply cancelled: nothing changed", err=True)
        sys.exit(EXIT_FAILED)


def where_invites_went(result: ApplyResult, transport: str, target: Any) -> str:
    """The closing line: how many messages went, and where (the outbox folder, the SMTP host)."""
    sent = sum(1 for item in result.items if item.kind == "invite" and item.ok)
    failed = sum(
        1 for item in result.items if item.kind in ("invite", "recording", "welcome") and not item.ok
    )
    messages = f"{sent} invitation message" + ("" if sent == 1 else "s")
    recordings = sum(1 for item in result.items if item.kind == "recording" and item.ok)
    if recordings:
        messages += f" and {recordings} recording message" + ("" if recordings == 1 else "s")
    welcomes = sum(1 for item in result.items if item.kind == "welcome" and item.ok)
    if welcomes:
        messages += f" and {welcomes} welcome message" + ("" if welcomes == 1 else "s")
    tail = f" ({failed} failed: run apply again)" if failed else ""
    return f"{messages} {_place(transport, target)}{tail}"


def invites_went_json(result: ApplyResult, transport: str, target: Any) -> dict[str, str]:
    """The closing line for ``apply --json``: the transport, and where it put the messages."""
    return {
        "transport": transport,
        "where": _place(transport, target),
        "summary": where_invites_went(result, transport, target),
    }


def _place(transport: str, target: Any) -> str:
    if transport == "outbox":
        folder = getattr(target, "folder", None)
        return f"written to the outbox {Path(folder)}" if folder is not None else "written to the outbox"
    if transport == "smtp":
        settings = getattr(target, "settings", None)
        host = f"{settings.host}:{settings.port}" if settings is not None else "the SMTP server"
        return f"sent through SMTP server {host}"
    return f"handed to the {transport} transport"
