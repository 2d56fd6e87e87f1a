"""The pure mapping: bodies, the key mark, Link pagination with the max=null repair, segments."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from webex_helpers import make_request
from webex_spec import sample

from ta_delivery.models import Participant
from ta_delivery_webex import sansio
from ta_delivery_webex.options import WebexOptions


def test_meeting_body_never_lets_webex_send_email() -> None:
    body = sansio.meeting_body(make_request(), WebexOptions(registration=True, site_url="x.webex.com"))
    assert body["sendEmail"] is False
    assert body["registration"]["autoAcceptRequest"] is True
    assert body["siteUrl"] == "x.webex.com"
    assert body["start"] == "2027-04-05T14:00:00Z"
    assert body["end"] == "2027-04-05T16:00:00Z"
    patch = sansio.patch_body(make_request(), WebexOptions(registration=True))
    assert patch["sendEmail"] is False and "registration" not in patch and "siteUrl" not in patch


def test_unset_options_leave_webex_defaults_alone() -> None:
    body = sansio.meeting_body(make_request(), WebexOptions())
    for field in ("enabledAutoRecordMeeting", "enabledJoinBeforeHost", "joinBeforeHostMinutes"):
        assert field not in body


def test_title_and_agenda_fit_webex_limits_and_keep_the_mark() -> None:
    request = make_request(title="T" * 300, description="d\x07" * 2000)
    body = sansio.meeting_body(request, WebexOptions())
    assert len(body["title"]) == 128
    assert len(body["agenda"]) <= 1300
    assert "\x07" not in body["agenda"]
    assert sansio.carries_mark({"agenda": body["agenda"]}, request.key)
    assert not sansio.carries_mark({"agenda": body["agenda"]}, request.key + "x")


@given(st.text(min_size=1, max_size=200))
@settings(max_examples=50)
def test_tags_fit_webex_limit(key: str) -> None:
    tag = sansio.tag_of(key)
    assert len(tag) <= 64
    assert sansio.carries_mark({"integrationTags": [tag]}, key)


def test_next_link_repairs_max_null_and_reads_rel_variants() -> None:
    header = (
        '<https://webexapis.com/v1/meetings?meetingType=meetingSeries&max=null&cursor=abc>; rel="next", '
        '<https://webexapis.com/v1/meetings?max=100>; rel="first"'
    )
    url = sansio.next_link(header, 100)
    assert url is not None
    query = parse_qs(urlsplit(url).query)
    assert query["max"] == ["100"] and query["cursor"] == ["abc"]
    assert sansio.next_link('<https://a/v1/x?max=10>; rel="prev"', 100) is None
    assert sansio.next_link("<https://a/v1/x?cursor=1>; rel=next", 5) == "https://a/v1/x?cursor=1"
    assert sansio.next_link('<https://a/v1/x?cursor=2>; title="t"; rel="prev next"', 5) is not None
    assert sansio.next_link(None, 5) is None
    assert sansio.next_link("garbage", 5) is None


def test_personal_links_differ_and_open_the_same_meeting() -> None:
    web = "https://example.webex.com/example/j.php?MTID=m123"
    a = Participant(id="a", name="Ana Pérez", email="ana@example.org", timezone="UTC")
    b = Participant(id="b", name="Bo", email="bo@example.org", timezone="UTC")
    la, lb = sansio.personal_link(web, a), sansio.personal_link(web, b)
    assert la != lb
    assert parse_qs(urlsplit(la).query)["MTID"] == ["m123"]
    assert parse_qs(urlsplit(la).query)["email"] == ["ana@example.org"]


def test_split_name() -> None:
    assert sansio.split_name("Ana María Pérez") == ("Ana María", "Pérez")
    assert sansio.split_name("Madonna") == ("Madonna", "Madonna")


def test_spec_example_participants_become_device_segments() -> None:
    body = sample("list_meeting_participants_200.json")
    if body is None:
        pytest.skip("../shared is absent")
    [item] = body["items"]
    segments = sansio.segments_of_participant(item, "s01", {"joedoe@cisco.com": "jd"})
    assert len(segments) == 1
    [segment] = segments
    assert segment.person_id == "jd"
    assert segment.join == datetime(2019, 4, 23, 17, 31, tzinfo=UTC)
    assert (segment.leave - segment.join).total_seconds() == 60


def test_open_intervals_are_skipped_and_times_need_zones() -> None:
    item = {"id": "x", "email": "a@b.org", "joinedTime": "2027-01-01T10:00:00Z"}
    assert sansio.segments_of_participant(item, "s", {}) == []
    with pytest.raises(ValueError, match="without a zone"):
        sansio.parse_time("2027-01-01T10:00:00")


def test_spec_example_instances_are_listed() -> None:
    body = sample("list_meetings_200.json")
    if body is None:
        pytest.skip("../shared is absent")
    ids = sansio.instance_ids([{"id": "a", "state": "ended"}, {"id": "b", "state": "ready"}])
    assert ids == ["a"]


@given(
    st.dictionaries(
        st.sampled_from(["cursor", "from", "to", "meetingId", "state"]),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
        max_size=4,
    ),
    st.sampled_from(["null", "", "undefined", "25"]),
    st.integers(min_value=1, max_value=100),
)
@settings(max_examples=100)
def test_next_link_keeps_every_parameter_and_never_max_null(
    params: dict[str, str], max_value: str, page: int
) -> None:
    from urllib.parse import urlencode

    url = f"https://webexapis.com/v1/meetings?{urlencode({**params, 'max': max_value})}"
    header = f'<{url}>; rel="next"'
    found = sansio.next_link(header, page)
    assert found is not None
    query = parse_qs(urlsplit(found).query, keep_blank_values=True)
    assert query["max"] == [max_value if max_value == "25" else str(page)]
    for key, value in params.items():
        assert query[key] == [value]


def test_device_without_leave_time_uses_its_duration_or_the_participant() -> None:
    item = {
        "id": "x",
        "email": "a@b.org",
        "meetingId": "m_I_1",
        "joinedTime": "2027-01-01T10:00:00Z",
        "leftTime": "2027-01-01T11:00:00Z",
        "devices": [{"correlationId": "d", "joinedTime": "2027-01-01T10:00:00Z", "durationSecond": 600}],
    }
    [seg] = sansio.segments_of_participant(item, "s", {})
    assert (seg.leave - seg.join).total_seconds() == 600
    item["devices"] = [{"correlationId": "d", "joinedTime": "2027-01-01T10:00:00Z"}]
    [seg] = sansio.segments_of_participant(item, "s", {})
    assert (seg.leave - seg.join).total_seconds() == 3600
