"""``ta-delivery calendar COURSE [--person ID] [--out FILE]``: the sessions as a PUBLISH feed."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import click

from ..errors import InputError
from ..models import Course
from ..store import open_store
from .common import course_path, fail_input, load, main, make_context, plugin_manager, state_option, state_url

__all__ = ["calendar_command", "feed_state"]


def feed_state(course: Course, url: str, person_id: str | None) -> tuple[dict[str, str], dict[str, int]]:
    """Join links and last sequences by session, read from the store at ``url`` (empty if it has none).

    A SQLite store that does not exist yet is not created: the feed then simply has no links.
    """
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return {}, {}
    store = open_store(url)
    try:
        rooms = store.classrooms(course.id)
        invites = store.invites(course.id)
    finally:
        store.close()
    links: dict[str, str] = {}
    for sid, row in rooms.items():
        if row.state != "cancelled":
            room = row.classroom
            links[sid] = room.join_url_for(person_id) if person_id else room.join_url
    sequences: dict[str, int] = {}
    for (sid, pid), invite in invites.items():
        if person_id is None or pid == person_id:
            sequences[sid] = max(sequences.get(sid, 0), invite.sequence)
    return links, sequences


def _mode(out: Path) -> int:
    """The permissions ``out`` gets: those it has, else what a shell redirect would give (0666 less umask)."""
    try:
        return out.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write(out: Path, data: bytes) -> None:
    """Write ``out`` atomically; a path that cannot be written is an input error naming ``--out``.

    The file is readable as a redirect's would be (a feed is meant to be published), not private like
    the temporary file it is written through.
    """
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        mode = _mode(out)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", source=str(out), key="--out") from None


@main.command("calendar")
@click.argument("course", metavar="COURSE")
@click.option("--person", "person_id", metavar="ID", default=None, help="Only this person's sessions.")
@click.option("--out", "out", metavar="FILE", default=None, help="Write the feed here instead of stdout.")
@state_option
def calendar_command(course: str, person_id: str | None, out: str | None, state: str | None) -> None:
    """Print the course's (or one person's) sessions as an iCalendar feed (METHOD:PUBLISH)."""
    from ..invites import build_feed

    path = course_path(course)
    plugins = plugin_manager()
    model = load(path, plugins)
    if person_id is not None:
        try:
            model.person(person_id)
        except KeyError:
            fail_input(InputError(f"no person with id {person_id!r} in the course", key="--person"))
    links: Mapping[str, str]
    sequences: Mapping[str, int]
    links, sequences = feed_state(model, state_url(path, state), person_id)
    context = make_context(path, None)
    data = build_feed(
        model,
        person_id=person_id,
        join_urls=links,
        sequences=sequences,
        dtstamp=context.clock.now(),
        plugins=plugins,
    )
    if out:
        _write(Path(out), data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
