"""Two ``apply`` runs on one course and one SQLite store at the same time (two threads, each with
its own store connection, as two processes would have) must not make a classroom twice, nor send the same
invitation (same person, session and SEQUENCE) twice; an interrupted run resumes."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from helpers.world import World, make_course
from ta_delivery.context import RunContext
from ta_delivery.store import open_store
from ta_delivery.sync import Syncer


def _slow(world: World) -> httpx.MockTransport:
    """The memory server, with every room creation taking a moment (as a real API's does)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            time.sleep(0.05)
        return world.server.handle(request)

    return httpx.MockTransport(handle)


@pytest.fixture(params=["sqlite", "postgresql"])
def world_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """These runs share one store: an SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("postgresql_url")
    return url


def test_two_concurrent_applies_make_each_classroom_once_and_send_each_invite_once(
    world: World, tmp_path: Path, world_store_url: str
) -> None:
    course = make_course()
    transport = _slow(world)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        store = open_store(world_store_url)
        try:
            context = RunContext(
                settings=world.context.settings,
                clock=world.clock,
                base_dir=tmp_path,
                transport=transport,
                state_factory=store.namespace,
            )
            syncer = Syncer(course, store, world.plugins, context, workers=1)
            barrier.wait()
            syncer.apply()
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    for session in course.live_sessions:
        key = f"ta-delivery:{course.id}/{session.id}"
        assert world.server.count(key) == 1, (session.id, world.server.rooms)
    sent = Counter((s.to, s.uid, s.method, s.sequence) for s in world.transport.sent)
    twice = {k: n for k, n in sent.items() if n > 1}
    assert not twice, twice
    expected = sum(len(course.people_of(s)) for s in course.live_sessions)
    assert len(sent) == expected
    # and a third run afterwards has nothing left to do
    assert world.syncer(course).plan().classrooms == ()


def test_a_run_interrupted_after_the_remote_create_resumes_without_a_second_classroom(world: World) -> None:
    course = make_course()

    class Crash(BaseException):
        pass

    syncer = world.syncer(course)
    original = world.store.save_classroom

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash

    world.store.save_classroom = crash
    with pytest.raises(Crash):
        syncer.apply()
    world.store.save_classroom = original
    result = world.syncer(course).apply()
    assert result.ok, result
    for session in course.live_sessions:
        assert world.server.count(f"ta-delivery:{course.id}/{session.id}") == 1
