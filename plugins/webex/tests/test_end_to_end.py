"""The Webex plugin driven by the core: apply (invites carry personal links), re-run, pull, import."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fake_webex import REFRESH_TOKEN, FakeWebex
from webex_helpers import REFRESH_ENV

from ta_delivery.clock import FakeClock
from ta_delivery.errors import InputError
from ta_delivery.models import Course
from ta_delivery.settings import Secret
from ta_delivery.testing.capture import invite_url as links_in
from ta_delivery.testing.courses import live, make_course, participant
from ta_delivery.testing.faults import Fault, FaultyTransport
from ta_delivery.testing.plugin_run import PluginRun
from ta_delivery_webex import plugin
from ta_delivery_webex.auth import stored_refresh_token
from ta_delivery_webex.webhooks import WebhookReceiver, course_resolver, sign, store_sink

KIRAN = participant("tt-01", name="Kiran R.", email="Kiran@Example.org", timezone="UTC")


def course(**changes: object) -> Course:
    base: dict[str, object] = {
        "id": "rtpc-webex",
        "title": "Trade policy course",
        "provider": "webex",
        "provider_options": {"webex": {"registration": True}},
        "participants": (participant(), KIRAN),
        "sessions": (live("s01", datetime(2027, 8, 9, 14, tzinfo=UTC), title="Opening"),),
    }
    return make_course(**{**base, **changes})


def start(tmp_path: Path, transport: httpx.BaseTransport) -> PluginRun:
    """The core with the Webex plugin and a captured outbox, on ``transport`` (refresh credentials)."""
    return PluginRun.start(tmp_path, plugin, transport=transport, env=REFRESH_ENV)


def test_apply_rerun_and_pull(tmp_path: Path) -> None:
    server = FakeWebex()
    run = start(tmp_path, server.transport())
    outbox, store, clock = run.outbox, run.store, run.clock
    the_course = course()
    result = run.apply(the_course)
    assert result.ok, result.to_json()
    [meeting] = server.meetings.values()
    assert len(server.registrants[meeting["id"]]) == 2
    by_recipient = {str(m["To"]).lower(): links_in(m) for m in outbox.sent}
    assert "ana%40example.org" in by_recipient[next(k for k in by_recipient if "ana@" in k)]
    assert by_recipient[next(k for k in by_recipient if "rf@" in k)] == meeting["webLink"]
    assert stored_refresh_token(store.namespace("webex")) not in (None, REFRESH_TOKEN)

    sent = len(outbox.sent)
    again = run.apply(the_course)
    assert again.ok and len(outbox.sent) == sent and len(server.meetings) == 1

    server.end_meeting(
        meeting["id"],
        [
            {
                "id": "a",
                "email": "ana@example.org",
                "displayName": "Ana",
                "devices": [
                    {
                        "correlationId": "d1",
                        "joinedTime": "2027-08-09T14:02:00Z",
                        "leftTime": "2027-08-09T15:55:00Z",
                    }
                ],
            },
            {
                "id": "k",
                "email": "kiran@example.org",
                "displayName": "Kiran",
                "joinedTime": "2027-08-09T14:30:00Z",
                "leftTime": "2027-08-09T14:50:00Z",
            },
        ],
    )
    # the same interval of Ana arrives first by webhook, and is stored once
    instance = next(iter(server.instances))
    delivery = {"resource": "meetingParticipants", "event": "left", "data": server.participants[instance][0]}
    body = json.dumps(delivery).encode()
    receiver = WebhookReceiver(
        Secret("s3cret-hook"), course_resolver(the_course, store), store_sink(the_course, store, clock)
    )
    assert receiver.receive(body, sign("s3cret-hook", body))[0] == 200
    clock.advance((datetime(2027, 8, 10, tzinfo=UTC) - clock.now()).total_seconds())
    outcome = run.attendance(the_course).pull()
    assert outcome.inserted == 1  # Kiran's; Ana's came by webhook
    assert outcome.ok, outcome.failures
    status = {(s.participant_id, s.session_id): s.status for s in outcome.statuses}
    assert status[("jm-01", "s01")] == "present"
    assert status[("tt-01", "s01")] == "absent"
    repeat = run.attendance(the_course).pull()
    assert repeat.inserted == 0


def test_import_webex_csv_through_the_core(tmp_path: Path) -> None:
    run = PluginRun.start(tmp_path, plugin, clock=FakeClock(datetime(2027, 9, 1, tzinfo=UTC)))
    export = tmp_path / "attendees.csv"
    rows = [
        "Name\tEmail\tJoin Time\tLeave Time\tDuration",
        "Ana Pérez\tana@example.org\t08/09/2027 10:00:00 AM\t08/09/2027 11:59:00 AM\t119",
        "Guest\t\t08/09/2027 10:10 AM\t08/09/2027 10:20 AM\t10",
    ]
    export.write_bytes("\r\n".join(rows).encode("utf-16"))
    service = run.attendance(course())
    from zoneinfo import ZoneInfo

    outcome = service.import_file(
        export, fmt="webex-csv", session_id="s01", timezone=ZoneInfo("America/Port_of_Spain")
    )
    status = {s.participant_id: s.status for s in outcome.statuses}
    assert status["jm-01"] == "present"
    assert outcome.unmatched == 1
    with pytest.raises(InputError, match="--timezone"):
        service.import_file(export, fmt="webex-csv", session_id="s01")


def lost_create(tmp_path: Path) -> tuple[FakeWebex, FaultyTransport, PluginRun]:
    """A run whose meeting create is acted on but its answer lost, and Webex cannot be asked about it in
    this run: the look before creating works; asking after the lost answer does not."""
    server = FakeWebex()
    transport = FaultyTransport(server.transport())
    transport.inject(Fault("lost", method="POST", path=r"/v1/meetings$"))
    transport.inject(Fault("status", status=503, method="GET", path=r"/v1/meetings$", times=None, skip=1))
    return server, transport, start(tmp_path, transport)


def test_lost_create_then_session_removed_is_cleaned_up(tmp_path: Path) -> None:
    server, transport, run = lost_create(tmp_path)
    first = run.apply(course())
    assert not first.ok
    assert len(server.meetings) == 1  # made, but its answer was lost
    transport.clear()
    rerun = run.apply(course())
    assert rerun.ok, rerun.to_json()
    assert len(server.meetings) == 1  # found by its mark, not made again
    assert run.outbox.sent


def test_lost_create_of_a_session_since_removed_is_cancelled(tmp_path: Path) -> None:
    server, transport, run = lost_create(tmp_path)
    assert not run.apply(course()).ok
    assert len(server.meetings) == 1
    transport.clear()
    later = run.apply(course(sessions=()))
    assert later.ok, later.to_json()
    assert server.meetings == {}
