"""Who a raw segment is about: provider id, then email, and a name match that is only ever suggested."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

import attrs

from ..models import Course

__all__ = ["Identity", "IdentityIndex", "name_key", "normalise_email"]


def normalise_email(value: str | None) -> str | None:
    """An email trimmed and case-folded (``None`` for blank)."""
    if value is None:
        return None
    text = value.strip().casefold()
    return text or None


def name_key(value: str | None) -> str | None:
    """A name reduced for comparison: accents dropped, case folded, ``Last, First`` = ``First Last``.

    The words are sorted, so word order never matters; ``None`` for a blank name.
    """
    if not value:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return " ".join(sorted(words)) or None


@attrs.frozen
class Identity:
    """The outcome of resolving one raw identity.

    ``person_id`` is set when someone on the course was found (``role`` says trainer or participant);
    otherwise ``key`` names the unknown identifier (one unmatched entry per key and session).
    """

    person_id: str | None
    role: str | None
    key: str
    name: str | None
    email: str | None


@attrs.define
class IdentityIndex:
    """Resolves raw identities against a course, in order: ids, then email, then ids ignoring case.

    Names are never applied.
    """

    course: Course
    external_ids: Mapping[str, str] = attrs.field(factory=dict)
    _roles: dict[str, str] = attrs.field(init=False, factory=dict)
    _emails: dict[str, str] = attrs.field(init=False, factory=dict)
    #: case-folded id -> id, for ids no other person's id equals once case is ignored
    _folded_ids: dict[str, str] = attrs.field(init=False, factory=dict)
    _names: dict[str, list[str]] = attrs.field(init=False, factory=dict)
    _cache: dict[tuple[str | None, ...], Identity] = attrs.field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        folded: dict[str, list[str]] = {}
        # participants first: an address a participant shares with a trainer credits the participant,
        # whose attendance the report is about
        for person in (*self.course.participants, *self.course.trainers):
            self._roles[person.id] = person.role
            self._emails.setdefault(person.email.strip().casefold(), person.id)
            folded.setdefault(person.id.casefold(), []).append(person.id)
        self._folded_ids = {key: ids[0] for key, ids in folded.items() if len(ids) == 1}
        for participant in self.course.participants:
            key = name_key(participant.name)
            if key is not None:
                self._names.setdefault(key, []).append(participant.id)

    def cached(
        self, person_id: str | None, external_id: str | None, email: str | None, name: str | None
    ) -> Identity | None:
        """The identity already resolved for these raw fields, if any."""
        return self._cache.get((person_id, external_id, email, name))

    def resolve(
        self,
        person_id: str | None,
        external_id: str | None,
        email: str | None,
        name: str | None,
    ) -> Identity:
        """The identity of a raw segment (cached: the same raw fields resolve once)."""
        raw = (person_id, external_id, email, name)
        hit = self._cache.get(raw)
        if hit is not None:
            return hit
        found = self._find(person_id, external_id, email)
        mail = normalise_email(email)
        if found is not None:
            ident = Identity(found, self._roles[found], f"person:{found}", name, mail)
        else:
            if mail is not None:
                key = f"email:{mail}"
            elif external_id:
                key = f"id:{external_id.strip()}"
            elif person_id:
                key = f"id:{person_id.strip()}"
            else:
                key = f"name:{name_key(name) or ''}"
            shown = name.strip() if name and name.strip() else None
            if shown is None and mail is None:
                shown = (external_id or person_id or "").strip() or None
            ident = Identity(None, None, key, shown, email.strip() if mail is not None and email else None)
        self._cache[raw] = ident
        return ident

    def _find(self, person_id: str | None, external_id: str | None, email: str | None) -> str | None:
        for candidate in (person_id, external_id):
            if not candidate:
                continue
            text = candidate.strip()
            if text in self._roles:
                return text
            mapped = self.external_ids.get(text)
            if mapped in self._roles:
                return mapped
        mail = normalise_email(email)
        if mail is not None and mail in self._emails:
            return self._emails[mail]
        # a register-csv 'participant' cell may hold an email in the id column, or an id in another case
        for candidate in (person_id, external_id):
            folded = normalise_email(candidate)
            if folded is not None and "@" in folded and folded in self._emails:
                return self._emails[folded]
            if folded is not None and folded in self._folded_ids:
                return self._folded_ids[folded]
        return None

    def suggest_with_reason(self, name: str | None) -> list[tuple[str, str]]:
        """(participant id, why) for participants whose name matches ``name``: as written (word order, case
        and accents aside), or the original name a Zoom export adds in parentheses, or the name before it."""
        out: list[tuple[str, str]] = []
        if not name:
            return out
        for pid in self.suggest(name):
            out.append((pid, "same name (word order, case and accents aside); no email in the export"))
        if out:
            return out
        inner = (
            name[name.find("(") + 1 : name.rfind(")")] if "(" in name and name.rstrip().endswith(")") else ""
        )
        outer = name[: name.find("(")] if inner else ""
        for part, why in ((inner, "the original name in parentheses"), (outer, "the display name")):
            for pid in self.suggest(part):
                if pid not in [p for p, _w in out]:
                    out.append((pid, f"{why} matches the participant's name"))
        return out

    def suggest(self, name: str | None) -> tuple[str, ...]:
        """Participants whose name matches ``name`` (word order, case and accents aside)."""
        key = name_key(name)
        if key is None:
            return ()
        return tuple(self._names.get(key, ()))
