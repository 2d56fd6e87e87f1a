"""The entry point registers the webex provider and the webex-csv format."""

from __future__ import annotations

from ta_delivery.plugins import make_plugin_manager
from ta_delivery_webex import plugin


def test_entry_point_registers_provider_and_format() -> None:
    plugins = make_plugin_manager(builtins=False, entry_points=True)
    assert not [f for f in plugins.failures if f.name == "webex"]
    spec = plugins.providers["webex"]
    caps = spec.capabilities
    assert caps.personal_join_links and caps.attendance_fetch and caps.update_in_place and caps.find_by_key
    assert spec.parse_options({"registration": True})["registration"] is True
    assert "webex-csv" in plugins.formats


def test_module_registers_through_an_explicit_manager() -> None:
    plugins = make_plugin_manager(builtins=False, entry_points=False, extra=[plugin])
    assert set(plugins.providers) == {"webex"}
    assert set(plugins.formats) == {"webex-csv"}
