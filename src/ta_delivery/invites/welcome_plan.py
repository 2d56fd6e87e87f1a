"""Which welcome messages are owed, and which invitations a move to feeds withdraws: pure decisions.

A course with ``[invitations] delivery = "feed"`` (decision 0155) sends each person one welcome with their
feed address instead of one invitation per session. The feed tokens come from the store and are passed in
as addresses; this module decides who is owed what from them and from the message log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from ..classroom_plan import Desired
from ..models import Course, Person
from ..store import InviteRow
from . import lifecycle
from .wanted import feeds
from .welcome import welcome_fingerprint

__all__ = ["feed_cancels", "welcome_audience", "welcomes_owed"]


def welcome_audience(
    course: Course, desired: Mapping[str, Desired], eligible: Callable[[Person], bool]
) -> list[Person]:
    """Who should hold a feed: the eligible trainers and participants of the live sessions to come."""
    if not feeds(course):
        return []
    ids = {p.id for d in desired.values() for p in course.people_of(d.session) if eligible(p)}
    return [p for p in (*course.trainers, *course.participants) if p.id in ids]


def welcomes_owed(
    people: Sequence[Person], addresses: Mapping[str, str], history: Sequence[InviteRow]
) -> list[lifecycle.Owed]:
    """The welcome messages owed to ``people``, each of whom has a feed address unless none is issued yet.

    A person without an address (``plan`` only reads, and issues none) is owed a welcome to an address
    not issued yet.
    """
    wanted = [
        lifecycle.Wanted(
            lifecycle.WELCOME_SESSION,
            person.id,
            person.email,
            welcome_fingerprint(addresses[person.id]) if person.id in addresses else "?",
            kind=lifecycle.WELCOME,
        )
        for person in people
    ]
    log = [m for m in history if m.kind == lifecycle.WELCOME]
    return lifecycle.owed(wanted, log)


def feed_cancels(
    owed: Sequence[lifecycle.Owed], audience: Sequence[Person], welcomed: set[str] | None
) -> list[lifecycle.Owed]:
    """The invitations withdrawn because the course moved to feeds, as they may go now.

    Someone who still has sessions keeps their invitations until their welcome is delivered
    (``welcomed``; ``None`` in a plan: all go); someone who has none left is told they are no longer
    expected, as with invitations.
    """
    keep = {p.id for p in audience}
    out: list[lifecycle.Owed] = []
    for message in owed:
        if message.method == "CANCEL" and message.wording == lifecycle.SUBSCRIBED:
            if message.person_id not in keep:
                message = attrs.evolve(message, wording=lifecycle.REMOVED, reason=lifecycle.REMOVED)
            elif welcomed is not None and message.person_id not in welcomed:
                continue
        out.append(message)
    return out
