"""The plugin manager: built-ins plus the ``ta_delivery`` entry points, made by a factory."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from types import FunctionType, MethodType, ModuleType
from typing import Any, TypeVar

import attrs
import pluggy

from . import __version__, hookspecs
from .entrypoints import EntryPoint
from .entrypoints import entry_points as find_entry_points
from .errors import PluginError
from .specs import ImportFormatSpec, LmsSpec, ProviderSpec, RuleSpec, TransportSpec
from .values import Value

__all__ = [
    "BUILTIN_PLUGINS",
    "REGISTRATION_HOOKS",
    "PluginFailure",
    "Plugins",
    "check_pending",
    "make_plugin_manager",
]

#: Modules registered as built-in plugins, in order.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "ta_delivery.jitsi",
    "ta_delivery.rules.builtin",
    "ta_delivery.transports.builtin",
    "ta_delivery.attendance.formats",
)

BUILTIN_DIST = "ta-delivery"
T = TypeVar("T", ProviderSpec, TransportSpec, ImportFormatSpec, RuleSpec, LmsSpec)


@attrs.frozen(repr=False, eq=False)
class PluginFailure(Value):
    """A plugin that could not be loaded; it is skipped, and reported by ``ta-delivery plugins``."""

    name: str
    distribution: str | None
    error: str


@attrs.frozen(repr=False, eq=False)
class PluginInfo(Value):
    """One loaded plugin and what it adds."""

    name: str
    version: str | None
    providers: tuple[str, ...]
    transports: tuple[str, ...]
    formats: tuple[str, ...]
    rules: tuple[str, ...]
    lms: tuple[str, ...]


#: The registration hooks, the record type each returns, and the registry it fills.
REGISTRATION_HOOKS: dict[str, type] = {
    "ta_delivery_register_providers": ProviderSpec,
    "ta_delivery_register_transports": TransportSpec,
    "ta_delivery_register_import_formats": ImportFormatSpec,
    "ta_delivery_register_rules": RuleSpec,
    "ta_delivery_register_lms": LmsSpec,
}
_KINDS = {
    "ta_delivery_register_providers": "provider",
    "ta_delivery_register_transports": "transport",
    "ta_delivery_register_import_formats": "import format",
    "ta_delivery_register_rules": "rule",
    "ta_delivery_register_lms": "LMS",
}


#: What pluggy can take as a hook implementation when it is a module's global (``_static_hook_attr``).
_HOOKABLE = (FunctionType, MethodType, staticmethod, classmethod)


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, quicker to register a module: its other globals are passed over without a lookup.

    pluggy looks up every name a plugin has with ``inspect.getattr_static`` to find the marked hooks;
    for a module that lookup is its ``__dict__``, and a global that is not a function or method (a class,
    a module, a constant) is never a hook. Registering the built-ins and the installed plugins so was a
    third of the plugin manager's cost at every start. Anything else is pluggy's own decision.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        if isinstance(plugin, ModuleType) and not isinstance(vars(plugin).get(name), _HOOKABLE):
            return None
        return super().parse_hookimpl_opts(plugin, name)


def _name_of(record: Any) -> str:
    return str(record.id if isinstance(record, RuleSpec) else record.name)


@attrs.define(eq=False)  # a manager: the same one only when it is the same object
class Plugins:
    """A plugin manager and the registries collected from it.

    Each plugin's registration hooks are called once, as it is registered; the registries are built
    from those records on first use and kept until another plugin is registered.
    """

    pm: pluggy.PluginManager
    failures: list[PluginFailure] = attrs.field(factory=list)
    _origin: dict[int, tuple[str, str | None]] = attrs.field(factory=dict)
    #: per registration hook: (record, plugin) in registration order
    _records: dict[str, list[tuple[Any, object]]] = attrs.field(factory=dict)
    _registries: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    @property
    def hook(self) -> Any:
        """The hook relay (``plugins.hook.ta_delivery_...``)."""
        return self.pm.hook

    def _origin_of(self, plugin: object) -> tuple[str, str | None]:
        return self._origin.get(id(plugin), (self.pm.get_name(plugin) or "?", None))

    def _registry(self, hook_name: str) -> dict[str, Any]:
        registry = self._registries.get(hook_name)
        if registry is None:
            found: dict[str, tuple[Any, str]] = {}
            for record, plugin in self._records.get(hook_name, ()):
                dist = self._origin_of(plugin)[0]
                name = _name_of(record)
                if name in found:
                    raise PluginError(
                        f"{_KINDS[hook_name]} {name!r} is registered by both {found[name][1]} and {dist}"
                    )
                found[name] = (record, dist)
            registry = {name: record for name, (record, _dist) in found.items()}
            self._registries[hook_name] = registry
        return registry

    @property
    def providers(self) -> Mapping[str, ProviderSpec]:
        """Classroom providers by name."""
        return self._registry("ta_delivery_register_providers")

    @property
    def transports(self) -> Mapping[str, TransportSpec]:
        """Invite transports by name."""
        return self._registry("ta_delivery_register_transports")

    @property
    def formats(self) -> Mapping[str, ImportFormatSpec]:
        """Attendance import formats by name."""
        return self._registry("ta_delivery_register_import_formats")

    @property
    def rules(self) -> Mapping[str, RuleSpec]:
        """Schedule rules by id."""
        return self._registry("ta_delivery_register_rules")

    @property
    def lms(self) -> Mapping[str, LmsSpec]:
        """Learning management systems by name."""
        return self._registry("ta_delivery_register_lms")

    def check(self) -> None:
        """Collect every registry, raising :class:`PluginError` on duplicate names."""
        _ = (self.providers, self.transports, self.formats, self.rules, self.lms)

    def info(self) -> list[PluginInfo]:
        """What each distribution adds, grouped by distribution name."""
        groups: dict[str, dict[str, list[str]]] = {}
        versions: dict[str, str | None] = {}
        for plugin in self.pm.get_plugins():
            dist, version = self._origin_of(plugin)
            groups.setdefault(dist, {hook_name: [] for hook_name in REGISTRATION_HOOKS})
            versions[dist] = version
        for hook_name in REGISTRATION_HOOKS:
            for record, plugin in self._records.get(hook_name, ()):
                groups[self._origin_of(plugin)[0]][hook_name].append(_name_of(record))

        def names(g: dict[str, list[str]], hook_name: str) -> tuple[str, ...]:
            return tuple(sorted(g[hook_name]))

        return [
            PluginInfo(
                name=dist,
                version=versions.get(dist),
                providers=names(g, "ta_delivery_register_providers"),
                transports=names(g, "ta_delivery_register_transports"),
                formats=names(g, "ta_delivery_register_import_formats"),
                rules=names(g, "ta_delivery_register_rules"),
                lms=names(g, "ta_delivery_register_lms"),
            )
            for dist, g in sorted(groups.items())
        ]

    def register(self, plugin: object, name: str | None = None, dist: str | None = None) -> None:
        """Register ``plugin`` (a module or object with hook implementations) and collect its records.

        :raises PluginError: for a misspelled or unmarked hook, or a registration hook returning
            something other than its records; the plugin is then not registered.
        :raises Exception: whatever a registration hook raises (the plugin is not registered either).
        """
        self.pm.register(plugin, name=name)
        try:
            records = _load(self.pm, plugin)
        except Exception:
            self.pm.unregister(plugin)
            raise
        if dist is not None or id(plugin) not in self._origin:
            label = dist or getattr(plugin, "__name__", None) or type(plugin).__name__
            self._origin[id(plugin)] = (label, None)
        for hook_name, found in records.items():
            self._records.setdefault(hook_name, []).extend((record, plugin) for record in found)
        self._registries.clear()


def check_pending(pm: pluggy.PluginManager, plugin: object) -> None:
    """Refuse a plugin with a hook the core does not know (misspelled) or a hook not marked ``@hookimpl``.

    pluggy would otherwise load either silently, and the plugin would quietly do nothing.

    :raises PluginError: naming the plugin and each bad hook, with the closest real hook name.
    """
    prefix = f"{hookspecs.PROJECT}_"
    known = sorted(name for name in dir(hookspecs) if name.startswith(prefix))
    label = pm.get_name(plugin) or getattr(plugin, "__name__", None) or type(plugin).__name__
    problems: list[str] = []
    for attr in sorted(dir(plugin)):
        if not attr.startswith(prefix):
            continue
        value = getattr(plugin, attr, None)
        if not (inspect.isfunction(value) or inspect.ismethod(value)):
            continue
        opts = pm.parse_hookimpl_opts(plugin, attr)
        hook = str((opts.get("specname") if opts is not None else None) or attr)
        if hook not in known:
            close = _close(hook, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"{hook} is not a ta_delivery hook{hint}")
        elif opts is None:
            problems.append(f"{attr} is not marked @hookimpl (from ta_delivery.plugin import hookimpl)")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        if exc.plugin is not plugin:
            raise PluginError(str(exc)) from None
        if not problems:
            problems.append(str(exc))
    if problems:
        raise PluginError(f"plugin {label}: " + "; ".join(problems))


def _load(pm: pluggy.PluginManager, plugin: object) -> dict[str, list[Any]]:
    """Check ``plugin``'s hooks, then call its registration hooks: the one time they are called.

    :raises PluginError: for a misspelled or unmarked hook, or records of the wrong type.
    """
    check_pending(pm, plugin)
    records: dict[str, list[Any]] = {}
    for hook_name, record_type in REGISTRATION_HOOKS.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin is not plugin:
                continue
            for record in impl.function() or ():
                if not isinstance(record, record_type):
                    raise PluginError(
                        f"{hook_name} returned a {type(record).__name__}, not a {record_type.__name__}"
                    )
                records.setdefault(hook_name, []).append(record)
    return records


def _fail(plugins: Plugins, ep: EntryPoint, dist: str | None, exc: Exception, *, log: bool) -> None:
    if log:
        import logging  # only for a failure: starting imports no logging

        logging.getLogger(__name__).warning("plugin %s (%s) failed to load: %s", ep.name, dist, exc)
    plugins.failures.append(PluginFailure(ep.name, dist, f"{type(exc).__name__}: {exc}"))


def make_plugin_manager(
    *,
    builtins: bool = True,
    entry_points: bool = True,
    extra: Iterable[object] = (),
    group: str = "ta_delivery",
    log_failures: bool = True,
) -> Plugins:
    """A fresh plugin manager: built-ins, then installed entry points, then ``extra`` plugins.

    A plugin that fails to import, or whose registration hooks raise or return something other than
    their records, is recorded in ``failures``, logged (unless ``log_failures`` is false: the command
    line reports them itself) and skipped.

    Entry points are found in one scan of the installed distributions (:mod:`ta_delivery.entrypoints`,
    which reads their files rather than importing ``importlib.metadata`` at every start); each plugin's
    distribution name and version come from the distribution that declares it.
    """
    pm = _PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    if builtins:
        version = __version__  # the installed distribution's (tests/test_cli_startup.py): no second scan
        for modname in BUILTIN_PLUGINS:
            module = importlib.import_module(modname)
            plugins._origin[id(module)] = (BUILTIN_DIST, version)
            plugins.register(module, name=modname)
    if entry_points:
        for ep in find_entry_points(group):
            dist_name = ep.dist_name
            # two distributions may use the same entry-point name: both load, so a clash of what
            # they register is reported instead of one of them silently missing
            name = f"{dist_name}:{ep.name}" if dist_name else ep.name
            if pm.has_plugin(name):
                continue  # the same distribution found twice on the path
            try:
                loaded: ModuleType | object = ep.load()
                dist = dist_name or ep.name
                plugins._origin[id(loaded)] = (dist, ep.version if dist_name else None)
                plugins.register(loaded, name=name)
            except Exception as exc:  # a broken plugin must never stop the tool
                _fail(plugins, ep, dist_name, exc, log=log_failures)
    for i, plugin in enumerate(extra):
        plugins.register(plugin, name=f"extra-{i}-{id(plugin)}")
    return plugins


def _close(word: str, choices: list[str] | tuple[str, ...], *, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """``difflib.get_close_matches``, imported only when a suggestion is needed (startup stays light)."""
    import difflib

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)
