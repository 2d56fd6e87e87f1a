"""The plugin framework: registries, duplicate names, broken plugins, and every hook driven for real."""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
import tomllib
import types
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner

from helpers.rehearsal import run_cli
from helpers.world import World, calendar_of, make_course
from ta_delivery.attendance.service import Attendance
from ta_delivery.cli import main
from ta_delivery.context import RunContext
from ta_delivery.errors import PluginError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.models import Course, Person, Session
from ta_delivery.plugins import check_pending, make_plugin_manager
from ta_delivery.records import (
    AttendanceStatus,
    Classroom,
    Finding,
    ImportFormatSpec,
    ImportRequest,
    LmsChange,
    LmsSpec,
    ProviderSpec,
    RuleSpec,
    Segment,
    TransportSpec,
)
from ta_delivery.rules.engine import check_course
from ta_delivery.testing.memory import make_memory_provider
from ta_delivery.webhooks import ASGIApp, WebhookSpec, WebhookTarget, webhook_app


class RecordingLms:
    def __init__(self) -> None:
        self.pushed: list[AttendanceStatus] = []

    def plan(self, course: Course) -> list[LmsChange]:
        return [LmsChange("create", course.id, "course space")]

    def apply(self, course: Course) -> list[LmsChange]:
        return [LmsChange("create", course.id, "course space")]

    def prerequisites(self, course: Course) -> Mapping[str, bool]:
        return {p.id: True for p in course.participants}

    def push_attendance(self, course: Course, statuses: Iterable[AttendanceStatus]) -> None:
        self.pushed.extend(statuses)


class RecordingPlugin:
    """Implements every hook and records every notification."""

    def __init__(self) -> None:
        self.provisioned: list[tuple[str, str]] = []
        self.built: list[tuple[str, str, str]] = []
        self.recorded: list[AttendanceStatus] = []

    @hookimpl
    def ta_delivery_register_providers(self) -> Iterable[ProviderSpec]:
        yield ProviderSpec(name="recording", factory=make_memory_provider)

    @hookimpl
    def ta_delivery_register_transports(self) -> Iterable[TransportSpec]:
        yield TransportSpec(name="recording", factory=lambda _ctx: _NullTransport())

    @hookimpl
    def ta_delivery_register_import_formats(self) -> Iterable[ImportFormatSpec]:
        def parse(request: ImportRequest) -> Iterable[Segment]:
            session = request.course.live_sessions[0]
            for line in request.data.decode().splitlines():
                yield Segment(
                    session_id=session.id,
                    join=session.start,
                    leave=session.end,
                    source="recording-lines",
                    raw_key=Segment.key_of(line),
                    email=line.strip(),
                )

        yield ImportFormatSpec(name="recording-lines", parse=parse)

    @hookimpl
    def ta_delivery_register_rules(self) -> Iterable[RuleSpec]:
        def no_titles_in_caps(course: Course) -> Iterable[Finding]:
            for s in course.sessions:
                if s.title.isupper():
                    yield Finding("no-shouting", "warning", s.id, None, f"{s.id}: title in capitals")

        yield RuleSpec(id="no-shouting", check=no_titles_in_caps, default_severity="warning")

    @hookimpl
    def ta_delivery_register_lms(self) -> Iterable[LmsSpec]:
        yield LmsSpec(name="recording-lms", factory=lambda _ctx: RecordingLms())

    @hookimpl
    def ta_delivery_register_webhooks(self) -> Iterable[WebhookSpec]:
        def make_app(_target: WebhookTarget) -> ASGIApp:
            return webhook_app(lambda _headers, body: (200, {"bytes": len(body)}), max_body=100)

        yield WebhookSpec(name="recording", make_app=make_app)

    @hookimpl
    def ta_delivery_classroom_provisioned(
        self, course: Course, session: Session, classroom: Classroom, action: str
    ) -> None:
        self.provisioned.append((session.id, action))

    @hookimpl
    def ta_delivery_invite_building(
        self, course: Course, session: Session, person: Person, method: str, event: icalendar.Event
    ) -> None:
        event.add("X-TA-RECORDED", f"{session.id}/{person.id}")
        self.built.append((session.id, person.id, method))

    @hookimpl
    def ta_delivery_attendance_recorded(
        self, course: Course, statuses: Sequence[AttendanceStatus], context: RunContext
    ) -> None:
        self.recorded.extend(statuses)


