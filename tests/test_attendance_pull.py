"""``attendance pull``: the providers of ended sessions are built before anything is recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ta_delivery.errors import InputError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.records import Capabilities, Classroom, ClassroomRequest, ProviderSpec, Segment
from test_attendance_cli import Recorder, remember_rooms
from test_attendance_import import qa_course, qa_report, run_qa, use_plugins


class Provider:
    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        return [
            Segment(request.session_id, request.start, request.end, "fake", "k1", person_id="p1"),
        ]


class Providers:
    """``fake`` works; ``needs-key`` lacks its settings (building it is an input error)."""

    @hookimpl
    def ta_delivery_register_providers(self) -> list[ProviderSpec]:
        def broken(context: Any) -> Any:
            raise InputError("is not set", source="TA_DELIVERY_NEEDS_KEY_TOKEN")

        can = Capabilities(attendance_fetch=True)
        return [
            ProviderSpec("fake", lambda ctx: Provider(), can),  # type: ignore[arg-type,return-value]
            ProviderSpec("needs-key", broken, can),
        ]


def test_pull_with_a_provider_missing_its_settings_exits_2_and_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = Recorder()
    use_plugins(monkeypatch, Providers(), pushes)
    course = qa_course(tmp_path)
    remember_rooms(course, {"s1": "fake", "s2": "needs-key"}, "qa", datetime(2027, 6, 1, tzinfo=UTC))
    result = run_qa("attendance", "pull", str(course))
    assert result.exit_code == 2, result.output
    assert "TA_DELIVERY_NEEDS_KEY_TOKEN" in result.stderr
    assert pushes.calls == []
    assert qa_report(course)["participants"][0]["sessions"]["s1"] == {"status": "unrecorded", "minutes": 0}
    # only the session whose provider is configured: it is pulled
    result = run_qa("attendance", "pull", str(course), "--session", "s1")
    assert result.exit_code == 0, result.output
    assert qa_report(course)["participants"][0]["sessions"]["s1"] == {"status": "present", "minutes": 60}
