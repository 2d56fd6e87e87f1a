"""``ta-delivery serve`` over real HTTP: uvicorn in a subprocess, signed Zoom and Webex webhooks recorded as
attendance that ``report`` shows, ``/healthz``, personal feeds at revocable addresses, several processes
on one store (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import icalendar
import pytest

from ta_delivery.records import Classroom
from ta_delivery.store import open_store
from ta_delivery.testing.courses import course_toml, person, session

pytest.importorskip("uvicorn")

ZOOM_SECRET = "zoom-webhook-secret-0123"
WEBEX_SECRET = "webex-webhook-secret-4567"
SERVE_URL = "https://ta.example.org/base/"

COURSE = course_toml(
    id="srv-2026",
    title="Served course",
    timezone="UTC",
    participants=[
        person("ana", "Ana Pérez", "ana@example.org", "America/Jamaica"),
        person("bo", "Bo Li", "bo@example.org", "Asia/Tokyo"),
    ],
    sessions=[
        session("z1", "2026-03-02T14:00:00Z", 60, title="On Zoom", provider="zoom", trainers=["rf"]),
        session("w1", "2026-03-03T14:00:00Z", 60, title="On Webex", provider="webex", trainers=["rf"]),
    ],
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(store_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TA_DELIVERY_")}
    env |= {
        "TA_DELIVERY_STATE": store_url,
        "TA_DELIVERY_ZOOM_WEBHOOK_SECRET": ZOOM_SECRET,
        "TA_DELIVERY_WEBEX_WEBHOOK_SECRET": WEBEX_SECRET,
        "TA_DELIVERY_SERVE_URL": SERVE_URL,
    }
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ta_delivery", *args], env=env, capture_output=True, text=True, timeout=120
    )


class Server:
    """One ``ta-delivery serve`` process."""

    def __init__(self, course: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ta_delivery", "serve", str(course), "--port", str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited: {self.process.communicate()[0]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.process.terminate()
        raise AssertionError(f"serve did not answer /healthz: {self.process.communicate()[0]}")

    def stop(self) -> str:
        self.process.terminate()
        try:
            return self.process.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.communicate()[0]


@pytest.fixture
def course(tmp_path: Path, store_url: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(COURSE, encoding="utf-8")
    store = open_store(store_url)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    store.remember_course("srv-2026", "Served course", "UTC", now)
    rooms = {
        "z1": Classroom(
            provider="zoom", key="srv-2026/z1", external_id="85746065432", join_url="https://zoom.example/j/1"
        ),
        "w1": Classroom(
            provider="webex",
            key="srv-2026/w1",
            external_id="wbx-series-1",
            join_url="https://webex.example/m/1",
        ),
    }
    for sid, room in rooms.items():
        start = datetime(2026, 3, 2 if sid == "z1" else 3, 14, tzinfo=UTC)
        store.save_classroom(
            "srv-2026",
            sid,
            room,
            fingerprint="f",
            state="active",
            start=start,
            end=start.replace(hour=15),
            title=sid,
            minutes=60,
            now=now,
        )
    store.close()
    return path


@pytest.fixture
def servers(course: Path, store_url: str) -> Iterator[list[Server]]:
    env = _env(store_url)
    running = [Server(course, env), Server(course, env)]  # two processes, one store
    yield running
    for server in running:
        server.stop()


def _zoom(name: str, **participant: str) -> bytes:
    obj: dict[str, object] = {"id": "85746065432", "uuid": "aBc/Def+g==", "topic": "On Zoom"}
    obj["participant"] = {
        "participant_user_id": "pu-ana",
        "user_name": "Ana Pérez",
        "email": "ana@example.org",
        **participant,
    }
    return json.dumps(
        {"event": name, "event_ts": 1, "payload": {"account_id": "acc", "object": obj}}
    ).encode()


def _zoom_headers(body: bytes, at: int | None = None) -> dict[str, str]:
    stamp = str(at if at is not None else int(time.time()))
    digest = hmac.new(ZOOM_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "x-zm-signature": f"v0={digest}",
        "x-zm-request-timestamp": stamp,
        "content-type": "application/json",
    }


def _webex_left() -> bytes:
    data = {
        "id": "wp-bo",
        "meetingId": "wbx-series-1_I_1",
        "email": "bo@example.org",
        "displayName": "Bo Li",
        "joinedTime": "2026-03-03T14:02:00Z",
        "leftTime": "2026-03-03T14:58:00Z",
    }
    return json.dumps({"resource": "meetingParticipants", "event": "left", "data": data}).encode()


def test_serve_over_http(servers: list[Server], course: Path, store_url: str) -> None:
    """One pair of serve processes per store (starting them is the slow part): every route."""
    _signed_webhooks_show_up_in_the_report(servers, course, store_url)
    _bad_signatures_stale_timestamps_and_url_validation(servers)
    _personal_feeds_at_revocable_unguessable_addresses(servers, course, store_url)


def _signed_webhooks_show_up_in_the_report(servers: list[Server], course: Path, store_url: str) -> None:
    first, second = servers
    joined = _zoom("meeting.participant_joined", join_time="2026-03-02T14:01:00Z")
    left = _zoom("meeting.participant_left", leave_time="2026-03-02T14:59:00Z")
    # the join reaches one process, the leave the other: they pair through the store
    answer = httpx.post(f"{first.url}/webhooks/zoom", content=joined, headers=_zoom_headers(joined))
    assert answer.status_code == 200, answer.text
    answer = httpx.post(f"{second.url}/webhooks/zoom", content=left, headers=_zoom_headers(left))
    assert answer.json() == {"recorded": 1}
    again = httpx.post(f"{first.url}/webhooks/zoom", content=left, headers=_zoom_headers(left))
    assert again.json() == {"recorded": 0}  # the same event twice changes nothing
    body = _webex_left()
    signature = hmac.new(WEBEX_SECRET.encode(), body, hashlib.sha1).hexdigest()
    for server in (first, second, first):
        answer = httpx.post(
            f"{server.url}/webhooks/webex", content=body, headers={"X-Spark-Signature": signature}
        )
        assert answer.status_code == 200
    store = open_store(store_url)
    try:
        from ta_delivery.attendance.storage import AttendanceStore

        rows = list(AttendanceStore(store).rows("srv-2026"))
    finally:
        store.close()
    assert sorted((r[0], r[5].minute, r[6].minute) for r in rows) == [
        ("w1", 2, 58),
        ("z1", 1, 59),
    ]
    done = _cli(_env(store_url), "report", str(course), "--format", "json")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    report = json.loads(text)
    statuses = {
        (sid, p["id"]): entry["status"]
        for p in report["participants"]
        for sid, entry in p["sessions"].items()
    }
    assert statuses[("z1", "ana")] == "present"
    assert statuses[("w1", "bo")] == "present"
    assert statuses[("z1", "bo")] == "absent"


def _bad_signatures_stale_timestamps_and_url_validation(servers: list[Server]) -> None:
    server = servers[0]
    body = _zoom("meeting.participant_joined", join_time="2026-03-02T14:01:00Z")
    forged = dict(_zoom_headers(body), **{"x-zm-signature": "v0=" + "0" * 64})
    assert httpx.post(f"{server.url}/webhooks/zoom", content=body, headers=forged).status_code == 401
    stale = _zoom_headers(body, at=int(time.time()) - 3600)
    assert httpx.post(f"{server.url}/webhooks/zoom", content=body, headers=stale).status_code == 401
    challenge = json.dumps(
        {
            "event": "endpoint.url_validation",
            "event_ts": 1,
            "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
        }
    ).encode()
    answer = httpx.post(f"{server.url}/webhooks/zoom", content=challenge, headers=_zoom_headers(challenge))
    expected = hmac.new(ZOOM_SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert answer.json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}
    webex = _webex_left()
    bad = httpx.post(f"{server.url}/webhooks/webex", content=webex, headers={"X-Spark-Signature": "00" * 20})
    assert bad.status_code == 401
    assert httpx.post(f"{server.url}/webhooks/nobody", content=b"{}").status_code == 404
    assert httpx.get(f"{server.url}/webhooks/zoom").status_code == 405
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}


def _personal_feeds_at_revocable_unguessable_addresses(
    servers: list[Server], course: Path, store_url: str
) -> None:
    env = _env(store_url)
    done = _cli(env, "calendar", str(course), "--person", "ana", "--link")
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert link.startswith("https://ta.example.org/base/feeds/") and link.endswith(".ics")
    assert _cli(env, "calendar", str(course), "--person", "ana", "--link").stdout.strip() == link
    path = link.removeprefix("https://ta.example.org/base")
    for server in servers:
        answer = httpx.get(f"{server.url}{path}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/calendar")
        feed = icalendar.Calendar.from_ical(answer.content)
        assert feed.get("METHOD") == "PUBLISH"
        events = {str(e.get("SUMMARY")): e for e in feed.walk("VEVENT")}
        assert set(events) == {"On Zoom (Served course)", "On Webex (Served course)"}
        assert "https://zoom.example/j/1" in answer.text
        assert "ATTENDEE" not in answer.text
    guessed = path[:-8] + ("A" if path[-8] != "A" else "B") + path[-7:]
    assert httpx.get(f"{servers[0].url}{guessed}").status_code == 404
    revoked = _cli(env, "calendar", str(course), "--person", "ana", "--revoke-link", "--link")
    assert revoked.returncode == 0, revoked.stderr
    assert httpx.get(f"{servers[1].url}{path}").status_code == 404
    fresh = revoked.stdout.strip()
    assert fresh != link
    assert (
        httpx.get(f"{servers[0].url}{fresh.removeprefix('https://ta.example.org/base')}").status_code == 200
    )


def test_a_link_needs_the_serve_url_and_a_person(course: Path, store_url: str) -> None:
    env = _env(store_url)
    no_person = _cli(env, "calendar", str(course), "--link")
    assert no_person.returncode == 2 and "--person" in no_person.stderr
    env.pop("TA_DELIVERY_SERVE_URL")
    no_url = _cli(env, "calendar", str(course), "--person", "ana", "--link")
    assert no_url.returncode == 2 and "TA_DELIVERY_SERVE_URL" in no_url.stderr


def test_serve_app_for_a_programme_answers_for_each_of_its_courses(tmp_path: Path) -> None:
    """The same application in process (httpx's ASGI transport) on the example programme."""
    import asyncio

    from ta_delivery.clock import FakeClock
    from ta_delivery.context import RunContext
    from ta_delivery.plugins import make_plugin_manager
    from ta_delivery.programme import load_programme
    from ta_delivery.serve import Served, make_app
    from ta_delivery.settings import Settings

    root = Path(__file__).resolve().parent.parent / "examples" / "programme.toml"
    plugins = make_plugin_manager()
    programme = load_programme(root, plugins)
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    served = Served(
        paths=(root,),
        loader=lambda: load_programme(root, plugins).courses,
        store=store,
        context=RunContext(settings=Settings({}), clock=FakeClock(datetime(2027, 1, 1, tzinfo=UTC))),
    )
    app = make_app(served, plugins)
    last = programme.courses[-1]
    person = last.participants[0].id if last.participants else last.trainers[0].id
    token = store.feed_token(last.id, person)

    async def requests() -> tuple[httpx.Response, ...]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://serve"
        ) as client:
            return (
                await client.get("/healthz"),
                await client.get(f"/feeds/{token}.ics"),
                await client.post("/webhooks/zoom", content=b"{}"),
                # the path of the printed link when TA_DELIVERY_SERVE_URL has one (https://host/ta/)
                await client.get(f"/ta/feeds/{token}.ics"),
                await client.get(f"/ta/feeds/{token[:-1]}{'B' if token.endswith('A') else 'A'}.ics"),
            )

    health, feed, unsigned, under_prefix, guessed = asyncio.run(requests())
    store.close()
    assert health.json() == {"status": "ok"}
    assert feed.status_code == 200
    assert under_prefix.status_code == 200 and under_prefix.content == feed.content
    assert guessed.status_code == 404
    assert last.title in feed.text.replace("\r\n ", "")
    assert unsigned.status_code == 503  # no TA_DELIVERY_ZOOM_WEBHOOK_SECRET: refused, never accepted unsigned


