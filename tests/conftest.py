"""Fixtures shared by the core's tests (helpers live in ``synchelpers``)."""

from storeurls import postgresql_server, postgresql_url, store_url, world_store_url
from synchelpers import world

__all__ = ["postgresql_server", "postgresql_url", "store_url", "world", "world_store_url"]
