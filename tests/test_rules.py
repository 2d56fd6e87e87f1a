"""The four built-in rules on hand-made edge cases, pinned DST examples, and the engine."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from helpers.rules import course, participant, session, trainer, utc
from ta_delivery.hookspecs import hookimpl
from ta_delivery.models import Course, Rules, WorkingHours
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import Finding, RuleSpec
from ta_delivery.rules import (
    DOUBLE_BOOKED,
    OUTSIDE_WORKING_HOURS,
    TOO_LONG,
    TOO_MANY,
    check_course,
    has_errors,
)

PLUGINS = make_plugin_manager(entry_points=False)


def found(c: Course, rule: str | None = None) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.session, f.person) for f in check_course(c, PLUGINS) if rule in (None, f.rule)]


def test_builtin_rules_are_registered_through_the_hook() -> None:
    assert {TOO_LONG, TOO_MANY, OUTSIDE_WORKING_HOURS, DOUBLE_BOOKED} <= set(PLUGINS.rules)
    info = {p.name: p for p in PLUGINS.info()}
    assert DOUBLE_BOOKED in info["ta-delivery"].rules


# --- live-session-too-long ------------------------------------------------------------------------


def test_too_long() -> None:
    c = course(
        [
            session("ok", utc(2027, 8, 10, 9), 120),
            session("long", utc(2027, 8, 11, 9), 121),
            session("rec", utc(2027, 8, 12, 9), 300, kind="recorded"),
        ]
    )
    assert found(c, TOO_LONG) == [(TOO_LONG, "long", None)]


def test_too_long_uses_the_course_limit() -> None:
    c = course([session("a", utc(2027, 8, 10, 9), 90)], rules=Rules(max_live_minutes=60))
    assert found(c, TOO_LONG) == [(TOO_LONG, "a", None)]


# --- too-many-live-sessions-per-day ------------------------------------------------------------------


def test_too_many_one_finding_per_person_and_date_first_over_limit() -> None:
    people = [participant("p", "UTC", "00:00-24:00")]
    c = course(
        [
            session("d", utc(2027, 8, 10, 15)),
            session("a", utc(2027, 8, 10, 9)),
            session("c", utc(2027, 8, 10, 13)),
            session("b", utc(2027, 8, 10, 11)),
            session("next-day", utc(2027, 8, 11, 9)),
        ],
        participants=people,
    )
    # sorted by start: a, b, c, d -> c is the first over the limit of 2
    assert found(c, TOO_MANY) == [(TOO_MANY, "c", "p")]


def test_too_many_ties_broken_by_id() -> None:
    people = [participant("p", "UTC", "00:00-24:00")]
    same = utc(2027, 8, 10, 9)
    c = course([session("z", same), session("y", same), session("x", same)], participants=people)
    assert found(c, TOO_MANY) == [(TOO_MANY, "z", "p")]


def test_too_many_counts_the_persons_own_local_date_past_midnight() -> None:
    # Tokyo is UTC+9: 14:00 UTC on the 10th is 23:00 on the 10th; 16:00 UTC is 01:00 on the 11th.
    tokyo = participant("tk", "Asia/Tokyo", "00:00-24:00")
    lima = participant("li", "America/Lima", "00:00-24:00")
    c = course(
        [
            session("s1", utc(2027, 8, 10, 1)),  # Tokyo 10th 10:00; Lima 9th 20:00
            session("s2", utc(2027, 8, 10, 5)),  # Tokyo 10th 14:00; Lima 10th 00:00
            session("s3", utc(2027, 8, 10, 14)),  # Tokyo 10th 23:00 (runs past midnight); Lima 10th 09:00
            session("s4", utc(2027, 8, 10, 16)),  # Tokyo 11th 01:00; Lima 10th 11:00
        ],
        participants=[tokyo, lima],
    )
    assert found(c, TOO_MANY) == [(TOO_MANY, "s3", "tk"), (TOO_MANY, "s4", "li")]


def test_too_many_ignores_recorded_and_other_peoples_sessions() -> None:
    people = [participant("p", "UTC", "00:00-24:00"), participant("q", "UTC", "00:00-24:00")]
    c = course(
        [
            session("a", utc(2027, 8, 10, 9), participants=["p"]),
            session("b", utc(2027, 8, 10, 11), participants=["p"]),
            session("c", utc(2027, 8, 10, 13), participants=["q"]),
            session("r", utc(2027, 8, 10, 15), kind="recorded"),
        ],
        participants=people,
    )
    assert found(c, TOO_MANY) == []


def test_too_many_counts_trainers() -> None:
    c = course(
        [session(s, utc(2027, 8, 10, h), trainers=["t"]) for s, h in (("a", 8), ("b", 10), ("c", 12))],
        trainers=[trainer("t", "UTC")],
    )
    assert found(c, TOO_MANY) == [(TOO_MANY, "c", "t")]


# --- outside-working-hours ---------------------------------------------------------------------------


def test_window_edges_are_inside() -> None:
    p = participant("p", "Europe/Zurich")  # default 08:00-18:00; CEST is UTC+2 in August
    c = course(
        [
            session("edges", utc(2027, 8, 10, 6), 600),  # 08:00-18:00 exactly
            session("early", utc(2027, 8, 11, 5, 59), 60),
            session("late", utc(2027, 8, 12, 15), 61),  # ends 18:01
            session("rec", utc(2027, 8, 13, 1), 60, kind="recorded"),
        ],
        participants=[p],
    )
    assert found(c, OUTSIDE_WORKING_HOURS) == [
        (OUTSIDE_WORKING_HOURS, "early", "p"),
        (OUTSIDE_WORKING_HOURS, "late", "p"),
    ]


def test_window_is_on_the_local_start_date_even_past_midnight() -> None:
    night = participant("n", "UTC", "20:00-24:00")
    c = course(
        [
            session("to-midnight", utc(2027, 8, 10, 22), 120),  # 22:00-24:00: inside
            session("past-midnight", utc(2027, 8, 11, 23), 120),  # 23:00-01:00: outside
        ],
        participants=[night],
    )
    assert found(c, OUTSIDE_WORKING_HOURS) == [(OUTSIDE_WORKING_HOURS, "past-midnight", "n")]


def test_outside_one_finding_per_person_and_session() -> None:
    c = course(
        [session("s", utc(2027, 8, 10, 3), trainers=["t"])],
        trainers=[trainer("t", "UTC")],
        participants=[participant("a", "UTC"), participant("b", "Asia/Tokyo")],
    )
    assert found(c, OUTSIDE_WORKING_HOURS) == [
        (OUTSIDE_WORKING_HOURS, "s", "t"),
        (OUTSIDE_WORKING_HOURS, "s", "a"),
    ]


def test_person_hours_override_course_hours() -> None:
    c = course(
        [session("s", utc(2027, 8, 10, 19), 60)],
        participants=[participant("a", "UTC", "12:00-20:00"), participant("b", "UTC")],
        rules=Rules(working_hours=WorkingHours.parse("09:00-17:00")),
    )
    assert found(c, OUTSIDE_WORKING_HOURS) == [(OUTSIDE_WORKING_HOURS, "s", "b")]


# Pinned DST examples: (zone, UTC start inside 08:00-18:00, UTC start just outside), around a change.
DST_CASES = [
    # Berlin springs forward on 2027-03-28 (UTC+1 -> UTC+2): 08:00 is 06:00Z that day, 07:00Z the day before
    ("Europe/Berlin", utc(2027, 3, 28, 6), utc(2027, 3, 27, 6)),
    ("Europe/Berlin", utc(2027, 10, 31, 7), utc(2027, 10, 31, 6)),
    # New York springs forward on 2027-03-14 (UTC-5 -> UTC-4)
    ("America/New_York", utc(2027, 3, 14, 12), utc(2027, 3, 13, 12)),
    ("America/New_York", utc(2027, 11, 7, 13), utc(2027, 11, 7, 12)),
    # Lord Howe: UTC+11 -> UTC+10:30 on 2027-04-04 (the clocks go back half an hour)
    ("Australia/Lord_Howe", utc(2027, 4, 3, 21, 30), utc(2027, 4, 3, 21, 0)),
    ("Australia/Lord_Howe", utc(2027, 10, 2, 21, 0), utc(2027, 10, 2, 20, 45)),
    # Kathmandu: UTC+5:45 all year
    ("Asia/Kathmandu", utc(2027, 6, 1, 2, 15), utc(2027, 6, 1, 2, 0)),
    # Chatham: UTC+13:45 -> UTC+12:45 on 2027-04-04; on the 5th 08:00 is 19:15Z on the 4th
    ("Pacific/Chatham", utc(2027, 4, 4, 19, 15), utc(2027, 4, 4, 19, 0)),
    ("Pacific/Chatham", utc(2027, 9, 25, 19, 0), utc(2027, 9, 25, 18, 0)),
    # Dublin: IST (UTC+1) ends on 2027-10-31
    ("Europe/Dublin", utc(2027, 10, 31, 8), utc(2027, 10, 30, 6, 45)),
    # St John's: UTC-3:30 -> UTC-2:30 on 2027-03-14
    ("America/St_Johns", utc(2027, 3, 14, 10, 30), utc(2027, 3, 13, 10, 30)),
]


@pytest.mark.parametrize(("tz", "inside", "outside"), DST_CASES)
def test_pinned_dst_working_windows(tz: str, inside: object, outside: object) -> None:
    c = course(
        [session("in", inside, 60), session("out", outside, 60)],  # type: ignore[arg-type]
        participants=[participant("p", tz)],
    )
    assert found(c, OUTSIDE_WORKING_HOURS) == [(OUTSIDE_WORKING_HOURS, "out", "p")]


def test_chatham_day_count_uses_local_date() -> None:
    # all three start on 5 April in Chatham (UTC+12:45) although two are on 4 April in UTC
    p = participant("p", "Pacific/Chatham", "00:00-24:00")
    c = course(
        [
            session("a", utc(2027, 4, 4, 19, 15)),
            session("b", utc(2027, 4, 4, 22)),
            session("c", utc(2027, 4, 5, 1)),
        ],
        participants=[p],
    )
    assert found(c, TOO_MANY) == [(TOO_MANY, "c", "p")]


def test_fold_night_is_measured_in_utc() -> None:
    # Berlin 2027-10-31: 02:00-03:00 happens twice. 00:00Z-01:00Z (CEST) and 01:00Z-02:00Z (CET) look
    # like the same wall-clock hour, but they only touch in time.
    p = participant("p", "Europe/Berlin", "00:00-24:00")
    c = course(
        [session("first", utc(2027, 10, 31, 0), 60), session("second", utc(2027, 10, 31, 1), 60)],
        participants=[p],
    )
    assert found(c, DOUBLE_BOOKED) == []
    c2 = course(
        [session("first", utc(2027, 10, 31, 0), 60), session("second", utc(2027, 10, 31, 0, 59), 60)],
        participants=[p],
    )
    assert found(c2, DOUBLE_BOOKED) == [(DOUBLE_BOOKED, "second", "p")]


# --- double-booked ---------------------------------------------------------------------------------


def test_touching_sessions_do_not_overlap() -> None:
    p = participant("p", "UTC", "00:00-24:00")
    c = course(
        [session("a", utc(2027, 8, 10, 9), 60), session("b", utc(2027, 8, 10, 10), 60)], participants=[p]
    )
    assert found(c, DOUBLE_BOOKED) == []


def test_double_booked_one_finding_per_person_and_pair() -> None:
    p = participant("p", "UTC", "00:00-24:00")
    q = participant("q", "UTC", "00:00-24:00")
    c = course(
        [
            session("long", utc(2027, 8, 10, 9), 180),
            session("b", utc(2027, 8, 10, 10), 30, participants=["p"]),
            session("a", utc(2027, 8, 10, 10), 30),
            session("rec", utc(2027, 8, 10, 9), 60, kind="recorded"),
        ],
        participants=[p, q],
        rules=Rules(max_live_sessions_per_day=5, max_live_minutes=300),
    )
    got = found(c, DOUBLE_BOOKED)
    # pairs for p: (long,a)->a, (long,b)->b, (a,b) same start -> greater id b; for q: (long,a)->a
    assert sorted(got) == sorted(
        [
            (DOUBLE_BOOKED, "a", "p"),
            (DOUBLE_BOOKED, "a", "q"),
            (DOUBLE_BOOKED, "b", "p"),
            (DOUBLE_BOOKED, "b", "p"),
        ]
    )
    messages = [f.message for f in check_course(c, PLUGINS) if f.rule == DOUBLE_BOOKED and f.session == "b"]
    assert any("a and b" in m for m in messages)
    assert any("long and b" in m for m in messages)


def test_double_booked_counts_trainers() -> None:
    c = course(
        [
            session("x", utc(2027, 8, 10, 9), 60, trainers=["t"], participants=[]),
            session("y", utc(2027, 8, 10, 9, 30), 60, trainers=["t"], participants=[]),
        ],
        trainers=[trainer("t", "UTC")],
    )
    assert found(c, DOUBLE_BOOKED) == [(DOUBLE_BOOKED, "y", "t")]


# --- engine ------------------------------------------------------------------------------------------


def test_severity_override_and_exit_semantics() -> None:
    c = course(
        [session("s", utc(2027, 8, 10, 3), 60)],
        participants=[participant("p", "UTC")],
        rules=Rules(severity={OUTSIDE_WORKING_HOURS: "warning"}),
    )
    findings = check_course(c, PLUGINS)
    assert [(f.rule, f.severity) for f in findings] == [(OUTSIDE_WORKING_HOURS, "warning")]
    assert not has_errors(findings)
    strict = course([session("s", utc(2027, 8, 10, 3), 60)], participants=[participant("p", "UTC")])
    assert has_errors(check_course(strict, PLUGINS))


def test_ordering_is_deterministic() -> None:
    people = [
        participant(f"p{i}", tz, "00:00-24:00") for i, tz in enumerate(["UTC", "Asia/Tokyo", "America/Lima"])
    ]
    sessions = [session(f"s{i}", utc(2027, 8, 10, i), 200) for i in range(6)]
    c = course(sessions, participants=people)
    first = check_course(c, PLUGINS)
    assert first == check_course(c, PLUGINS)
    keys = [f.rule for f in first]
    assert keys == sorted(keys)
    again = course(list(reversed(sessions)), participants=people)
    assert sorted(map(repr, check_course(again, PLUGINS))) == sorted(map(repr, first))


class WeekendRule:
    """A plugin rule: no live session on a Saturday (course zone)."""

    @hookimpl
    def ta_delivery_register_rules(self) -> Iterable[RuleSpec]:
        def check(c: Course) -> Iterable[Finding]:
            for s in c.live_sessions:
                if s.start.astimezone(c.zone).weekday() == 5:
                    yield Finding("no-saturday", "warning", s.id, None, f"{s.id} is on a Saturday")

        yield RuleSpec("no-saturday", check, "warning")


def test_plugin_rules_run_and_take_overrides() -> None:
    plugins = make_plugin_manager(entry_points=False, extra=[WeekendRule()])
    c = course([session("sat", utc(2027, 8, 14, 10))], rules=Rules(severity={"no-saturday": "error"}))
    findings = check_course(c, plugins)
    assert [(f.rule, f.severity, f.session) for f in findings] == [("no-saturday", "error", "sat")]


def test_a_person_at_a_reference_centre_keeps_their_own_zone_and_hours() -> None:
    import attrs

    from ta_delivery.models import Centre, Organizer

    centre = Centre("geneva", "Centre Geneva", "Europe/Zurich", Organizer("C", "c@example.org"))
    # 14:00 UTC is 09:00 in Jamaica (inside 08:00-18:00) but 16:00 in Geneva: the person's zone decides
    ana = participant("ana", "America/Jamaica", "08:00-10:00")
    c = course([session("s1", utc(2027, 1, 12, 14))], participants=[ana])
    c = attrs.evolve(c, centres=(centre,), participants=(attrs.evolve(ana, centre="geneva"),))
    assert [f for f in check_course(c, PLUGINS) if f.rule == "outside-working-hours"] == []
    late = attrs.evolve(c, sessions=(session("s1", utc(2027, 1, 12, 16)),))  # 11:00 in Jamaica: outside
    assert [f.person for f in check_course(late, PLUGINS) if f.rule == "outside-working-hours"] == ["ana"]
