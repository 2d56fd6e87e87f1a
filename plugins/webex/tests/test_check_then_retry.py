"""A transient failure of a non-idempotent Webex call is recovered in the same run, never duplicated.

Webex may act on a POST whose answer is a 5xx or never arrives: the provider looks the result up (the
meeting by its mark, the invitee or registrant by email) before sending it again.
"""

from __future__ import annotations

import pytest
from fake_webex import FakeWebex
from webex_helpers import make_context, make_request

from ta_delivery.errors import Unavailable
from ta_delivery.testing.faults import Fault, FaultyTransport
from ta_delivery_webex.plugin import make_provider
from ta_delivery_webex.provider import CHECKED_ATTEMPTS
from ta_delivery_webex.sansio import tag_of


def _provider(server: FakeWebex) -> tuple[object, FaultyTransport]:
    transport = FaultyTransport(server.transport())
    context, _clock, _state = make_context(server, transport=transport)
    return make_provider(context), transport


def _posts(transport: FaultyTransport, path: str) -> int:
    return sum(1 for r in transport.requests if r.method == "POST" and r.url.path == path)


def test_a_500_on_an_invitee_post_is_sent_again_in_the_same_call(server: FakeWebex) -> None:
    provider, transport = _provider(server)
    transport.inject(Fault("status", status=500, method="POST", path=r"/v1/meetingInvitees$"))
    room = provider.create(make_request())  # type: ignore[attr-defined]
    emails = sorted(v["email"].lower() for v in server.invitees.values())
    assert emails == ["p1@example.org", "p2@example.org", "p3@example.org", "rf@example.org"]
    assert set(room.data["people"]) == {"rf", "p1", "p2", "p3"}


def test_a_lost_invitee_answer_is_looked_up_not_posted_again(server: FakeWebex) -> None:
    provider, transport = _provider(server)
    transport.inject(Fault("lost", method="POST", path=r"/v1/meetingInvitees$"))
    room = provider.create(make_request())  # type: ignore[attr-defined]
    assert len(server.invitees) == 4, "never two invitees for one person"
    assert _posts(transport, "/v1/meetingInvitees") == 4
    assert {p["id"] for p in room.data["people"].values()} == set(server.invitees)


def test_a_lost_registrant_answer_is_looked_up_not_posted_again(server: FakeWebex) -> None:
    provider, transport = _provider(server)
    request = make_request(options={"registration": True})
    transport.inject(Fault("lost", method="POST", path=r"/registrants$"))
    room = provider.create(request)  # type: ignore[attr-defined]
    (table,) = server.registrants.values()
    assert sorted(r["email"].lower() for r in table.values()) == [
        "p1@example.org",
        "p2@example.org",
        "p3@example.org",
    ]
    assert {room.data["people"][p]["id"] for p in ("p1", "p2", "p3")} == set(table)


def test_a_lost_meeting_create_is_found_by_its_mark_in_the_same_call(server: FakeWebex) -> None:
    provider, transport = _provider(server)
    request = make_request()
    transport.inject(Fault("lost", method="POST", path=r"/v1/meetings$"))
    room = provider.create(request)  # type: ignore[attr-defined]
    assert server.count(tag_of(request.key)) == 1
    assert room.external_id in server.meetings
    assert len(server.invitees) == 4


def test_a_persistent_500_gives_up_after_a_few_checked_attempts(server: FakeWebex) -> None:
    provider, transport = _provider(server)
    fault = transport.inject(Fault("status", status=503, method="POST", path=r"/v1/meetings$", times=None))
    with pytest.raises(Unavailable):
        provider.create(make_request())  # type: ignore[attr-defined]
    assert fault.hits == CHECKED_ATTEMPTS
    assert server.meetings == {}
