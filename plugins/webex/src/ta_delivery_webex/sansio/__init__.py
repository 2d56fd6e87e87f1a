"""Pure mapping between our records and the Webex Meetings REST API's JSON: no I/O here.

Every function takes plain values and returns plain values, so it is tested without a server.
By concern: :mod:`.meetings` (the mark, times, meeting bodies), :mod:`.people` (invitees, registrants,
personal links), :mod:`.answers` (paging, dial-in), :mod:`.reports` (attendance, recordings). Import from
here.
"""

from __future__ import annotations

from .answers import (
    dial_in_from,
    next_link,
)
from .meetings import (
    AGENDA_MAX,
    DEFAULT_API_URL,
    MAX_MINUTES,
    MIN_MINUTES,
    NAME_MAX,
    SOURCE,
    TITLE_MAX,
    agenda_for,
    carries_mark,
    format_time,
    mark_of,
    meeting_body,
    parse_time,
    patch_body,
    registration_form,
    scheduled_window,
    search_window,
    tag_of,
)
from .people import (
    invitee_body,
    personal_link,
    registrant_body,
    split_name,
)
from .reports import (
    instance_ids,
    people_index,
    recording_from,
    segments_of_participant,
)

__all__ = [
    "AGENDA_MAX",
    "DEFAULT_API_URL",
    "MAX_MINUTES",
    "MIN_MINUTES",
    "NAME_MAX",
    "SOURCE",
    "TITLE_MAX",
    "agenda_for",
    "carries_mark",
    "dial_in_from",
    "format_time",
    "instance_ids",
    "invitee_body",
    "mark_of",
    "meeting_body",
    "next_link",
    "parse_time",
    "patch_body",
    "people_index",
    "personal_link",
    "recording_from",
    "registrant_body",
    "registration_form",
    "scheduled_window",
    "search_window",
    "segments_of_participant",
    "split_name",
    "tag_of",
]
