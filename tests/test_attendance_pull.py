"""``attendance pull``: ended sessions only, what succeeded is kept, providers built before anything is
recorded, providers without the capability noted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ta_delivery.errors import InputError, Unavailable
from ta_delivery.hookspecs import hookimpl
from ta_delivery.records import Capabilities, Classroom, ClassroomRequest, ProviderSpec, Segment
from ta_delivery.store import open_store, state_location
from test_attendance_cli import Recorder, plugins_with, report_json, run, write_course
from test_attendance_import import qa_course, qa_report, run_qa


class FakeProvider:
    def __init__(self, fail: set[str]) -> None:
        self.fail = fail

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        if request.session_id in self.fail:
            raise Unavailable("try later", provider="fake", status=503)
        join = request.start
        return [
            Segment(
                session_id=request.session_id,
                join=join,
                leave=request.end,
                source="fake",
                raw_key=Segment.key_of(request.session_id, "p1"),
                person_id="jm-01",
            ),
            Segment(
                session_id=request.session_id,
                join=join,
                leave=request.end,
                source="fake",
                raw_key=Segment.key_of(request.session_id, "x"),
                external_id="reg-77",
                name="Visitor",
            ),
        ]


class FakePlugin:
    def __init__(self, fail: set[str]) -> None:
        self.provider = FakeProvider(fail)

    @hookimpl
    def ta_delivery_register_providers(self) -> list[ProviderSpec]:
        return [
            ProviderSpec("fake", lambda ctx: self.provider, Capabilities(attendance_fetch=True)),  # type: ignore[arg-type,return-value]
        ]


def remember_rooms(
    course: Path, rooms: Mapping[str, str], course_id: str = "demo", now: datetime | None = None
) -> None:
    """Store the classrooms ``apply`` would have made: session -> provider."""
    now = now or datetime(2020, 8, 1, tzinfo=UTC)
    store = open_store(state_location(course))
    try:
        store.remember_course(course_id, course_id.title(), "UTC", now)
        for sid, provider in rooms.items():
            store.save_classroom(
                course_id,
                sid,
                Classroom(provider, f"k-{sid}", f"ext-{sid}", "https://x.example/j"),
                fingerprint="f",
                state="active",
                start=now,
                end=now,
                title=sid,
                minutes=60,
                now=now,
            )
    finally:
        store.close()


def test_pull_keeps_what_succeeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    plugins_with(monkeypatch, FakePlugin({"s02"}), rec)
    course = write_course(tmp_path, provider="fake")
    remember_rooms(course, {"s01": "fake", "s02": "fake"})
    result = run("attendance", "pull", str(course), env={"TA_DELIVERY_NOW": "2020-08-12T00:00:00Z"})
    assert result.exit_code == 1, result.output
    assert "s02" in result.stderr
    assert "Unavailable" in result.stderr
    data = report_json(course)
    assert data["participants"][0]["sessions"] == {
        "s01": {"status": "present", "minutes": 120},
        "s02": {"status": "unrecorded", "minutes": 0},  # its pull failed: nothing is known yet
    }
    assert data["unmatched"] == [{"session": "s01", "name": "Visitor", "email": None, "minutes": 120}]
    assert {s.session_id for s in rec.calls[0]} == {"s01"}


def test_pull_only_ended_sessions_and_one_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugins_with(monkeypatch, FakePlugin(set()))
    course = write_course(tmp_path, provider="fake")
    remember_rooms(course, {"s01": "fake", "s02": "fake"})
    env = {"TA_DELIVERY_NOW": "2020-08-10T20:00:00Z"}
    result = run("attendance", "pull", str(course), "--session", "s02", env=env)
    assert result.exit_code == 2
    assert "has not ended" in result.stderr
    result = run("attendance", "pull", str(course), env=env)
    assert result.exit_code == 0, result.output
    data = report_json(course)
    assert data["participants"][0]["sessions"]["s01"]["status"] == "present"
    assert data["participants"][0]["sessions"]["s02"]["status"] == "unrecorded"
    again = run("attendance", "pull", str(course), env=env)
    assert "0 new, 2 already recorded" in again.stdout
    later = run(
        "attendance", "pull", str(course), "--session", "s02", env={"TA_DELIVERY_NOW": "2020-09-01T00:00:00Z"}
    )
    assert later.exit_code == 0
    assert report_json(course)["participants"][0]["sessions"]["s02"]["status"] == "present"


def test_pull_without_capability_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugins_with(monkeypatch)
    course = write_course(tmp_path)
    store = open_store(state_location(course))
    try:
        from datetime import UTC, datetime

        now = datetime(2020, 8, 1, tzinfo=UTC)
        store.remember_course("demo", "Demo", "UTC", now)
        store.save_classroom(
            "demo",
            "s01",
            Classroom("jitsi", "k", "room", "https://meet.jit.si/room"),
            fingerprint="f",
            state="active",
            start=now,
            end=now,
            title="s",
            minutes=60,
            now=now,
        )
    finally:
        store.close()
    result = run("attendance", "pull", str(course), env={"TA_DELIVERY_NOW": "2020-09-01T00:00:00Z"})
    assert result.exit_code == 0, result.output
    assert "jitsi cannot report attendance" in result.stdout
    assert "s02: no classroom" in result.stdout


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
    plugins_with(monkeypatch, Providers(), pushes)
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
