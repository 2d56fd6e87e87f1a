"""The outbox transport: one .eml per message, written atomically, never overwriting."""

from __future__ import annotations

import email
import email.policy
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ta_delivery.context import RunContext
from ta_delivery.errors import TransportError
from ta_delivery.invites import build_invite, lint_message
from ta_delivery.models import Course, Organizer, Participant, Session
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.transports.outbox import OutboxTransport

STAMP = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
COURSE = Course(
    id="c",
    title="Course",
    timezone="UTC",
    organizer=Organizer("Org", "org@example.org"),
    participants=(
        Participant("p", "Pía", "p@example.org", "UTC"),
        Participant("q", "Quinn", "q@example.org", "UTC"),
    ),
    sessions=(Session("s", "Session", datetime(2027, 5, 1, 10, tzinfo=UTC), 60),),
)


def message(person: str = "p", sequence: int = 0) -> email.message.EmailMessage:
    return build_invite(
        COURSE, COURSE.sessions[0], COURSE.person(person), method="REQUEST", sequence=sequence,
        join_url="https://x.example/r", dtstamp=STAMP,
    )  # fmt: skip


def transport(tmp_path: Path, env: dict[str, str] | None = None) -> OutboxTransport:
    plugins = make_plugin_manager(entry_points=False)
    context = RunContext(settings=Settings(env or {}), base_dir=tmp_path)
    made = plugins.transports["outbox"].factory(context)
    assert isinstance(made, OutboxTransport)
    return made


def emls(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


def test_default_folder_is_beside_the_course_and_files_are_rfc5322(tmp_path: Path) -> None:
    out = transport(tmp_path)
    assert out.folder == tmp_path / ".ta-delivery" / "outbox"
    msg = message()
    out.send(msg)
    (path,) = emls(out.folder)
    raw = path.read_bytes()
    assert raw == msg.as_bytes(policy=email.policy.SMTP)
    assert lint_message(raw) == []
    assert (
        email.message_from_bytes(raw, policy=email.policy.default)["To"].addresses[0].addr_spec
        == "p@example.org"
    )
    assert [p.name for p in out.folder.iterdir()] == [path.name]  # no temporary file left


def test_outbox_setting_relative_and_absolute(tmp_path: Path) -> None:
    assert transport(tmp_path, {"TA_DELIVERY_OUTBOX": "mail/out"}).folder == tmp_path / "mail" / "out"
    absolute = tmp_path / "elsewhere"
    assert transport(tmp_path, {"TA_DELIVERY_OUTBOX": str(absolute)}).folder == absolute


def test_one_file_per_message_and_a_repeat_is_not_written_twice(tmp_path: Path) -> None:
    out = transport(tmp_path)
    out.send(message("p", 0))
    out.send(message("q", 0))
    out.send(message("p", 1))
    assert len(emls(out.folder)) == 3
    out.send(message("p", 1))  # the same invitation again, e.g. after a crash before the store learnt of it
    assert len(emls(out.folder)) == 3


def test_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    out = transport(tmp_path)
    out.send(message())
    (path,) = emls(out.folder)
    path.write_bytes(b"somebody else's file")
    out.send(message())
    assert path.read_bytes() == b"somebody else's file"


def test_concurrent_senders_write_one_whole_file(tmp_path: Path) -> None:
    out = transport(tmp_path)
    msg = message()
    expected = msg.as_bytes(policy=email.policy.SMTP)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            OutboxTransport(out.folder).send(msg)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (path,) = emls(out.folder)
    assert path.read_bytes() == expected
    assert [p.name for p in out.folder.iterdir()] == [path.name]


def test_file_systems_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    out = transport(tmp_path)
    out.send(message())
    (path,) = emls(out.folder)
    path.write_bytes(b"kept")
    out.send(message())
    assert path.read_bytes() == b"kept"
    assert [p.name for p in out.folder.iterdir()] == [path.name]


def test_unwritable_outbox_is_a_transport_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = transport(tmp_path, {"TA_DELIVERY_OUTBOX": str(blocker / "outbox")})
    with pytest.raises(TransportError, match="cannot write to the outbox"):
        out.send(message())


# --- a run killed mid-write (issue 19) -----------------------------------------------------------------

_KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_transport_outbox import message
from ta_delivery.transports.outbox import OutboxTransport
os.link = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # dies between writing and naming
OutboxTransport(Path({folder!r})).send(message())
"""


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_a_writer_killed_mid_write_leaves_no_eml_a_pickup_script_would_send(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = tmp_path / "outbox"
    script = _KILLED_WRITER.format(tests=str(Path(__file__).parent), folder=str(folder))
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True)
    assert done.returncode == -9, done.stderr
    assert _files(folder), "the killed writer left its temporary file"
    # what `find outbox -name '*.eml'` would pick up (hidden files and subfolders included): nothing
    assert [p for p in folder.rglob("*") if p.name.endswith(".eml")] == []
    (folder / ".tmp-legacy.eml").write_bytes(b"half a message")  # what earlier versions left

    outbox = OutboxTransport(folder)
    outbox.check()  # apply's check, before anything changes, removes what dead runs left
    assert _files(folder) == []
    outbox.send(message())
    assert [p.name for p in folder.iterdir()] == [p.name for p in emls(folder)]


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    partial = tmp_path / "outbox" / ".partial"
    partial.mkdir(parents=True)
    mine = partial / f"{os.getpid()}-abc.part"
    mine.write_bytes(b"being written")
    assert OutboxTransport(tmp_path / "outbox").clean_leftovers() == 0
    assert mine.exists()
