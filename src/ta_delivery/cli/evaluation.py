"""``ta-delivery evaluation import``: record the answers to a course's evaluation."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..limits import MAX_IMPORT_FILE_BYTES, read_limited
from .common import (
    course_path,
    fail_input,
    load,
    main,
    now_override,
    plugin_manager,
    print_json,
    state_option,
    state_url,
)

__all__ = ["evaluation_group"]

FORMAT_NAMES = ("csv", "moodle-feedback", "limesurvey", "kobo", "google-forms")


@main.group("evaluation")
def evaluation_group() -> None:
    """Evaluations: record participants' answers to the course's questions."""


@evaluation_group.command("import")
@click.argument("course", metavar="COURSE")
@click.argument("file", metavar="FILE")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES, case_sensitive=False),
    default="csv",
    show_default=True,
    help="The file's layout: the plain CSV, or a survey tool's export.",
)
@click.option("--json", "as_json", is_flag=True, help="Print {imported, duplicates, updated} as JSON.")
@state_option
def import_command(course: str, file: str, fmt: str, as_json: bool, state: str | None) -> None:
    """Record evaluation answers from FILE (a CSV with a column per question id, or a survey export)."""
    from datetime import UTC, datetime

    from ..evaluation.service import read_file
    from ..evaluation.storage import save_responses
    from .attendance import _store_for_writing

    path = course_path(course)
    model = load(path, plugin_manager())
    source = Path(file)
    try:
        data = read_limited(source, MAX_IMPORT_FILE_BYTES, source=file)
    except InputError as exc:
        fail_input(exc)
    except OSError as exc:
        fail_input(InputError(f"cannot read: {exc.strerror or exc}", source=file))
    fmt = fmt.lower()
    found = read_file(model, source, data, fmt)  # every input error before the store is opened
    with _store_for_writing(state_url(path, state)) as store:
        result = save_responses(store, model.id, found, fmt, now_override() or datetime.now(UTC))
    if as_json:
        print_json({"imported": result.imported, "duplicates": result.duplicates, "updated": result.updated})
    else:
        click.echo(
            f"{result.imported} response(s) imported, {result.duplicates} already recorded, "
            f"{result.updated} updated"
        )


@evaluation_group.command("pull")
@click.argument("course", metavar="COURSE")
@click.option("--json", "as_json", is_flag=True, help="Print {imported, duplicates, updated} as JSON.")
@state_option
def pull_command(course: str, as_json: bool, state: str | None) -> None:
    """Record the answers of the course's LMS Feedback activity ([evaluation] lms_feedback)."""
    from datetime import UTC, datetime

    from ..evaluation.pull import pull_responses
    from ..evaluation.storage import save_responses
    from .attendance import _store_for_writing
    from .common import make_context

    path = course_path(course)
    plugins = plugin_manager()
    model = load(path, plugins)
    with _store_for_writing(state_url(path, state)) as store:
        found = pull_responses(model, plugins, make_context(path, store))
        result = save_responses(store, model.id, found, "lms-feedback", now_override() or datetime.now(UTC))
    if as_json:
        print_json({"imported": result.imported, "duplicates": result.duplicates, "updated": result.updated})
    else:
        click.echo(
            f"{result.imported} response(s) imported, {result.duplicates} already recorded, "
            f"{result.updated} updated"
        )
