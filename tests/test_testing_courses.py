"""``ta_delivery.testing.courses``: the course builder the tests share instead of pasted TOML."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.coursefile import load_course
from ta_delivery.testing.courses import (
    START,
    Raw,
    course_toml,
    live,
    make_course,
    participant,
    series,
    session,
    table,
    toml_value,
    write_course,
)


def test_make_course_is_valid_and_takes_changes() -> None:
    course = make_course()
    assert [s.id for s in course.live_sessions] == ["s01", "s02"]
    assert course.sessions[0].start == START
    zoom = make_course(provider="zoom", participants=(participant("p9"),), sessions=(live("x1"),))
    assert zoom.provider == "zoom"
    assert [p.email for p in zoom.participants] == ["p9@example.org"]
    assert [s.id for s in zoom.sessions] == ["x1"]


def test_make_course_refuses_a_field_the_model_has_not() -> None:
    with pytest.raises(TypeError, match="no field colour"):
        make_course(colour="red")


def test_the_default_course_file_loads(tmp_path: Path) -> None:
    course = load_course(write_course(tmp_path))
    assert course.id == "demo-2027"
    assert [(s.id, s.minutes) for s in course.sessions] == [("s01", 120), ("s02", 90)]
    assert course.sessions[0].start == datetime(2027, 9, 6, 14, tzinfo=UTC)  # 10:00 in Port of Spain
    assert [p.id for p in course.participants] == ["jm-01"]


def test_course_toml_takes_keys_sessions_and_extra_tables(tmp_path: Path) -> None:
    text = course_toml(
        id="other-2027",
        language="fr",
        sessions=[session("a1", "2027-10-04T09:00:00+02:00", 60), session("r1", kind="recorded", minutes=30)],
        extra="[rules]\nmax_live_minutes = 150\n",
    )
    course = load_course(write_course(tmp_path, text))
    assert (course.id, course.language) == ("other-2027", "fr")
    assert course.sessions[0].start == datetime(2027, 10, 4, 7, tzinfo=UTC)
    assert not course.sessions[1].live
    assert course.rules.max_live_minutes == 150


def test_series_are_written_after_the_sessions_and_expand(tmp_path: Path) -> None:
    text = course_toml(sessions=[], series=[series("w", "2027-09-06T10:00:00", 60, 3, trainers=["rf"])])
    course = load_course(write_course(tmp_path, text))
    assert [s.id for s in course.sessions] == ["w01", "w02", "w03"]
    assert table("[[series]]", series("w", count=2)).splitlines()[:2] == ["[[series]]", 'id = "w"']


def test_a_key_set_to_none_is_left_out() -> None:
    assert "title" not in tomllib.loads(course_toml(title=None))["course"]


@given(st.text(st.characters(codec="utf-8"), max_size=40) | st.text('\x00\x07\x1b\x7f\r\t\\"ab', max_size=20))
def test_strings_round_trip_through_toml(text: str) -> None:
    assert tomllib.loads(f"v = {toml_value(text)}")["v"] == text


def test_values_of_every_kind() -> None:
    doc = tomllib.loads(
        "\n".join(
            f"{k} = {toml_value(v)}"
            for k, v in {
                "b": True,
                "i": 3,
                "d": datetime(2027, 1, 2, 3, 4, tzinfo=UTC),
                "raw": Raw("2027-01-02T03:04:00"),
                "t": {"name": "A", "n": [1, 2]},
            }.items()
        )
    )
    assert doc["b"] is True and doc["i"] == 3
    assert doc["d"] == datetime(2027, 1, 2, 3, 4, tzinfo=UTC)
    assert doc["raw"] == datetime(2027, 1, 2, 3, 4)
    assert doc["t"] == {"name": "A", "n": [1, 2]}
