"""Store URLs for tests: every store test runs on SQLite and on PostgreSQL (``store_url``).

PostgreSQL is the server named by ``TA_DELIVERY_TEST_POSTGRESQL`` (``.ci/run`` starts one), else a
throw-away cluster this session starts where ``initdb`` is installed; tests on it skip only where
neither is possible. Each test gets a schema of its own.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ta_delivery.testing.postgresql import ENV, PostgresCluster, bindir, fresh_database


def _start() -> tuple[str | None, PostgresCluster | None, str]:
    if os.environ.get(ENV):
        return os.environ[ENV], None, ""
    found = bindir()
    if found is None:
        return None, None, f"no PostgreSQL: set {ENV} or install the postgresql package (initdb)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None, None, "running as root without a 'postgres' user to run initdb as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, None, "psycopg is not installed (ta-delivery[postgresql])"
    cluster = PostgresCluster(found)
    try:
        return cluster.start(), cluster, ""
    except Exception as exc:
        cluster.stop()
        return None, None, f"cannot start a PostgreSQL cluster: {exc}"


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """The URL of a PostgreSQL server tests may create schemas on (skips where none can be started)."""
    url, cluster, why = _start()
    if url is None:
        pytest.skip(why)
    try:
        yield url
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture
def postgresql_url(postgresql_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL store URL (a schema of its own) for one test."""
    with fresh_database(postgresql_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL, once on an SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("postgresql_url")
    return url


@pytest.fixture
def world_store_url(tmp_path: Path) -> str:
    """The store of the ``world`` fixture: SQLite unless a test module overrides this."""
    return f"sqlite:///{tmp_path / 'state.db'}"


# --- other processes on one store ---------------------------------------------------------------------

_TAKE = """
import sys
from ta_delivery.store import open_store
store = open_store(sys.argv[1])
print(sum(store.take("zoom", "write:host", 25) for _ in range(int(sys.argv[2]))))
store.close()
"""

_HOLD = """
import sys
from ta_delivery.store import open_store
store = open_store(sys.argv[1])
with store.run_lock(sys.argv[2]):
    print("locked", flush=True)
    sys.stdin.readline()
store.close()
"""


def take_in_processes(url: str, processes: int, each: int) -> list[int]:
    """Start ``processes`` Python processes at once, each taking ``each`` units of a 25-unit counter."""
    running = [
        subprocess.Popen([sys.executable, "-c", _TAKE, url, str(each)], stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    return [int(p.communicate(timeout=120)[0]) for p in running]


def hold_lock(url: str, course_id: str) -> subprocess.Popen[str]:
    """A process holding ``course_id``'s run lock until a line is written to its stdin (or it is killed)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, url, course_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder
