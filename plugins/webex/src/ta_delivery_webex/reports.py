"""Webex reports: the attendance of a meeting series' ended instances, and its newest recording."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from ta_delivery.errors import BadResponse, NotFound, ProviderError
from ta_delivery.records import Classroom, ClassroomRequest, Recording, Segment

from . import sansio
from .api import NAME, WebexApi

__all__ = ["Reports"]


class Reports(WebexApi):
    """Attendance (``/meetingParticipants`` of each ended instance) and recordings of a classroom."""

    __slots__ = ()

    def find_recording(self, classroom: Classroom, request: ClassroomRequest) -> Recording | None:
        """The meeting's newest available recording (playback link and password), or ``None``.

        ``GET /recordings?meetingId=`` takes the series id; it needs the ``meeting:recordings_read`` scope.
        """
        series = str(classroom.data.get("meeting_id") or classroom.external_id)
        try:
            return sansio.recording_from(self._pages("/recordings", {"meetingId": series}))
        except NotFound:
            return None

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        """The device segments of every ended instance of the session's meeting series.

        When Webex lists no ended instance (or refuses the listing), the series id itself is asked:
        Webex answers it with the participants of the series' last instance in the window.
        """
        series = str(classroom.data.get("meeting_id") or classroom.external_id)
        start, end = sansio.search_window(request)
        low = sansio.format_time(start - timedelta(days=1))
        high = sansio.format_time(end + timedelta(days=1))
        params = {
            "meetingSeriesId": series,
            "meetingType": "meeting",
            "state": "ended",
            "from": low,
            "to": high,
        }
        index = sansio.people_index([*request.hosts, *request.participants])
        refused: ProviderError | None = None
        try:
            instances = sansio.instance_ids(self._pages("/meetings", params))
        except (NotFound, BadResponse) as exc:
            if exc.status is None:
                raise  # a malformed answer, not a refusal
            refused, instances = exc, []
        if not instances:
            window = {"meetingStartTimeFrom": low, "meetingStartTimeTo": high}
            try:
                return self._participants(series, window, request.session_id, index)
            except NotFound:
                return []  # the series was never held
            except BadResponse as exc:
                if refused is not None:
                    raise refused from None
                if exc.status is None:
                    raise
                return []  # nothing Webex can report for the series yet
        segments: list[Segment] = []
        for instance in instances:
            segments.extend(self._participants(instance, {}, request.session_id, index))
        return segments

    def _participants(
        self, meeting_id: str, extra: Mapping[str, str], session_id: str, index: Mapping[str, str]
    ) -> list[Segment]:
        segments: list[Segment] = []
        for participant in self._pages("/meetingParticipants", {"meetingId": meeting_id, **extra}):
            try:
                found = sansio.segments_of_participant(participant, session_id, index)
            except ValueError as exc:
                raise BadResponse(f"participant of {meeting_id}: {exc}", provider=NAME) from None
            segments.extend(found)
        return segments
