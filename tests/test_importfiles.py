"""Export-file helpers: decoding, headings, columns, date-times, zones and DST."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.errors import InputError, InputErrors
from ta_delivery.importfiles import (
    LOCAL_FORMATS,
    MAX_PROBLEMS,
    Problems,
    day_first,
    decode_text,
    find_columns,
    find_heading,
    localize,
    normalize_label,
    parse_wall_time,
    read_time,
    row_key,
    sniff_delimiter,
    split_zone_suffix,
)

NEW_YORK = ZoneInfo("America/New_York")
TEXT = "Name\tJoin Time\nAna Pérez\t04/05/2027 10:00 AM\n"

# --- decoding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode(),
        b"\xef\xbb\xbf" + TEXT.encode(),
        TEXT.encode("utf-16"),
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be"],
)
def test_every_encoding_an_export_comes_in(data: bytes) -> None:
    assert decode_text(data, "report.csv") == TEXT


@pytest.mark.parametrize("data", [b"\xff\xfe\x00\xd8", b"caf\xe9,1\n", b"\xef\xbb\xbf\xff"])
def test_undecodable_bytes_name_the_file(data: bytes) -> None:
    with pytest.raises(InputError, match="UTF-8 or UTF-16") as info:
        decode_text(data, "report.csv")
    assert info.value.source == "report.csv"


_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff")


@settings(max_examples=80)
@given(text=st.text(_CHARS, max_size=60), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_decoding_round_trips(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding), "f") == text


@settings(max_examples=50)
@given(text=st.text(st.characters(min_codepoint=1, max_codepoint=0xFF), min_size=2, max_size=60))
def test_latin_text_in_utf16_without_bom_is_recognised(text: str) -> None:
    assert decode_text(text.encode("utf-16-le"), "f") == text
    assert decode_text(text.encode("utf-16-be"), "f") == text


# --- headings and columns -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("a\tb\tc", "\t"), ("a,b,c", ","), ("a, b\tc", "\t"), ("a,b,c\td", ","), ("abc", ","), ("", ",")],
)
def test_sniff_delimiter(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter


def test_normalize_label() -> None:
    assert normalize_label('\ufeff "Join   Time" ') == "join time"
    assert normalize_label("Name (Original Name)") == "name (original name)"
    assert normalize_label("  YES ") == "yes"


def _joins_and_leaves(labels: set[str]) -> bool:
    return {"join time", "leave time"} <= labels


def test_find_heading_skips_title_lines_and_sniffs_each_line() -> None:
    lines = ["Attendee report", "Topic,Trade policy", "", "Name\tJoin Time\tLeave Time", "Ana\t1\t2"]
    assert find_heading(lines, _joins_and_leaves) == (3, "\t")
    assert find_heading(["x", 'Name,"Join Time",leave time'], _joins_and_leaves) == (1, ",")
    assert find_heading(lines, _joins_and_leaves, limit=3) is None
    assert find_heading(["x"] * 20 + ["Join Time,Leave Time"], _joins_and_leaves) is None  # past 15 lines
    assert find_heading(["x"] * 20 + ["Join Time,Leave Time"], _joins_and_leaves, limit=None) == (20, ",")


def test_find_columns_prefers_aliases_in_order_and_the_first_column() -> None:
    aliases = {"name": ("display name", "name"), "email": ("email",), "join": ("join time",), "x": ("nope",)}
    heading = ["Name", "Email", "Display Name", " JOIN TIME ", "Email"]
    assert find_columns(heading, aliases) == {"name": 2, "email": 1, "join": 3}
    assert find_columns([], aliases) == {}


def test_row_key() -> None:
    assert row_key(3) == "rows[3]"
    assert row_key(3, "Join Time") == "rows[3].Join Time"


def test_day_first_only_when_the_values_say_so() -> None:
    assert day_first(["04/05/2027 10:00", "12/12/2027"], "f") is False
    assert day_first(["25/04/2027 10:00", "05/04/2027"], "f") is True
    assert day_first(["2027-04-25", "not a date"], "f") is False
    with pytest.raises(InputError, match="day-first and month-first") as info:
        day_first(["25/04/2027", "04/25/2027"], "report.csv", key="rows[2].Join Time")
    assert (info.value.source, info.value.key) == ("report.csv", "rows[2].Join Time")


# --- date-times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rest", "offset"),
    [
        ("2027-04-05 10:00 Z", "2027-04-05 10:00", timedelta(0)),
        ("2027-04-05T10:00:00Z", "2027-04-05T10:00:00", timedelta(0)),
        ("04/05/2027 10:00 AM UTC", "04/05/2027 10:00 AM", timedelta(0)),
        ("04/05/2027 10:00 GMT", "04/05/2027 10:00", timedelta(0)),
        ("2027-04-05 10:00:00 GMT-04:00", "2027-04-05 10:00:00", timedelta(hours=-4)),
        ("2027-04-05 10:00 (UTC+5:30)", "2027-04-05 10:00", timedelta(hours=5, minutes=30)),
        ("2027-04-05 10:00 gmt+0545", "2027-04-05 10:00", timedelta(hours=5, minutes=45)),
    ],
)
def test_zone_suffixes(text: str, rest: str, offset: timedelta) -> None:
    assert split_zone_suffix(text) == (rest, timezone(offset))


def test_no_zone_suffix_and_impossible_offsets() -> None:
    assert split_zone_suffix("04/05/2027 10:00 AM") == ("04/05/2027 10:00 AM", None)
    assert split_zone_suffix("2027-04-05T10:00:00-04:00") == ("2027-04-05T10:00:00-04:00", None)
    with pytest.raises(ValueError, match="a day or more"):
        split_zone_suffix("2027-04-05 10:00 GMT+25")


def test_parse_wall_time() -> None:
    assert parse_wall_time("2027-04-05T10:00:00-04:00") == datetime(
        2027, 4, 5, 10, tzinfo=timezone(timedelta(hours=-4))
    )
    assert parse_wall_time(" 04/05/2027 10:02:13 PM ") == datetime(2027, 4, 5, 22, 2, 13)
    assert parse_wall_time("04/05/2027 10:02") == datetime(2027, 4, 5, 10, 2)
    assert parse_wall_time("04/05/2027 10:02", dayfirst=True) == datetime(2027, 5, 4, 10, 2)
    assert parse_wall_time("Aug 10, 2020 10:02 AM") is None
    assert parse_wall_time("Aug 10, 2020 10:02 AM", (*LOCAL_FORMATS, "%b %d, %Y %I:%M %p")) == datetime(
        2020, 8, 10, 10, 2
    )
    assert parse_wall_time("yesterday") is None


def test_localize_ordinary_gap_and_fold() -> None:
    assert localize(datetime(2027, 4, 5, 10), NEW_YORK, "f", "k") == datetime(2027, 4, 5, 14, tzinfo=UTC)
    with pytest.raises(InputError, match="DST gap") as info:
        localize(datetime(2027, 3, 14, 2, 30), NEW_YORK, "report.csv", "rows[2].Join Time")
    assert (info.value.source, info.value.key) == ("report.csv", "rows[2].Join Time")
    # 01:30 on 2027-11-07 happens twice in New York: the first (EDT, UTC-4) is taken
    assert localize(datetime(2027, 11, 7, 1, 30), NEW_YORK, "f", "k") == datetime(
        2027, 11, 7, 5, 30, tzinfo=UTC
    )
    assert localize(datetime(2027, 11, 7, 1, 30, fold=1), NEW_YORK, "f", "k").hour == 5


_ZONES = st.sampled_from(["America/New_York", "Europe/Zurich", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])


@functools.cache
def _transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The UTC instants in ``year`` at which ``zone_name`` changes its offset (to the minute)."""
    zone = ZoneInfo(zone_name)
    found: list[datetime] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        low, high = day, day + timedelta(days=1)
        if low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset():
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high)
        day += timedelta(days=1)
    return tuple(found)


