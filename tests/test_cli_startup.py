"""Light commands start fast: ``--version``, ``--help``, ``check`` and ``slots`` load no heavy module.

Each runs in a fresh interpreter (``python -c``) that drives the real command line and then lists what
was imported; the store (SQLAlchemy), the HTTP stack (httpx), the providers' clients, the mail stack,
logging and the attendance reconciliation must not be among them, nor rich for a clean ``check``.
bench/bench_startup.py measures the time; this only guards the imports, and checks that what was made
cheaper still behaves the same (plain lines against rich's, the e-mail pattern's characters).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta_delivery.cli import LAZY_COMMANDS, main
from ta_delivery.cli import check as check_cli
from ta_delivery.cli.plain import FORCING, plain_width
from ta_delivery.models import _EMAIL, Course
from ta_delivery.slots import Slot

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rtpc-caribbean-2027" / "course.toml"

#: Module prefixes a light command must not import.
HEAVY = (
    "sqlalchemy",
    "httpx",
    "httpcore",
    "jinja2",
    "ta_delivery.store",
    "ta_delivery.http",
    "ta_delivery.sync",
    "ta_delivery.attendance.service",
    "ta_delivery_zoom.provider",
    "ta_delivery_zoom.auth",
    "ta_delivery_webex.provider",
    "ta_delivery_webex.auth",
    "ta_delivery_lms.provider",
    "ta_delivery_lms.client",
    # the mail stack and logging: the built-in transports and plugins load them when they send or fail
    "smtplib",
    "ssl",
    "email.policy",
    "logging",
    "ta_delivery.transports.smtp",
    "ta_delivery.transports.outbox",
    # attendance: the built-in import formats register without the reconciliation
    "ta_delivery.attendance.reconcile",
    "ta_delivery.attendance.identity",
    # the built-in import formats register without their modules (csv, column tables)
    "ta_delivery.attendance.formats.meet",
    "ta_delivery.attendance.formats.teams",
    "ta_delivery.attendance.formats.register_csv",
    # a course file is told from a programme file without the programme's modules
    "ta_delivery.programme",
    "ta_delivery.cli.programme",
    # a file is scanned for the lines of its keys only when a message needs one
    "ta_delivery.coursefile.lines",
    # entry points are read from the installed files (ta_delivery.entrypoints), not importlib.metadata
    "importlib.metadata",
    "email",
    # the plugins' entry modules register without the run context, the webhooks or their import formats
    "ta_delivery.context",
    "ta_delivery.clock",
    "ta_delivery.webhooks",
    "ta_delivery_zoom.csvimport",
    "ta_delivery_webex.csvimport",
    "ta_delivery_webex.sansio",
    # only a room name draws random bits, only an import hashes rows
    "secrets",
    "hashlib",
    # the records of a run and the Protocols: registering needs only ta_delivery.specs
    "ta_delivery.records",
    "ta_delivery.supports",
    # the plugins' options and settings: parsed when a course has a [zoom], [webex] or moodle [lms] table
    "ta_delivery.settings",
    "ta_delivery_zoom.options",
    "ta_delivery_webex.options",
    "ta_delivery_lms.options",
)

PROBE = """
import json, sys
from ta_delivery.cli import main
try:
    main(sys.argv[1:], prog_name="ta-delivery")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded(*args: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False, timeout=120
    )
    last = run.stderr.strip().splitlines()[-1]
    modules: list[str] = json.loads(last)
    return modules


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["check", str(EXAMPLE)],
        ["check", str(EXAMPLE), "--json"],
        ["slots", str(EXAMPLE), "--minutes", "60", "--from", "2027-08-09", "--to", "2027-08-13"],
    ],
    ids=["version", "help", "check", "check-json", "slots"],
)
def test_light_commands_import_nothing_heavy(args: list[str]) -> None:
    heavy = [m for m in loaded(*args) if m.startswith(HEAVY)]
    assert heavy == [], f"{' '.join(args[:1])} imported {heavy[:8]}: import them where they are used"


def test_a_clean_check_prints_without_rich() -> None:
    """Not on a terminal, a course without findings prints its two lines without importing rich."""
    assert not [m for m in loaded("check", str(EXAMPLE)) if m == "rich" or m.startswith("rich.")]


def test_check_starts_without_the_slot_finder() -> None:
    assert "ta_delivery.slots" not in loaded("check", str(EXAMPLE))


def test_slots_prints_its_table_without_rich() -> None:
    """Not on a terminal, ``slots`` prints rich's table itself (compared with rich's below)."""
    args = ("slots", str(EXAMPLE), "--minutes", "90", "--from", "2027-08-09", "--to", "2027-08-13")
    assert not [m for m in loaded(*args) if m == "rich" or m.startswith("rich.")]


