"""The report grouped by reference centre: each centre's people, their attendance and completion, and the
minutes the centre's own device was connected per session (PRODUCT.md section 7)."""

from __future__ import annotations

import attrs

from ..attendance.reconcile import AttendanceReport

__all__ = ["CentreRow", "centre_rows"]


@attrs.frozen
class CentreRow:
    """One reference centre in a report."""

    id: str
    name: str
    participants: int
    completed: int
    attended_sessions: int
    live_sessions: int
    #: session id -> minutes the centre's own device was connected
    device_minutes: dict[str, int]

    @property
    def rate(self) -> float | None:
        """Share of its people's live sessions attended (present or late), or ``None`` with none."""
        return self.attended_sessions / self.live_sessions if self.live_sessions else None


def centre_rows(report: AttendanceReport) -> list[CentreRow]:
    """A row per centre of the course, in file order (nothing for a course without centres)."""
    rows: list[CentreRow] = []
    for centre in report.course.centres:
        people = [p for p in report.participants if p.participant.centre == centre.id]
        devices: dict[str, int] = {}
        for device in report.centres:
            if device.centre_id == centre.id:
                devices[device.session_id] = devices.get(device.session_id, 0) + device.minutes
        rows.append(
            CentreRow(
                id=centre.id,
                name=centre.name,
                participants=len(people),
                completed=sum(1 for p in people if p.completed is True),
                attended_sessions=sum(p.attended_sessions for p in people),
                live_sessions=sum(p.live_sessions for p in people),
                device_minutes=dict(sorted(devices.items())),
            )
        )
    return rows
