"""Round trip through a real CalDAV server (Radicale) on loopback: PUT each invite, GET it back, compare.

RFC 4791 forbids METHOD in stored calendar objects, so the METHOD line is dropped before the PUT, as a
client does when it files an invitation. Skipped when Radicale cannot start.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import icalendar
import pytest

from ta_delivery.invites import build_feed, lint_calendar, render_calendar, session_uid
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer

STAMP = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
URL = "https://meet.example.org/r-1?pwd=x"
COURSE = Course(
    id="rtpc",
    title="Política comercial",
    timezone="America/Bogota",
    language="es",
    organizer=Organizer('Institute "TPI", Geneva', "org@example.org"),
    trainers=(Trainer("t", "Ρόμπερτ", "t@example.org", "Europe/Athens"),),
    participants=(Participant("p", 'Zoë; O\'Hara, "Q"', "p@example.org", "Asia/Kolkata", language="fr"),),
    sessions=(
        Session("s1", "Apertura", datetime(2027, 3, 28, 0, 30, tzinfo=UTC), 90, trainers=("t",)),
        Session("s2", "Cierre", datetime(2027, 10, 31, 1, 30, tzinfo=UTC), 60, trainers=("t",)),
    ),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def caldav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    pytest.importorskip("radicale")
    folder = tmp_path_factory.mktemp("radicale")
    port = free_port()
    cmd = [
        sys.executable, "-m", "radicale", "--config", "", "--server-hosts", f"127.0.0.1:{port}",
        "--auth-type", "none", "--rights-type", "authenticated",
        "--storage-filesystem-folder", str(folder), "--logging-level", "error",
    ]  # fmt: skip
    log = (folder / "radicale.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, auth=("tester", ""), timeout=10)
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                pytest.skip(f"radicale exited: {(folder / 'radicale.log').read_text()[-500:]}")
            try:
                client.request("OPTIONS", "/")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.skip("radicale did not start in time")
                time.sleep(0.1)
        yield client
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
        log.close()


def without_method(data: bytes) -> bytes:
    return b"".join(line + b"\r\n" for line in data.split(b"\r\n")[:-1] if not line.startswith(b"METHOD:"))


def make_calendar(client: httpx.Client, name: str) -> str:
    """A new calendar collection (one per recipient: a UID is unique within a calendar)."""
    created = client.request("MKCALENDAR", f"/tester/{name}/")
    assert created.status_code == 201, created.text
    return f"/tester/{name}/"


def put_get(client: httpx.Client, calendar: str, uid: str, data: bytes) -> icalendar.Event:
    href = f"{calendar}{uid}.ics"
    put = client.put(href, content=data, headers={"Content-Type": "text/calendar"})
    assert put.status_code in (201, 204), put.text
    got = client.get(href)
    assert got.status_code == 200
    (event,) = icalendar.Calendar.from_ical(got.content).events
    return event


@pytest.mark.parametrize("person_id", ["t", "p"])
def test_invites_round_trip(caldav: httpx.Client, person_id: str) -> None:
    person = COURSE.person(person_id)
    calendar = make_calendar(caldav, f"invites-{person_id}")
    for session in COURSE.sessions:
        uid = session_uid(COURSE.id, session.id)
        for seq in (0, 1):
            data, words = render_calendar(
                COURSE, session, method="REQUEST", sequence=seq, dtstamp=STAMP, join_url=URL, attendee=person
            )
            stored = without_method(data)
            assert lint_calendar(stored) == []
            ev = put_get(caldav, calendar, uid, stored)
            assert str(ev["UID"]) == uid
            assert ev["SEQUENCE"] == seq  # the second PUT replaced the first under the same UID
            assert ev.start == session.start
            assert ev.end == session.end
            assert str(ev["SUMMARY"]) == words.summary
            assert str(ev["DESCRIPTION"]) == words.description
            assert str(ev["ORGANIZER"]) == "mailto:org@example.org"
            assert ev["ORGANIZER"].params["CN"] == 'Institute "TPI", Geneva'
            assert ev["ATTENDEE"].params["CN"] == person.name
            assert str(ev["LOCATION"]) == URL
            assert ev.conferences[0].feature == ["AUDIO", "VIDEO"]


def test_feed_events_round_trip(caldav: httpx.Client) -> None:
    feed = icalendar.Calendar.from_ical(
        build_feed(COURSE, person_id="p", join_urls={"s1": URL}, sequences={"s1": 2}, dtstamp=STAMP)
    )
    calendar = make_calendar(caldav, "feed")
    for event in feed.events:
        single = icalendar.Calendar()
        for key in ("PRODID", "VERSION", "CALSCALE"):
            single.add(key, feed[key])
        single.add_component(event)
        back = put_get(caldav, calendar, str(event["UID"]), single.to_ical())
        assert str(back["UID"]) == str(event["UID"])
        assert back.start == event.start
        assert back["SEQUENCE"] == event["SEQUENCE"]
        assert "ATTENDEE" not in back


def test_cancel_replaces_the_request(caldav: httpx.Client) -> None:
    calendar = make_calendar(caldav, "cancel")
    session, person = COURSE.sessions[0], COURSE.person("p")
    uid = session_uid(COURSE.id, session.id)
    for method, seq in (("REQUEST", 1), ("CANCEL", 2)):
        data, _ = render_calendar(
            COURSE,
            session,
            method=method,
            sequence=seq,
            dtstamp=STAMP,
            join_url=URL,
            attendee=person,  # type: ignore[arg-type]
        )
        ev = put_get(caldav, calendar, uid, without_method(data))
    assert str(ev["STATUS"]) == "CANCELLED"
    assert ev["SEQUENCE"] == 2
    listing = caldav.request("PROPFIND", calendar, headers={"Depth": "1"})
    assert listing.text.count(".ics</") == 1
