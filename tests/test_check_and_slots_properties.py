"""``ta-delivery check --json`` and ``slots --json`` on random course files against PRODUCT.md read straight.

The oracles work from what the file says (local or offset date-times, ``working_hours`` and
``working_days`` as written, series as their keys describe them), not from the library's models, so the
reader, the series expansion, the rules, the slot finder and the JSON are checked together, as a user
meets them. Zones come from the pinned ``tzdata`` the tool reads, not the machine's (they differ for Havana).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ta_delivery.testing.cli import run
from ta_delivery.testing.courses import course_toml, person, series, session, table
from ta_delivery.zones import zone as pinned_zone

RULE_IDS = (
    "live-session-too-long",
    "too-many-live-sessions-per-day",
    "outside-working-hours",
    "double-booked",
    "outside-working-days",
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Asia/Dubai",
    "America/Port_of_Spain",
    "America/Santiago",  # these four change their clocks at local midnight
    "America/Havana",
    "Asia/Beirut",
    "America/Asuncion",
)
#: Days around the clock changes of those zones in 2027, where wall clocks and instants part.
AROUND = (
    date(2027, 3, 13),
    date(2027, 3, 27),
    date(2027, 4, 3),
    date(2027, 9, 4),
    date(2027, 9, 25),
    date(2027, 10, 2),
    date(2027, 10, 30),
    date(2027, 11, 6),
)
Row = tuple[str, str, str | None, str | None]


@attrs.frozen
class Person:
    id: str
    zone: str
    hours: str | None
    days: str | None
    trainer: bool
    email: str | None = None  # the builder's ``ID@example.org`` when None

    def address(self) -> str:
        return self.email or f"{self.id}@example.org"


@attrs.frozen
class Live:
    """A session as the oracle sees it: its instant, or None when its local time is not one instant."""

    id: str
    start: datetime | None
    minutes: int
    live: bool
    trainers: tuple[str, ...]
    participants: tuple[str, ...] | None
    key: str


def cased(draw: st.DrawFn, name: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c for c in name)


@st.composite
def days_text(draw: st.DrawFn) -> str:
    """``working_days`` as a user writes it: a list, or a range that may wrap past Sunday; any case."""
    if draw(st.booleans()):
        first, last = draw(st.sampled_from(DAYS)), draw(st.sampled_from(DAYS))
        return f"{cased(draw, first)}-{cased(draw, last)}"
    chosen = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True))
    return ",".join(cased(draw, d) for d in chosen)


@st.composite
def hours_text(draw: st.DrawFn) -> str:
    start = draw(st.integers(0, 23 * 4)) * 15
    end = draw(st.integers(start // 15 + 1, 96)) * 15
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def parse_days(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.lower().split(","):
        first, dash, last = part.partition("-")
        a = DAYS.index(first)
        if not dash:
            out.add(a)
            continue
        b = DAYS.index(last)
        day = a
        out.add(day)
        while day != b:
            day = (day + 1) % 7
            out.add(day)
    return out


def wall(local: datetime, tz: ZoneInfo) -> datetime | None:
    """The one instant a wall time names in ``tz``; None in a gap or a fold."""
    candidates = {local.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1)}
    exact = [c for c in candidates if c.astimezone(tz).replace(tzinfo=None) == local]
    return exact[0] if len(candidates) == 1 and exact else None


def window(hours: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A working window ``HH:MM-HH:MM`` (``24:00`` ends at the next midnight) on the local date ``day``."""
    h1, m1, h2, m2 = (int(x) for x in hours.replace("-", ":").split(":"))
    start = datetime.combine(day, time(h1, m1), tz)
    return start, datetime.combine(day + timedelta(days=h2 // 24), time(h2 % 24, m2), tz)


def suits(p: Person, start: datetime, minutes: int, hours: str, days: str) -> bool:
    """Whether a live session from ``start`` is inside ``p``'s window and on one of their working days;
    ``hours`` and ``days`` are the course's defaults."""
    tz = pinned_zone(p.zone)
    local = start.astimezone(tz)
    ws, we = window(p.hours or hours, local.date(), tz)
    inside = ws <= start and start + timedelta(minutes=minutes) <= we
    return inside and local.weekday() in parse_days(p.days or days)


def local_text(draw: st.DrawFn, base: date) -> datetime:
    """A wall time near ``base``, mostly within one day, so that days and overlaps collide often."""
    minute = draw(st.integers(0, 36 * 4)) * 15 + draw(st.sampled_from([0, 0, 0, 7]))
    return datetime.combine(base, time(0)) + timedelta(minutes=minute)


@attrs.frozen
class Case:
    id: str
    text: str
    zone: str
    people: tuple[Person, ...]
    sessions: tuple[Live, ...]
    max_minutes: int
    max_per_day: int
    hours: str
    days: str
    severity: Mapping[str, str]


@st.composite
def cases(
    draw: st.DrawFn, cid: str = "demo-2027", base: date | None = None, emails: Sequence[str] = ()
) -> Case:
    """A course file; with ``emails``, its people's addresses are drawn from them (in any case)."""
    zone = draw(st.sampled_from(ZONES))
    tz = pinned_zone(zone)
    if base is None:
        base = draw(st.sampled_from(AROUND)) + timedelta(days=draw(st.integers(0, 2)))
    zones = st.sampled_from(ZONES)
    people: list[Person] = []
    for i in range(draw(st.integers(1, 2))):
        people.append(Person(f"t{i}", draw(zones), draw(st.none() | hours_text()), None, True))
    for i in range(draw(st.integers(0, 3))):
        people.append(Person(f"p{i}", draw(zones), draw(st.none() | hours_text()), None, False))
    people = [attrs.evolve(p, days=draw(st.none() | days_text())) for p in people]
    if emails:
        chosen = draw(st.permutations(emails))[: len(people)]
        people = [attrs.evolve(p, email=cased(draw, e)) for p, e in zip(people, chosen, strict=False)]
    trainer_ids = [p.id for p in people if p.trainer]
    participant_ids = [p.id for p in people if not p.trainer]

    def who(draw: st.DrawFn) -> dict[str, Any]:
        keys: dict[str, Any] = {"trainers": draw(st.lists(st.sampled_from(trainer_ids), unique=True))}
        chosen: bool = draw(st.booleans())
        if participant_ids and chosen:
            keys["participants"] = draw(st.lists(st.sampled_from(participant_ids), unique=True))
        if draw(st.integers(0, 4)) == 0:
            keys["kind"] = "recorded"
        return keys

    tables: list[dict[str, Any]] = []
    lives: list[Live] = []
    for i in range(draw(st.integers(0, 5))):
        local = local_text(draw, base)
        minutes = draw(st.integers(15, 300))
        keys = who(draw)
        if draw(st.integers(0, 2)) == 0:  # an offset date-time names its instant whatever the zone
            offset = timedelta(minutes=15 * draw(st.integers(-10 * 4, 14 * 4)))
            instant = (local - offset).replace(tzinfo=UTC)
            sign = "-" if offset < timedelta(0) else "+"
            hh, mm = divmod(abs(int(offset.total_seconds())) // 60, 60)
            written = f"{local.isoformat()}{sign}{hh:02d}:{mm:02d}"
            start: datetime | None = instant
        else:
            written, start = local.isoformat(), wall(local, tz)
        tables.append(session(f"s{i}", written, minutes, **keys))
        lives.append(
            Live(
                f"s{i}",
                start,
                minutes,
                keys.get("kind") != "recorded",
                tuple(keys["trainers"]),
                None if "participants" not in keys else tuple(keys["participants"]),
                f"sessions[{i}].start",
            )
        )
    runs: list[dict[str, Any]] = []
    if draw(st.booleans()):
        first = local_text(draw, base)
        count = draw(st.integers(1, 4))
        keys = who(draw)
        minutes = draw(st.integers(15, 180))
        if draw(st.booleans()):
            weekdays = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
            keys["weekdays"] = [cased(draw, d) for d in weekdays]
            step = [DAYS.index(d) for d in weekdays]
        else:
            keys["every_days"] = draw(st.integers(1, 3))
        skip = draw(st.lists(st.integers(0, 6).map(lambda n: first.date() + timedelta(days=n)), max_size=2))
        if skip:
            keys["skip"] = skip
        runs.append(series("w", first.isoformat(), minutes, count, **keys))
        if wall(first, tz) is None:  # first_start is a local date-time too, held that day or not
            lives.append(Live("first_start", None, minutes, False, (), None, "series[0].first_start"))
        day, found = first.date(), 0
        while found < count:
            on = (
                day.weekday() in step
                if "weekdays" in keys
                else (day - first.date()).days % keys["every_days"] == 0
            )
            if on and day not in skip:
                found += 1
                lives.append(
                    Live(
                        f"w{found:02d}",
                        wall(datetime.combine(day, first.time()), tz),
                        minutes,
                        keys.get("kind") != "recorded",
                        tuple(keys["trainers"]),
                        None if "participants" not in keys else tuple(keys["participants"]),
                        "series[0].first_start",
                    )
                )
            day += timedelta(days=1)
    max_minutes = draw(st.integers(60, 240))
    max_per_day = draw(st.integers(1, 3))
    hours = draw(hours_text())
    days = draw(days_text())
    severity = draw(st.dictionaries(st.sampled_from(RULE_IDS), st.sampled_from(["error", "warning"])))
    extra = (
        f"[rules]\nmax_live_minutes = {max_minutes}\nmax_live_sessions_per_day = {max_per_day}\n"
        f'working_hours = "{hours}"\nworking_days = "{days}"\n'
    )
    if severity:
        extra += table("[rules.severity]", severity)

    def row(p: Person) -> dict[str, Any]:
        return person(
            p.id, p.id.upper(), p.email, timezone=p.zone, working_hours=p.hours, working_days=p.days
        )

    text = course_toml(
        id=cid,
        timezone=zone,
        trainers=[row(p) for p in people if p.trainer],
        participants=[row(p) for p in people if not p.trainer],
        sessions=tables,
        series=runs,
        extra=extra,
    )
    return Case(cid, text, zone, tuple(people), tuple(lives), max_minutes, max_per_day, hours, days, severity)


def end(s: Live) -> datetime:
    assert s.start is not None
    return s.start + timedelta(minutes=s.minutes)


def people_of(case: Case, s: Live) -> list[str]:
    """The ids of a session's people: its trainers and participants (every participant by default)."""
    participants = [p.id for p in case.people if not p.trainer]
    chosen = participants if s.participants is None else list(s.participants)
    return [*s.trainers, *chosen]


def expected(case: Case) -> list[Row]:
    """PRODUCT.md section 3, pair by pair and day by day."""
    live = [s for s in case.sessions if s.live]
    found: list[tuple[str, str | None, str | None]] = []

    def of(s: Live) -> list[str]:
        return people_of(case, s)

    for s in live:
        if s.minutes > case.max_minutes:
            found.append(("live-session-too-long", s.id, None))
    for p in case.people:
        tz = pinned_zone(p.zone)
        mine = sorted((s for s in live if p.id in of(s)), key=lambda s: (s.start, s.id))
        by_day: dict[date, list[Live]] = {}
        for s in mine:
            assert s.start is not None
            local = s.start.astimezone(tz)
            by_day.setdefault(local.date(), []).append(s)
            ws, we = window(p.hours or case.hours, local.date(), tz)
            if not (ws <= s.start and end(s) <= we):
                found.append(("outside-working-hours", s.id, p.id))
            if local.weekday() not in parse_days(p.days or case.days):
                found.append(("outside-working-days", s.id, p.id))
        for on_day in by_day.values():
            if len(on_day) > case.max_per_day:
                found.append(("too-many-live-sessions-per-day", on_day[case.max_per_day].id, p.id))
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                assert a.start is not None and b.start is not None
                if a.start < end(b) and b.start < end(a):
                    later = max(a, b, key=lambda s: (s.start, s.id))
                    found.append(("double-booked", later.id, p.id))
    return sorted((rule, case.severity.get(rule, "error"), sid, pid) for rule, sid, pid in found)


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_check_json_matches_the_contract_on_random_course_files(tmp_path: Path, case: Case) -> None:
    path = tmp_path / "course.toml"
    path.write_text(case.text, encoding="utf-8")
    code, out, err = run("check", str(path), "--json")
    unreadable = sorted({s.key for s in case.sessions if s.start is None})
    if unreadable:  # a wall time in a gap or a fold: exit 2, naming the key and asking for an offset
        assert (code, out) == (2, ""), case.text
        for key in unreadable:
            assert key in err
        assert "offset date-time" in err
        assert str(path) in err
        return
    assert code in (0, 1), err + case.text
    answer = json.loads(out)
    assert set(answer) == {"course", "findings"} and answer["course"] == "demo-2027"
    for f in answer["findings"]:
        assert set(f) == {"rule", "severity", "session", "person", "message"}
    got: Sequence[Row] = sorted(
        (f["rule"], f["severity"], f["session"], f["person"]) for f in answer["findings"]
    )
    assert got == expected(case), case.text
    assert code == (1 if any(row[1] == "error" for row in got) else 0)


CROSS = ("too-many-live-sessions-per-day", "double-booked")
EMAILS = ("ana@example.org", "bo@example.org", "cy@example.org", "di@example.org")


def expected_in_programme(cases: Sequence[Case], case: Case) -> list[Row]:
    """``case``'s findings in a programme of ``cases``: its own for three rules; for the two others, each
    person's live sessions in every course where someone has their email (ignoring case), reported when one
    of its own sessions is involved, another course's written ``COURSE_ID/SESSION_ID``."""
    found = [row for row in expected(case) if row[0] not in CROSS]
    for p in case.people:
        mine: list[tuple[tuple[datetime, str, str], str, Live]] = []
        for other in cases:
            for s in other.sessions:
                if not s.live:
                    continue
                ids = people_of(other, s)
                if other is case:
                    taking = p.id in ids
                else:
                    taking = any(
                        q.address().lower() == p.address().lower() for q in other.people if q.id in ids
                    )
                if taking:
                    assert s.start is not None
                    shown = s.id if other is case else f"{other.id}/{s.id}"
                    mine.append(((s.start, other.id, s.id), shown, s))
        mine.sort(key=lambda e: e[0])
        by_day: dict[date, list[tuple[tuple[datetime, str, str], str, Live]]] = {}
        for entry in mine:
            by_day.setdefault(entry[0][0].astimezone(pinned_zone(p.zone)).date(), []).append(entry)
        for on_day in by_day.values():
            if len(on_day) > case.max_per_day and any(e[0][1] == case.id for e in on_day):
                found.append(
                    (CROSS[0], case.severity.get(CROSS[0], "error"), on_day[case.max_per_day][1], p.id)
                )
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if case.id not in (a[0][1], b[0][1]):
                    continue
                if a[0][0] < end(b[2]) and b[0][0] < end(a[2]):
                    later = max(a, b, key=lambda e: e[0])  # together: the greater (course id, session id)
                    found.append((CROSS[1], case.severity.get(CROSS[1], "error"), later[1], p.id))
    return sorted(found)


@st.composite
def programmes(draw: st.DrawFn) -> tuple[Case, ...]:
    """Two or three courses on the same days, whose people share e-mail addresses (written in any case)."""
    base = draw(st.sampled_from(AROUND)) + timedelta(days=draw(st.integers(0, 2)))
    n = draw(st.integers(2, 3))
    return tuple(draw(cases(cid=f"course-{i}", base=base, emails=EMAILS)) for i in range(n))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=programmes())
def test_check_programme_json_matches_the_contract_on_random_course_files(
    tmp_path: Path, members: tuple[Case, ...]
) -> None:
    assume(all(s.start is not None for case in members for s in case.sessions))
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example: the glob sees these courses only
    for case in members:
        (folder / case.id).mkdir()
        (folder / case.id / "course.toml").write_text(case.text, encoding="utf-8")
    path = folder / "programme.toml"
    path.write_text(
        table("[programme]", {"id": "prog-2027", "title": "Programme", "courses": ["*/course.toml"]}),
        encoding="utf-8",
    )
    code, out, err = run("check", str(path), "--json")
    assert code in (0, 1), err
    answer = json.loads(out)
    assert set(answer) == {"programme", "courses"} and answer["programme"] == "prog-2027"
    assert sorted(c["course"] for c in answer["courses"]) == [case.id for case in members]
    for entry in answer["courses"]:
        assert set(entry) == {"course", "findings"}
        case = next(c for c in members if c.id == entry["course"])
        got = sorted((f["rule"], f["severity"], f["session"], f["person"]) for f in entry["findings"])
        assert got == expected_in_programme(members, case), "\n\n".join(c.text for c in members)
    errors = any(f["severity"] == "error" for c in answer["courses"] for f in c["findings"])
    assert code == (1 if errors else 0)


@attrs.frozen
class SlotCase:
    text: str
    zone: str
    people: tuple[Person, ...]
    hours: str
    days: str
    minutes: int
    first: date
    last: date
    session_days: str | None


@st.composite
def slot_cases(draw: st.DrawFn) -> SlotCase:
    zone = draw(st.sampled_from(ZONES))
    zones = st.sampled_from(ZONES)
    people = [
        Person(f"t{i}", draw(zones), draw(st.none() | hours_text()), draw(st.none() | days_text()), True)
        for i in range(draw(st.integers(0, 2)))
    ]
    people += [
        Person(f"p{i}", draw(zones), draw(st.none() | hours_text()), draw(st.none() | days_text()), False)
        for i in range(draw(st.integers(0, 3)))
    ]
    hours = draw(st.sampled_from(["08:00-18:00", "00:00-24:00"]) | hours_text())
    days = draw(st.sampled_from(["mon-fri", "mon-sun"]) | days_text())

    def row(p: Person) -> dict[str, Any]:
        return person(p.id, p.id.upper(), timezone=p.zone, working_hours=p.hours, working_days=p.days)

    text = course_toml(
        timezone=zone,
        trainers=[row(p) for p in people if p.trainer],
        participants=[row(p) for p in people if not p.trainer],
        sessions=(),
        extra=f'[rules]\nworking_hours = "{hours}"\nworking_days = "{days}"\n',
    )
    first = draw(st.sampled_from(AROUND)) + timedelta(days=draw(st.integers(-1, 2)))
    last = first + timedelta(days=draw(st.integers(0, 2)))
    minutes = draw(st.sampled_from([15, 60, 90, 120]) | st.integers(1, 600))
    return SlotCase(
        text, zone, tuple(people), hours, days, minutes, first, last, draw(st.none() | days_text())
    )


def expected_slots(case: SlotCase) -> list[dict[str, Any]]:
    """Every 15 minutes from local midnight of the first date to the end of the last (the course's zone),
    on the allowed days (``--session-days``, else the course's working days); every trainer suited."""
    tz = pinned_zone(case.zone)
    allowed = parse_days(case.session_days or case.days)
    participants = [p for p in case.people if not p.trainer]
    t = datetime.combine(case.first, time(0), tz).astimezone(UTC)
    end = datetime.combine(case.last + timedelta(days=1), time(0), tz).astimezone(UTC)
    found: list[tuple[int, datetime, list[str]]] = []
    while t < end:
        local = t.astimezone(tz).date()
        on_day = case.first <= local <= case.last and local.weekday() in allowed
        if on_day and all(suits(p, t, case.minutes, case.hours, case.days) for p in case.people if p.trainer):
            missing = [p.id for p in participants if not suits(p, t, case.minutes, case.hours, case.days)]
            found.append((len(participants) - len(missing), t, missing))
        t += timedelta(minutes=15)
    found.sort(key=lambda s: (-s[0], s[1]))
    return [
        {"start": f"{t:%Y-%m-%dT%H:%M:%SZ}", "suits": k, "of": len(participants), "missing": missing}
        for k, t, missing in found
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=slot_cases())
def test_slots_json_matches_the_contract_on_random_course_files(tmp_path: Path, case: SlotCase) -> None:
    path = tmp_path / "course.toml"
    path.write_text(case.text, encoding="utf-8")
    args = ["--minutes", str(case.minutes), "--from", f"{case.first}", "--to", f"{case.last}", "--json"]
    if case.session_days is not None:
        args += ["--session-days", case.session_days]
    code, out, err = run("slots", str(path), *args)
    assert code == 0, err + case.text
    assert json.loads(out) == {"minutes": case.minutes, "slots": expected_slots(case)}, case.text
