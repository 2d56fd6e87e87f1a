"""The keys each table of a course file may hold (PRODUCT.md section 1); any other is an input error.

To add a key: append it to its table's tuple here, then read it in that table's section module.
"""

from __future__ import annotations

__all__ = [
    "ATTENDANCE_KEYS",
    "CENTRE_CONTACT_KEYS",
    "CENTRE_KEYS",
    "COURSE_KEYS",
    "INVITATIONS_KEYS",
    "LMS_KEYS",
    "PARTICIPANT_KEYS",
    "RECORDINGS_KEYS",
    "RULES_KEYS",
    "SERIES_KEYS",
    "SESSION_KEYS",
    "TOP_LEVEL",
    "TRAINER_KEYS",
]

TOP_LEVEL = (
    "course",
    "rules",
    "attendance",
    "trainers",
    "participants",
    "sessions",
    "series",
    "lms",
    "evaluation",
    "centres",
    "recordings",
    "invitations",
)
COURSE_KEYS = (
    "id",
    "title",
    "kind",
    "scope",
    "level",
    "language",
    "timezone",
    "provider",
    "status",
    "organizer",
    "prerequisites",
    "roster",
    "summary",
    "audience",
    "public",
    "registration",
)
RULES_KEYS = ("max_live_minutes", "max_live_sessions_per_day", "working_hours", "working_days", "severity")
ATTENDANCE_KEYS = ("late_after_minutes", "present_fraction", "partial_fraction", "completion_fraction")
TRAINER_KEYS = ("id", "name", "email", "timezone", "working_hours", "working_days", "language")
PARTICIPANT_KEYS = (*TRAINER_KEYS, "country", "organisation", "gender", "centre")
SESSION_KEYS = (
    "id",
    "title",
    "start",
    "minutes",
    "kind",
    "trainers",
    "participants",
    "provider",
    "description",
    "recording_url",
)
SERIES_KEYS = (
    "id",
    "title",
    "first_start",
    "minutes",
    "every_days",
    "weekdays",
    "count",
    "skip",
    "kind",
    "trainers",
    "participants",
    "provider",
    "description",
)
LMS_KEYS = ("provider", "course", "attendance", "require_prerequisites")
CENTRE_KEYS = ("id", "name", "city", "country", "timezone", "contact")
CENTRE_CONTACT_KEYS = ("name", "email")
RECORDINGS_KEYS = ("send_to",)
INVITATIONS_KEYS = ("delivery",)
