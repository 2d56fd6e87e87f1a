"""Pure mapping between our records and Zoom's JSON: no I/O, no clock, no state.

By concern: :mod:`.meetings` (the mark and the request bodies), :mod:`.answers` (pages, classrooms,
dial-in, registrants, panelists), :mod:`.reports` (attendance segments, recordings). Import from here.

Requests become Zoom bodies (:func:`meeting_body`, :func:`registrant_body`); Zoom answers become
classrooms and attendance segments (:func:`classroom_from`, :func:`segments_from_report`). Everything here
raises :class:`~ta_delivery.errors.BadResponse` on a malformed answer and never touches the network.
"""

from __future__ import annotations

from . import answers, meetings, reports
from .answers import *  # noqa: F403 - the package re-exports each concern's names
from .meetings import *  # noqa: F403 - the package re-exports each concern's names
from .reports import *  # noqa: F403 - the package re-exports each concern's names

__all__: list[str] = []
__all__ += answers.__all__
__all__ += meetings.__all__
__all__ += reports.__all__
