"""Evaluation responses in the state store, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from ta_delivery.evaluation.model import Response
from ta_delivery.evaluation.storage import load_responses, save_responses
from ta_delivery.store import open_store

NOW = datetime(2027, 11, 20, 12, tzinfo=UTC)


def test_save_is_idempotent_and_corrections_replace(store_url: str) -> None:
    store = open_store(store_url)
    try:
        first = [
            Response("participant:jm-01:", {"relevance": 5, "comments": "Très utile"}, "jm-01"),
            Response("anonymous:ab:1", {"format": "both"}),
            Response("anonymous:ab:2", {"format": "both"}),
            Response("limesurvey:12", {"relevance": 3}, None, "s01"),
        ]
        result = save_responses(store, "c1", first, "csv", NOW)
        assert (result.imported, result.duplicates, result.updated) == (4, 0, 0)
        result = save_responses(store, "c1", first, "csv", NOW)
        assert (result.imported, result.duplicates, result.updated) == (0, 4, 0)
        corrected = [Response("participant:jm-01:", {"relevance": 4}, "jm-01")]
        result = save_responses(store, "c1", corrected, "csv", NOW)
        assert (result.imported, result.duplicates, result.updated) == (0, 0, 1)
        save_responses(store, "c2", [Response("anonymous:cd:1", {"relevance": 1})], "csv", NOW)

        stored = {r.key: r for r in load_responses(store, "c1")}
        assert set(stored) == {"participant:jm-01:", "anonymous:ab:1", "anonymous:ab:2", "limesurvey:12"}
        assert stored["participant:jm-01:"].answers == {"relevance": 4}
        assert stored["limesurvey:12"].session_id == "s01" and stored["limesurvey:12"].participant_id is None
        assert stored["anonymous:ab:1"].session_id is None
        assert [r.key for r in load_responses(store, "c2")] == ["anonymous:cd:1"]
    finally:
        store.close()
