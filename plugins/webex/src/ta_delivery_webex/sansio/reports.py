"""Webex reports, read into our records: ended instances, participants' device segments, recordings (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from ta_delivery.models import Person
from ta_delivery.records import Recording, Segment

from .meetings import SOURCE, format_time, parse_time

__all__ = ["instance_ids", "people_index", "recording_from", "segments_of_participant"]


def instance_ids(items: Iterable[Any]) -> list[str]:
    """Ids of the ended meeting instances in a ``GET /meetings`` page."""
    out: list[str] = []
    for item in items:
        ok = isinstance(item, Mapping) and isinstance(item.get("id"), str)
        if ok and item.get("state") in (None, "ended"):
            out.append(item["id"])
    return out


def segments_of_participant(
    participant: Mapping[str, Any],
    session_id: str,
    people_by_email: Mapping[str, str],
    source: str = SOURCE,
) -> list[Segment]:
    """One segment per device interval of a participant (or the participant's own, without devices).

    ``raw_key`` depends only on the meeting instance, the participant, the device and its join time, so
    the same interval reported by a pull, a webhook or a re-run is recorded once. Intervals without a
    leave time (still in the meeting) are skipped.
    """
    email = participant.get("email")
    email = email.strip() if isinstance(email, str) and email.strip() else None
    name = participant.get("displayName")
    name = name if isinstance(name, str) and name else None
    pid = participant.get("id")
    pid = str(pid) if pid is not None else None
    meeting = participant.get("meetingId")
    person_id = people_by_email.get(email.lower()) if email else None
    intervals: list[tuple[object, object, object]] = []
    devices = participant.get("devices")
    for device in devices if isinstance(devices, list) else ():
        if isinstance(device, Mapping):
            left = device.get("leftTime") or _end_by_duration(device)
            if device.get("joinedTime") and left:
                intervals.append((device.get("joinedTime"), left, device.get("correlationId")))
    if not intervals:
        intervals.append((participant.get("joinedTime"), participant.get("leftTime"), None))
    out: list[Segment] = []
    for joined, left, correlation in intervals:
        if not joined or not left:
            continue
        join, leave = parse_time(joined), parse_time(left)
        if leave < join:
            raise ValueError(f"participant {pid} leaves before joining")
        out.append(
            Segment(
                session_id=session_id,
                join=join,
                leave=leave,
                source=source,
                raw_key=Segment.key_of("webex", meeting, pid, correlation, format_time(join)),
                person_id=person_id,
                external_id=pid,
                email=email,
                name=name,
            )
        )
    return out


def _end_by_duration(device: Mapping[str, Any]) -> str | None:
    """A device's leave time from its join time and ``durationSecond`` when ``leftTime`` is missing."""
    seconds = device.get("durationSecond")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        return None
    try:
        return format_time(parse_time(device.get("joinedTime")) + timedelta(seconds=float(seconds)))
    except ValueError:
        return None


def people_index(people: Sequence[Person]) -> dict[str, str]:
    """Lower-cased e-mail -> person id."""
    return {p.email.lower(): p.id for p in people}


def recording_from(items: Iterable[Any]) -> Recording | None:
    """The newest available recording among ``GET /recordings?meetingId=`` items: its playback link
    (``playbackUrl``) and password, or ``None`` while none is available."""
    best: tuple[str, Mapping[str, Any]] | None = None
    for item in items:
        if not isinstance(item, Mapping) or item.get("status", "available") != "available":
            continue
        url = item.get("playbackUrl")
        if not isinstance(url, str) or not url:
            continue
        when = str(item.get("timeRecorded") or item.get("createTime") or "")
        if best is None or when > best[0]:
            best = (when, item)
    if best is None:
        return None
    password = best[1].get("password")
    return Recording(
        url=best[1]["playbackUrl"], passcode=password if isinstance(password, str) and password else None
    )
