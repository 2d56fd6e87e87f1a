"""A base for the value records read at every start: ``__repr__``, ``__eq__`` and ``__hash__`` written once.

attrs writes the source of ``__repr__``, ``__eq__`` and ``__hash__`` for each class it decorates and compiles
it when the class is defined. For the records ``check`` and ``slots`` need (the course model, the working
windows, the plugin specs) that compile was a tenth of the command's start-up (decision 0170). Those classes
are declared ``@attrs.frozen(repr=False, eq=False)`` and inherit the three methods from :class:`Value`, which
reads the class's attrs fields once and behaves as attrs' own methods do:

- ``repr`` is ``Name(field=value, ...)`` over the fields with ``repr=True`` (a field's ``repr`` may be a
  callable, as in attrs); secrets stay out of it the same way, with ``attrs.field(repr=False)``.
- two values are equal when they are of the same class and their fields with ``eq=True`` are equal;
  anything else compares ``NotImplemented``, as attrs does.
- the hash is that of the class and the fields in the hash (``hash=None`` follows ``eq``), so equal values
  hash alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["Value"]


class Value:
    """Mixin for ``@attrs.frozen(repr=False, eq=False)`` classes: attrs-equivalent repr, eq and hash."""

    __slots__ = ()

    def __repr__(self) -> str:
        cls = type(self)
        shown = (f"{name}={show(getattr(self, name))}" for name, show in _layout(cls).repr)
        return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({', '.join(shown)})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _layout(type(self)).eq)

    def __hash__(self) -> int:
        cls = type(self)
        return hash((cls, *(getattr(self, name) for name in _layout(cls).hash)))


class _Layout:
    """Which fields each method reads, in definition order (a plain class: a NamedTuple costs an exec)."""

    __slots__ = ("eq", "hash", "repr")

    def __init__(self, cls: type) -> None:
        fields = attrs.fields(cls)
        self.repr: tuple[tuple[str, Callable[[Any], str]], ...] = tuple(
            (f.name, f.repr if callable(f.repr) else repr) for f in fields if f.repr is not False
        )
        self.eq = tuple(f.name for f in fields if f.eq)
        self.hash = tuple(f.name for f in fields if (f.eq if f.hash is None else f.hash))


_LAYOUTS: dict[type, _Layout] = {}


def _layout(cls: type) -> _Layout:
    """The class's :class:`_Layout`, read from its attrs fields on first use."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        layout = _LAYOUTS[cls] = _Layout(cls)
    return layout