class _NullTransport:
    def send(self, message: Any) -> None:
        return None


def test_registration_hooks_fill_the_registries() -> None:
    plugins = make_plugin_manager(entry_points=False, extra=[RecordingPlugin()])
    assert "recording" in plugins.providers and "jitsi" in plugins.providers
    assert "recording" in plugins.transports and "outbox" in plugins.transports
    assert "recording-lines" in plugins.formats and "register-csv" in plugins.formats
    assert "no-shouting" in plugins.rules and "double-booked" in plugins.rules
    assert "recording-lms" in plugins.lms


def test_a_plugin_rule_runs_in_check() -> None:
    plugins = make_plugin_manager(entry_points=False, extra=[RecordingPlugin()])
    course = make_course(provider="jitsi")
    shouting = course.sessions[0].__class__(
        id="loud", title="TARIFFS", start=course.sessions[0].start, minutes=60, kind="recorded"
    )
    course = make_course(provider="jitsi", sessions=(*course.sessions, shouting))
    findings = check_course(course, plugins)
    assert [(f.rule, f.session, f.severity) for f in findings if f.rule == "no-shouting"] == [
        ("no-shouting", "loud", "warning")
    ]


def test_duplicate_names_name_both_distributions() -> None:
    class Twin:
        @hookimpl
        def ta_delivery_register_providers(self) -> Iterable[ProviderSpec]:
            yield ProviderSpec(name="jitsi", factory=make_memory_provider)

    plugins = make_plugin_manager(entry_points=False, extra=[Twin()])
    with pytest.raises(PluginError, match=r"'jitsi' is registered by both .*ta-delivery.* and .*Twin"):
        _ = plugins.providers


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = importlib.metadata.EntryPoint(
        name="broken", value="ta_delivery_no_such_module_anywhere", group="ta_delivery"
    )
    real = importlib.metadata.entry_points

    def fake(**kwargs: Any) -> Any:
        found = list(real(**kwargs))
        return [*found, broken] if kwargs.get("group") == "ta_delivery" else found

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    plugins = make_plugin_manager()
    assert [f.name for f in plugins.failures] == ["broken"]
    assert "ModuleNotFoundError" in plugins.failures[0].error
    assert "jitsi" in plugins.providers
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0
    assert "broken" in result.stderr


def test_notification_hooks_fire_during_apply_and_attendance(world: World, tmp_path: Path) -> None:
    recorder = RecordingPlugin()
    world.plugins.register(recorder)
    course = make_course()
    assert world.syncer(course).apply().ok
    assert sorted(recorder.provisioned) == [("s01", "create"), ("s02", "create"), ("s03", "create")]
    assert len(recorder.built) == 12 and {m for *_, m in recorder.built} == {"REQUEST"}
    event = next(iter(calendar_of(world.transport.sent[0].message).walk("VEVENT")))
    assert str(event["X-TA-RECORDED"]).startswith("s0")
    export = tmp_path / "lines.txt"
    export.write_text("ana@example.org\nstranger@example.org\n")
    Attendance(course, world.store, world.plugins, world.context).import_file(export, fmt="recording-lines")
    present = {(s.session_id, s.participant_id, s.status) for s in recorder.recorded}
    assert ("s01", "jm-01", "present") in present
    assert ("s01", "tt-01", "absent") in present


