"""A reference centre in the report: its register credits its people, its own device shows as the
centre's (never as someone unknown), and the report groups people by centre (json, table, html)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import centre, course_toml, person, session, table

CENTRE = table("[[centres]]", centre(name="Reference Centre Kingston", city=None))


def course_text(centres: bool = True) -> str:
    """Two participants at the Kingston centre and one at none; ``centres=False``: no centre at all."""
    at = "kingston" if centres else None
    return course_toml(
        id="centre-demo",
        title="Centre demo",
        timezone="America/Jamaica",
        trainers=(),
        participants=[
            person("jm-01", "Ana Pérez", "ana@example.org", "America/Jamaica", centre=at),
            person("jm-02", "Dwayne Reid", "dwayne@example.org", "America/Jamaica", centre=at),
            person("tt-01", "Kiran R.", "kiran@example.org", "America/Port_of_Spain"),
        ],
        sessions=[session("s01", "2027-08-10T10:00:00", 60, title="Opening", trainers=None)],
        extra=CENTRE if centres else "",
    )


COURSE = course_text()

ENV = {"TA_DELIVERY_NOW": "2027-08-11T00:00:00Z", "TA_DELIVERY_STATE": None}


def run(*args: str) -> object:
    result = CliRunner().invoke(main, list(args), env=ENV)
    assert result.exit_code == 0, result.output
    return result


def test_the_centres_register_credits_its_people_and_its_device_is_the_centres(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    device = tmp_path / "zoom-device.csv"  # the centre joined with one device, under its contact's address
    device.write_text(
        "participant,join,leave\n"
        "centre@example.org,2027-08-10T15:00:00Z,2027-08-10T16:00:00Z\n"
        "kiran@example.org,2027-08-10T15:00:00Z,2027-08-10T16:00:00Z\n"
    )
    register = tmp_path / "kingston-register.csv"  # the centre's register: who sat in the room
    register.write_text(
        "participant,join,leave\n"
        "jm-01,2027-08-10T15:00:00Z,2027-08-10T16:00:00Z\n"
        "jm-02,2027-08-10T15:30:00Z,2027-08-10T16:00:00Z\n"
    )
    run("attendance", "import", str(course), str(device), "--session", "s01")
    run("attendance", "import", str(course), str(register), "--session", "s01")
    report = json.loads(run("report", str(course), "--format", "json").output)  # type: ignore[attr-defined]
    statuses = {p["id"]: p["sessions"]["s01"]["status"] for p in report["participants"]}
    assert statuses == {"jm-01": "present", "jm-02": "partial", "tt-01": "present"}
    assert report["unmatched"] == []  # the centre's device is not someone unknown
    assert report["centres"] == [
        {
            "id": "kingston",
            "participants": 2,
            "completed": 1,
            "attended_sessions": 1,
            "live_sessions": 2,
            "device_minutes": {"s01": 60},
        }
    ]
    table = run("report", str(course)).output  # type: ignore[attr-defined]
    assert "reference centres" in table and "Kingston" in table and "s01 60" in table
    page = run("report", str(course), "--format", "html").output  # type: ignore[attr-defined]
    assert '<table id="centres">' in page and "s01: 60" in page


def test_a_course_without_centres_keeps_exactly_the_keys_of_the_contract(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(course_text(centres=False))
    report = json.loads(run("report", str(course), "--format", "json").output)  # type: ignore[attr-defined]
    assert set(report) == {"course", "sessions", "participants", "unmatched"}
