"""Invitations: iCalendar events, iMIP messages and PUBLISH feeds, in the recipient's language.

The lifecycle (who gets which message, with which SEQUENCE) is decided by :mod:`.lifecycle`, a pure module;
this package builds what is sent.
"""

from __future__ import annotations

from .content import REASONS, InviteText, Reason
from .events import PRODID, build_calendar, build_event, organizer_person, render_calendar
from .feed import build_feed
from .ids import UID_NAMESPACE, invite_fingerprint, session_uid
from .lint import lint_calendar, lint_message
from .message import build_invite, message_id

__all__ = [
    "PRODID",
    "REASONS",
    "UID_NAMESPACE",
    "InviteText",
    "Reason",
    "build_calendar",
    "build_event",
    "build_feed",
    "build_invite",
    "invite_fingerprint",
    "lint_calendar",
    "lint_message",
    "message_id",
    "organizer_person",
    "render_calendar",
    "session_uid",
]
