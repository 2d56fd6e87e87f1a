"""Pure decisions of the Moodle sync: names, marks, role ids, and the register's sessions.

Nothing here talks to Moodle: the provider reads the site, these functions decide, the provider writes.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

import attrs

from ta_delivery.errors import BadResponse
from ta_delivery.models import Course, Person, Session
from ta_delivery.records import AttendanceStatus

from .options import DEFAULT_STUDENT_ROLE, DEFAULT_TEACHER_ROLE

__all__ = [
    "RegisterPlan",
    "Roles",
    "Slot",
    "acronym_for",
    "clean_text",
    "parse_mark",
    "plan_register",
    "resolve_roles",
    "session_description",
    "session_mark",
    "slot_for",
    "split_name",
    "username_candidates",
]

#: A session id is at most 64 characters; percent-encoded, each can take 12 (a 4-byte UTF-8 character).
_MARK = re.compile(r"\[ta-delivery:([a-z0-9-]{1,64})/([A-Za-z0-9%._~-]{1,768})\]")
_USERNAME_DROP = re.compile(r"[^-.@_a-z0-9]")
_TAGLIKE = re.compile(r"[<>]")

#: Our attendance statuses and the acronym each is pushed as (``partial`` is configurable).
ACRONYM_OF = {"present": "P", "late": "L", "excused": "E", "absent": "A"}


def clean_text(text: str, limit: int = 254) -> str:
    """``text`` safe for Moodle's PARAM_TEXT/PARAM_NOTAGS: no control characters, no ``<``/``>``."""
    kept = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    kept = _TAGLIKE.sub("", kept)
    return " ".join(kept.split())[:limit].strip()


def split_name(name: str) -> tuple[str, str]:
    """First and last name for Moodle (both required): the last word is the last name."""
    words = clean_text(name, 200).split()
    if not words:
        return "-", "-"
    if len(words) == 1:
        return words[0][:100], "-"
    return " ".join(words[:-1])[:100], words[-1][:100]


def username_candidates(email: str, count: int = 5) -> list[str]:
    """Usernames to try for ``email``, best first; each already passes Moodle's PARAM_USERNAME."""
    base = _USERNAME_DROP.sub("", email.strip().lower())[:90] or "user"
    return [base] + [f"{base}-{n}" for n in range(2, count + 1)]


def session_mark(course_id: str, session_id: str) -> str:
    """The mark that ties a register session to our session: ``[ta-delivery:course/session]``."""
    return f"[ta-delivery:{course_id}/{quote(session_id, safe='')}]"


def parse_mark(description: str) -> tuple[str, str] | None:
    """(course id, session id) from a register session's description, if it carries our mark."""
    match = _MARK.search(description or "")
    if match is None:
        return None
    return match.group(1), unquote(match.group(2))


def session_description(course: Course, session: Session) -> str:
    """The description of a register session: the title, then our mark.

    Text without tags (shown as HTML, so escaped): releases of mod_attendance that declare the
    description ``PARAM_TEXT`` refuse to return one holding tags ("Invalid response value detected").
    """
    title = html.escape(clean_text(session.title, 200), quote=False)
    return f"{title} {session_mark(course.id, session.id)}"


# --- roles ----------------------------------------------------------------------------------------


@attrs.frozen
class Roles:
    """The role ids trainers and participants are enrolled with, and where they came from."""

    teacher: int
    student: int
    source: str


def resolve_roles(teacher: int | None, student: int | None, enrolled: Iterable[Mapping[str, Any]]) -> Roles:
    """Role ids: configured ones first, else those the site shows by short name, else Moodle's defaults.

    Moodle has no web-service function listing roles; ``core_enrol_get_enrolled_users`` shows the roles
    (id and short name) held in a course, so any ``editingteacher``/``student`` seen there is used.
    """
    seen: dict[str, int] = {}
    for user in enrolled:
        for role in user.get("roles") or ():
            if isinstance(role, Mapping) and isinstance(role.get("shortname"), str):
                try:
                    seen.setdefault(role["shortname"], int(role["roleid"]))
                except (KeyError, TypeError, ValueError):
                    continue
    teacher, teacher_from = _role(teacher, seen.get("editingteacher"), DEFAULT_TEACHER_ROLE)
    student, student_from = _role(student, seen.get("student"), DEFAULT_STUDENT_ROLE)
    return Roles(teacher, student, f"{teacher_from}/{student_from}")


def _role(configured: int | None, on_site: int | None, default: int) -> tuple[int, str]:
    """A role id and where it came from: the settings, else the site's role of that short name, else
    Moodle's default id."""
    if configured is not None:
        return configured, "settings"
    if on_site is not None:
        return on_site, "site"
    return default, "default"


# --- the register ---------------------------------------------------------------------------------


