"""The plugin manager: built-ins plus the ``ta_delivery`` entry points, made by a factory."""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any, TypeVar

import attrs
import pluggy

from . import hookspecs
from .errors import PluginError
from .records import ImportFormatSpec, LmsSpec, ProviderSpec, RuleSpec, TransportSpec

__all__ = ["BUILTIN_PLUGINS", "PluginFailure", "Plugins", "make_plugin_manager"]

log = logging.getLogger(__name__)

#: Modules registered as built-in plugins, in order.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "ta_delivery.jitsi",
    "ta_delivery.rules.builtin",
    "ta_delivery.transports.builtin",
    "ta_delivery.attendance.formats",
)

BUILTIN_DIST = "ta-delivery"
T = TypeVar("T", ProviderSpec, TransportSpec, ImportFormatSpec, RuleSpec, LmsSpec)


@attrs.frozen
class PluginFailure:
    """A plugin that could not be loaded; it is skipped, and reported by ``ta-delivery plugins``."""

    name: str
    distribution: str | None
    error: str


@attrs.frozen
class PluginInfo:
    """One loaded plugin and what it adds."""

    name: str
    version: str | None
    providers: tuple[str, ...]
    transports: tuple[str, ...]
    formats: tuple[str, ...]
    rules: tuple[str, ...]
    lms: tuple[str, ...]


@attrs.define
class Plugins:
    """A plugin manager and the registries collected from it."""

    pm: pluggy.PluginManager
    failures: list[PluginFailure] = attrs.field(factory=list)
    _origin: dict[int, tuple[str, str | None]] = attrs.field(factory=dict)

    @property
    def hook(self) -> Any:
        """The hook relay (``plugins.hook.ta_delivery_...``)."""
        return self.pm.hook

    def _origin_of(self, plugin: object) -> tuple[str, str | None]:
        return self._origin.get(id(plugin), (self.pm.get_name(plugin) or "?", None))

    def _collect(self, hook_name: str, kind: str) -> dict[str, tuple[Any, str]]:
        found: dict[str, tuple[Any, str]] = {}
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            dist = self._origin_of(impl.plugin)[0]
            for record in impl.function() or ():
                name = record.id if isinstance(record, RuleSpec) else record.name
                if name in found:
                    raise PluginError(f"{kind} {name!r} is registered by both {found[name][1]} and {dist}")
                found[name] = (record, dist)
        return found

    def _registry(self, hook_name: str, kind: str) -> dict[str, Any]:
        return {name: rec for name, (rec, _dist) in self._collect(hook_name, kind).items()}

    @property
    def providers(self) -> Mapping[str, ProviderSpec]:
        """Classroom providers by name."""
        return self._registry("ta_delivery_register_providers", "provider")

    @property
    def transports(self) -> Mapping[str, TransportSpec]:
        """Invite transports by name."""
        return self._registry("ta_delivery_register_transports", "transport")

    @property
    def formats(self) -> Mapping[str, ImportFormatSpec]:
        """Attendance import formats by name."""
        return self._registry("ta_delivery_register_import_formats", "import format")

    @property
    def rules(self) -> Mapping[str, RuleSpec]:
        """Schedule rules by id."""
        return self._registry("ta_delivery_register_rules", "rule")

    @property
    def lms(self) -> Mapping[str, LmsSpec]:
        """Learning management systems by name."""
        return self._registry("ta_delivery_register_lms", "LMS")

    def check(self) -> None:
        """Collect every registry once, raising :class:`PluginError` on duplicate names."""
        _ = (self.providers, self.transports, self.formats, self.rules, self.lms)

    def info(self) -> list[PluginInfo]:
        """What each distribution adds, grouped by distribution name."""
        groups: dict[str, dict[str, list[str]]] = {}
        versions: dict[str, str | None] = {}
        for plugin in self.pm.get_plugins():
            dist, version = self._origin_of(plugin)
            groups.setdefault(dist, {k: [] for k in ("p", "t", "f", "r", "l")})
            versions[dist] = version
        table = (
            ("ta_delivery_register_providers", "p"),
            ("ta_delivery_register_transports", "t"),
            ("ta_delivery_register_import_formats", "f"),
            ("ta_delivery_register_rules", "r"),
            ("ta_delivery_register_lms", "l"),
        )
        for hook_name, slot in table:
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                dist = self._origin_of(impl.plugin)[0]
                for record in impl.function() or ():
                    name = record.id if isinstance(record, RuleSpec) else record.name
                    groups[dist][slot].append(name)
        return [
            PluginInfo(
                name=dist,
                version=versions.get(dist),
                providers=tuple(sorted(g["p"])),
                transports=tuple(sorted(g["t"])),
                formats=tuple(sorted(g["f"])),
                rules=tuple(sorted(g["r"])),
                lms=tuple(sorted(g["l"])),
            )
            for dist, g in sorted(groups.items())
        ]

    def register(self, plugin: object, name: str | None = None, dist: str | None = None) -> None:
        """Register ``plugin`` (a module or object with hook implementations)."""
        self.pm.register(plugin, name=name)
        if dist is not None:
            self._origin[id(plugin)] = (dist, None)


