"""Small values that plugins keep between runs (tokens' metadata, cursors), by namespace."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import schema
from .base import StoreBase
from .timestamps import to_text

__all__ = ["Counters", "KeyValues", "StoreKeyValue"]


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

    def count(self, key: str) -> int:
        """The shared counter under ``key`` (see :meth:`Counters.take`)."""
        assert isinstance(self.store, Counters)
        return self.store.counter(self.namespace, key)

    def take(self, key: str, limit: int) -> bool:
        """Add one to the shared counter under ``key`` unless it reached ``limit``; say whether it did."""
        assert isinstance(self.store, Counters)
        return self.store.take(self.namespace, key, limit)


class Counters(StoreBase):
    """Atomic counters shared by every course and process on one store (a provider's daily budget)."""

    def counter(self, namespace: str, key: str) -> int:
        """The count under ``key`` (0 if never taken)."""
        t = schema.counters
        with self.engine.connect() as conn:
            value = conn.execute(select(t.c.count).where(t.c.namespace == namespace, t.c.key == key)).scalar()
        return int(value or 0)

    def take(self, namespace: str, key: str, limit: int, now: datetime | None = None) -> bool:
        """Add one to the counter unless it has reached ``limit``; say whether it was added.

        One statement (an upsert whose update is conditional), so two processes can never both take
        the last unit, on SQLite as on PostgreSQL.
        """
        if limit <= 0:
            return False
        t = schema.counters
        stamp = to_text(now or datetime.now(UTC))
        insert = sqlite_insert if self.sqlite else pg_insert
        upsert = insert(t).values(namespace=namespace, key=key, count=1, updated_at=stamp)
        stmt = upsert.on_conflict_do_update(
            index_elements=["namespace", "key"],
            set_={"count": t.c.count + 1, "updated_at": stamp},
            where=t.c.count < limit,
        ).returning(t.c.count)
        with self.transaction() as conn:
            return conn.execute(stmt).first() is not None
