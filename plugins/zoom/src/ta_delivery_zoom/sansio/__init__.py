"""Pure mapping between our records and Zoom's JSON: no I/O, no clock, no state.

By concern: :mod:`.meetings` (the mark and the request bodies), :mod:`.answers` (pages, classrooms,
dial-in, registrants, panelists), :mod:`.reports` (attendance segments, recordings). Import from here.

Requests become Zoom bodies (:func:`meeting_body`, :func:`registrant_body`); Zoom answers become
classrooms and attendance segments (:func:`classroom_from`, :func:`segments_from_report`). Everything here
raises :class:`~ta_delivery.errors.BadResponse` on a malformed answer and never touches the network.
"""

from __future__ import annotations

from .answers import classroom_from, dial_in_from, page_items, panelists_from, registrant_from
from .meetings import (
    AGENDA_MAX,
    LISTED_AGENDA_MAX,
    NAME_MAX,
    PANELIST_NAME_MAX,
    PROVIDER,
    TOPIC_MAX,
    Kind,
    agenda_for,
    fingerprint,
    format_time,
    has_mark,
    mark,
    maybe_truncated,
    meeting_body,
    panelist_body,
    parse_time,
    registrant_body,
    topic_for,
)
from .reports import encode_uuid, recording_from, segments_from_report

__all__ = [
    "AGENDA_MAX",
    "LISTED_AGENDA_MAX",
    "NAME_MAX",
    "PANELIST_NAME_MAX",
    "PROVIDER",
    "TOPIC_MAX",
    "Kind",
    "agenda_for",
    "classroom_from",
    "dial_in_from",
    "encode_uuid",
    "fingerprint",
    "format_time",
    "has_mark",
    "mark",
    "maybe_truncated",
    "meeting_body",
    "page_items",
    "panelist_body",
    "panelists_from",
    "parse_time",
    "recording_from",
    "registrant_body",
    "registrant_from",
    "segments_from_report",
    "topic_for",
]