def test_plugins_json_lists_what_each_distribution_adds() -> None:
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    by_name = {p["name"]: p for p in data["plugins"]}
    core = by_name["ta-delivery"]
    assert set(core) == {"name", "version", "providers", "transports", "formats"}
    assert "jitsi" in core["providers"]
    assert {"outbox", "smtp"} <= set(core["transports"])
    assert "register-csv" in core["formats"]


# --- check_pending: a hook nobody declared is an error, not a plugin that silently does nothing -------


def _entry_point_module(monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> None:
    """Install ``source`` as module ``name`` and an entry point of that name in the ``ta_delivery`` group."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, name, module)
    point = importlib.metadata.EntryPoint(name=name, value=name, group="ta_delivery")
    real = importlib.metadata.entry_points

    def fake(**kwargs: Any) -> Any:
        found = list(real(**kwargs))
        return [*found, point] if kwargs.get("group") == "ta_delivery" else found

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)


MISSPELLED = """
from ta_delivery.plugin import ProviderSpec, hookimpl
from ta_delivery.testing.memory import make_memory_provider

@hookimpl
def ta_delivery_register_provider():
    yield ProviderSpec(name="typo", factory=make_memory_provider)
"""

UNMARKED = """
from ta_delivery.plugin import ProviderSpec
from ta_delivery.testing.memory import make_memory_provider

def ta_delivery_register_providers():
    yield ProviderSpec(name="unmarked", factory=make_memory_provider)
"""


def test_a_misspelled_hook_is_an_error_naming_the_plugin_and_the_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _entry_point_module(monkeypatch, "ta_delivery_typo_plugin", MISSPELLED)
    plugins = make_plugin_manager()
    assert [f.name for f in plugins.failures] == ["ta_delivery_typo_plugin"]
    error = plugins.failures[0].error
    assert "ta_delivery_register_provider is not a ta_delivery hook" in error
    assert "did you mean ta_delivery_register_providers?" in error
    assert "typo" not in plugins.providers and "jitsi" in plugins.providers
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0
    assert "ta_delivery_typo_plugin" in result.stderr and "ta_delivery_register_provider " in result.stderr


def test_a_hook_not_marked_hookimpl_is_an_error_naming_the_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    _entry_point_module(monkeypatch, "ta_delivery_unmarked_plugin", UNMARKED)
    plugins = make_plugin_manager()
    assert [f.name for f in plugins.failures] == ["ta_delivery_unmarked_plugin"]
    assert "ta_delivery_register_providers is not marked @hookimpl" in plugins.failures[0].error
    assert "unmarked" not in plugins.providers


def test_registering_a_misspelled_plugin_directly_raises_and_leaves_nothing_behind() -> None:
    class Typo:
        @hookimpl
        def ta_delivery_register_rule(self) -> Iterable[RuleSpec]:
            yield RuleSpec(id="typo", check=lambda course: ())

    plugins = make_plugin_manager(entry_points=False)
    typo = Typo()
    with pytest.raises(PluginError, match=r"plugin .*: ta_delivery_register_rule is not a ta_delivery hook"):
        plugins.register(typo)
    assert not plugins.pm.is_registered(typo)
    assert "typo" not in plugins.rules
    with pytest.raises(PluginError, match="did you mean ta_delivery_register_rules"):
        make_plugin_manager(entry_points=False, extra=[Typo()])


def test_check_pending_accepts_every_in_repo_plugin() -> None:
    plugins = make_plugin_manager()
    assert plugins.failures == []
    for plugin in plugins.pm.get_plugins():
        check_pending(plugins.pm, plugin)


# --- registries are collected once -----------------------------------------------------------------


def test_registration_hooks_are_called_once_however_often_the_registries_are_read() -> None:
    calls: list[str] = []

    class Counting:
        @hookimpl
        def ta_delivery_register_providers(self) -> Iterable[ProviderSpec]:
            calls.append("providers")
            yield ProviderSpec(name="counted", factory=make_memory_provider)

        @hookimpl
        def ta_delivery_register_rules(self) -> Iterable[RuleSpec]:
            calls.append("rules")
            yield RuleSpec(id="counted", check=lambda course: ())

    plugins = make_plugin_manager(entry_points=False, extra=[Counting()])
    for _ in range(3):
        assert "counted" in plugins.providers and "counted" in plugins.rules
        plugins.check()
        assert any(i.providers == ("counted",) for i in plugins.info())
    assert sorted(calls) == ["providers", "rules"]


def test_a_plugin_registered_later_is_in_the_registries() -> None:
    plugins = make_plugin_manager(entry_points=False)
    assert "recording" not in plugins.providers
    plugins.register(RecordingPlugin(), dist="recording-dist")
    assert "recording" in plugins.providers
    assert any(i.name == "recording-dist" and "recording" in i.providers for i in plugins.info())


def test_webhook_receivers_are_collected_for_serve() -> None:
    from ta_delivery.serve.app import webhook_specs

    plugins = make_plugin_manager(entry_points=False, extra=[RecordingPlugin()])
    specs = webhook_specs(plugins)
    assert specs["recording"].name == "recording"


# --- plugins installed as distributions: entry points on a site folder ---------------------------

ROOT = Path(__file__).resolve().parents[1]

REGISTER_TWIN = """
from ta_delivery.hookspecs import hookimpl
from ta_delivery.records import ProviderSpec
from ta_delivery.testing.memory import make_memory_provider

@hookimpl
def ta_delivery_register_providers():
    yield ProviderSpec(name="twin", factory=make_memory_provider)
"""

RAISING = """
from ta_delivery.hookspecs import hookimpl

@hookimpl
def ta_delivery_register_transports():
    raise RuntimeError("boom in the registration hook")
"""

WRONG_RECORDS = """
from ta_delivery.hookspecs import hookimpl

@hookimpl
def ta_delivery_register_providers():
    return ["not-a-spec"]
"""


def fake_distribution(root: Path, dist: str, entry_points: dict[str, str]) -> dict[str, str]:
    """Install, under ``root`` (put on sys.path), a distribution whose ``ta_delivery`` entry points
    name fresh modules with the given sources; return entry-point name -> module name."""
    modules = {}
    lines = ["[ta_delivery]"]
    for ep_name, source in entry_points.items():
        module = f"qa2_plugin_{uuid.uuid4().hex}"
        (root / f"{module}.py").write_text(source, encoding="utf-8")
        lines.append(f"{ep_name} = {module}")
        modules[ep_name] = module
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return modules


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    return root


def test_two_distributions_with_the_same_entry_point_name_clash_naming_both(site: Path) -> None:
    fake_distribution(site, "alpha-plug", {"same": REGISTER_TWIN})
    fake_distribution(site, "beta-plug", {"same": REGISTER_TWIN})
    plugins = make_plugin_manager()
    assert plugins.failures == []
    with pytest.raises(
        PluginError, match=r"'twin' is registered by both (alpha-plug and beta-plug|beta-plug and alpha-plug)"
    ):
        _ = plugins.providers


def test_a_plugin_whose_registration_hook_raises_is_reported_and_skipped(site: Path) -> None:
    fake_distribution(site, "raising-plug", {"raising": RAISING})
    fake_distribution(site, "good-plug", {"good": REGISTER_TWIN})
    plugins = make_plugin_manager()
    assert [(f.name, f.distribution) for f in plugins.failures] == [("raising", "raising-plug")]
    assert "boom in the registration hook" in plugins.failures[0].error
    assert {"jitsi", "twin"} <= set(plugins.providers)
    assert "outbox" in plugins.transports

    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    names = [p["name"] for p in json.loads(result.stdout)["plugins"]]
    assert "good-plug" in names and "raising-plug" not in names
    assert "raising" in result.stderr and "boom in the registration hook" in result.stderr


def test_a_plugin_returning_something_else_than_records_is_reported_and_skipped(site: Path) -> None:
    fake_distribution(site, "wrong-plug", {"wrong": WRONG_RECORDS})
    plugins = make_plugin_manager()
    assert [f.name for f in plugins.failures] == ["wrong"]
    assert "ProviderSpec" in plugins.failures[0].error
    assert "jitsi" in plugins.providers  # no AttributeError on the str the plugin returned


def test_a_plugin_that_fails_to_import_is_reported_once_on_stderr(site: Path) -> None:
    fake_distribution(site, "broken-plug", {"broken": 'raise RuntimeError("boom at import")\n'})
    done = run_cli("plugins", env={"PYTHONPATH": os.pathsep.join([str(site), *sys.path])})
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("boom at import") == 1, done.stderr


def test_the_acme_example_is_a_distribution_whose_entry_point_adds_its_provider(site: Path) -> None:
    project = tomllib.loads(
        (ROOT / "examples" / "plugin-acme" / "pyproject.toml").read_text(encoding="utf-8")
    )
    name = project["project"]["name"]
    entry_points = project["project"]["entry-points"]["ta_delivery"]
    info = site / f"{name.replace('-', '_')}-{project['project']['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n", encoding="utf-8")
    lines = ["[ta_delivery]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plugins = make_plugin_manager()
    assert plugins.failures == []
    assert "acme" in plugins.providers
    acme = next(i for i in plugins.info() if i.name == "ta-delivery-acme")
    assert acme.providers == ("acme",)


def test_the_acme_example_takes_the_core_from_this_checkout() -> None:
    folder = ROOT / "examples" / "plugin-acme"
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    assert "ta-delivery" in project["project"]["dependencies"]
    source = project["tool"]["uv"]["sources"]["ta-delivery"]
    core = tomllib.loads((folder / source["path"] / "pyproject.toml").read_text(encoding="utf-8"))
    assert core["project"]["name"] == "ta-delivery"


def _hookimpls(pm: Any, plugin: object) -> list[tuple[str, str]]:
    return sorted(
        (hook.name, impl.function.__name__)
        for hook in pm.hook.__dict__.values()
        if hasattr(hook, "get_hookimpls")
        for impl in hook.get_hookimpls()
        if impl.plugin is plugin
    )


def test_registering_a_module_finds_the_hooks_plain_pluggy_finds() -> None:
    """The quicker module registration passes over globals only where pluggy would pass over them too."""
    import pluggy

    from ta_delivery import hookspecs
    from ta_delivery.plugins import BUILTIN_PLUGINS

    module = types.ModuleType("renamed_hooks")
    exec(  # a hook under another name (specname), a static method and a bound method as module globals
        "from ta_delivery.hookspecs import hookimpl\n"
        "@hookimpl(specname='ta_delivery_register_rules')\n"
        "def my_rules():\n    return []\n"
        "class Holder:\n"
        "    @hookimpl\n"
        "    def ta_delivery_register_transports(self):\n        return []\n"
        "ta_delivery_register_transports = Holder().ta_delivery_register_transports\n"
        "ta_delivery_register_lms = staticmethod(hookimpl(lambda: []))\n"
        "ta_delivery_register_providers = 'not a hook'\n",
        module.__dict__,
    )
    modules = [importlib.import_module(name) for name in BUILTIN_PLUGINS]
    modules += [ep.load() for ep in importlib.metadata.entry_points(group="ta_delivery")]
    for plugin in [*modules, module]:
        ours = make_plugin_manager(builtins=False, entry_points=False).pm
        plain = pluggy.PluginManager(hookspecs.PROJECT)
        plain.add_hookspecs(hookspecs)
        ours.register(plugin)
        plain.register(plugin)
        assert _hookimpls(ours, plugin) == _hookimpls(plain, plugin), plugin
    found = _hookimpls(ours, module)
    assert ("ta_delivery_register_rules", "my_rules") in found
    assert ("ta_delivery_register_transports", "ta_delivery_register_transports") in found
    assert ("ta_delivery_register_lms", "<lambda>") in found