#: The registration hooks and the record type each returns.
REGISTRATION_HOOKS: dict[str, type] = {
    "ta_delivery_register_providers": ProviderSpec,
    "ta_delivery_register_transports": TransportSpec,
    "ta_delivery_register_import_formats": ImportFormatSpec,
    "ta_delivery_register_rules": RuleSpec,
    "ta_delivery_register_lms": LmsSpec,
}


def _probe(pm: pluggy.PluginManager, plugin: object) -> None:
    """Call ``plugin``'s registration hooks once: raising, or returning wrong records, fails its load."""
    for hook_name, record_type in REGISTRATION_HOOKS.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin is not plugin:
                continue
            for record in impl.function() or ():
                if not isinstance(record, record_type):
                    raise PluginError(
                        f"{hook_name} returned a {type(record).__name__}, not a {record_type.__name__}"
                    )


def _fail(plugins: Plugins, ep: importlib.metadata.EntryPoint, dist: str | None, exc: Exception) -> None:
    log.warning("plugin %s (%s) failed to load: %s", ep.name, dist, exc)
    plugins.failures.append(PluginFailure(ep.name, dist, f"{type(exc).__name__}: {exc}"))


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def make_plugin_manager(
    *,
    builtins: bool = True,
    entry_points: bool = True,
    extra: Iterable[object] = (),
    group: str = "ta_delivery",
) -> Plugins:
    """A fresh plugin manager: built-ins, then installed entry points, then ``extra`` plugins.

    A plugin that fails to import, or whose registration hooks raise or return something other than
    their records, is logged, recorded in ``failures`` and skipped.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    if builtins:
        version = _version(BUILTIN_DIST)
        for modname in BUILTIN_PLUGINS:
            module = importlib.import_module(modname)
            pm.register(module, name=modname)
            plugins._origin[id(module)] = (BUILTIN_DIST, version)
    if entry_points:
        for ep in importlib.metadata.entry_points(group=group):
            dist_name = ep.dist.name if ep.dist is not None else None
            # two distributions may use the same entry-point name: both load, so a clash of what
            # they register is reported instead of one of them silently missing
            name = f"{dist_name}:{ep.name}" if dist_name else ep.name
            if pm.has_plugin(name):
                continue  # the same distribution found twice on the path
            try:
                loaded: ModuleType | object = ep.load()
                pm.register(loaded, name=name)
            except Exception as exc:  # a broken plugin must never stop the tool
                _fail(plugins, ep, dist_name, exc)
                continue
            try:
                _probe(pm, loaded)
            except Exception as exc:  # a registration hook that raises is a plugin that fails to load
                pm.unregister(name=name)
                _fail(plugins, ep, dist_name, exc)
                continue
            dist = dist_name or ep.name
            plugins._origin[id(loaded)] = (dist, _version(dist) if dist_name else None)
    for i, plugin in enumerate(extra):
        pm.register(plugin, name=f"extra-{i}-{id(plugin)}")
        plugins._origin[id(plugin)] = (
            getattr(plugin, "__name__", None) or type(plugin).__name__,
            None,
        )
    return plugins