def test_plugins_are_still_discovered_by_check() -> None:
    modules = loaded("check", str(EXAMPLE))
    assert "ta_delivery.jitsi" in modules


def test_heavy_commands_still_load_what_they_need() -> None:
    """The guard is not vacuous: ``plan`` does load the store."""
    modules = loaded("plan", str(EXAMPLE), "--json")
    assert any(m.startswith("sqlalchemy") for m in modules)


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_lazy_commands_help_is_their_own(name: str) -> None:
    import click

    command = main.get_command(click.Context(main), name)
    assert command is not None
    assert (command.help or "").strip().splitlines()[0] == LAZY_COMMANDS[name][1]


def test_version_is_the_package_version() -> None:
    """``--version`` reads ``ta_delivery.__version__`` (no metadata lookup at start): it must match."""
    import importlib.metadata

    import ta_delivery

    assert importlib.metadata.version("ta-delivery") == ta_delivery.__version__


@cache
def _example() -> Course:
    from ta_delivery.cli.common import load, plugin_manager

    return load(EXAMPLE, plugin_manager())


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    cleared = dict.fromkeys((*FORCING, "COLUMNS"), "")
    with mock.patch.dict(os.environ, cleared):
        for name in cleared:
            del os.environ[name]
        os.environ.update(values)
        yield


def _printed(course: Course, *, plain: bool) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.ExitStack() as stack:
        if not plain:
            stack.enter_context(mock.patch.object(check_cli, "print_plain", return_value=False))
        check_cli._print_findings(course, [])
    return out.getvalue()


@settings(max_examples=150, deadline=None)
@given(
    course_id=st.from_regex(r"[a-z0-9-]{1,64}", fullmatch=True),
    columns=st.one_of(st.none(), st.integers(0, 140).map(str), st.sampled_from(["", "abc", "-5"])),
    forcing=st.one_of(st.none(), st.tuples(st.sampled_from(FORCING), st.sampled_from(["", "0", "1", "120"]))),
)
def test_a_clean_check_prints_what_rich_prints(
    course_id: str, columns: str | None, forcing: tuple[str, str] | None
) -> None:
    """Whatever the width and environment, plain lines are rich's text exactly, or rich prints."""
    course = attrs.evolve(_example(), id=course_id)
    env = {} if columns is None else {"COLUMNS": columns}
    if forcing is not None:
        env[forcing[0]] = forcing[1]
    with _environment(env):
        assert _printed(course, plain=True) == _printed(course, plain=False)
        if forcing is not None:
            assert plain_width() is None


def test_plain_width_leaves_terminals_to_rich() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with _environment({"COLUMNS": "100"}), contextlib.redirect_stdout(Terminal()):
        assert plain_width() is None
    with _environment({"COLUMNS": "100"}), contextlib.redirect_stdout(io.StringIO()):
        assert plain_width() == 100


def test_the_email_pattern_allows_the_same_characters_as_before() -> None:
    """The local part's class, written by exclusion to compile quickly: the RFC's atext, dot, non-ASCII."""
    before = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\u0080-\U0010ffff-]+@a\.org")
    differ = [
        c
        for c in range(sys.maxunicode + 1)
        if bool(before.match(f"{chr(c)}@a.org")) != bool(_EMAIL.match(f"{chr(c)}@a.org"))
    ]
    assert differ == []


def test_zone_files_are_the_tzdata_package_files() -> None:
    """Read from tzdata's folder, or through importlib.resources where it has none: the same bytes."""
    from importlib.resources import files

    from ta_delivery import zones

    for parts in (("zones",), ("zoneinfo", "America", "Jamaica")):
        with zones._tzdata(*parts) as direct:
            assert direct.read() == files("tzdata").joinpath(*parts).read_bytes()
        with (
            mock.patch.object(zones.importlib.util, "find_spec", return_value=None),
            zones._tzdata(*parts) as data,
        ):
            assert data.read() == files("tzdata").joinpath(*parts).read_bytes()


def test_the_lazily_registered_import_formats_are_their_modules() -> None:
    import importlib

    from ta_delivery.attendance import formats

    for name, module in formats.MODULES.items():
        assert name == importlib.import_module(f"{formats.__name__}.{module}").NAME
    assert [spec.name for spec in formats.ta_delivery_register_import_formats()] == list(formats.MODULES)


@pytest.mark.parametrize("plugin", ["zoom", "webex"])
def test_a_plugins_lazily_registered_formats_are_its_csvimport_formats(plugin: str) -> None:
    """Registered without importing ``csvimport``, they are its specs: same names, descriptions, parsers."""
    import importlib

    entry = importlib.import_module(f"ta_delivery_{plugin}.plugin")
    module = importlib.import_module(f"ta_delivery_{plugin}.csvimport")
    specs = {name: getattr(module, name) for name in ("FORMAT", "JSON_FORMAT") if hasattr(module, name)}
    registered = list(entry.ta_delivery_register_import_formats())
    assert [(s.name, s.description) for s in registered] == [(s.name, s.description) for s in specs.values()]
    for lazy, spec in zip(registered, specs.values(), strict=True):
        assert lazy.parse.__name__ == spec.parse.__name__
        with mock.patch.object(module, spec.parse.__name__, return_value=iter(["parsed"])) as parse:
            assert list(lazy.parse("request")) == ["parsed"]
        parse.assert_called_once_with("request")


