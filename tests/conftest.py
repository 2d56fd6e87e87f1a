"""Fixtures shared by the core's tests (helpers live in ``synchelpers``)."""

from synchelpers import world

__all__ = ["world"]
