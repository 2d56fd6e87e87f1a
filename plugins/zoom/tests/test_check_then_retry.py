"""A transient failure of a non-idempotent Zoom call is recovered in the same run, never duplicated.

Zoom may act on a POST whose answer is a 5xx or never arrives. The provider looks the result up (the
registrant by email, the meeting by its agenda mark, the panelists by email) before sending it again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import zoom_helpers
from fake_zoom import ENV, FakeZoom, Fault
from zoom_helpers import marked

from ta_delivery.clock import FakeClock
from ta_delivery.errors import Unavailable
from ta_delivery.records import ClassroomRequest
from ta_delivery.testing.courses import live, make_course, participant
from ta_delivery.testing.plugin_run import PluginRun
from ta_delivery_zoom import plugin
from ta_delivery_zoom.provider import CHECKED_ATTEMPTS, ZoomProvider


def make_request(**changes: Any) -> ClassroomRequest:
    return zoom_helpers.make_request(**{"description": None, "options": {"waiting_room": True}, **changes})


def _registrant_posts(fake: FakeZoom) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.url.path.endswith("/registrants"))


def _one_registrant_each(fake: FakeZoom, meeting_id: str, emails: set[str]) -> None:
    regs = fake.registrants[meeting_id]
    assert {r["email"] for r in regs.values() if r["status"] == "approved"} == emails
    assert len(regs) == len(emails), "never two registrants for one person"


def test_a_500_on_a_registrant_post_is_recovered_in_the_same_call(
    provider: ZoomProvider, fake: FakeZoom
) -> None:
    fake.faults.append(Fault("POST", "/registrants", response=httpx.Response(500, json={"message": "x"})))
    room = provider.create(make_request())
    assert set(room.personal_links) == {"p1", "p2", "p3"}
    (meeting,) = fake.live()
    _one_registrant_each(fake, meeting["id"], {"p1@example.org", "p2@example.org", "p3@example.org"})
    assert _registrant_posts(fake) == 3  # the 500 was answered by the fault: the person was posted again


def test_a_lost_registrant_answer_is_looked_up_not_posted_again(
    provider: ZoomProvider, fake: FakeZoom
) -> None:
    fake.faults.append(Fault("POST", "/registrants", lose_response=True))
    room = provider.create(make_request())
    (meeting,) = fake.live()
    _one_registrant_each(fake, meeting["id"], {"p1@example.org", "p2@example.org", "p3@example.org"})
    assert _registrant_posts(fake) == 3  # the lost one took effect and was found by email
    links = {r["join_url"] for r in fake.registrants[meeting["id"]].values()}
    assert set(room.personal_links.values()) == links


def test_a_lost_meeting_create_is_found_by_its_mark_in_the_same_call(
    provider: ZoomProvider, fake: FakeZoom
) -> None:
    request = make_request()
    fake.faults.append(Fault("POST", "/users/host%40example.org/meetings", lose_response=True))
    room = provider.create(request)
    assert len(marked(fake, request.key)) == 1
    assert room.external_id == fake.live()[0]["id"]
    assert set(room.personal_links) == {"p1", "p2", "p3"}


def test_a_500_on_a_meeting_create_is_sent_again_once_nothing_is_found(
    provider: ZoomProvider, fake: FakeZoom
) -> None:
    request = make_request()
    fake.faults.append(Fault("POST", "/users/", response=httpx.Response(502)))
    provider.create(request)
    assert len(marked(fake, request.key)) == 1


def test_a_persistent_500_gives_up_after_a_few_checked_attempts(
    provider: ZoomProvider, fake: FakeZoom
) -> None:
    fake.faults.append(Fault("POST", "/registrants", response=httpx.Response(503), times=100))
    with pytest.raises(Unavailable):
        provider.create(make_request(participants=make_request().participants[:1]))
    assert fake.faults[0].times == 100 - CHECKED_ATTEMPTS
    (meeting,) = fake.live()
    assert fake.registrants.get(meeting["id"], {}) == {}


def test_a_lost_panelist_answer_is_found_in_the_same_call(provider: ZoomProvider, fake: FakeZoom) -> None:
    request = make_request(options={"webinar": True})
    fake.faults.append(Fault("POST", "/panelists", lose_response=True))
    room = provider.create(request)
    (webinar,) = fake.live()
    assert [p["email"] for p in fake.panelists[webinar["id"]]] == ["RF@example.org"]
    assert "rf" in room.personal_links


def test_apply_recovers_a_transient_registrant_failure_in_the_same_run(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2027, 6, 1, 12, tzinfo=UTC))
    server = FakeZoom(now=clock.now, monotonic=clock.monotonic)
    run = PluginRun.start(tmp_path, plugin, transport=server.transport(), env=ENV, clock=clock)
    course = make_course(
        id="rtpc-zoom",
        title="Trade policy course",
        provider="zoom",
        participants=(
            participant(),
            participant("tt-01", name="Kiran R.", email="kiran@example.org", timezone="UTC"),
        ),
        sessions=tuple(
            live(f"s0{d}", datetime(2027, 8, 8 + d, 14, tzinfo=UTC), 90, title="Opening") for d in (1, 2)
        ),
    )
    server.faults.append(Fault("POST", "/registrants", response=httpx.Response(500, json={"message": "x"})))
    result = run.apply(course)
    assert result.ok, result.to_json()
    assert len(server.live()) == 2
    for meeting in server.live():
        _one_registrant_each(server, meeting["id"], {"ana@example.org", "kiran@example.org"})
    recipients = sorted(str(m["To"]).split("<")[-1].rstrip(">").lower() for m in run.outbox.sent)
    assert recipients == sorted(["ana@example.org", "kiran@example.org", "rf@example.org"] * 2)
