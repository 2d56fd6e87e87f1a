"""The activity report (PRODUCT.md section 6): what was delivered, who took part, attendance and
completion, the evaluation, and the sessions that had trouble. Pure: built from the course, its attendance
report, its evaluation responses and the classroom operations that failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from ..attendance.reconcile import AttendanceReport, ParticipantResult
from ..evaluation.aggregate import response_rate, summary
from ..evaluation.model import Response
from ..models import Course, Participant
from ..store import to_text
from .ldc import is_ldc, ldc_list

__all__ = ["PARTIAL_TROUBLE", "UNSPECIFIED", "activity", "breakdown", "course_date"]

#: A session had trouble when at least this share of its participants were only partially there.
PARTIAL_TROUBLE = 0.25
#: The key under which people without a country, gender, organisation or centre are counted.
UNSPECIFIED = "unspecified"
STATUSES = ("present", "late", "partial", "absent", "excused", "upcoming", "unrecorded")


def course_date(course: Course) -> date | None:
    """The date the course starts (its first session, in UTC), for dated lists such as the LDCs."""
    starts = [s.start for s in course.sessions]
    return min(starts).date() if starts else None


def breakdown(
    results: Iterable[ParticipantResult], key: Any, *, keep_unspecified: bool = True
) -> dict[str, dict[str, int]]:
    """``{value: {"participants": N, "completed": N}}`` by ``key(participant)``, largest first."""
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        value = key(r.participant) or (UNSPECIFIED if keep_unspecified else None)
        if value is None:
            continue
        entry = counts.setdefault(value, {"participants": 0, "completed": 0})
        entry["participants"] += 1
        entry["completed"] += 1 if r.completed is True else 0
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1]["participants"], kv[0])))


def _centre(person: Participant) -> str | None:
    return person.centre


def _trouble(
    course: Course, report: AttendanceReport, failures: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for session in sorted(course.sessions, key=lambda s: (s.start, s.id)):
        reasons = [f"classroom: {why}" for why in failures.get(session.id, ())]
        if session.live:
            statuses = [
                r.sessions[session.id].status for r in report.participants if session.id in r.sessions
            ]
            partial = statuses.count("partial")
            if statuses and partial and partial >= PARTIAL_TROUBLE * len(statuses):
                reasons.append(f"partial attendance: {partial} of {len(statuses)} participants")
        if reasons:
            out.append({"session": session.id, "title": session.title, "reasons": reasons})
    return out


def activity(
    course: Course,
    report: AttendanceReport,
    responses: Sequence[Response] = (),
    failures: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The activity report as data (``report COURSE --activity --format json``)."""
    live = course.live_sessions
    starts = sorted(s.start for s in course.sessions)
    ends = sorted(s.end for s in course.sessions)
    providers = sorted({course.provider_of(s) for s in live})
    languages = sorted({course.language, *(p.language for p in course.people if p.language)})
    when = course_date(course)
    results = report.participants
    completed = sum(1 for r in results if r.completed is True)
    ldc = [r for r in results if is_ldc(r.participant.country, when)]
    by_session = []
    attended = recorded = 0
    for s in sorted(report.sessions, key=lambda s: (s.start, s.id)):
        counts: Counter[str] = Counter(str(r.sessions[s.id].status) for r in results if s.id in r.sessions)
        attended += counts["present"] + counts["late"]
        recorded += sum(counts[k] for k in ("present", "late", "partial", "absent", "excused"))
        by_session.append(
            {
                "id": s.id,
                "title": s.title,
                "start": to_text(s.start),
                "minutes": s.minutes,
                "statuses": {k: counts[k] for k in STATUSES if counts[k]},
            }
        )
    evaluation = None
    if course.evaluation is not None and course.evaluation.questions:
        evaluation = {
            **summary(course.evaluation, responses),
            "response_rate": response_rate(course, responses),
        }
    data = ldc_list()
    return {
        "course": course.id,
        "title": course.title,
        "kind": course.kind,
        "language": course.language,
        "status": course.status,
        "delivered": {
            "sessions": len(course.sessions),
            "live_sessions": len(live),
            "recorded_sessions": len(course.sessions) - len(live),
            "hours": round(sum(s.minutes for s in course.sessions) / 60, 2),
            "live_hours": round(sum(s.minutes for s in live) / 60, 2),
            "start": to_text(starts[0]) if starts else None,
            "end": to_text(ends[-1]) if ends else None,
            "providers": providers,
            "languages": languages,
            "trainers": len(course.trainers),
        },
        "participants": {
            "total": len(results),
            "completed": completed,
            "by_country": breakdown(results, lambda p: p.country),
            "by_gender": breakdown(results, lambda p: p.gender),
            "by_organisation": breakdown(results, lambda p: p.organisation),
            "by_centre": breakdown(results, _centre),
            "ldc": {"participants": len(ldc), "completed": sum(1 for r in ldc if r.completed is True)},
        },
        "attendance": {
            "completed": completed,
            "completion_rate": completed / len(results) if results else None,
            "attendance_rate": attended / recorded if recorded else None,
            "sessions": by_session,
        },
        "evaluation": evaluation,
        "trouble": _trouble(course, report, failures or {}),
        "ldc_list": {"source": data["source"], "as_of": data["as_of"]},
    }
