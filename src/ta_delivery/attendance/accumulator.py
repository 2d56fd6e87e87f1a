"""Raw segments collected for reconciliation: resolved once per distinct identity, grouped by session and
person, with the links ``attendance link`` stored applied (pure: no store, no clock)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from .identity import Identity, IdentityIndex, name_key

__all__ = ["Accumulator"]


@attrs.define
class Accumulator:
    """Collects raw segments, resolved once per distinct raw identity, grouped by session and person."""

    index: IdentityIndex
    intervals: dict[tuple[str, str], list[tuple[datetime, datetime]]] = attrs.field(factory=dict)
    #: identities of the unknown (people on the course are keyed ``person:<id>``)
    identities: dict[tuple[str, str], Identity] = attrs.field(factory=dict)
    #: (session, ``email:...``/``name:...``) -> participant, from ``attendance link``
    links: Mapping[tuple[str, str], str] = attrs.field(factory=dict)
    #: (session, participant) pairs credited through a link: shown as confirmed by hand
    linked: set[tuple[str, str]] = attrs.field(factory=set)
    _seen: dict[tuple[str, str], tuple[datetime | None, datetime | None]] = attrs.field(
        factory=dict, init=False
    )

    def clear(self) -> None:
        """Drop everything collected (frees memory while the accumulator is still referenced)."""
        self.intervals.clear()
        self.identities.clear()
        self._seen.clear()

    def add(
        self,
        session_id: str,
        person_id: str | None,
        external_id: str | None,
        email: str | None,
        name: str | None,
        join: datetime,
        leave: datetime,
    ) -> None:
        """Take one raw segment."""
        ident = self.index.cached(person_id, external_id, email, name)
        if ident is None:
            ident = self.index.resolve(person_id, external_id, email, name)
        if ident.person_id is None and self.links:
            ident = self._linked(session_id, ident)
        key = (session_id, ident.key)
        bucket = self.intervals.get(key)
        if bucket is None:
            self.intervals[key] = [(join, leave)]
        else:
            bucket.append((join, leave))
        if ident.person_id is None:
            self._shown(key, ident, join)

    def _linked(self, session_id: str, ident: Identity) -> Identity:
        """``ident`` as the participant ``attendance link`` named for it in this session, if any."""
        pid = self.links.get((session_id, ident.key))
        if pid is None and ident.name:
            pid = self.links.get((session_id, f"name:{name_key(ident.name) or ''}"))
        if pid is None:
            return ident
        self.linked.add((session_id, pid))
        return Identity(pid, "participant", f"person:{pid}", ident.name, ident.email)

    def adopt(self, other: Accumulator, key: tuple[str, str]) -> None:
        """Take the unknown identity of ``key`` from ``other`` (with what decided its name and email)."""
        self.identities[key] = other.identities[key]
        self._seen[key] = other._seen[key]

    def _shown(self, key: tuple[str, str], ident: Identity, join: datetime) -> None:
        """Keep, for an unknown identifier, the name and the email of its earliest segment having one.

        Chosen by (join, value), so the entry never depends on the order rows were read in.
        """
        old = self.identities.get(key)
        if old is None:
            self.identities[key] = ident
            self._seen[key] = (join if ident.name else None, join if ident.email else None)
            return
        name_at, email_at = self._seen[key]
        name, email = old.name, old.email
        if ident.name and (name_at is None or (join, ident.name) < (name_at, name or "")):
            name, name_at = ident.name, join
        if ident.email and (email_at is None or (join, ident.email) < (email_at, email or "")):
            email, email_at = ident.email, join
        if (name, email) != (old.name, old.email):
            self.identities[key] = attrs.evolve(old, name=name, email=email)
        self._seen[key] = (name_at, email_at)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        """Take rows of ``(session_id, person_id, external_id, email, name, join, leave)``.

        The same as :meth:`add` per row, inlined: a report reads every stored row through here.
        """
        intervals = self.intervals
        resolve = self.index.resolve
        links = self.links
        shown = self._shown
        for sid, pid, ext, email, name, join, leave in rows:
            ident = resolve(pid, ext, email, name)
            if ident.person_id is None and links:
                ident = self._linked(sid, ident)
            key = (sid, ident.key)
            bucket = intervals.get(key)
            if bucket is None:
                intervals[key] = [(join, leave)]
            else:
                bucket.append((join, leave))
            if ident.person_id is None:
                shown(key, ident, join)