@st.composite
def _wall_and_zone(draw: st.DrawFn) -> tuple[datetime, str]:
    """A wall time, often within two hours of one of the zone's clock changes (where gaps and folds are)."""
    zone_name = draw(_ZONES)
    year = draw(st.integers(2000, 2037))
    changes = _transitions(zone_name, year)
    if changes and draw(st.booleans()):
        change = draw(st.sampled_from(changes)).astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
        wall = change + timedelta(minutes=draw(st.integers(-120, 120)))
    else:
        wall = draw(st.datetimes(min_value=datetime(year, 1, 1), max_value=datetime(year, 12, 31)))
    return wall.replace(fold=0), zone_name


@settings(max_examples=200)
@given(case=_wall_and_zone())
def test_localize_gives_back_the_wall_time_or_names_the_gap(case: tuple[datetime, str]) -> None:
    wall, zone_name = case
    zone = ZoneInfo(zone_name)
    # every instant that shows ``wall`` in ``zone``: try the offsets in force either side of it
    offsets = {wall.replace(tzinfo=zone, fold=f).utcoffset() for f in (0, 1)}
    readings = sorted(
        instant
        for offset in offsets
        if offset is not None
        and (instant := (wall - offset).replace(tzinfo=UTC)).astimezone(zone).replace(tzinfo=None) == wall
    )
    if not readings:
        with pytest.raises(InputError, match="DST gap"):
            localize(wall, zone, "f", "k")
        return
    assert localize(wall, zone, "f", "k") == readings[0]  # in a fold, the first occurrence


