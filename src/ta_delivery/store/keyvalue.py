"""Small values that plugins keep between runs (tokens' metadata, cursors), by namespace."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
from sqlalchemy import select

from . import schema
from .base import StoreBase
from .timestamps import to_text

__all__ = ["KeyValues", "StoreKeyValue"]


class KeyValues(StoreBase):
    """The store's key-value table."""

    # --- small values of plugins --------------------------------------------------------------

    def kv_get(self, namespace: str, key: str) -> str | None:
        """A plugin's stored value."""
        t = schema.kv
        with self.engine.connect() as conn:
            value = conn.execute(select(t.c.value).where(t.c.namespace == namespace, t.c.key == key)).scalar()
        return None if value is None else str(value)

    def kv_put(self, namespace: str, key: str, value: str | None, now: datetime | None = None) -> None:
        """Store (``None``: delete) a plugin's value."""
        t = schema.kv
        with self.transaction() as conn:
            if value is None:
                conn.execute(t.delete().where(t.c.namespace == namespace, t.c.key == key))
            else:
                stamp = to_text(now or datetime.now(UTC))
                self._upsert(
                    conn,
                    t,
                    {"namespace": namespace, "key": key, "value": value, "updated_at": stamp},
                    ["namespace", "key"],
                )

    def namespace(self, namespace: str) -> StoreKeyValue:
        """A :class:`~ta_delivery.context.KeyValue` view of one namespace."""
        return StoreKeyValue(self, namespace)


@attrs.frozen
class StoreKeyValue:
    """One plugin's values in the store."""

    store: KeyValues
    namespace: str

    def get(self, key: str) -> str | None:
        return self.store.kv_get(self.namespace, key)

    def put(self, key: str, value: str | None) -> None:
        self.store.kv_put(self.namespace, key, value)
