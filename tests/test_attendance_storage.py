"""Raw segments in the state store, on SQLite and on a real PostgreSQL: a row kept outside every session and
the same row placed in a session after an edit of the course are stored once (PRODUCT.md section 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ta_delivery.attendance import AttendanceStore
from ta_delivery.records import Segment
from ta_delivery.store import open_store, schema

JOIN = datetime(2020, 8, 9, 14, tzinfo=UTC)


def _segment(session_id: str, who: str = "early@example.net") -> Segment:
    return Segment(
        session_id=session_id,
        join=JOIN,
        leave=JOIN + timedelta(hours=1),
        source="zoom-csv",
        raw_key=Segment.key_of("zoom-csv", "", who, JOIN),
        email=who,
    )


def test_a_row_outside_every_session_moves_to_the_session_an_edit_brings_it_into(store_url: str) -> None:
    store = open_store(store_url)
    try:
        records = AttendanceStore(store)
        assert records.record("c", [_segment("")], JOIN).inserted == 1
        # the course now has a session on that day: the same row, placed there, is not new
        again = records.record("c", [_segment("s00"), _segment("s00", "new@example.net")], JOIN)
        assert (again.total, again.inserted) == (2, 1)
        assert records.count("c") == 2
        assert {row[0] for row in records.rows("c")} == {"s00"}
        # the session moved away again: the row, outside once more, stays where it is stored
        assert records.record("c", [_segment("")], JOIN).inserted == 0
        assert [row[0] for row in records.rows("c")] == ["s00", "s00"]
        # stored twice by an earlier version (outside and placed): one copy is left
        records.record("c", [_segment("", "twice@example.net")], JOIN)
        with store.transaction() as conn:
            conn.execute(
                schema.segments.insert().values(
                    course_id="c",
                    session_id="s00",
                    source="zoom-csv",
                    raw_key=_segment("", "twice@example.net").raw_key,
                    email="twice@example.net",
                    join_at="2020-08-09T14:00:00Z",
                    leave_at="2020-08-09T15:00:00Z",
                    imported_at="2020-08-09T14:00:00Z",
                )
            )
        assert records.record("c", [_segment("s00", "twice@example.net")], JOIN).inserted == 0
        assert records.count("c") == 3
    finally:
        store.close()
