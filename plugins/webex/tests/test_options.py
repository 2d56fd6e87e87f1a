"""The ``[webex]`` table: every key documented, unknown keys and wrong types refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.errors import InputError
from ta_delivery_webex.options import OPTION_DOCS, parse_options

DOC = Path(__file__).resolve().parents[3] / "docs" / "providers" / "webex.md"


def test_defaults() -> None:
    parsed = parse_options({})
    assert parsed["registration"] is False and parsed["trainers_cohost"] is True
    assert parsed["auto_record"] is None


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"webinar": True}, "webinar"),
        ({"auto_record": "yes"}, "auto_record"),
        ({"registration": 1}, "registration"),
        ({"join_before_host": True, "join_before_host_minutes": 7}, "join_before_host_minutes"),
        ({"join_before_host_minutes": 5}, "join_before_host_minutes"),
        ({"audio_before_host": True}, "audio_before_host"),
        ({"unlocked_join": "open"}, "unlocked_join"),
        ({"site_url": "two words"}, "site_url"),
    ],
)
def test_bad_options_name_their_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(InputError) as info:
        parse_options(table)
    assert info.value.key == key


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "registration": st.booleans(),
            "trainers_cohost": st.booleans(),
            "auto_record": st.none() | st.booleans(),
            "join_before_host": st.just(True),
            "join_before_host_minutes": st.sampled_from([0, 5, 10, 15]),
            "unlocked_join": st.sampled_from(["allowJoin", "allowJoinWithLobby", "blockFromJoin"]),
            "site_url": st.just("example.webex.com"),
        },
    )
)
@settings(max_examples=50)
def test_parsing_is_idempotent(table: dict[str, object]) -> None:
    if "join_before_host_minutes" in table:
        table = {**table, "join_before_host": True}
    once = parse_options(table)
    assert parse_options(once) == once


def test_every_option_is_documented() -> None:
    if not DOC.is_file():
        pytest.skip("docs/providers/webex.md is not beside the tests")
    text = DOC.read_text()
    for key in OPTION_DOCS:
        assert f"`{key}`" in text, f"{key} is missing from {DOC.name}"


COURSE = """
[course]
id = "c1"
title = "Course"
timezone = "UTC"
provider = "webex"
organizer = {{ name = "Institute", email = "training@example.org" }}

[webex]
{options}

[[participants]]
id = "p1"
name = "Ana"
email = "ana@example.org"
timezone = "UTC"

[[sessions]]
id = "s01"
title = "Opening"
start = 2027-04-05T14:00:00Z
minutes = 60
"""


def test_course_file_table_is_checked_with_file_and_key(tmp_path: Path) -> None:
    from ta_delivery.coursefile import load_course
    from ta_delivery.plugins import make_plugin_manager
    from ta_delivery_webex import plugin

    plugins = make_plugin_manager(extra=[plugin], entry_points=False)
    good = tmp_path / "good.toml"
    good.write_text(COURSE.format(options="registration = true\njoin_before_host = true"))
    course = load_course(good, plugins)
    assert course.provider_options["webex"]["registration"] is True
    bad = tmp_path / "bad.toml"
    bad.write_text(COURSE.format(options="waiting_room = true"))
    with pytest.raises(InputError) as info:
        load_course(bad, plugins)
    assert info.value.key == "webex.waiting_room"
    assert info.value.source is not None and info.value.source.endswith("bad.toml")
