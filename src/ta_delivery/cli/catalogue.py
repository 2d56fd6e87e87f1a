"""``ta-delivery catalogue PROGRAMME --out DIR``: the public catalogue as a static site (PRODUCT.md s. 5)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import InputError
from .common import (
    fail_input,
    main,
    make_context,
    plugin_manager,
    say_carried_over,
    state_option,
    state_override,
)

if TYPE_CHECKING:
    from ..programme import Programme

__all__ = ["catalogue_command"]


def programme_state_url(programme_path: Path, state: str | None, loaded: Programme | None = None) -> str:
    """``--state``, else ``TA_DELIVERY_STATE``, else ``.ta-delivery/state.db`` beside ``programme.toml``.

    The default store is the one ``apply`` uses: a listed course's own store is carried over into it first
    (PRODUCT.md section 5), so the calendars carry the SEQUENCE its invitations reached.
    """
    from ..store import state_location

    override = state_override(state)
    if override or loaded is None:
        return state_location(programme_path, override)
    from ..programme.store import programme_store

    url, moved = programme_store(loaded)
    say_carried_over(moved)
    return url


@main.command("catalogue")
@click.argument("programme", metavar="PROGRAMME")
@click.option("--out", "out", metavar="DIR", required=True, help="Folder to write the site into.")
@click.option(
    "--templates",
    metavar="DIR",
    default=None,
    help="Folder of templates that replace the built-in ones of the same name (see docs/catalogue.md).",
)
@state_option
def catalogue_command(programme: str, out: str, templates: str | None, state: str | None) -> None:
    """Write the public catalogue of PROGRAMME as a static site in DIR (every language of the programme)."""
    from ..catalogue import build_catalogue
    from .programme import is_programme, load_programme_or_exit

    path = Path(programme)
    if not path.is_file():
        fail_input(InputError("no such programme file", source=str(path)))
    if not is_programme(path):
        fail_input(InputError("is not a programme file: it has no [programme] table", source=str(path)))
    loaded = load_programme_or_exit(path, plugin_manager())
    now = make_context(path, None).clock.now()
    files = build_catalogue(
        loaded,
        Path(out),
        now=now,
        store_url=programme_state_url(path, state, loaded),
        templates=Path(templates) if templates else None,
    )
    pages = sum(name.endswith(".html") for name in files)
    courses = sum(name.endswith(".ics") and name.startswith("courses/") for name in files)
    click.echo(
        f"{loaded.id}: wrote {len(files)} files ({pages} pages, {courses} courses, "
        f"languages {', '.join(loaded.languages)}) to {out}"
    )
