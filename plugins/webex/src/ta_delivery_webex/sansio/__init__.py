"""Pure mapping between our records and the Webex Meetings REST API's JSON: no I/O here.

Every function takes plain values and returns plain values, so it is tested without a server.
By concern: :mod:`.meetings` (the mark, times, meeting bodies), :mod:`.people` (invitees, registrants,
personal links), :mod:`.answers` (paging, dial-in), :mod:`.reports` (attendance, recordings). Import from
here.
"""

from __future__ import annotations

from . import answers, meetings, people, reports
from .answers import *  # noqa: F403 - the package re-exports each concern's names
from .meetings import *  # noqa: F403 - the package re-exports each concern's names
from .people import *  # noqa: F403 - the package re-exports each concern's names
from .reports import *  # noqa: F403 - the package re-exports each concern's names

__all__: list[str] = []
__all__ += answers.__all__
__all__ += meetings.__all__
__all__ += people.__all__
__all__ += reports.__all__
