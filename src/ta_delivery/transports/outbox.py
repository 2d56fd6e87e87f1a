"""The default transport: each message becomes one RFC 5322 file (``*.eml``) in a folder.

A file is written under a temporary name, flushed, then linked to its final name, so a reader never
sees half a message and an existing file is never overwritten. The final name is derived from the
Message-ID, which is the same for the same invitation: a message already in the outbox (say, written
just before a crash, so the store never learnt it was sent) is not written twice.

Temporary files live in the ``.partial`` subfolder and end in ``.part``, so a pickup script's ``*.eml``
glob never sends one; a run cut short (``kill -9``) leaves its temporary file behind, and the next run
removes those of dead processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import uuid
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from pathlib import Path

import attrs

from ..context import RunContext
from ..errors import InputError, TransportError

__all__ = ["DEFAULT_OUTBOX", "OutboxTransport", "outbox_factory"]

log = logging.getLogger(__name__)

#: The outbox folder, relative to the course file's folder, when ``TA_DELIVERY_OUTBOX`` is unset.
DEFAULT_OUTBOX = Path(".ta-delivery") / "outbox"
#: Where messages are written before they get their final name (inside the outbox: same file system).
PARTIAL = ".partial"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a process we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def file_name(message: EmailMessage) -> str:
    """``<hash of Message-ID>.eml``; a random name for a message without a Message-ID."""
    mid = message.get("Message-ID")
    key = str(mid).strip() if mid else uuid.uuid4().hex
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".eml"


@attrs.define
class OutboxTransport:
    """Writes messages into ``folder``, one ``.eml`` file each, never overwriting one."""

    folder: Path
    written: list[Path] = attrs.field(factory=list, repr=False)
    _cleaned: bool = attrs.field(default=False, init=False, repr=False)

    def clean_leftovers(self) -> int:
        """Remove temporary files left by runs that died mid-write; return how many were removed.

        Files of a process still alive (another run writing now) are kept. ``.tmp-*.eml`` files that
        earlier versions wrote into the outbox itself are removed too: a pickup script would send them.
        """
        self._cleaned = True
        removed = 0
        candidates: list[tuple[Path, int | None]] = [(p, None) for p in self.folder.glob(".tmp-*.eml")]
        partial = self.folder / PARTIAL
        if partial.is_dir():
            for path in partial.glob("*.part"):
                owner = path.name.split("-", 1)[0]
                candidates.append((path, int(owner) if owner.isdigit() else None))
        for path, pid in candidates:
            if pid is not None and _alive(pid):
                continue
            try:
                path.unlink()
            except OSError:
                continue
            removed += 1
        with contextlib.suppress(OSError):
            partial.rmdir()  # only when empty
        if removed:
            log.info("outbox: removed %d temporary file(s) left by an interrupted run", removed)
        return removed

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` atomically; a message already there counts as delivered."""
        # The invitation's own policy already writes CRLF (and remembers parsed headers); others get SMTP's.
        policy = message.policy if getattr(message.policy, "linesep", None) == "\r\n" else SMTP
        try:
            data = message.as_bytes(policy=policy)
        except UnicodeEncodeError:  # an internationalised address (RFC 6531) needs UTF-8 headers (RFC 6532)
            data = message.as_bytes(policy=SMTPUTF8)
        target = self.folder / file_name(message)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not self._cleaned:
                self.clean_leftovers()
            if target.exists():
                log.info("outbox: %s is already there; not written again", target.name)
                return
            fd, tmp_name = self._temporary()
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                try:
                    os.link(tmp, target)
                except FileExistsError:
                    log.info("outbox: %s appeared meanwhile; not overwritten", target.name)
                    return
                except OSError:
                    # No hard links on this file system: create the name exclusively, then copy.
                    self._write_exclusive(target, data)
            finally:
                tmp.unlink(missing_ok=True)
                with contextlib.suppress(OSError):  # kept only while another writer uses it
                    tmp.parent.rmdir()
        except OSError as exc:
            raise TransportError(f"cannot write to the outbox {self.folder}: {exc.strerror or exc}") from exc
        self.written.append(target)

    def _temporary(self) -> tuple[int, str]:
        """A new temporary file in the ``.partial`` folder, named after this process."""
        partial = self.folder / PARTIAL
        for _ in range(5):  # another writer may remove the empty folder between our two steps
            partial.mkdir(mode=0o700, exist_ok=True)
            try:
                return tempfile.mkstemp(dir=partial, prefix=f"{os.getpid()}-", suffix=".part")
            except FileNotFoundError:
                continue
        return tempfile.mkstemp(dir=partial, prefix=f"{os.getpid()}-", suffix=".part")

    def check(self) -> None:
        """An :class:`InputError` naming ``TA_DELIVERY_OUTBOX`` when a file stands where the folder goes.

        ``apply`` calls it before changing anything; nothing is created here.
        """
        existing = next((p for p in (self.folder, *self.folder.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise InputError(f"{existing} is not a folder", source="TA_DELIVERY_OUTBOX")
        if self.folder.is_dir():
            self.clean_leftovers()  # a removal, never a creation: only what a dead run left behind

    @staticmethod
    def _write_exclusive(target: Path, data: bytes) -> None:
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def outbox_factory(context: RunContext) -> OutboxTransport:
    """The outbox of a run: ``TA_DELIVERY_OUTBOX`` (relative to the course's folder) or the default."""
    value = context.settings.get("outbox")
    folder = Path(value).expanduser() if value else DEFAULT_OUTBOX
    if not folder.is_absolute():
        folder = context.base_dir / folder
    return OutboxTransport(folder)
