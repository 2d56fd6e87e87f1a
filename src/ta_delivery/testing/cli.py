"""Driving ``ta-delivery`` in process for a plugin's end-to-end tests: settings, runs, the outbox it wrote.

```python
cli_settings(monkeypatch, {"TA_DELIVERY_ACME_URL": server.url, ...})
answer = run_json("apply", str(course))
links = {to: fields["URL"] for to, fields in outbox_invites(tmp_path, seen).items()}
```
"""

from __future__ import annotations

import email
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

__all__ = ["NOW", "cli_settings", "outbox_invites", "run", "run_json"]

#: The instant the command line is told it is (``TA_DELIVERY_NOW``), before the test courses' sessions.
NOW = "2027-08-01T08:00:00Z"
#: Settings a developer's shell may hold that would send a test's run elsewhere.
_AMBIENT = ("TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT")


def cli_settings(
    monkeypatch: pytest.MonkeyPatch, settings: Mapping[str, str], *, now: str = NOW, unset: Iterable[str] = ()
) -> None:
    """Set ``settings`` and ``TA_DELIVERY_NOW`` for the run; unset ``unset`` and the state, outbox and
    transport settings, so the run keeps its store and outbox beside the course file."""
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TA_DELIVERY_NOW", now)
    for name in (*_AMBIENT, *unset):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, env: Mapping[str, str] | None = None) -> tuple[int, str, str]:
    """``ta-delivery ARGS`` in process: exit code, stdout, stderr; ``env`` overrides settings for this run."""
    from click.testing import CliRunner

    from ..cli import main

    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str, exit_code: int = 0) -> dict[str, Any]:
    """``ta-delivery ARGS --json``: the answer, once the exit code is the one expected."""
    code, out, err = run(*args, "--json")
    assert code == exit_code, err + out
    answer: dict[str, Any] = json.loads(out)
    return answer


def outbox_invites(
    folder: Path, seen: set[Path], fields: Iterable[str] = ("METHOD", "SEQUENCE", "URL")
) -> dict[str, dict[str, str]]:
    """Recipient email -> ``fields`` of the calendar part of each message written to the outbox beside a
    course file in ``folder`` and not in ``seen`` (which is then updated)."""
    wanted = set(fields)
    out: dict[str, dict[str, str]] = {}
    for path in sorted((folder / ".ta-delivery" / "outbox").glob("*.eml")):
        if path in seen:
            continue
        seen.add(path)
        message = email.message_from_bytes(path.read_bytes())
        calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        payload = calendar.get_payload(decode=True)
        assert isinstance(payload, bytes)
        lines = payload.decode().replace("\r\n ", "").split("\r\n")
        found = {k: v for k, _, v in (line.partition(":") for line in lines) if k in wanted}
        out[str(message["To"]).split("<")[-1].rstrip(">")] = found
    return out
