"""ta_delivery: deliver training virtually.

Read a course file, check its schedule against the rules of virtual delivery, find the slots that suit a
group across time zones, provision classrooms, send invitations and reconcile attendance.
"""

from __future__ import annotations

__version__ = "0.1.0"