def test_read_time_offsets_need_no_zone() -> None:
    ten_utc = datetime(2027, 4, 5, 14, tzinfo=UTC)
    for text in ("2027-04-05T10:00:00-04:00", "2027-04-05 10:00:00 GMT-04:00", "2027-04-05 14:00:00 UTC"):
        assert read_time(text, None, "f", "k") == ten_utc
    assert read_time("2027-04-05T14:00:00Z", None, "f", "k") == ten_utc
    assert read_time("04/05/2027 10:00:00 AM", NEW_YORK, "f", "k") == ten_utc
    assert read_time("05/04/2027 10:00", NEW_YORK, "f", "k", dayfirst=True) == ten_utc


def test_read_time_errors_name_file_and_key() -> None:
    with pytest.raises(InputError, match="not a date-time") as info:
        read_time("yesterday", NEW_YORK, "report.csv", "rows[1].Join Time")
    assert (info.value.source, info.value.key) == ("report.csv", "rows[1].Join Time")
    with pytest.raises(InputError, match="--timezone with the zone of the portal user") as info:
        read_time(
            "04/05/2027 10:00 AM", None, "report.csv", "rows[1].Leave Time", zone_hint="of the portal user"
        )
    assert info.value.key == "rows[1].Leave Time"
    with pytest.raises(InputError, match="a day or more") as info:
        read_time("2027-04-05 10:00 UTC+30", None, "report.csv", "rows[4].Join Time")
    assert info.value.key == "rows[4].Join Time"
    with pytest.raises(InputError, match="DST gap"):
        read_time("03/14/2027 02:30 AM", NEW_YORK, "report.csv", "rows[2].Join Time")


# --- Problems: every error of a file at once ---------------------------------------------------------


def test_problems_collects_located_errors_and_keeps_only_the_first_ones() -> None:
    problems = Problems("f.csv")
    assert not problems
    problems.check()  # nothing found: nothing raised
    for n in range(MAX_PROBLEMS + 3):
        with problems.collecting():
            raise InputError(f"bad {n}", key=f"rows[{n}]")
    problems.add(InputErrors([InputError("x", key="a"), InputError("y", key="b")], total=5))
    with pytest.raises(InputErrors) as caught:
        problems.check()
    error = caught.value
    assert len(error.errors) == MAX_PROBLEMS
    assert error.total == MAX_PROBLEMS + 3 + 5
    assert error.errors[0].source == "f.csv" and error.errors[0].key == "rows[0]"


def test_one_problem_is_raised_as_itself() -> None:
    problems = Problems("f.csv")
    problems.add(InputError("only", key="rows[1]"))
    with pytest.raises(InputError) as caught:
        problems.check()
    assert not isinstance(caught.value, InputErrors)
    assert str(caught.value) == "f.csv: rows[1]: only"


@given(st.lists(st.integers(1, 4), max_size=30))
def test_problems_report_how_many_were_found_whatever_the_grouping(groups: list[int]) -> None:
    """Errors added one by one or several at a time: the first MAX_PROBLEMS are listed, all are counted."""
    problems = Problems("f.csv")
    n = 0
    for size in groups:
        batch = [InputError(f"e{n + k}", key=f"rows[{n + k}]") for k in range(size)]
        problems.add(batch[0] if size == 1 else InputErrors(batch))
        n += size
    error = problems.error()
    if n == 0:
        assert error is None
        return
    assert error is not None
    listed = list(error.errors) if isinstance(error, InputErrors) else [error]
    assert [e.message for e in listed] == [f"e{k}" for k in range(min(n, MAX_PROBLEMS))]
    assert (error.total if isinstance(error, InputErrors) else 1) == n
    assert all(e.source == "f.csv" for e in listed)
