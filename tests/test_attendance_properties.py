"""Property tests of attendance: the window bound, invariances, idempotent re-import, monotone status."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ta_delivery.attendance import Accumulator, AttendanceStore, IdentityIndex, classify, coverage, reconcile
from ta_delivery.models import AttendancePolicy, Course, Organizer, Participant, Session
from ta_delivery.records import Segment
from ta_delivery.store import open_store

START = datetime(2027, 3, 1, 14, tzinfo=UTC)
MINUTES = 120
END = START + timedelta(minutes=MINUTES)
RANK = {"absent": 0, "partial": 1, "late": 2, "present": 2}


@st.composite
def interval(draw: st.DrawFn) -> tuple[datetime, datetime]:
    begin = draw(st.integers(min_value=-3 * 3600 * 10**6, max_value=4 * 3600 * 10**6))
    length = draw(st.integers(min_value=0, max_value=3 * 3600 * 10**6))
    join = START + timedelta(microseconds=begin)
    return join, join + timedelta(microseconds=length)


intervals = st.lists(interval(), max_size=12)


def _naive_measure(items: list[tuple[datetime, datetime]]) -> timedelta:
    """Reference: count covered microseconds-boundaries by sweeping sorted event points."""
    points = sorted({START, END, *(t for i in items for t in i if START <= t <= END)})
    total = timedelta(0)
    for lo, hi in itertools.pairwise(points):
        if any(j <= lo and hi <= lv for j, lv in items):
            total += hi - lo
    return total


@given(intervals)
def test_attended_time_never_exceeds_the_window_and_matches_a_sweep(
    items: list[tuple[datetime, datetime]],
) -> None:
    attended, first = coverage(items, START, END)
    assert timedelta(0) <= attended <= END - START
    assert attended <= sum((lv - j for j, lv in items), timedelta(0))
    assert attended == _naive_measure(items)
    overlapping = [j for j, lv in items if j < END and lv > START and min(lv, END) > max(j, START)]
    assert first == (min(overlapping) if overlapping else None)


@given(intervals, st.randoms(use_true_random=False))
def test_invariant_under_reordering(items: list[tuple[datetime, datetime]], rnd: object) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert coverage(shuffled, START, END) == coverage(items, START, END)


@given(intervals, st.data())
def test_invariant_under_splitting(items: list[tuple[datetime, datetime]], data: st.DataObject) -> None:
    if not items:
        return
    i = data.draw(st.integers(0, len(items) - 1))
    join, leave = items[i]
    cut = join + (leave - join) * data.draw(st.floats(0, 1))
    cut = min(max(cut, join), leave)
    split = [*items[:i], (join, cut), (cut, leave), *items[i + 1 :]]
    attended, first = coverage(items, START, END)
    s_attended, s_first = coverage(split, START, END)
    assert s_attended == attended
    if attended:
        # the first join can only move if the piece holding it no longer reaches the window
        assert s_first is not None
        assert s_first >= first  # type: ignore[operator]


@given(intervals, st.data())
def test_invariant_under_merging_overlaps(
    items: list[tuple[datetime, datetime]], data: st.DataObject
) -> None:
    if len(items) < 2:
        return
    a, b = data.draw(st.permutations(range(len(items))))[:2]
    (j1, l1), (j2, l2) = items[a], items[b]
    if max(j1, j2) > min(l1, l2):
        return  # not overlapping (touching counts as overlapping)
    merged = [x for k, x in enumerate(items) if k not in (a, b)] + [(min(j1, j2), max(l1, l2))]
    assert coverage(merged, START, END)[0] == coverage(items, START, END)[0]


def _session() -> Session:
    return Session(id="s01", title="One", start=START, minutes=MINUTES)


policies = st.builds(
    lambda late, present, partial: AttendancePolicy(
        late_after_minutes=late,
        present_fraction=max(present, partial),
        partial_fraction=min(present, partial),
    ),
    st.integers(0, 60),
    st.sampled_from([0.5, 0.7, 0.75, 0.8, 0.9, 1.0]),
    st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.5]),
)


@given(
    policies,
    st.integers(0, MINUTES * 60 * 10**6),
    st.integers(0, MINUTES * 60 * 10**6),
    st.one_of(st.none(), st.integers(-3600, MINUTES * 60)),
)
def test_status_is_monotone_in_attended_time(
    policy: AttendancePolicy, a: int, b: int, join_offset: int | None
) -> None:
    lo, hi = sorted((a, b))
    first = None if join_offset is None else START + timedelta(seconds=join_offset)
    s_lo, _ = classify(timedelta(microseconds=lo), first, _session(), policy)
    s_hi, _ = classify(timedelta(microseconds=hi), first, _session(), policy)
    assert RANK[s_lo] <= RANK[s_hi]


def _course(n: int = 3) -> Course:
    people = tuple(
        Participant(id=f"p{i}", name=f"Person {i}", email=f"p{i}@example.org", timezone="UTC")
        for i in range(n)
    )
    return Course(
        id="prop",
        title="Properties",
        timezone="UTC",
        organizer=Organizer("Institute", "training@example.org"),
        participants=people,
        sessions=(_session(),),
    )


segment_rows = st.lists(
    st.tuples(st.sampled_from(["p0", "p1", "p2", "P1@example.org", "guest", "x@y.org"]), interval()),
    max_size=15,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segment_rows)
def test_reimport_is_idempotent(tmp_path: Path, rows: list[tuple[str, tuple[datetime, datetime]]]) -> None:
    course = _course()
    segments = [
        Segment(
            session_id="s01",
            join=j,
            leave=lv,
            source="register-csv",
            raw_key=Segment.key_of("s01", who, j.isoformat(), lv.isoformat()),
            external_id=None if "@" in who else who,
            email=who if "@" in who else None,
        )
        for who, (j, lv) in rows
    ]
    db = tmp_path / f"idem-{len(list(tmp_path.iterdir()))}.db"
    store = open_store(f"sqlite:///{db}")
    try:
        records = AttendanceStore(store)
        first = records.record(course.id, segments, START)
        count = records.count(course.id)
        acc = Accumulator(IdentityIndex(course))
        acc.extend(records.rows(course.id))
        before = reconcile(course, acc)
        again = records.record(course.id, list(reversed(segments)), END)
        assert again.inserted == 0
        assert records.count(course.id) == count == first.inserted
        acc2 = Accumulator(IdentityIndex(course))
        acc2.extend(records.rows(course.id))
        after = reconcile(course, acc2)
        assert [p.sessions for p in after.participants] == [p.sessions for p in before.participants]
        assert after.unmatched == before.unmatched
    finally:
        store.close()


@pytest.mark.parametrize("fraction", [0.29, 0.7, 0.57, 0.8, 0.35])
def test_thresholds_compare_exact_times_with_the_decimal_written(fraction: float) -> None:
    scheduled_us = MINUTES * 60 * 10**6
    exact_us = round(scheduled_us * fraction * 10**6) // 10**6  # the decimal's exact share, in whole us
    assert exact_us * 100 == scheduled_us * round(fraction * 100)
    present = AttendancePolicy(present_fraction=fraction, partial_fraction=0.1)
    partial = AttendancePolicy(present_fraction=1.0, partial_fraction=fraction)
    on, under = timedelta(microseconds=exact_us), timedelta(microseconds=exact_us - 1)
    assert classify(on, START, _session(), present)[0] == "present"
    assert classify(under, START, _session(), present)[0] == "partial"
    assert classify(on, START, _session(), partial)[0] == "partial"
    assert classify(under, START, _session(), partial)[0] == "absent"


def test_late_is_strictly_after_the_grace_period() -> None:
    policy = AttendancePolicy(late_after_minutes=10)
    full = timedelta(minutes=MINUTES)
    assert classify(full, START + timedelta(minutes=10), _session(), policy)[0] == "present"
    late = classify(full, START + timedelta(minutes=10, microseconds=1), _session(), policy)
    assert late[0] == "late"
    assert "10 min after the start" in late[1]
    assert classify(timedelta(0), None, _session(), policy, recorded=False) == (
        "absent",
        "no attendance recorded",
    )


@settings(max_examples=60)
@given(segment_rows, st.randoms(use_true_random=False), st.sampled_from(["Visitor", "Other Name"]))
def test_the_whole_report_is_invariant_under_row_order(
    rows: list[tuple[str, tuple[datetime, datetime]]], rnd: object, name: str
) -> None:
    course = _course()

    def report_of(items: list[tuple[str, tuple[datetime, datetime]]]) -> object:
        acc = Accumulator(IdentityIndex(course))
        for who, (j, lv) in items:
            # some rows of an identifier carry a display name, others another or none: decided by the row
            shown = (None, name, name.upper())[j.microsecond % 3]
            acc.add("s01", None, None if "@" in who else who, who if "@" in who else None, shown, j, lv)
        r = reconcile(course, acc)
        return ([p.sessions for p in r.participants], r.unmatched, r.suggestions)

    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert report_of(shuffled) == report_of(rows)


@settings(max_examples=40)
@given(segment_rows, st.sampled_from([{}, {("s01", "p2"): "ill"}, {("s01", "p0"): "travel"}]))
def test_recording_statuses_equal_the_reports(
    rows: list[tuple[str, tuple[datetime, datetime]]], excuses: dict[tuple[str, str], str]
) -> None:
    from ta_delivery.attendance.reconcile import reconcile_statuses

    course = _course()
    acc = Accumulator(IdentityIndex(course))
    for who, (j, lv) in rows:
        acc.add("s01", None, None if "@" in who else who, who if "@" in who else None, None, j, lv)
    report = reconcile(course, acc, excuses)
    statuses, unmatched = reconcile_statuses(course, acc, excuses, session_ids=["s01"])
    assert statuses == report.statuses()
    assert unmatched == len(report.unmatched)
