"""Courses for tests, built once here instead of pasted into every test file.

- :func:`make_course` gives a valid :class:`~ta_delivery.models.Course` model; change any field by keyword.
- :func:`course_toml` gives the text of a course file (PRODUCT.md section 1); change the ``[course]`` keys,
  the people, the sessions and the series by keyword, and append anything else (option tables, ``[lms]``,
  rules) as raw TOML with ``extra``. :func:`write_course` writes it to a folder.
- :func:`person`, :func:`session`, :func:`series` and :func:`centre` give one table's keys; :func:`table`
  writes one table, for a test that splices a fragment (a second session, a broken key) into its own file.

```python
course = make_course(provider="zoom", sessions=(live("s01", START),))
path = write_course(tmp_path, course_toml(provider="zoom", extra='[zoom]\\nwaiting_room = true\\n'))
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import attrs

from ..models import Course, Organizer, Participant, Session, Trainer
from ..records import ClassroomRequest

__all__ = [
    "ORG",
    "P1",
    "PARTICIPANT",
    "START",
    "T1",
    "TRAINER",
    "Raw",
    "centre",
    "classroom_request",
    "course_head",
    "course_toml",
    "live",
    "make_course",
    "participant",
    "person",
    "series",
    "session",
    "table",
    "toml_value",
    "trainer",
    "write_course",
]

#: When the default course's first session starts (UTC): a Monday, far enough ahead of any test clock.
START = datetime(2027, 9, 6, 14, tzinfo=UTC)


# --- models --------------------------------------------------------------------------------------------


def trainer(id: str = "rf", **changes: Any) -> Trainer:
    """A trainer; ``id`` also names the e-mail address unless given."""
    fields: dict[str, Any] = {
        "id": id,
        "name": "Roberto F." if id == "rf" else f"Trainer {id}",
        "email": f"{id}@example.org",
        "timezone": "Europe/Zurich",
    }
    return Trainer(**{**fields, **changes})


def participant(id: str = "jm-01", **changes: Any) -> Participant:
    """A participant; ``id`` also names the e-mail address unless given."""
    fields: dict[str, Any] = {
        "id": id,
        "name": "Ana Pérez" if id == "jm-01" else f"Participant {id}",
        "email": "ana@example.org" if id == "jm-01" else f"{id}@example.org",
        "timezone": "America/Jamaica",
    }
    return Participant(**{**fields, **changes})


def live(id: str = "s01", start: datetime = START, minutes: int = 120, **changes: Any) -> Session:
    """A live session taught by ``rf`` unless ``trainers`` is given."""
    fields: dict[str, Any] = {
        "id": id,
        "title": f"Session {id}",
        "start": start,
        "minutes": minutes,
        "trainers": ("rf",),
    }
    return Session(**{**fields, **changes})


def classroom_request(key: str = "course-1/s01", **changes: Any) -> ClassroomRequest:
    """What a provider is asked for one live session: two hours from 5 April 2027 14:00 UTC, taught by
    :func:`trainer` ``rf`` to participants ``p1``..``p3``; change any field by keyword.

    ``key`` is ``[prefix:]course/session``: the course and session ids are read from it unless given.
    """
    course_id = key.rpartition("/")[0].rpartition(":")[2]
    fields: dict[str, Any] = {
        "key": key,
        "course_id": course_id,
        "session_id": key.rpartition("/")[2],
        "title": "Opening session",
        "start": datetime(2027, 4, 5, 14, tzinfo=UTC),
        "minutes": 120,
        "timezone": "America/Port_of_Spain",
        "hosts": (trainer(),),
        "participants": tuple(participant(f"p{i}", timezone="UTC") for i in range(1, 4)),
    }
    return ClassroomRequest(**{**fields, **changes})


def make_course(**changes: Any) -> Course:
    """A valid course: one trainer, two participants, two weekly live sessions on Jitsi.

    Any :class:`Course` field can be changed by keyword (``provider="zoom"``, ``sessions=(...)``).
    """
    fields: dict[str, Any] = {
        "id": "demo-2027",
        "title": "Demo course",
        "timezone": "America/Port_of_Spain",
        "organizer": Organizer(name="Training Institute", email="training@example.org"),
        "trainers": (trainer(),),
        "participants": (participant(), participant("tt-02", name="Ben Ng", timezone="UTC")),
        "sessions": (live("s01"), live("s02", START + timedelta(days=7), minutes=90, title="Tariffs")),
    }
    unknown = set(changes) - {f.name for f in attrs.fields(Course)}
    if unknown:
        raise TypeError(f"Course has no field {', '.join(sorted(unknown))}")
    return Course(**{**fields, **changes})


# --- course files --------------------------------------------------------------------------------------


@attrs.frozen
class Raw:
    """A TOML value written as is (``Raw("2027-09-06T10:00:00")`` for a local date-time)."""

    text: str


#: What a TOML basic string must escape: the quote, the backslash and every control character but the tab.
_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    **{chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F) if chr(c) not in "\t\n"},
}


def toml_value(value: Any) -> str:
    """``value`` as a TOML value: strings quoted, date-times as TOML date-times, tables inline."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + "".join(_TOML_ESCAPES.get(c, c) for c in value) + '"'
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def table(header: str, keys: Mapping[str, Any]) -> str:
    """One TOML table (``table("[[trainers]]", TRAINER)``), keys in order; a ``None`` value is left out.

    For a fragment a test splices into a file of its own (an error test appending a second session).
    """
    lines = [header, *(f"{k} = {toml_value(v)}" for k, v in keys.items() if v is not None)]
    return "\n".join(lines) + "\n"


