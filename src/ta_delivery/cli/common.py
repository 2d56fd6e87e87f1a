"""Shared pieces of the command line: the root group, course loading, exit codes, output."""

from __future__ import annotations

import contextlib
import errno
import functools
import importlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..errors import InputError, InputErrors, TaDeliveryError

if TYPE_CHECKING:
    import logging
    from collections.abc import Sequence

    from ..clock import Clock
    from ..context import RunContext
    from ..models import Course
    from ..plugins import Plugins
    from ..programme.store import CarryOver
    from ..store import Store

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2


def printable(text: str) -> str:
    """``text`` with control characters (ESC, BEL, ...) escaped as ``\\x1b``, line breaks and tabs kept:
    a message never drives a terminal."""
    return "".join(
        c if c.isprintable() or c in "\n\t" else c.encode("unicode_escape").decode("ascii") for c in text
    )


def fail_input(error: InputError | str) -> NoReturn:
    """Print an input error (each of them, when several were found at once) and exit 2."""
    lines = error.lines() if isinstance(error, InputErrors) else [str(error)]
    for line in lines:
        click.echo(f"error: {printable(line)}", err=True)
    sys.exit(EXIT_INPUT)


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (``\\u`` escapes where stdout's encoding is not a UTF one)."""
    import json  # here: the light commands' table output starts without it

    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    click.echo(json.dumps(data, indent=2, ensure_ascii=not encoding.startswith("utf")))


def tolerant_streams() -> None:
    """Characters stdout's or stderr's encoding cannot show (``PYTHONIOENCODING=ascii``) become ``?``."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure) and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change keeps its ways
                reconfigure(errors="replace")


class Group(click.Group):
    """The root group: input errors exit 2, other library errors exit 1, with a one-line message.

    Commands of the modules in ``lazy`` (name -> module, short help) are imported when first used, so
    ``--version``, ``--help``, ``check`` and ``slots`` never load what those modules need (the store,
    the HTTP stack); ``--help`` lists them with the short help written here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(self.lazy[cmd_name][0])
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = [n for n in self.list_commands(ctx) if n in self.lazy or not self.commands[n].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is not None:
                short = command.get_short_help_str(limit)
            else:
                short = _shorten(self.lazy[name][1], limit)
            rows.append((name, short))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        tolerant_streams()
        try:
            return super().invoke(ctx)
        except InputError as exc:
            fail_input(exc)
        except TaDeliveryError as exc:
            click.echo(f"error: {printable(str(exc))}", err=True)
            sys.exit(EXIT_FAILED)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # a reader that went away (``| head``): click's own quiet exit
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"error: {exc.strerror or exc}{where}", err=True)
            _quiet_stdout()
            sys.exit(EXIT_FAILED)


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word to fit ``limit`` characters with ``...``, as click shortens a command's help."""
    if len(text) <= limit:
        return text
    words = text.split()
    out = ""
    for word in words:
        if len(out) + len(word) + 1 + 3 > limit:
            break
        out = f"{out} {word}" if out else word
    return out.rstrip(".") + "..."


def _quiet_stdout() -> None:
    """Point stdout at the null device when it cannot be written (a full disk): exit without a traceback."""
    try:
        sys.stdout.flush()
    except OSError:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def installed_versions() -> list[tuple[str, str]]:
    """The core's version (``ta_delivery.__version__``, checked against its metadata by a test), then each
    plugin distribution's, read from package metadata only (no plugin module is imported, so ``--version``
    stays fast and works with a broken plugin)."""
    from .. import __version__
    from ..entrypoints import entry_points

    found: dict[str, str] = {}
    for ep in entry_points("ta_delivery"):
        if ep.dist_name is not None:
            found[ep.dist_name] = ep.version or "unknown"
    found.pop("ta-delivery", None)
    return [("ta-delivery", __version__), *sorted(found.items())]


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    for name, version in installed_versions():
        click.echo(f"{name} {version}")
    ctx.exit()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the versions of ta-delivery and every installed plugin, and exit.",
)
def main() -> None:
    """Deliver training virtually: check schedules, provision classrooms, invite, track attendance."""


def course_path(value: str) -> Path:
    """The course file path, checked to exist."""
    path = Path(value)
    if not path.is_file():
        fail_input(InputError("no such course file", source=str(path)))
    return path


def is_programme(path: Path) -> bool:
    """Whether ``path`` is a programme file (a top-level ``[programme]`` table) rather than a course file.

    A file whose bytes spell ``programme`` nowhere, and hold no backslash (a quoted key's escape could
    spell it), cannot have that table: it is a course file, known without parsing it twice or importing
    the programme's modules (``check`` and ``apply`` start faster, decision 0082).
    """
    if not path.is_file():
        return False
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    if b"programme" not in raw and b"\\" not in raw:
        return False
    from ..programme import is_programme_file

    return is_programme_file(path)


def state_override(state: str | None) -> str | None:
    """The store the user names: ``--state``, else ``TA_DELIVERY_STATE``; ``None`` for the default one."""
    return state or os.environ.get("TA_DELIVERY_STATE") or None


