"""A throw-away PostgreSQL cluster for tests: ``initdb`` and ``pg_ctl`` under a temporary folder.

Used by the test suite when ``TA_DELIVERY_TEST_POSTGRESQL`` names no server, and by plugin authors who
want their store tests on PostgreSQL. The cluster listens on loopback only, trusts local connections
and is deleted when stopped. Run as root, the server runs as the ``postgres`` user (PostgreSQL refuses
root), which must then exist.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = ["ENV", "PostgresCluster", "bindir", "fresh_database"]

#: The environment variable naming a PostgreSQL server URL that tests may create databases on.
ENV = "TA_DELIVERY_TEST_POSTGRESQL"


def bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, else the newest under ``/usr/lib/postgresql``."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parent.parent.name)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """A cluster in a temporary folder on a free loopback port; :meth:`start`, then :meth:`stop`."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ta-delivery-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user: str | None = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        """The URL of the cluster's ``postgres`` database as its superuser ``postgres``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - fixed programs of the PostgreSQL installation
            [str(self.bin_dir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.root,
            timeout=120,
        )

    def start(self) -> str:
        """Create and start the cluster; return its URL."""
        if self.user is not None:
            shutil.chown(self.root, user=self.user)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        options += " -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        return self.url

    def stop(self) -> None:
        """Stop the server and delete its files."""
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired, FileNotFoundError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """An empty schema on the server at ``server_url`` for one test, as a URL; dropped afterwards.

    A schema (chosen by ``search_path``) rather than a database: creating one is instant, where
    ``CREATE DATABASE`` copies a template.
    """
    import psycopg  # the test extra's driver; imported late so SQLite-only installs never need it

    from ..store.urls import with_driver

    name = f"t_{uuid.uuid4().hex[:16]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')  # a generated identifier
    joiner = "&" if "?" in server_url else "?"
    try:
        yield f"{with_driver(server_url)}{joiner}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
