"""Programme monitoring (``report PROGRAMME``): pure functions over per-course reports.

The JSON is PRODUCT.md section 6's, and every number in it is a sum over the courses' own reports
(``by_country``, ``by_gender`` and ``ldc`` count enrolments: a person in two courses counts in each), so
the programme report always agrees with the course reports. ``people`` counts distinct emails (ignoring
case). Continuity and attendance rates go to the CSV and HTML forms.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..attendance.reconcile import AttendanceReport, ParticipantResult
from ..models import Course
from .activity import breakdown, course_date
from .ldc import is_ldc

__all__ = [
    "ATTENDED",
    "DROP_AFTER",
    "CourseFacts",
    "attendance_rate",
    "continuity",
    "dropped_out",
    "programme_csv",
    "programme_data",
]

ATTENDED = ("present", "late", "partial")
RECORDED = ("present", "late", "partial", "absent", "excused")
#: A participant has dropped out when at least this many recorded live sessions followed the last one
#: they attended.
DROP_AFTER = 2


@attrs.frozen
class CourseFacts:
    """One course and its attendance report."""

    course: Course
    report: AttendanceReport


def dropped_out(result: ParticipantResult, report: AttendanceReport) -> bool:
    """Whether the participant attended some of the first recorded live sessions, then none of the last
    :data:`DROP_AFTER` or more."""
    statuses = [
        str(result.sessions[s.id].status)
        for s in sorted(report.sessions, key=lambda s: (s.start, s.id))
        if s.id in result.sessions and result.sessions[s.id].status in RECORDED
    ]
    attended = [i for i, status in enumerate(statuses) if status in ATTENDED]
    return bool(attended) and len(statuses) - 1 - attended[-1] >= DROP_AFTER


def attendance_rate(report: AttendanceReport) -> float | None:
    """Present or late, out of every recorded participant-session."""
    attended = recorded = 0
    for r in report.participants:
        for sr in r.sessions.values():
            if sr.status in RECORDED:
                recorded += 1
                attended += sr.status in ("present", "late")
    return attended / recorded if recorded else None


def continuity(facts: Sequence[CourseFacts]) -> dict[str, dict[str, dict[str, int]]]:
    """``{course id: {country: {"participants": N, "dropped_out": N}}}`` (country ``unspecified`` when not
    given)."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for f in facts:
        by_country: dict[str, dict[str, int]] = {}
        for r in f.report.participants:
            entry = by_country.setdefault(
                r.participant.country or "unspecified", {"participants": 0, "dropped_out": 0}
            )
            entry["participants"] += 1
            entry["dropped_out"] += dropped_out(r, f.report)
        out[f.course.id] = dict(sorted(by_country.items()))
    return out


def _add(total: dict[str, dict[str, int]], part: Mapping[str, Mapping[str, int]]) -> None:
    for key, counts in part.items():
        entry = total.setdefault(key, {"participants": 0, "completed": 0})
        entry["participants"] += counts["participants"]
        entry["completed"] += counts["completed"]


def programme_data(
    programme_id: str, facts: Sequence[CourseFacts], completions: Mapping[str, Iterable[str]] | None = None
) -> dict[str, Any]:
    """PRODUCT.md section 6's ``report PROGRAMME --format json``.

    ``completions`` maps each e-learning course id to the emails that completed it on the LMS (``None`` or
    empty where no LMS could tell).
    """
    courses = []
    by_country: dict[str, dict[str, int]] = {}
    by_gender: dict[str, dict[str, int]] = {}
    ldc = {"participants": 0, "completed": 0}
    emails: set[str] = set()
    advanced: set[str] = set()
    for f in facts:
        results = f.report.participants
        completed = sum(1 for r in results if r.completed is True)
        courses.append(
            {
                "id": f.course.id,
                "participants": len(results),
                "completed": completed,
                "live_sessions": len(f.course.live_sessions),
            }
        )
        _add(by_country, breakdown(results, lambda p: p.country, keep_unspecified=False))
        _add(by_gender, breakdown(results, lambda p: p.gender, keep_unspecified=False))
        when = course_date(f.course)
        for r in results:
            if is_ldc(r.participant.country, when):
                ldc["participants"] += 1
                ldc["completed"] += r.completed is True
        people = {r.participant.email.strip().casefold() for r in results}
        emails |= people
        if f.course.prerequisites:
            advanced |= people
    completers = {e.strip().casefold() for done in (completions or {}).values() for e in done}
    return {
        "programme": programme_id,
        "courses": courses,
        "people": len(emails),
        "by_country": dict(sorted(by_country.items())),
        "by_gender": dict(sorted(by_gender.items())),
        "ldc": ldc,
        "progression": {"elearning_completed": len(completers), "advanced_enrolled": len(advanced)},
    }


CSV_COLUMNS = (
    "section",
    "key",
    "participants",
    "completed",
    "live_sessions",
    "attendance_rate",
    "dropped_out",
)


def programme_csv(data: Mapping[str, Any], facts: Sequence[CourseFacts]) -> str:
    """One row per course, country, gender, LDC total, course and country continuity, and the totals."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    rates = {f.course.id: attendance_rate(f.report) for f in facts}
    flow = continuity(facts)
    for c in data["courses"]:
        dropped = sum(v["dropped_out"] for v in flow.get(c["id"], {}).values())
        rate = rates.get(c["id"])
        w.writerow(
            [
                "course",
                c["id"],
                c["participants"],
                c["completed"],
                c["live_sessions"],
                "" if rate is None else f"{rate:.4f}",
                dropped,
            ]
        )
    for section in ("by_country", "by_gender"):
        for key, v in data[section].items():
            w.writerow([section.removeprefix("by_"), key, v["participants"], v["completed"], "", "", ""])
    w.writerow(["ldc", "ldc", data["ldc"]["participants"], data["ldc"]["completed"], "", "", ""])
    w.writerow(["people", "people", data["people"], "", "", "", ""])
    for key, value in data["progression"].items():
        w.writerow(["progression", key, value, "", "", "", ""])
    for cid, countries in flow.items():
        for country, v in countries.items():
            w.writerow(["continuity", f"{cid}/{country}", v["participants"], "", "", "", v["dropped_out"]])
    return out.getvalue()
