"""Date-time cells of exports and the day/month order (attendance.formats.stamps), with property tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.attendance.formats.stamps import Stamp, settle_order
from ta_delivery.attendance.formats.tabular import Row, segments
from ta_delivery.errors import InputError
from ta_delivery.models import Course, Organizer, Session
from ta_delivery.records import ImportRequest


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("11/19/2021 09:54:15 AM", "mdy", datetime(2021, 11, 19, 9, 54, 15)),
        ("11/19/2021 12:01:59 PM", "mdy", datetime(2021, 11, 19, 12, 1, 59)),
        ("11/19/2021 12:01 AM", "mdy", datetime(2021, 11, 19, 0, 1)),
        ("19/11/2021 10:34:26", "dmy", datetime(2021, 11, 19, 10, 34, 26)),
        ("14/11/22, 09:30:46", "dmy", datetime(2022, 11, 14, 9, 30, 46)),
        ("14.11.2022, 09:29:07", "dmy", datetime(2022, 11, 14, 9, 29, 7)),
        ("14.11.2022 9:29", "dmy", datetime(2022, 11, 14, 9, 29)),
        ("2020/12/8 8:35", "ymd", datetime(2020, 12, 8, 8, 35)),
        ("2021/19/11 10:20:31", "ydm", datetime(2021, 11, 19, 10, 20, 31)),
        ("15/03/2027 02:00:00 p. m.", "dmy", datetime(2027, 3, 15, 14)),
        ("3/15/2027, 2:00:00 PM", "mdy", datetime(2027, 3, 15, 14)),
        ("2021-06-14 16:58:50", "dmy", datetime(2021, 6, 14, 16, 58, 50)),
        ('="2021-06-14 16:58:50"', "mdy", datetime(2021, 6, 14, 16, 58, 50)),
        ("Nov 19, 2021 10:20:31 AM", "mdy", datetime(2021, 11, 19, 10, 20, 31)),
    ],
)
def test_layouts_read_as_written(text: str, order: str, expected: datetime) -> None:
    assert Stamp(text, "k", "f").wall(order) == expected


def test_offsets_are_kept() -> None:
    assert Stamp("2019-02-01T12:34:12.660Z", "k", "f").wall("dmy") == datetime(
        2019, 2, 1, 12, 34, 12, 660000, tzinfo=UTC
    )
    stamp = Stamp("08/10/2020 10:00:00 AM GMT-04:00", "k", "f")
    assert not stamp.naive
    assert stamp.wall("mdy") == datetime(2020, 8, 10, 10, tzinfo=stamp.offset)


@pytest.mark.parametrize("text", ["yesterday", "13:00", "11/19/2021 13:00 PM", ""])
def test_unreadable_cells_are_input_errors(text: str) -> None:
    with pytest.raises(InputError) as caught:
        Stamp(text, "rows[1].Join Time", "f.csv")
    assert caught.value.key == "rows[1].Join Time"


def test_a_date_valid_in_no_order_is_refused() -> None:
    stamps = [Stamp("2020-13-45 10:00", "rows[1].Join Time", "f.csv")]
    with pytest.raises(InputError, match="year-first"):
        settle_order(stamps, [], None, lambda order: 0, "f.csv")


def test_a_day_above_twelve_settles_the_file() -> None:
    stamps = [Stamp(t, "k", "f") for t in ("01/06/2023 10:00", "13/06/2023 10:00")]
    assert settle_order(stamps, [], None, lambda order: 0, "f") == "dmy"
    mixed = [Stamp(t, "k", "f") for t in ("13/06/2023 10:00", "06/13/2023 10:00")]
    with pytest.raises(InputError, match="mix"):
        settle_order(mixed, [], None, lambda order: 0, "f")


def test_an_explicit_order_that_does_not_read_is_refused() -> None:
    stamps = [Stamp("13/06/2023 10:00", "rows[1].Join Time", "f")]
    with pytest.raises(InputError, match="--date-order mdy") as caught:
        settle_order(stamps, [], "mdy", lambda order: 0, "f")
    assert caught.value.key == "rows[1].Join Time"


# --- property: for any file whose rows fall in the sessions, the inferred order puts them there ----------

START = datetime(2020, 1, 1, tzinfo=UTC)


@st.composite
def files(draw: st.DrawFn) -> tuple[list[Session], list[tuple[datetime, datetime]], str, str, str]:
    n = draw(st.integers(1, 4))
    sessions = []
    for i in range(n):
        day = draw(st.integers(0, 3650))
        hour = draw(st.integers(0, 20))
        minutes = draw(st.sampled_from([30, 60, 90, 120]))
        sessions.append(
            Session(id=f"s{i}", title=f"S{i}", start=START + timedelta(days=day, hours=hour), minutes=minutes)
        )
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        s = draw(st.sampled_from(sessions))
        a = draw(st.integers(0, s.minutes - 1))
        b = draw(st.integers(a + 1, s.minutes))
        rows.append((s.start + timedelta(minutes=a), s.start + timedelta(minutes=b)))
    order = draw(st.sampled_from(["dmy", "mdy"]))
    sep = draw(st.sampled_from(["/", ".", "-"]))
    clock = draw(st.sampled_from(["24", "12"]))
    return sessions, rows, order, sep, clock


def _write(value: datetime, order: str, sep: str, clock: str) -> str:
    first, second = (value.day, value.month) if order == "dmy" else (value.month, value.day)
    date = f"{first:02d}{sep}{second:02d}{sep}{value.year}"
    if clock == "12":
        hour = value.hour % 12 or 12
        return f"{date} {hour}:{value.minute:02d}:00 {'PM' if value.hour >= 12 else 'AM'}"
    return f"{date} {value.hour:02d}:{value.minute:02d}:00"


@settings(max_examples=300, deadline=None)
@given(files())
def test_inferred_order_puts_rows_in_their_sessions(
    case: tuple[list[Session], list[tuple[datetime, datetime]], str, str, str],
) -> None:
    sessions, rows, order, sep, clock = case
    course = Course(
        id="p",
        title="P",
        timezone="UTC",
        organizer=Organizer("I", "i@example.org"),
        sessions=tuple(sessions),
    )
    written = [
        Row(
            key=f"rows[{i}]",
            join=Stamp(_write(j, order, sep, clock), f"rows[{i}].join", "f"),
            leave=Stamp(_write(lv, order, sep, clock), f"rows[{i}].leave", "f"),
            email=f"p{i}@example.org",
        )
        for i, (j, lv) in enumerate(rows)
    ]
    request = ImportRequest(path=Path("f.csv"), data=b"", course=course, timezone=ZoneInfo("UTC"))
    settled_by_file = any(max(v.day for v in pair) > 12 for pair in rows)
    refused: InputError | None = None
    try:
        segs = segments(request, written, "test")
    except InputError as exc:
        refused = exc
    if refused is not None:
        assert refused.key == "--date-order"  # refused, never guessed
        assert not settled_by_file
        return
    assert [(s.join, s.leave) for s in segs] == rows
    assert all(s.session_id != "" for s in segs)