def test_healthz_answers_503_once_the_postgresql_store_is_unreachable(tmp_path: Path) -> None:
    """``GET /healthz`` answers 200 *while* the store is reachable: a stopped PostgreSQL server makes it 503
    (promptly, naming no address or password), so a load balancer takes the process out of service."""
    import asyncio
    import pwd

    from ta_delivery.clock import FakeClock
    from ta_delivery.context import RunContext
    from ta_delivery.plugins import make_plugin_manager
    from ta_delivery.serve import Served, make_app
    from ta_delivery.settings import Settings
    from ta_delivery.testing.postgresql import PostgresCluster, bindir

    pytest.importorskip("psycopg")
    found = bindir()
    if found is None:
        pytest.skip("PostgreSQL is not installed (initdb)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a 'postgres' user to run initdb as")
    cluster = PostgresCluster(found)
    try:
        url = cluster.start()
        path = tmp_path / "course.toml"
        path.write_text(COURSE, encoding="utf-8")
        from ta_delivery.coursefile import load_course

        plugins = make_plugin_manager()
        store = open_store(url)
        served = Served(
            paths=(path,),
            loader=lambda: (load_course(path, plugins),),
            store=store,
            context=RunContext(settings=Settings({}), clock=FakeClock(datetime(2026, 3, 1, tzinfo=UTC))),
        )
        app = make_app(served, plugins)

        async def health() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://serve"
            ) as client:
                return await client.get("/healthz")

        assert asyncio.run(health()).status_code == 200
        cluster.stop()
        started = time.monotonic()
        down = asyncio.run(health())
        assert down.status_code == 503
        assert time.monotonic() - started < 30
        assert "127.0.0.1" not in down.text and "postgres" not in down.text.lower()
        store.close()
    finally:
        cluster.stop()
