"""QA round 2: attendance import, pull and report edge cases (PRODUCT.md section 4)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.errors import InputError
from ta_delivery.exports import localize, read_time
from ta_delivery.hookspecs import hookimpl
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import (
    ImportFormatSpec,
    ImportRequest,
    Segment,
)

COURSE = """
[course]
id = "qa"
title = "QA course"
timezone = "UTC"
organizer = { name = "Org", email = "org@example.org" }
%(extra)s

[[trainers]]
id = "tr"
name = "Trainer"
email = "tr@example.org"
timezone = "UTC"

[[participants]]
id = "p1"
name = "Ana"
email = "ana@example.org"
timezone = "UTC"

[[sessions]]
id = "s1"
title = "One"
start = 2027-07-01T10:00:00Z
minutes = 60

[[sessions]]
id = "s2"
title = "Two"
start = 2027-07-02T10:00:00Z
minutes = 60
%(s2)s
"""

NOW = "2027-08-01T08:00:00Z"


def write_course(tmp_path: Path, *, extra: str = "", s2: str = "") -> Path:
    path = tmp_path / "course.toml"
    path.write_text(COURSE % {"extra": extra, "s2": s2}, encoding="utf-8")
    return path


def run(*args: str, env: Mapping[str, str] | None = None) -> Any:
    return CliRunner().invoke(
        main,
        list(args),
        env={"TA_DELIVERY_STATE": "", "TA_DELIVERY_NOW": NOW, **(env or {})},
        catch_exceptions=False,
    )


def report_json(course: Path) -> Any:
    result = run("report", str(course), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def use_plugins(monkeypatch: pytest.MonkeyPatch, *extra: object) -> None:
    plugins = make_plugin_manager(entry_points=False, extra=list(extra))
    monkeypatch.setattr("ta_delivery.cli.attendance.plugin_manager", lambda: plugins)


# --- times out of range -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("join", "column"),
    [
        ("9999-12-31T23:00:00-05:00", "join"),  # past year 9999 in UTC
        ("0001-01-01T00:30:00+05:00", "join"),  # before year 1 in UTC
    ],
)
def test_register_csv_time_out_of_range_in_utc_is_an_input_error(
    tmp_path: Path, join: str, column: str
) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(f"participant,join,leave\np1,{join},{join}\n", encoding="utf-8")
    result = run("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 2, result.output
    assert f"line 2, column {column}" in result.stderr
    assert "out of range" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()


def test_register_csv_leave_out_of_range_names_the_leave_cell(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "att.csv"
    data.write_text(
        "participant,join,leave\np1,2027-07-01T10:00:00Z,9999-12-31T23:00:00-05:00\n", encoding="utf-8"
    )
    result = run("attendance", "import", str(course), str(data), "--session", "s1")
    assert result.exit_code == 2, result.output
    assert "line 2, column leave" in result.stderr


def test_read_time_out_of_range_is_an_input_error() -> None:
    for text, zone in (
        ("12/31/9999 11:00:00 PM", ZoneInfo("America/New_York")),
        ("12/31/9999 11:00:00 PM GMT-05:00", None),
        ("9999-12-31T23:00:00-05:00", None),
    ):
        with pytest.raises(InputError, match="out of range") as info:
            read_time(text, zone, "export.csv", "rows[1].Join Time")
        assert info.value.key == "rows[1].Join Time"
    with pytest.raises(InputError, match="out of range"):
        localize(datetime(1, 1, 1, 0, 30), ZoneInfo("Asia/Tokyo"), "export.csv", "rows[1].Join Time")


class OverflowFormat:
    """A format whose parser overflows computing a leave time (as a duration column can)."""

    @hookimpl
    def ta_delivery_register_import_formats(self) -> list[ImportFormatSpec]:
        def parse(request: ImportRequest) -> Iterator[Segment]:
            join = datetime(9999, 12, 31, tzinfo=UTC)
            yield Segment("s1", join, join + timedelta(days=2), "ovf", "k")

        return [ImportFormatSpec("ovf", parse)]


def test_a_format_that_overflows_is_a_malformed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_plugins(monkeypatch, OverflowFormat())
    course = write_course(tmp_path)
    data = tmp_path / "att.txt"
    data.write_text("x", encoding="utf-8")
    result = run("attendance", "import", str(course), str(data), "--format", "ovf", "--session", "s1")
    assert result.exit_code == 2, result.output
    assert "malformed file" in result.stderr
    assert not (tmp_path / ".ta-delivery").exists()