def state_url(course: Path, state: str | None, *, carry_over: bool = True) -> str:
    """The state store URL: ``--state``, else ``TA_DELIVERY_STATE``, else the default store.

    The default is ``.ta-delivery/state.db`` beside the course file, or beside ``programme.toml`` for a
    programme file and for a course file in a programme's folder (or below it). ``carry_over=False``
    names that store without carrying a course's own store over into it (``doctor`` changes nothing).
    """
    from ..store import state_location

    override = state_override(state)
    if override:
        return state_location(course, override)
    if not carry_over:
        from ..programme.store import default_store_url

        return default_store_url(course)
    # in a programme's folder: the programme's store, a course's own store carried over (PRODUCT.md s. 5)
    from ..programme.store import default_store

    url, moved = default_store(course)
    say_carried_over(moved)
    return url


def say_carried_over(moved: Sequence[CarryOver]) -> None:
    """Tell the user which courses' own stores were just carried over into the programme's store."""
    for done in moved:
        click.echo(
            f"note: {done.course_id}: its own store {str(done.source)!r} was carried over into the "
            f"programme's store ({done.total} rows); it is no longer used",
            err=True,
        )


#: The permissions of a file ``--out`` creates: reports and feeds hold names, emails and attendance.
NEW_FILE_MODE = 0o600


def _mode(out: Path) -> int:
    """The permissions ``out`` gets: those it has (chosen by its owner), else private (0600)."""
    try:
        return out.stat().st_mode & 0o7777
    except OSError:
        return NEW_FILE_MODE


def write_out(out: Path, data: bytes) -> None:
    """Write ``out`` atomically; a path that cannot be written is an input error naming ``--out``.

    A new file is private (0600: reports and feeds hold personal data); a file that exists keeps the
    permissions its owner gave it, so a feed published on purpose stays readable.
    """
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        mode = _mode(out)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", source=str(out), key="--out") from None


def store_missing(url: str) -> bool:
    """Whether ``url`` names an SQLite file (any driver, query allowed) that does not exist yet."""
    from ..store import sqlite_file

    file = sqlite_file(url)
    return file is not None and not file.exists()


def existing_store_url(url: str) -> str:
    """``url``, or an empty in-memory store when its SQLite file does not exist: reading creates nothing."""
    return "sqlite://" if store_missing(url) else url


def now_override() -> datetime | None:
    """``TA_DELIVERY_NOW`` (an ISO instant with offset), for rehearsals and tests; else ``None``."""
    value = os.environ.get("TA_DELIVERY_NOW")
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail_input(InputError("not an ISO 8601 instant", source="TA_DELIVERY_NOW"))
    if when.tzinfo is None:
        fail_input(InputError("needs an offset, e.g. 2027-08-10T12:00:00Z", source="TA_DELIVERY_NOW"))
    try:
        return when.astimezone(UTC)
    except OverflowError:
        fail_input(InputError("is out of range once in UTC", source="TA_DELIVERY_NOW"))


def make_context(course: Path, store: Store | None) -> RunContext:
    """The run context of a command on ``course``: the environment, the clock, the store."""
    from ..clock import FakeClock, SystemClock
    from ..context import RunContext
    from ..settings import Settings

    fixed = now_override()
    clock: Clock = FakeClock(fixed) if fixed is not None else SystemClock()
    return RunContext(
        settings=Settings(dict(os.environ)),
        clock=clock,
        base_dir=course.resolve().parent,
        state_factory=store.namespace if store is not None else None,
    )


def load(course: Path, plugins: Plugins) -> Course:
    """Read the course file; input errors exit 2."""
    from ..coursefile import load_course

    try:
        return load_course(course, plugins)
    except InputError as exc:
        if is_programme(course):  # a command that takes one course, given a programme: say so plainly
            fail_input(
                InputError(
                    "is a programme file; this command takes a course file: name one of the programme's "
                    "courses (check, plan, apply and report take the programme itself)",
                    source=str(course),
                )
            )
        fail_input(exc)


@functools.cache
def _echo_handler() -> type[logging.Handler]:
    """The handler class of :func:`echo_warnings` (made on first use: ``check`` starts without logging)."""
    import logging

    class EchoWarnings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            click.echo(f"warning: {record.getMessage()}", err=True)

    return EchoWarnings


def echo_warnings(name: str) -> None:
    """Show logger ``name``'s warnings on stderr as ``warning: ...`` (installed once per process).

    For what a person at the terminal must hear, such as a run waiting for another to finish.
    """
    import logging

    handler = _echo_handler()
    logger = logging.getLogger(name)
    if not any(isinstance(h, handler) for h in logger.handlers):
        logger.addHandler(handler(logging.WARNING))


def plugin_manager() -> Plugins:
    """The plugin manager, with load failures reported on stderr (once: not also through logging)."""
    from ..plugins import make_plugin_manager

    plugins = make_plugin_manager(log_failures=False)
    for failure in plugins.failures:
        click.echo(f"warning: plugin {failure.name} failed to load: {failure.error}", err=True)
    return plugins


state_option = click.option(
    "--state",
    metavar="PATH_OR_URL",
    default=None,
    help="State store: an SQLite path or a database URL (default .ta-delivery/state.db beside the course).",
)
