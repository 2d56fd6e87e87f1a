"""The Webex provider against the fake server: meetings, people, find, attendance, auth and faults."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fake_webex import ACCESS_TOKEN, CLIENT_SECRET, REFRESH_TOKEN, FakeWebex
from webex_helpers import BEARER_ENV, REFRESH_ENV, make_context, make_request, provider_on

from ta_delivery.errors import AuthError, BadResponse, InputError, RateLimited, Unavailable
from ta_delivery.models import Participant
from ta_delivery.testing.faults import Fault, FaultyTransport
from ta_delivery_webex.auth import STATE_KEY, lineage, stored_refresh_token
from ta_delivery_webex.plugin import make_provider
from ta_delivery_webex.provider import CHECKED_ATTEMPTS
from ta_delivery_webex.sansio import tag_of

# --- meetings and people ------------------------------------------------------------------------


def test_create_sends_no_webex_email_and_validates_against_the_spec(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    meeting = server.meetings[room.external_id]
    assert meeting["title"] == request.title
    assert meeting["timezone"] == "America/Port_of_Spain"
    assert meeting["start"] == "2027-04-05T14:00:00Z" and meeting["end"] == "2027-04-05T16:00:00Z"
    assert meeting["agenda"].endswith("[ta-delivery key: ta-delivery:course-1/s01]")
    assert meeting["integrationTags"] == [tag_of(request.key)]
    invitees = {v["email"].lower(): v for v in server.invitees.values()}
    assert set(invitees) == {"rf@example.org", "p1@example.org", "p2@example.org", "p3@example.org"}
    assert invitees["rf@example.org"]["coHost"] is True
    assert invitees["p1@example.org"]["coHost"] is False
    assert room.join_url == meeting["webLink"]
    assert set(room.personal_links) == {"p1", "p2", "p3"}
    assert room.personal_links["p1"].startswith(meeting["webLink"] + "&")
    assert room.data["people"]["p1"]["kind"] == "invitee"
    if server.validator is not None:
        assert server.validated == len(server.calls)


def test_options_reach_the_meeting(server: FakeWebex) -> None:
    provider = provider_on(server)
    options = {"auto_record": True, "join_before_host": True, "join_before_host_minutes": 10}
    room = provider.create(make_request(options=options))
    meeting = server.meetings[room.external_id]
    assert meeting["enabledAutoRecordMeeting"] is True
    assert meeting["enabledJoinBeforeHost"] is True
    assert meeting["joinBeforeHostMinutes"] == 10


def test_short_sessions_are_padded_to_webex_minimum(server: FakeWebex) -> None:
    room = provider_on(server).create(make_request(minutes=5))
    meeting = server.meetings[room.external_id]
    assert meeting["end"] == "2027-04-05T14:10:00Z"


def test_too_long_session_is_an_input_error(server: FakeWebex) -> None:
    with pytest.raises(InputError) as info:
        provider_on(server).create(make_request(minutes=24 * 60))
    assert info.value.key == "sessions.s01.minutes"
    assert not server.meetings


def test_update_patches_and_moves_people(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    newcomer = Participant(id="p9", name="Zoé Nouvelle", email="zoe@example.org", timezone="UTC")
    moved = make_request(
        title="Trade policy: moved",
        start=request.start + timedelta(days=2),
        minutes=90,
        participants=(request.participants[0], newcomer),
    )
    updated = provider.update(room, moved)
    assert updated.external_id == room.external_id
    meeting = server.meetings[room.external_id]
    assert meeting["title"] == "Trade policy: moved"
    assert meeting["start"] == "2027-04-07T14:00:00Z" and meeting["end"] == "2027-04-07T15:30:00Z"
    emails = {v["email"].lower() for v in server.invitees.values()}
    assert emails == {"rf@example.org", "p1@example.org", "zoe@example.org"}
    assert set(updated.personal_links) == {"p1", "p9"}
    assert ("PATCH", f"/v1/meetings/{room.external_id}") in server.calls
    assert ("PUT", f"/v1/meetings/{room.external_id}") not in server.calls


def test_update_with_nothing_changed_touches_no_people(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    before = len(server.calls)
    provider.update(room, request)
    writes = [c for c in server.calls[before:] if c[0] in ("POST", "DELETE")]
    assert writes == []


def test_trainer_turned_participant_loses_cohost(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    trainer = request.hosts[0]
    as_participant = Participant(id=trainer.id, name=trainer.name, email=trainer.email, timezone="UTC")
    provider.update(room, make_request(hosts=(), participants=(*request.participants, as_participant)))
    invitee = next(v for v in server.invitees.values() if v["email"] == trainer.email)
    assert invitee["coHost"] is False


def test_registration_mode_registers_and_approves(server: FakeWebex) -> None:
    server.keep_pending = True
    provider = provider_on(server)
    request = make_request(options={"registration": True})
    room = provider.create(request)
    registrants = server.registrants[room.external_id]
    assert {r["email"].lower() for r in registrants.values()} == {f"p{i}@example.org" for i in (1, 2, 3)}
    assert all(r["status"] == "approved" for r in registrants.values())
    assert {v["email"] for v in server.invitees.values()} == {"rf@example.org"}
    reg = next(r for r in registrants.values() if r["email"] == "P1@Example.org")
    assert (reg["firstName"], reg["lastName"]) == ("Ana Pérez", "1")
    assert room.data["people"]["p1"]["kind"] == "registrant"
    assert room.data["registration"] is True


def test_turning_registration_on_moves_participants(server: FakeWebex) -> None:
    provider = provider_on(server)
    room = provider.create(make_request())
    updated = provider.update(room, make_request(options={"registration": True}))
    assert "registration" in server.meetings[room.external_id]
    assert len(server.registrants[room.external_id]) == 3
    assert {v["email"] for v in server.invitees.values()} == {"rf@example.org"}
    assert updated.data["registration"] is True


def test_cancel_deletes_without_email_and_404_is_done(server: FakeWebex) -> None:
    provider = provider_on(server)
    room = provider.create(make_request())
    provider.cancel(room)
    assert not server.meetings
    provider.cancel(room)
    deletes = [c for c in server.calls if c[0] == "DELETE"]
    assert len(deletes) == 2


def test_update_of_a_vanished_meeting_makes_it_again(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    del server.meetings[room.external_id]
    again = provider.update(room, request)
    assert again.external_id != room.external_id
    assert server.count(tag_of(request.key)) == 1


# --- never a duplicate ----------------------------------------------------------------------------


def test_lost_create_then_rerun_finds_instead_of_duplicating(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, transport=transport)
    provider = make_provider(context)
    request = make_request()
    transport.inject(Fault("lost", method="POST", path=r"/v1/meetings$"))
    # Webex cannot be asked in this run either: the create fails, and is found on the rerun
    transport.inject(Fault("status", status=503, method="GET", path=r"/v1/meetings$", times=None))
    with pytest.raises(Unavailable):
        provider.create(request)
    assert server.count(tag_of(request.key)) == 1
    transport.clear()
    found = make_provider(context).find(request)
    assert found is not None
    assert found.external_id in server.meetings
    assert found.personal_links.keys() == {"p1", "p2", "p3"}
    assert server.count(tag_of(request.key)) == 1


def test_find_pages_through_many_meetings_and_repairs_max_null(server: FakeWebex) -> None:
    provider = provider_on(server)
    provider.page_size = 2
    request = make_request()
    for i in range(5):
        provider.create(make_request(key=f"ta-delivery:other/s{i:02d}"))
    room = provider.create(request)
    found = provider.find(request)
    assert found is not None and found.external_id == room.external_id
    listings = [c for c in server.calls if c == ("GET", "/v1/meetings")]
    assert len(listings) >= 3


def test_find_ignores_meetings_of_other_keys(server: FakeWebex) -> None:
    provider = provider_on(server)
    provider.create(make_request(key="ta-delivery:course-1/s02"))
    assert provider.find(make_request()) is None


def test_find_accepts_the_agenda_mark_alone(server: FakeWebex) -> None:
    provider = provider_on(server)
    request = make_request()
    room = provider.create(request)
    server.meetings[room.external_id]["integrationTags"] = []  # another client cannot see our tags
    found = provider.find(request)
    assert found is not None and found.external_id == room.external_id


def test_next_link_to_another_host_is_refused(server: FakeWebex) -> None:
    provider = provider_on(server)
    provider.page_size = 1
    for i in range(2):
        provider.create(make_request(key=f"ta-delivery:other/s{i:02d}"))
    server.next_host = "https://evil.example/v1"
    with pytest.raises(BadResponse, match="another host"):
        provider.find(make_request())


# --- limits and faults ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [({"Retry-After": "12"}, 12.0), ({}, 5.0), ({"Retry-After": "soon-ish"}, 5.0)],
)
def test_429_waits_as_told_or_a_default(server: FakeWebex, header: dict[str, str], expected: float) -> None:
    transport = FaultyTransport(server.transport())
    context, clock, _state = make_context(server, transport=transport)
    provider = make_provider(context)
    fault = transport.inject(Fault("status", status=429, headers=header, method="POST"))
    provider.create(make_request())
    assert fault.hits == 1
    assert expected <= sum(clock.slept) < expected + 2
    assert server.count(tag_of(make_request().key)) == 1


def test_persistent_429_gives_up_as_rate_limited(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, transport=transport)
    transport.inject(Fault("status", status=429, headers={"Retry-After": "1"}, times=None))
    with pytest.raises(RateLimited):
        make_provider(context).create(make_request())
    assert not server.meetings


def test_5xx_on_create_is_not_retried_blindly(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, transport=transport)
    transport.inject(Fault("status", status=503, method="POST", path=r"/v1/meetings$", times=None))
    with pytest.raises(Unavailable):
        make_provider(context).create(make_request())
    posts = [r for r in transport.requests if r.method == "POST" and r.url.path == "/v1/meetings"]
    lists = [r for r in transport.requests if r.method == "GET" and r.url.path == "/v1/meetings"]
    assert len(posts) == CHECKED_ATTEMPTS  # sent again only after looking for it each time
    assert len(lists) == CHECKED_ATTEMPTS - 1


def test_timeouts_on_reads_are_retried(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, transport=transport)
    provider = make_provider(context)
    provider.create(make_request())
    transport.inject(Fault("timeout", method="GET", times=2))
    assert provider.find(make_request()) is not None


def test_malformed_listing_is_bad_response(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, transport=transport)
    transport.inject(Fault("malformed", method="GET"))
    with pytest.raises(BadResponse):
        make_provider(context).find(make_request())


def test_parallel_people_are_bounded(server: FakeWebex) -> None:
    in_flight = 0
    peak = 0
    import threading

    lock = threading.Lock()
    inner = server.transport()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            import time

            time.sleep(0.01)
            return inner.handle_request(request)
        finally:
            with lock:
                in_flight -= 1

    context, _clock, _state = make_context(server, transport=httpx.MockTransport(handler))
    context.settings = type(context.settings)({**BEARER_ENV, "TA_DELIVERY_WEBEX_CONCURRENCY": "2"})
    provider = make_provider(context)
    many = tuple(
        Participant(id=f"q{i}", name=f"Q {i}", email=f"q{i}@example.org", timezone="UTC") for i in range(8)
    )
    provider.create(make_request(participants=many))
    assert len(server.invitees) == 9
    assert peak == 2, "additions run in parallel, at most CONCURRENCY at a time"


# --- secrets --------------------------------------------------------------------------------------


def test_secrets_never_leak_into_reprs_logs_or_errors(
    server: FakeWebex, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    transport = FaultyTransport(server.transport())
    context, _clock, state = make_context(server, REFRESH_ENV, transport=transport)
    provider = make_provider(context)
    provider.create(make_request())
    server.expire_access_tokens()
    transport.inject(Fault("status", status=429, method="GET"))
    provider.find(make_request())
    rotated = stored_refresh_token(state)
    assert rotated
    transport.inject(Fault("status", status=401, times=None))
    server.expire_access_tokens()
    with pytest.raises(AuthError) as info:
        provider.find(make_request())
    secrets = [CLIENT_SECRET, REFRESH_TOKEN, rotated, ACCESS_TOKEN, *server.issued]
    text = "\n".join(
        [repr(provider), repr(provider.auth), repr(context), str(info.value), repr(info.value), caplog.text]
    )
    for secret in secrets:
        assert secret not in text
    for request in transport.requests:
        query = parse_qs(urlsplit(str(request.url)).query)
        assert not any(s in str(query) for s in secrets)


def test_the_validator_really_checks_against_the_spec(server: FakeWebex) -> None:
    if server.validator is None:
        pytest.skip("../shared is absent: requests are checked by the fake's own rules only")
    bad = httpx.Request("POST", "https://webexapis.com/v1/meetings", json={"title": 5, "sendEmail": "no"})
    with pytest.raises(AssertionError, match="violates the Webex spec"):
        server.handle(bad)
    unknown = httpx.Request("GET", "https://webexapis.com/v1/nowhere")
    with pytest.raises(AssertionError, match="not in the Webex spec"):
        server.handle(unknown)


def test_access_token_is_refreshed_before_it_expires(server: FakeWebex) -> None:
    context, clock, _state = make_context(server, REFRESH_ENV)
    provider = make_provider(context)
    provider.find(make_request())
    assert server.token_grants == 1
    clock.advance(13 * 24 * 3600)
    provider.find(make_request())
    assert server.token_grants == 1
    clock.advance(2 * 24 * 3600)
    provider.find(make_request())
    assert server.token_grants == 2
    assert ("POST", "/v1/access_token") in server.calls
    assert not [c for c in server.calls if c[1] == "/v1/meetings" and c[0] == "POST"]


def test_forbidden_names_the_request_and_is_not_refreshed(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, REFRESH_ENV, transport=transport)
    provider = make_provider(context)
    transport.inject(Fault("status", status=403, method="GET", times=None))
    with pytest.raises(AuthError, match="GET /meetings is forbidden"):
        provider.find(make_request())
    assert server.token_grants == 1


def test_people_failing_after_create_are_completed_by_the_next_run(server: FakeWebex) -> None:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, transport=transport)
    request = make_request()
    invitees = Fault("status", status=500, method="POST", path=r"/v1/meetingInvitees$", times=None)
    transport.inject(invitees)
    with pytest.raises(Unavailable):
        make_provider(context).create(request)
    assert len(server.invitees) < 4
    transport.clear()
    provider = make_provider(context)
    found = provider.find(request)
    assert found is not None
    room = provider.update(found, request)
    assert len(server.invitees) == 4 and server.count(tag_of(request.key)) == 1
    assert set(room.data["people"]) == {"rf", "p1", "p2", "p3"}


def test_find_never_raises_on_odd_lengths(server: FakeWebex) -> None:
    provider = provider_on(server)
    assert provider.find(make_request(minutes=1)) is None
    assert provider.find(make_request(minutes=3 * 24 * 60)) is None


@pytest.mark.parametrize(
    "env",
    [{}, {"TA_DELIVERY_WEBEX_CLIENT_ID": "cid"}, {"TA_DELIVERY_WEBEX_CLIENT_SECRET": "a-secret-value"}],
)
def test_no_usable_credentials_is_an_input_error_naming_the_variable(
    server: FakeWebex, env: dict[str, str]
) -> None:
    context, _clock, _state = make_context(server, env)
    with pytest.raises(InputError, match="TA_DELIVERY_WEBEX_ACCESS_TOKEN") as info:
        make_provider(context)
    assert "a-secret-value" not in str(info.value)
    assert server.calls == [], "nothing is asked of Webex"


def test_a_refresh_token_kept_only_in_the_store_is_enough(server: FakeWebex) -> None:
    env = {k: v for k, v in REFRESH_ENV.items() if k != "TA_DELIVERY_WEBEX_REFRESH_TOKEN"}
    context, _clock, state = make_context(server, env)
    state.put(STATE_KEY, f"{lineage(REFRESH_TOKEN)}:{REFRESH_TOKEN}")
    provider = make_provider(context)  # built without the variable: the store has the rotated token
    provider.create(make_request())
    assert server.token_grants == 1
    empty, _clock, _state = make_context(server, env)
    make_provider(empty)  # the settings check before the store opens does not refuse it either


def test_a_session_already_under_way_gets_a_meeting_from_now(server: FakeWebex) -> None:
    request = make_request()  # 14:00-16:00 UTC
    context, clock, _state = make_context(server)
    clock.current = datetime(2027, 4, 5, 14, 20, 30, tzinfo=UTC)
    server.now = clock.now()  # Webex refuses a start before the current time
    provider = make_provider(context)
    room = provider.create(request)
    meeting = server.meetings[room.external_id]
    assert (meeting["start"], meeting["end"]) == ("2027-04-05T14:22:00Z", "2027-04-05T16:00:00Z")
    renamed = make_request(title="Trade policy: opening (moved room)")
    provider.update(room, renamed)  # the PATCH leaves the times of a meeting in progress alone
    assert meeting["title"] == "Trade policy: opening (moved room)"
    assert meeting["start"] == "2027-04-05T14:22:00Z"
