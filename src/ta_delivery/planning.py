"""What ``plan`` says ``apply`` would do, and what ``apply`` did, as records with their JSON forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from .records import LmsChange

__all__ = ["Action", "ApplyResult", "ClassroomChange", "InviteChange", "ItemResult", "Plan", "error_text"]

Action = Literal["create", "update", "cancel", "recover", "cleanup"]


@attrs.frozen
class ClassroomChange:
    """One classroom operation in a plan."""

    session_id: str
    provider: str
    action: Action
    reason: str


@attrs.frozen
class InviteChange:
    """One invitation message in a plan."""

    session_id: str
    person_id: str
    email: str
    #: REQUEST or CANCEL for an invitation, SEND for a recording message
    method: str
    sequence: int
    reason: str
    #: the message's kind (``invite``; see :mod:`ta_delivery.invites.lifecycle`)
    kind: str = "invite"
    #: how it is worded: ``invitation`` or ``update`` for a REQUEST, the reason for a CANCEL
    wording: str = ""


@attrs.frozen
class Plan:
    """What ``apply`` would do."""

    course_id: str
    classrooms: tuple[ClassroomChange, ...]
    invites: tuple[InviteChange, ...]
    lms: tuple[LmsChange, ...] = ()
    notes: tuple[str, ...] = ()
    prerequisites: Mapping[str, bool] | None = None

    @property
    def empty(self) -> bool:
        """True when nothing would change."""
        return not (self.classrooms or self.invites or any(c.action != "none" for c in self.lms))

    def to_json(self) -> dict[str, Any]:
        """The plan as printed by ``plan --json``.

        Each item names its ``kind`` with the word ``apply --json`` uses for the same item, so a script
        can match what was planned with what was done.
        """
        return {
            "course": self.course_id,
            "classrooms": [
                {
                    "kind": "classroom",
                    "session": c.session_id,
                    "provider": c.provider,
                    "action": c.action,
                    "reason": c.reason,
                }
                for c in self.classrooms
            ],
            "invites": [
                {
                    "kind": i.kind,
                    "session": i.session_id,
                    "person": i.person_id,
                    "email": i.email,
                    "method": i.method,
                    "sequence": i.sequence,
                    "reason": i.reason,
                }
                for i in self.invites
            ],
            "lms": [
                {"kind": "lms", "action": c.action, "target": c.target, "detail": c.detail} for c in self.lms
            ],
            "prerequisites": dict(self.prerequisites) if self.prerequisites is not None else None,
            "notes": list(self.notes),
        }


def error_text(exc: BaseException) -> str:
    """How a failed item's error reads in ``apply``'s output and in the store: its type and message."""
    return f"{type(exc).__name__}: {exc}"


@attrs.frozen
class ItemResult:
    """The outcome of one operation of ``apply``."""

    kind: Literal["classroom", "invite", "recording", "welcome", "lms"]
    target: str
    action: str
    ok: bool
    error: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "action": self.action,
            "ok": self.ok,
            "error": self.error,
            "detail": self.detail,
        }


@attrs.frozen
class ApplyResult:
    """Everything ``apply`` did, item by item."""

    course_id: str
    items: tuple[ItemResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every item succeeded."""
        return all(i.ok for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {
            "course": self.course_id,
            "ok": self.ok,
            "items": [i.to_json() for i in self.items],
            "notes": list(self.notes),
        }
