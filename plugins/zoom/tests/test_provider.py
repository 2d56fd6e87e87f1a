"""The Zoom provider against the fake Zoom: every request it sends is validated against the spec."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import attrs
import httpx
import pytest
from fake_zoom import CLIENT_SECRET, ENV, FakeZoom, Fault
from zoom_helpers import make_request, people, report_row
from zoom_spec import paced_endpoints, validators

from ta_delivery.clock import FakeClock
from ta_delivery.context import MemoryKeyValue, RunContext
from ta_delivery.errors import BadResponse, DailyLimitReached, Unavailable
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery_zoom import sansio
from ta_delivery_zoom.plugin import make_provider
from ta_delivery_zoom.provider import CHECKED_ATTEMPTS, ZoomProvider

# --- classrooms -------------------------------------------------------------------------------------


def test_create_registers_everyone_with_personal_links(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request()
    room = provider.create(request)
    [meeting] = fake.live()
    assert meeting["type"] == 2
    assert meeting["start_time"] == "2027-04-05T14:00:00Z"
    assert meeting["duration"] == 90
    assert meeting["settings"]["approval_type"] == 0
    assert meeting["settings"]["waiting_room"] is True
    assert meeting["settings"]["auto_recording"] == "cloud"
    assert meeting["settings"]["alternative_hosts"] == "rf@example.org"
    assert sansio.has_mark(meeting["agenda"], request.key)
    assert room.external_id == meeting["id"]
    assert set(room.personal_links) == {"p1", "p2", "p3"}
    assert len(set(room.personal_links.values())) == 3
    assert room.join_url_for("p1") != room.join_url
    assert "zak" not in repr(room.data) and room.host_url is None  # the host token is never kept
    assert set(room.data["registrants"]) == {"p1", "p2", "p3"}


def test_topic_is_cut_to_200_and_control_characters_go(provider: ZoomProvider, fake: FakeZoom) -> None:
    provider.create(make_request(title="T\x07itle " + "x" * 300, description="a\x00b\nc" * 900))
    [meeting] = fake.live()
    assert len(meeting["topic"]) <= 200
    assert "\x07" not in meeting["topic"]
    assert len(meeting["agenda"]) <= 2000
    assert "\x00" not in meeting["agenda"]
    assert sansio.has_mark(meeting["agenda"], "rtpc-2020/s01")


def test_update_patches_only_when_something_changed(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request()
    room = provider.create(request)
    same = provider.update(room, request)
    [meeting] = fake.live()
    assert meeting.get("patches", 0) == 0
    moved = make_request(start=request.start + timedelta(hours=2), minutes=60, title="Moved")
    provider.update(same, moved)
    assert meeting["patches"] == 1
    assert meeting["start_time"] == "2027-04-05T16:00:00Z"
    assert meeting["topic"] == "Moved"
    assert sansio.has_mark(meeting["agenda"], request.key)  # the mark survives updates
    assert provider.daily_budget()["host@example.org"] == 98  # one create, one update


def test_update_adds_newcomers_and_cancels_those_who_left(provider: ZoomProvider, fake: FakeZoom) -> None:
    room = provider.create(make_request())
    changed = make_request(participants=(*people(1), *people(2, start=4)))
    updated = provider.update(room, changed)
    assert set(updated.personal_links) == {"p1", "p4", "p5"}
    assert updated.personal_links["p1"] == room.personal_links["p1"]
    regs = fake.registrants[room.external_id]
    assert regs["p2@example.org"]["status"] == "cancelled"
    assert regs["p3@example.org"]["status"] == "cancelled"
    assert regs["p4@example.org"]["status"] == "approved"
    status_calls = [r for r in fake.requests if r.url.path.endswith("/registrants/status")]
    assert len(status_calls) == 1  # both departures in one batch


def test_cancel_deletes_and_already_gone_is_done(provider: ZoomProvider, fake: FakeZoom) -> None:
    room = provider.create(make_request())
    provider.cancel(room)
    provider.cancel(room)
    assert fake.live() == []


def test_webinar_when_asked(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request(options={"webinar": True, "mute_upon_entry": True, "waiting_room": True})
    room = provider.create(request)
    [webinar] = fake.live()
    assert webinar["kind"] == "webinar"
    assert webinar["type"] == 5
    assert "waiting_room" not in webinar["settings"]
    assert room.data["kind"] == "webinar"
    assert set(room.personal_links) == {"p1", "p2", "p3", "rf"}, "participants, and the trainer as panelist"
    assert provider.find(request) is not None
    provider.update(room, make_request(options=request.options, minutes=30))
    provider.cancel(room)
    assert fake.live() == []


def test_switching_to_webinar_replaces_the_meeting(provider: ZoomProvider, fake: FakeZoom) -> None:
    room = provider.create(make_request())
    new = provider.update(room, make_request(options={"webinar": True}))
    assert new.data["kind"] == "webinar"
    assert [m["kind"] for m in fake.live()] == ["webinar"]


def test_no_registration_means_no_personal_links(provider: ZoomProvider, fake: FakeZoom) -> None:
    room = provider.create(make_request(options={"registration": False}))
    assert room.personal_links == {}
    assert fake.live()[0]["settings"]["approval_type"] == 2
    assert not any(r.url.path.endswith("/registrants") for r in fake.requests)


# --- never a duplicate ------------------------------------------------------------------------------


def test_lost_create_is_found_on_rerun(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request()
    fake.faults.append(Fault("POST", "/users/host%40example.org/meetings", lose_response=True))
    # Zoom cannot be asked in this run either: the create fails, and is found on the rerun
    listing = Fault("GET", "/users/host%40example.org/meetings", response=httpx.Response(503), times=5)
    fake.faults.append(listing)
    with pytest.raises(Unavailable):
        provider.create(request)
    assert len(fake.live()) == 1
    fake.faults.clear()
    found = provider.find(request)
    assert found is not None
    assert found.external_id == fake.live()[0]["id"]
    assert found.personal_links == {}  # nobody registered yet: the update registers them
    updated = provider.update(found, request)
    assert set(updated.personal_links) == {"p1", "p2", "p3"}
    assert len(fake.live()) == 1


def test_find_reads_every_page_and_truncated_agendas(provider: ZoomProvider, fake: FakeZoom) -> None:
    fake.page_size_cap = 5
    for i in range(12):
        provider.create(make_request(key=f"rtpc-2020/x{i:02}", participants=()))
    target = make_request(key="rtpc-2020/long", description="d" * 1500, participants=people(2))
    room = provider.create(target)
    for i in range(3):
        provider.create(make_request(key=f"rtpc-2020/y{i}", participants=()))
    fake.requests.clear()
    found = provider.find(target)
    assert found is not None
    assert found.external_id == room.external_id
    assert set(found.personal_links) == {"p1", "p2"}
    lists = [r for r in fake.requests if r.method == "GET" and r.url.path.endswith("/meetings")]
    assert len(lists) >= 3  # 16 meetings at 5 a page
    assert any(r.url.path.endswith(f"/meetings/{room.external_id}") for r in fake.requests)
    assert provider.find(make_request(key="rtpc-2020/none")) is None


def test_a_key_that_prefixes_another_does_not_match(provider: ZoomProvider) -> None:
    provider.create(make_request(key="c/s1x"))
    assert provider.find(make_request(key="c/s1")) is None


# --- faults ------------------------------------------------------------------------------------------


def test_server_errors_on_reads_are_retried(provider: ZoomProvider, fake: FakeZoom) -> None:
    provider.create(make_request())
    fake.faults.append(Fault("GET", "/meetings", response=httpx.Response(503)))
    fake.faults.append(Fault("GET", "/meetings", exception=httpx.ReadTimeout("slow")))
    assert provider.find(make_request()) is not None


def test_server_error_on_create_is_not_retried_blindly(provider: ZoomProvider, fake: FakeZoom) -> None:
    fake.faults.append(Fault("POST", "/users/", response=httpx.Response(502), times=10))
    with pytest.raises(Unavailable):
        provider.create(make_request())
    creates = [r for r in fake.requests if r.method == "POST" and "/users/" in str(r.url)]
    assert len(creates) == 0  # the fault answered each time: nothing was created
    assert fake.faults[0].times == 10 - CHECKED_ATTEMPTS  # sent again only after looking for it
    lookups = [r for r in fake.requests if r.method == "GET" and "/users/" in str(r.url)]
    assert len(lookups) == CHECKED_ATTEMPTS - 1


def test_persistent_timeouts_are_unavailable(provider: ZoomProvider, fake: FakeZoom) -> None:
    fake.faults.append(Fault("GET", "/meetings", exception=httpx.ReadTimeout("slow"), times=100))
    with pytest.raises(Unavailable):
        provider.find(make_request())


def test_malformed_bodies_are_bad_responses(provider: ZoomProvider, fake: FakeZoom) -> None:
    fake.faults.append(Fault("POST", "/users/", response=httpx.Response(201, content=b"{nope")))
    with pytest.raises(BadResponse):
        provider.create(make_request())
    fake.faults.append(Fault("POST", "/users/", response=httpx.Response(201, json={"id": 5})))
    with pytest.raises(BadResponse, match="join_url"):
        provider.create(make_request())
    fake.faults.append(Fault("GET", "/meetings", response=httpx.Response(200, json={"meetings": "x"})))
    with pytest.raises(BadResponse):
        provider.find(make_request())


def test_deleted_in_zoom_is_recreated_on_update(provider: ZoomProvider, fake: FakeZoom) -> None:
    room = provider.create(make_request())
    fake.meetings[room.external_id]["deleted"] = True
    again = provider.update(room, make_request(minutes=45))
    assert again.external_id != room.external_id
    assert len(fake.live()) == 1


# --- secrets -----------------------------------------------------------------------------------------


def test_secrets_and_tokens_stay_out_of_reprs_logs_errors_and_state(
    provider: ZoomProvider, fake: FakeZoom, state: MemoryKeyValue, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    room = provider.create(make_request())
    fake.expire_tokens()
    provider.update(room, make_request(minutes=30))
    fake.faults.append(
        Fault("GET", "/meetings", response=httpx.Response(500, json={"message": "boom"}), times=50)
    )
    with pytest.raises(Unavailable) as info:
        provider.find(make_request())
    issued = [f"tok-{i}-secretvalue" for i in range(1, 4)]
    texts = [
        repr(provider),
        repr(provider.tokens),
        repr(room),
        str(info.value),
        repr(info.value),
        caplog.text,
        repr(state.values),
    ]
    for text in texts:
        assert CLIENT_SECRET not in text
        assert "secretvalue" not in text
        for token in issued:
            assert token not in text
    assert "daily" in state.values  # the budget is there, and nothing else
    assert set(state.values) == {"daily"}


# --- the spec ----------------------------------------------------------------------------------------


def test_rate_categories_match_the_spec_labels(
    provider: ZoomProvider, fake: FakeZoom, paced: list[tuple[str, str, str]]
) -> None:
    """The category each request is paced in is the Rate Limit Label the spec gives its endpoint."""
    request = make_request()
    room = provider.create(request)
    provider.update(room, make_request(participants=people(1), minutes=30))
    provider.find(request)
    fake.instances[room.external_id] = [{"uuid": "u1==", "start_time": "2027-04-05T14:00:00Z"}]
    fake.reports["u1=="] = [report_row()]
    provider.fetch_attendance(room, request)
    provider.cancel(room)
    w_options = {"webinar": True}
    webinar = provider.create(make_request(key="c/w", options=w_options))
    provider.update(webinar, make_request(key="c/w", options=w_options, participants=(), minutes=20))
    provider.find(make_request(key="c/w", options=w_options))
    fake.instances[webinar.external_id] = [{"uuid": "w1==", "start_time": "2027-04-05T14:00:00Z"}]
    fake.reports["w1=="] = [report_row()]
    provider.fetch_attendance(webinar, make_request(key="c/w"))
    provider.cancel(webinar)
    endpoints = paced_endpoints(paced, validators()[:1])
    assert len(endpoints) >= 17


def test_the_plugin_registers_provider_and_format() -> None:
    plugins = make_plugin_manager()
    spec = plugins.providers["zoom"]
    assert spec.capabilities.personal_join_links
    assert spec.capabilities.attendance_fetch
    assert spec.capabilities.find_by_key
    assert spec.capabilities.update_in_place
    assert "zoom-csv" in plugins.formats


def test_plan_notes_show_the_budget(provider: ZoomProvider) -> None:
    provider.create(make_request(participants=()))
    assert provider.plan_notes() == [
        "zoom: host@example.org has 99 of 100 meeting creates/updates left today (UTC)"
    ]


def test_cleanup_without_options_finds_a_webinar_too(provider: ZoomProvider) -> None:
    room = provider.create(make_request(options={"webinar": True}))
    found = provider.find(make_request(options={}))
    assert found is not None
    assert found.external_id == room.external_id
    assert found.data["kind"] == "webinar"
    assert provider.find(make_request(key="c/none", options={})) is None


def test_a_refused_repeat_registration_is_read_back(provider: ZoomProvider, fake: FakeZoom) -> None:
    """Should Zoom refuse to register an email twice, the existing registration is used."""
    room = provider.create(make_request())
    refused = httpx.Response(400, json={"code": 3027, "message": "Registrant already registered"})
    fake.faults.append(Fault("POST", "/registrants", response=refused, times=1))
    lost = dict(room.personal_links)
    lost.pop("p2")
    again = provider.update(attrs.evolve(room, personal_links=lost), make_request())
    assert again.personal_links["p2"] == room.personal_links["p2"]


def test_heavy_daily_limit_stops_reports_for_the_account(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request(participants=())
    room = provider.create(request)
    fake.reports[room.external_id] = [report_row()]
    daily = httpx.Response(
        429,
        json={"code": 429, "message": "You have reached the maximum daily rate limit for this API."},
        headers={"X-RateLimit-Category": "Heavy", "X-RateLimit-Type": "Daily-limit"},
    )
    fake.faults.append(Fault("GET", "/report/", response=daily))
    with pytest.raises(DailyLimitReached):
        provider.fetch_attendance(room, request)
    sent = len(fake.requests)
    with pytest.raises(DailyLimitReached):
        provider.fetch_attendance(room, request)
    assert not any("/report/" in str(r.url) for r in fake.requests[sent:])
    assert any("refused participant reports earlier today" in n for n in provider.plan_notes())
    provider.create(make_request(key="c/s2", participants=()))  # writes are not affected


def test_the_daily_budget_is_shared_by_every_course_and_run_on_one_store(
    clock: FakeClock, tmp_path: Path
) -> None:
    from ta_delivery.store import open_store

    fake = FakeZoom(now=clock.now, monotonic=clock.monotonic)
    env = {**ENV, "TA_DELIVERY_ZOOM_DAILY_LIMIT": "3"}
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")

    def run() -> ZoomProvider:
        context = RunContext(
            settings=Settings(env), clock=clock, transport=fake.transport(), state_factory=store.namespace
        )
        return make_provider(context)

    first, second = run(), run()  # two courses' runs, one store
    first.create(make_request(key="c1/s1", participants=()))
    second.create(make_request(key="c2/s1", participants=()))
    first.create(make_request(key="c1/s2", participants=()))
    with pytest.raises(DailyLimitReached, match="resumes after 00:00 UTC"):
        second.create(make_request(key="c2/s2", participants=()))
    assert len(fake.live()) == 3
    assert run().daily_budget() == {"host@example.org": 0}
    store.close()
