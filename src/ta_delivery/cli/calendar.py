"""``ta-delivery calendar COURSE [--person ID] [--out FILE]``: the sessions as a PUBLISH feed."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import click

from ..errors import InputError
from ..models import Course
from ..store import open_store
from .common import (
    course_path,
    fail_input,
    load,
    main,
    make_context,
    plugin_manager,
    state_option,
    state_url,
    store_missing,
    write_out,
)

__all__ = ["calendar_command", "feed_state"]


def feed_state(course: Course, url: str, person_id: str | None) -> tuple[dict[str, str], dict[str, int]]:
    """Join links and SEQUENCEs by session, read from the store at ``url`` (empty if it has none).

    A SEQUENCE is the one the session's event has reached (:func:`lifecycle.event_sequence`, the floor
    the invitations themselves rise from): for a person, at their mailbox or in messages to them. A SQLite
    store that does not exist yet is not created: the feed then simply has no links.
    """
    from ..invites import lifecycle

    if store_missing(url):
        return {}, {}
    store = open_store(url)
    try:
        rooms = store.classrooms(course.id)
        history = store.messages(course.id)
    finally:
        store.close()
    links: dict[str, str] = {}
    for sid, row in rooms.items():
        if row.state != "cancelled":
            room = row.classroom
            links[sid] = room.join_url_for(person_id) if person_id else room.join_url
    email = course.person(person_id).email if person_id is not None else None
    sequences = {
        sid: lifecycle.event_sequence(history, sid, email=email, person_id=person_id)
        for sid in {m.session_id for m in history}
    }
    return links, sequences


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
        write_out(Path(out), data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
