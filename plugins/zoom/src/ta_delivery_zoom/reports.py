"""Zoom reports: the participants report of every instance of a meeting, and its cloud recording."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from ta_delivery.errors import NotFound
from ta_delivery.records import Classroom, ClassroomRequest, Recording, Segment

from . import sansio
from .api import PAGE_SIZE, ZoomApi
from .sansio import Kind

__all__ = ["Reports"]


class Reports(ZoomApi):
    """Attendance (``/report/.../participants`` of each past instance) and recordings of a classroom."""

    __slots__ = ()

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        """Segments from the participants report of every instance of the meeting."""
        kind: Kind = "webinar" if classroom.data.get("kind") == "webinar" else "meeting"
        regs = classroom.data.get("registrants", {})
        by_registrant = {str(r["id"]): pid for pid, r in dict(regs).items()}
        segments: list[Segment] = []
        for instance in self._instances(kind, classroom.external_id):
            path = f"/report/{kind}s/{sansio.encode_uuid(instance)}/participants"
            params = {"page_size": PAGE_SIZE, "include_fields": "registrant_id"}
            try:
                rows = list(self._pages(path, "participants", "heavy", params))
            except NotFound:
                continue  # no report for this instance (nobody joined, or not yet ready)
            segments.extend(
                sansio.segments_from_report(
                    rows, session_id=request.session_id, instance=instance, registrants=by_registrant
                )
            )
        return segments

    def find_recording(self, classroom: Classroom, request: ClassroomRequest) -> Recording | None:
        """The meeting's cloud recording (share link and passcode), or ``None`` while there is none.

        ``GET /meetings/{id}/recordings`` takes a webinar's id too; it needs a recording read scope.
        """
        try:
            answer = self._call("GET", f"/meetings/{quote(classroom.external_id)}/recordings", "light")
        except NotFound:
            return None
        return sansio.recording_from(answer)

    def _instances(self, kind: Kind, meeting_id: str) -> list[str]:
        path = f"/past_{kind}s/{quote(meeting_id)}/instances"
        try:
            answer = self._call("GET", path, "medium" if kind == "meeting" else "light")
        except NotFound:
            return [meeting_id]
        items, _ = sansio.page_items(answer, kind + "s")
        uuids = [str(i["uuid"]) for i in items if isinstance(i.get("uuid"), str) and i["uuid"]]
        return uuids or [meeting_id]