@attrs.frozen
class Slot:
    """A session of the Moodle attendance register, as ``mod_attendance_get_sessions`` reports it."""

    id: int
    start: int
    duration: int
    description: str = ""
    lasttaken: int = 0
    statusset: int = 0
    statuses: Mapping[str, int] = attrs.field(factory=dict)
    log: Mapping[int, int] = attrs.field(factory=dict)
    has_statuses: bool = False

    @property
    def end(self) -> int:
        """Unix time the session ends."""
        return self.start + self.duration

    @property
    def key(self) -> tuple[str, str] | None:
        """(course id, session id) from our mark, if any."""
        return parse_mark(self.description)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Slot:
        """Read one session object; a malformed one is a :class:`BadResponse`."""
        try:
            statuses: dict[str, int] = {}
            raw_statuses = data.get("statuses")
            for status in raw_statuses or ():
                if int(status.get("deleted") or 0):
                    continue
                acronym = str(status.get("acronym", "")).strip().upper()
                statuses.setdefault(acronym, int(status["id"]))
            log: dict[int, int] = {}
            for entry in data.get("attendance_log") or ():
                log[int(entry["studentid"])] = int(entry["statusid"])
            return cls(
                id=int(data["id"]),
                start=int(data["sessdate"]),
                duration=int(data.get("duration") or 0),
                description=str(data.get("description") or ""),
                lasttaken=int(data.get("lasttaken") or 0),
                statusset=int(data.get("statusset") or 0),
                statuses=statuses,
                log=log,
                has_statuses=raw_statuses is not None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadResponse(
                f"malformed attendance session: {type(exc).__name__}", provider="moodle"
            ) from exc


@attrs.frozen
class RegisterPlan:
    """What the register needs: sessions to add, slots to remove, moves, and what cannot be done."""

    add: tuple[Session, ...] = ()
    move: tuple[tuple[Session, Slot], ...] = ()
    remove: tuple[tuple[str, Slot, str], ...] = ()
    blocked: tuple[tuple[str, Slot, str], ...] = ()
    kept: Mapping[str, Slot] = attrs.field(factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing needs doing."""
        return not (self.add or self.move or self.remove or self.blocked)


def _timestamp(session: Session) -> int:
    return int(session.start.timestamp())


def _matches(slot: Slot, session: Session) -> bool:
    return slot.start == _timestamp(session) and slot.duration == session.minutes * 60


def slot_for(course: Course, slots: Sequence[Slot], session_id: str) -> Slot | None:
    """The register session that stands for ``session_id`` (as :func:`plan_register` would keep it)."""
    group = [s for s in slots if s.key == (course.id, session_id)]
    if not group:
        return None
    try:
        session: Session | None = course.session(session_id)
    except KeyError:
        session = None
    return sorted(
        group,
        key=lambda s: (s.lasttaken == 0, session is None or not _matches(s, session), s.id),
    )[0]


def plan_register(course: Course, slots: Sequence[Slot], now: int, active: bool = True) -> RegisterPlan:
    """Bring the register in step with the course's live sessions.

    Every live session gets one slot (past ones too, so their attendance has a place). A slot that has
    not ended is moved (removed and added again: mod_attendance has no update function) when its session
    moved, and removed when its session is gone or the course is no longer active. A slot that has ended,
    or in which attendance was already taken, is never touched. Slots without our mark are not ours.
    """
    ours: dict[str, list[Slot]] = {}
    for slot in slots:
        key = slot.key
        if key is not None and key[0] == course.id:
            ours.setdefault(key[1], []).append(slot)
    desired = {s.id: s for s in course.live_sessions} if active else {}
    add: list[Session] = []
    move: list[tuple[Session, Slot]] = []
    remove: list[tuple[str, Slot, str]] = []
    blocked: list[tuple[str, Slot, str]] = []
    kept: dict[str, Slot] = {}

    def removable(slot: Slot) -> bool:
        return slot.end > now and slot.lasttaken == 0

    for sid, session in desired.items():
        group = sorted(ours.get(sid, []), key=lambda s: (s.lasttaken == 0, not _matches(s, session), s.id))
        if not group:
            add.append(session)
            continue
        primary, extras = group[0], group[1:]
        for extra in extras:
            if removable(extra):
                remove.append((sid, extra, "duplicate register session"))
        same = _matches(primary, session)
        if same or primary.end <= now or int(session.end.timestamp()) <= now:
            kept[sid] = primary
        elif primary.lasttaken:
            blocked.append((sid, primary, "attendance already taken in Moodle; move it there by hand"))
            kept[sid] = primary
        else:
            move.append((session, primary))
    reason = "session removed" if active else f"course {course.status}"
    for sid, group in sorted(ours.items()):
        if sid in desired:
            continue
        for slot in group:
            if removable(slot):
                remove.append((sid, slot, reason))
            else:
                kept.setdefault(sid, slot)
    return RegisterPlan(tuple(add), tuple(move), tuple(remove), tuple(blocked), kept)


def acronym_for(status: AttendanceStatus, partial: str = "A") -> str:
    """The register acronym of ``status``: present P, late L, excused E, absent A, partial ``partial``."""
    if status.status == "partial":
        return partial
    return ACRONYM_OF[status.status]


def by_email(users: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Moodle users keyed by lower-cased email (the first, lowest id, wins)."""
    valid: list[dict[str, Any]] = []
    for user in users:
        try:
            valid.append({**user, "id": int(user["id"])})
        except (KeyError, TypeError, ValueError):
            continue  # a user without an id is of no use to us
    out: dict[str, dict[str, Any]] = {}
    for user in sorted(valid, key=lambda u: int(u["id"])):
        email = user.get("email")
        if isinstance(email, str) and email:
            out.setdefault(email.strip().lower(), user)
    return out


def people_of(course: Course) -> list[tuple[Person, str]]:
    """Every person with the role they take in the LMS course (a trainer wins over a participant)."""
    seen: set[str] = set()
    out: list[tuple[Person, str]] = []
    for trainer in course.trainers:
        out.append((trainer, "teacher"))
        seen.add(trainer.email.lower())
    for participant in course.participants:
        if participant.email.lower() not in seen:
            out.append((participant, "student"))
            seen.add(participant.email.lower())
    return out
