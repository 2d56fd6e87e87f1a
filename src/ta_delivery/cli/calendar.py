"""``ta-delivery calendar COURSE [--person ID] [--out FILE]``: the sessions as a PUBLISH feed."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import click

from ..errors import InputError
from ..models import Course
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
    if store_missing(url):
        return {}, {}
    from ..invites.feedstate import store_feed_state
    from ..store import open_store

    store = open_store(url)
    try:
        return store_feed_state(course, store, person_id)
    finally:
        store.close()


def _feed_link(
    course: Course, path: Path, state: str | None, person_id: str | None, *, link: bool, revoke: bool
) -> None:
    """``--link`` / ``--revoke-link``: the person's feed address on ``serve``, kept in the store."""
    import os

    from ..serve.target import feed_url

    if person_id is None:
        fail_input(InputError("needs --person ID: a feed address belongs to one person", key="--link"))
    base = os.environ.get("TA_DELIVERY_SERVE_URL", "").strip()
    if link and not base.startswith(("https://", "http://")):
        fail_input(
            InputError(
                "is not set to the public http(s) address of `ta-delivery serve`, e.g. https://ta.example.org",
                source="TA_DELIVERY_SERVE_URL",
            )
        )
    from ..store import open_store

    store = open_store(state_url(path, state))
    try:
        if revoke:
            count = store.revoke_feed_tokens(course.id, person_id)
            click.echo(f"revoked {count} feed address(es) of {person_id}", err=True)
        if link:
            click.echo(feed_url(base, store.feed_token(course.id, person_id)))
    finally:
        store.close()


@main.command("calendar")
@click.argument("course", metavar="COURSE")
@click.option("--person", "person_id", metavar="ID", default=None, help="Only this person's sessions.")
@click.option("--out", "out", metavar="FILE", default=None, help="Write the feed here instead of stdout.")
@click.option(
    "--link",
    is_flag=True,
    help="Print the address of the person's feed on `ta-delivery serve` (TA_DELIVERY_SERVE_URL) instead.",
)
@click.option(
    "--revoke-link",
    is_flag=True,
    help="Revoke the person's feed address; the next --link prints a new one.",
)
@state_option
def calendar_command(
    course: str, person_id: str | None, out: str | None, state: str | None, link: bool, revoke_link: bool
) -> None:
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
    if link or revoke_link:
        _feed_link(model, path, state, person_id, link=link, revoke=revoke_link)
        return
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