#: The people and sessions of the default course file, as TOML tables.
TRAINER: Mapping[str, Any] = {
    "id": "rf",
    "name": "Roberto F.",
    "email": "rf@example.org",
    "timezone": "Europe/Zurich",
}
PARTICIPANT: Mapping[str, Any] = {
    "id": "jm-01",
    "name": "Ana Pérez",
    "email": "ana@example.org",
    "timezone": "America/Jamaica",
}


def person(
    id: str, name: str, email: str | None = None, timezone: str = "Europe/Berlin", **keys: Any
) -> dict[str, Any]:
    """A ``[[trainers]]`` or ``[[participants]]`` table (``email`` defaults to ``ID@example.org``)."""
    return {"id": id, "name": name, "email": email or f"{id}@example.org", "timezone": timezone, **keys}


#: The trainer and participant most CLI tests share.
T1: Mapping[str, Any] = person("t1", "Trainer One")
P1: Mapping[str, Any] = person("p1", "Part One")
#: The organizer most CLI tests name.
ORG: Mapping[str, Any] = {"name": "Org", "email": "org@example.org"}


def session(
    id: str = "s01", start: str = "2027-09-06T10:00:00", minutes: int = 120, **keys: Any
) -> dict[str, Any]:
    """A ``[[sessions]]`` table; ``start`` is written as a TOML date-time as given (local or with offset).

    Keys keep their order; ``trainers=None`` leaves the key out (a recorded session).
    """
    row: dict[str, Any] = {"id": id, "title": f"Session {id}", "start": Raw(start), "minutes": minutes}
    row.update(keys)
    if "trainers" not in keys:
        row["trainers"] = ["rf"]
    return row


def centre(id: str = "kingston", **keys: Any) -> dict[str, Any]:
    """A ``[[centres]]`` table (a reference centre people attend from); ``None`` leaves a key out."""
    return {
        "id": id,
        "name": "Reference Centre, Ministry of Industry",
        "city": "Kingston",
        "country": "JM",
        "timezone": "America/Jamaica",
        "contact": {"name": "C. Brown", "email": "centre@example.org"},
        **keys,
    }


def series(
    id: str = "w1", first_start: str = "2027-09-06T10:00:00", minutes: int = 60, count: int = 3, **keys: Any
) -> dict[str, Any]:
    """A ``[[series]]`` table (weekly unless ``every`` says otherwise); ``first_start`` written as given."""
    return {
        "id": id,
        "title": f"Series {id}",
        "first_start": Raw(first_start),
        "minutes": minutes,
        "count": count,
        **keys,
    }


def course_toml(
    *,
    trainers: Sequence[Mapping[str, Any]] = (TRAINER,),
    participants: Sequence[Mapping[str, Any]] = (PARTICIPANT,),
    sessions: Sequence[Mapping[str, Any]] | None = None,
    series: Sequence[Mapping[str, Any]] = (),
    course_extra: str = "",
    extra: str = "",
    **course: Any,
) -> str:
    """The text of a valid course file; ``[course]`` keys by keyword (``None`` leaves a key out).

    Defaults: course ``demo-2027`` in ``America/Port_of_Spain`` on Jitsi, trainer ``rf``, participant
    ``jm-01``, two live sessions a week apart (``s01``, ``s02``) and no series. ``extra`` is appended as is;
    ``course_extra`` is appended as is to the ``[course]`` table (a key a test writes wrong on purpose).
    """
    keys: dict[str, Any] = {
        "id": "demo-2027",
        "title": "Demo course",
        "timezone": "America/Port_of_Spain",
        "organizer": {"name": "Training Institute", "email": "training@example.org"},
    }
    keys.update(course)
    if sessions is None:
        sessions = (session("s01"), session("s02", "2027-09-13T10:00:00", 90, title="Tariffs"))
    parts = [table("[course]", keys) + (course_extra.strip("\n") + "\n" if course_extra.strip() else "")]
    parts += [table("[[trainers]]", t) for t in trainers]
    parts += [table("[[participants]]", p) for p in participants]
    parts += [table("[[sessions]]", s) for s in sessions]
    parts += [table("[[series]]", s) for s in series]
    if extra:
        parts.append(extra.strip("\n") + "\n")
    return "\n".join(parts)


def course_head(**course: Any) -> str:
    """The ``[course]`` table, no people, no sessions; other keywords as :func:`course_toml` takes them.

    For a test that appends tables of its own, or keys of ``[course]`` (they land in that table).
    """
    return course_toml(trainers=(), participants=(), sessions=(), **course)


def write_course(folder: Path, text: str | None = None, name: str = "course.toml") -> Path:
    """Write ``text`` (the default course file when ``None``) to ``folder/name``; return the path."""
    path = folder / name
    path.write_text(course_toml() if text is None else text, encoding="utf-8")
    return path
