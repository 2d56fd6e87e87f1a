"""The spec a plugin registers, looked up the way the core does, for the contract kits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..plugins import Plugins, make_plugin_manager

__all__ = ["plugins_for", "registered"]

_CACHE: dict[int | None, Plugins] = {}


def plugins_for(plugin: object | None) -> Plugins:
    """The built-ins plus ``plugin``, or plus every installed entry point when ``plugin`` is ``None``.

    Kept per plugin object: the registration hooks run once per test session.
    """
    key = None if plugin is None else id(plugin)
    if key not in _CACHE:
        if plugin is None:
            _CACHE[key] = make_plugin_manager()
        else:
            _CACHE[key] = make_plugin_manager(entry_points=False, extra=[plugin])
    return _CACHE[key]


def registered(registry: str, name: str, plugin: object | None, owner: str) -> Any:
    """The record named ``name`` in ``registry`` (``providers``, ``formats``, ``lms``).

    :raises AssertionError: telling ``owner`` (the contract class) what to set when it is not found.
    """
    if not name:
        raise AssertionError(
            f"{owner}: set the name your plugin registers (for example provider_name = 'acme'), and "
            "plugin = your plugin module if it is not installed as a ta_delivery entry point"
        )
    plugins = plugins_for(plugin)
    found: Mapping[str, Any] = getattr(plugins, registry)
    if name not in found:
        where = "the plugin given" if plugin is not None else "the installed plugins"
        failures = "; ".join(f"{f.name}: {f.error}" for f in plugins.failures)
        raise AssertionError(
            f"{owner}: {name!r} is not among the {registry} of {where} "
            f"(registered: {', '.join(sorted(found)) or 'none'})"
            + (f"; failed to load: {failures}" if failures else "")
        )
    return found[name]
