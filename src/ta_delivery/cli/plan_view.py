"""What a plan changes, in words: old → new per session, and the totals line.

Pure presentation over a :class:`~ta_delivery.planning.Plan`, the course as written and the classrooms as
the store remembers them; nothing here decides what ``apply`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..models import Course
    from ..planning import Plan
    from ..plugins import Plugins
    from ..store import ClassroomRow

__all__ = ["Change", "PlanView", "totals_line"]

#: ``plan --exit-code``: the exit status when apply has something to do (0 when nothing).
EXIT_PENDING = 3
_NEW_LINK = "a new link"


@attrs.frozen
class Change:
    """One thing about a session that apply changes: ``what`` goes from ``old`` to ``new``."""

    session: str
    what: str  # start, minutes, title, link, provider, people
    old: str
    new: str

    def to_json(self) -> dict[str, str]:
        return {"session": self.session, "what": self.what, "old": self.old, "new": self.new}

    def __str__(self) -> str:
        return f"{self.what}: {self.old} → {self.new}"


@attrs.frozen
class PlanView:
    """A plan with its totals and its old → new changes."""

    plan: Plan
    totals: Mapping[str, int]
    changes: tuple[Change, ...]

    @property
    def pending(self) -> bool:
        """Whether apply has anything to do."""
        return not self.plan.empty

    @classmethod
    def build(
        cls, course: Course, plan: Plan, rows: Mapping[str, ClassroomRow], plugins: Plugins | None = None
    ) -> PlanView:
        """The view of ``plan`` for ``course``; ``rows`` are the classrooms the store remembers."""
        return cls(plan, plan_totals(plan), tuple(session_changes(course, plan, rows, plugins)))

    def to_json(self) -> dict[str, Any]:
        """``plan --json``: the plan, plus ``pending``, ``totals`` and ``changes``."""
        data = self.plan.to_json()
        data["pending"] = self.pending
        data["totals"] = dict(self.totals)
        data["changes"] = [change.to_json() for change in self.changes]
        return data

    def by_session(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {}
        for change in self.changes:
            out.setdefault(change.session, []).append(change)
        return out


def plan_totals(plan: Plan) -> dict[str, int]:
    """Classrooms to create, update and cancel; invitations and cancellation messages; LMS changes."""
    actions = [c.action for c in plan.classrooms]
    return {
        "create": sum(a in ("create", "recover") for a in actions),
        "update": sum(a == "update" for a in actions),
        "cancel": sum(a in ("cancel", "cleanup") for a in actions),
        "invitations": sum(i.method == "REQUEST" for i in plan.invites),
        "cancellations": sum(i.method == "CANCEL" for i in plan.invites),
        "welcomes": sum(i.kind == "welcome" for i in plan.invites),
        "lms": sum(c.action != "none" for c in plan.lms),
    }


def totals_line(totals: Mapping[str, int]) -> str:
    """``3 to create, 1 to update, 0 to cancel, 42 invitations`` (and what else there is)."""
    words = [
        f"{totals['create']} to create",
        f"{totals['update']} to update",
        f"{totals['cancel']} to cancel",
        _count(totals["invitations"], "invitation"),
    ]
    if totals.get("cancellations"):
        words.append(_count(totals["cancellations"], "cancellation"))
    if totals.get("welcomes"):
        words.append(_count(totals["welcomes"], "welcome message"))
    if totals.get("lms"):
        words.append(_count(totals["lms"], "LMS change"))
    return ", ".join(words)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def session_changes(
    course: Course, plan: Plan, rows: Mapping[str, ClassroomRow], plugins: Plugins | None = None
) -> list[Change]:
    """Old → new for times, titles, links and providers of the sessions apply changes, and their people."""
    sessions = {s.id: s for s in course.sessions}
    tz = course.zone
    out: list[Change] = []
    seen: set[str] = set()
    for change in plan.classrooms:
        sid = change.session_id
        row = rows.get(sid)
        session = sessions.get(sid)
        if sid in seen or row is None or session is None or change.action not in ("update", "create"):
            continue
        if change.action == "create" and not any(
            c.session_id == sid and c.action == "cancel" for c in plan.classrooms
        ):
            continue  # a new classroom: nothing to compare it with
        seen.add(sid)
        old_start, new_start = _when(row.session_start, tz), _when(session.start, tz)
        if old_start != new_start:
            out.append(Change(sid, "start", old_start, new_start))
        if row.minutes != session.minutes:
            out.append(Change(sid, "minutes", str(row.minutes), str(session.minutes)))
        if row.title != session.title:
            out.append(Change(sid, "title", row.title, session.title))
        provider = course.provider_of(session)
        if row.classroom.provider != provider:
            out.append(Change(sid, "provider", row.classroom.provider, provider))
        if _new_link(change.action, change.reason, provider, row, plugins):
            out.append(Change(sid, "link", row.classroom.join_url, _NEW_LINK))
    out.extend(_people_changes(course, plan))
    return out


def _new_link(action: str, reason: str, provider: str, row: ClassroomRow, plugins: Plugins | None) -> bool:
    if action == "create" or row.classroom.provider != provider or "link" in reason:
        return True
    spec = plugins.providers.get(provider) if plugins is not None else None
    return spec is not None and not spec.capabilities.update_in_place


def _people_changes(course: Course, plan: Plan) -> list[Change]:
    """Per session already invited, its people before and after: who is invited and who withdrawn."""
    added: dict[str, set[str]] = {}
    removed: dict[str, list[str]] = {}
    for invite in plan.invites:
        if invite.method == "REQUEST" and invite.reason in ("new invitation", "invited again"):
            added.setdefault(invite.session_id, set()).add(invite.person_id)
        elif invite.method == "CANCEL" and invite.reason == "removed":
            removed.setdefault(invite.session_id, []).append(invite.person_id)
    sessions = {s.id: s for s in course.sessions}
    out: list[Change] = []
    for sid in sorted({*added, *removed}):
        if sid not in sessions:
            continue
        now = [p.id for p in course.people_of(sessions[sid])]
        before = [p for p in now if p not in added.get(sid, set())]
        before += [p for p in removed.get(sid, []) if p not in before]
        if before and before != now:  # a session nobody was invited to yet is new, not changed
            out.append(Change(sid, "people", ", ".join(before), ", ".join(now) or "no one"))
    return out


def _when(instant: datetime, tz: Any) -> str:
    return f"{instant.astimezone(tz):%a %Y-%m-%d %H:%M}"