def test_records_names_every_spec_as_the_same_object() -> None:
    """The registrations live in ``ta_delivery.specs``; ``ta_delivery.records`` and ``.plugin`` name them."""
    from ta_delivery import plugin, records, specs

    for name in specs.__all__:
        assert getattr(records, name) is getattr(specs, name)
        assert name in records.__all__
    for name in plugin.__all__:
        assert getattr(plugin, name) is not None


def _slots_printed(course: Course, slots: list[Slot], *, plain: bool) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.ExitStack() as stack:
        if not plain:
            stack.enter_context(mock.patch.object(check_cli, "_slots_plain", return_value=None))
        check_cli._print_slots(course, 90, slots)
    return out.getvalue()


_NAMES = st.text(st.characters(min_codepoint=32, max_codepoint=0x17F), min_size=1, max_size=24)


@settings(max_examples=150, deadline=None)
@given(
    course_id=st.from_regex(r"[a-z0-9-]{1,64}", fullmatch=True),
    zone=st.sampled_from(["UTC", "America/Port_of_Spain", "Asia/Kolkata", "America/Argentina/Buenos_Aires"]),
    missing=st.lists(st.lists(_NAMES, max_size=6).map(tuple), max_size=12),
    columns=st.one_of(st.none(), st.integers(0, 220).map(str)),
)
def test_slots_prints_what_rich_prints(
    course_id: str, zone: str, missing: list[tuple[str, ...]], columns: str | None
) -> None:
    """Title, table or "no start" line: the plain lines are rich's text exactly, or rich prints."""
    from datetime import UTC, datetime, timedelta

    course = attrs.evolve(_example(), id=course_id, timezone=zone)
    start = datetime(2027, 8, 9, 13, 30, tzinfo=UTC)
    slots = [
        Slot(start=start + timedelta(minutes=15 * n), suits=15 - len(m), of=15, missing=m)
        for n, m in enumerate(missing)
    ]
    with _environment({} if columns is None else {"COLUMNS": columns}):
        assert _slots_printed(course, slots, plain=True) == _slots_printed(course, slots, plain=False)


def test_the_example_slots_table_is_printed_plain() -> None:
    """The comparison above is not vacuous: at 80 columns the example's week is the plain table."""
    from datetime import date

    from ta_delivery.slots import find_slots

    course = _example()
    slots = find_slots(course, 90, date(2027, 8, 9), date(2027, 8, 13), limit=20)
    with _environment({"COLUMNS": "80"}):
        lines = check_cli._slots_plain(course, 90, slots)
    assert lines is not None
    assert lines[3].startswith("┃  # ┃ start (America/Port_of_Spain) ┃")


@pytest.mark.parametrize(
    ("plugin", "options"),
    [("zoom", {"webinar": True}), ("webex", {"registration": True}), ("lms", {"partial": "L"})],
)
def test_a_plugins_lazy_option_parser_is_its_options_parser(plugin: str, options: dict[str, object]) -> None:
    """The entry module's ``parse_options`` is ``options.parse_options``: same result, same errors."""
    import importlib

    from ta_delivery.errors import InputError

    entry = importlib.import_module(f"ta_delivery_{plugin}.plugin")
    module = importlib.import_module(f"ta_delivery_{plugin}.options")
    assert entry.parse_options(options) == module.parse_options(options)
    with pytest.raises(InputError) as lazy:
        entry.parse_options({"no-such-key": 1})
    with pytest.raises(InputError) as direct:
        module.parse_options({"no-such-key": 1})
    assert str(lazy.value) == str(direct.value)


def test_a_format_parsed_on_first_use_imports_its_module_at_the_first_file() -> None:
    """The core's formats and the plugins' register with it: nothing of the format loads at registration."""
    from ta_delivery.specs import parse_on_first_use

    module = "ta_delivery.attendance.formats.meet"
    loaded = sys.modules.pop(module, None)
    try:
        parse = parse_on_first_use(module)
        assert module not in sys.modules
        assert parse.__name__ == "parse"
        with mock.patch(f"{module}.parse", return_value=iter(["parsed"])) as found:
            assert list(parse("request")) == ["parsed"]  # type: ignore[arg-type]
        found.assert_called_once_with("request")
    finally:
        if loaded is not None:
            sys.modules[module] = loaded
