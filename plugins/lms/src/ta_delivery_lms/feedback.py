"""The answers of a Moodle Feedback activity, read through web services, as a table for the core's
evaluation import (``ta-delivery evaluation pull``).

The activity is found by its ID number (the course module's ``idnumber``) among the Feedback activities of
the course's LMS course. Each item becomes a column headed ``(label) name`` as Moodle's own download heads
it; a rated choice is written as its rating value (Moodle stores the position of the choice, and the
item's presentation ``r>>>>>1####Poor|...|5####Excellent`` says what each position is worth), other items
as Moodle prints them. Named attempts carry the respondent's email, anonymous ones no one's.
"""

from __future__ import annotations

from typing import Any

from ta_delivery.errors import BadResponse, InputError

from .client import MoodleClient, _int
from .sansio import PROVIDER

__all__ = ["PAGE_SIZE", "feedback_table", "rated_value"]

PAGE_SIZE = 100
_NO_VALUE = {"label", "pagebreak", "captcha", "info"}


def rated_value(item: dict[str, Any], raw: str) -> str | None:
    """The rating value of a rated choice answered at position ``raw`` (1-based), or ``None``."""
    presentation = str(item.get("presentation") or "")
    _, _, choices = presentation.partition(">>>>>")
    choices = choices.split("<<<<<", 1)[0]
    try:
        position = int(raw)
    except ValueError:
        return None
    lines = choices.split("|")
    if not 1 <= position <= len(lines):
        return None
    value, _, _ = lines[position - 1].partition("####")
    return value.strip() or None


def _header(item: dict[str, Any]) -> str:
    name = str(item.get("name") or "").strip()
    label = str(item.get("label") or "").strip()
    return f"({label}) {name}" if label else name


def _find(client: MoodleClient, course_id: int, idnumber: str) -> dict[str, Any]:
    for feedback in client.feedbacks(course_id):
        cmid = feedback.get("coursemodule")
        if cmid is None:
            continue
        cm = client.course_module(_int(cmid, "coursemodule"))
        if str(cm.get("idnumber") or "") == idnumber:
            return feedback
    raise InputError(
        f"no Feedback activity with ID number {idnumber!r} in the Moodle course",
        key="evaluation.lms_feedback",
    )


def feedback_table(client: MoodleClient, course_id: int, idnumber: str) -> tuple[list[str], list[list[str]]]:
    """The header (``response id``, ``email``, then one column per item) and one row per attempt."""
    feedback = _find(client, course_id, idnumber)
    feedback_id = _int(feedback.get("id"), "feedback id")
    items = [i for i in client.feedback_items(feedback_id) if str(i.get("typ")) not in _NO_VALUE]
    columns = {_int(i.get("id"), "item id"): n for n, i in enumerate(items)}
    attempts: list[tuple[str, str, list[dict[str, Any]]]] = []
    page = 0
    named = anonymous = 0
    while True:
        body = client.feedback_responses(feedback_id, page, PAGE_SIZE)
        batch = body.get("attempts") or []
        anon = body.get("anonattempts") or []
        for a in batch:
            attempts.append((f"{a.get('id')}", str(a.get("userid") or ""), a.get("responses") or []))
        for a in anon:
            attempts.append((f"{a.get('id')}", "", a.get("responses") or []))
        named += len(batch)
        anonymous += len(anon)
        total = int(body.get("totalattempts") or 0) + int(body.get("totalanonattempts") or 0)
        if (not batch and not anon) or named + anonymous >= total:
            break
        page += 1
        if page > 10_000:
            raise BadResponse("mod_feedback_get_responses_analysis: pages never end", provider=PROVIDER)
    emails = _emails(client, {uid for _, uid, _ in attempts if uid})
    rows: list[list[str]] = []
    for completed_id, uid, responses in attempts:
        cells = [""] * len(items)
        for response in responses:
            n = columns.get(_int(response.get("id"), "response item id"))
            if n is None:
                continue
            item = items[n]
            raw = str(response.get("rawval") or "")
            if item.get("typ") == "multichoicerated" and raw:
                cells[n] = rated_value(item, raw) or str(response.get("printval") or "")
            else:
                cells[n] = str(response.get("printval") or "").strip()
        rows.append([completed_id, emails.get(uid, "") if uid else "", *cells])
    return ["response id", "email", *(_header(i) for i in items)], rows


def _emails(client: MoodleClient, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    users = client.users_by_field("id", sorted(user_ids))
    return {str(u.get("id")): str(u.get("email") or "") for u in users}
