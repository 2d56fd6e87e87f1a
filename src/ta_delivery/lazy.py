"""Names a package offers that load their module on first use (a module ``__getattr__``, PEP 562).

Every command imports the packages that register built-ins (transports, attendance formats), ``check``
included, so their heavy modules wait until a name is asked for (decision 0082).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, where: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``where`` maps a name to its relative module; a name, once
    loaded, is kept in ``namespace`` (the package's globals) so that it is looked up only once."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - the name PEP 562 looks up
        if name in where:
            value = getattr(importlib.import_module(where[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
