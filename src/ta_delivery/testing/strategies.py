"""Hypothesis strategies for every model, for plugin authors' property tests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import attrs
from hypothesis import strategies as st

from ..models import (
    LANGUAGES,
    AttendancePolicy,
    Course,
    Organizer,
    Participant,
    Rules,
    Session,
    Trainer,
    WorkingHours,
    known_zones,
)

__all__ = [
    "all_zone_names",
    "attendance_policies",
    "courses",
    "emails",
    "ids",
    "organizers",
    "participants",
    "rules",
    "sessions",
    "trainers",
    "utc_instants",
    "working_hours",
    "zone_names",
]

#: Zones with unusual offsets and DST rules, plus common ones.
INTERESTING_ZONES = (
    "UTC",
    "Europe/Zurich",
    "Europe/Dublin",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",
    "America/Jamaica",
    "America/Port_of_Spain",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Asia/Ulaanbaatar",
    "Africa/Abidjan",
    "Pacific/Kiritimati",
)

ids = st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True)
zone_names = st.sampled_from(INTERESTING_ZONES)
#: Every IANA zone of the pinned ``tzdata``, drawn through hypothesis' own ``timezone_keys``.
all_zone_names = st.timezone_keys(allow_prefix=False).filter(lambda key: key in known_zones())
emails = st.builds(
    lambda user, host: f"{user}@{host}.example.org",
    st.from_regex(r"[a-z](?:[a-z0-9._+-]{0,14}[a-z0-9])?", fullmatch=True).filter(lambda u: ".." not in u),
    st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True),
)
names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).filter(lambda s: s.strip() != "")


@st.composite
def utc_instants(
    draw: st.DrawFn, start: datetime = datetime(2026, 1, 1, tzinfo=UTC), days: int = 730
) -> datetime:
    """Instants on a 5-minute grid within ``days`` of ``start``."""
    step = draw(st.integers(0, days * 24 * 12))
    return start + timedelta(minutes=5 * step)


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    """A working window of whole quarter hours."""
    start = draw(st.integers(0, 22 * 4))
    end = draw(st.integers(start + 1, 24 * 4))
    end_time = time.max if end == 96 else time(end // 4, (end % 4) * 15)
    return WorkingHours(time(start // 4, (start % 4) * 15), end_time)


organizers = st.builds(Organizer, name=names, email=emails)
rules = st.builds(
    Rules,
    max_live_minutes=st.integers(30, 240),
    max_live_sessions_per_day=st.integers(1, 4),
    working_hours=working_hours(),
)


@st.composite
def attendance_policies(draw: st.DrawFn) -> AttendancePolicy:
    """A valid attendance policy."""
    present = draw(st.floats(0.05, 1.0))
    partial = draw(st.floats(0.0, present))
    return AttendancePolicy(
        late_after_minutes=draw(st.integers(0, 30)),
        present_fraction=present,
        partial_fraction=partial,
        completion_fraction=draw(st.floats(0.0, 1.0)),
    )


_person_fields = {
    "id": ids,
    "name": names,
    "email": emails,
    "timezone": zone_names,
    "working_hours": st.none() | working_hours(),
    "language": st.none() | st.sampled_from(LANGUAGES),
}
trainers: st.SearchStrategy[Trainer] = st.builds(Trainer, **_person_fields)
participants: st.SearchStrategy[Participant] = st.builds(Participant, **_person_fields)
sessions = st.builds(
    Session,
    id=ids,
    title=names,
    start=utc_instants(),
    minutes=st.integers(15, 240),
    kind=st.sampled_from(("live", "live", "recorded")),
)


@st.composite
def courses(draw: st.DrawFn, max_people: int = 6, max_sessions: int = 8) -> Course:
    """A valid course: unique ids, sessions naming existing people."""
    people_ids = draw(st.lists(ids, min_size=1, max_size=max_people, unique=True))
    cut = draw(st.integers(0, len(people_ids)))
    ts = [attrs.evolve(draw(trainers), id=i) for i in people_ids[:cut]]
    ps = [attrs.evolve(draw(participants), id=i) for i in people_ids[cut:]]
    sids = draw(st.lists(ids, max_size=max_sessions, unique=True))
    ss = []
    for sid in sids:
        s = draw(sessions)
        tsel = draw(st.lists(st.sampled_from([t.id for t in ts]), unique=True)) if ts else []
        psel = draw(st.none() | st.lists(st.sampled_from([p.id for p in ps]), unique=True)) if ps else None
        ss.append(
            attrs.evolve(s, id=sid, trainers=tuple(tsel), participants=None if psel is None else tuple(psel))
        )
    return Course(
        id=draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)),
        title=draw(names),
        timezone=draw(zone_names),
        organizer=draw(organizers),
        rules=draw(rules),
        attendance=draw(attendance_policies()),
        trainers=tuple(ts),
        participants=tuple(ps),
        sessions=tuple(ss),
    )
