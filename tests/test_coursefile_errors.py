"""Every problem of a course file at once: key paths, lines, plain-language hints and suggestions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ta_delivery.coursefile import parse_course
from ta_delivery.coursefile.hints import did_you_mean, suggest_zone, toml_problem
from ta_delivery.coursefile.lines import KeyLines
from ta_delivery.errors import InputError, InputErrors
from ta_delivery.models import known_zones
from ta_delivery.plugins import Plugins, make_plugin_manager
from ta_delivery.testing.courses import course_toml, person, session

GOOD = course_toml(sessions=[session("s01", "2027-08-10T10:00:00", 90, title="Opening")])


@pytest.fixture(scope="module")
def bare() -> Plugins:
    return make_plugin_manager(entry_points=False)


def problems(text: str, plugins: Plugins) -> InputErrors:
    with pytest.raises(InputErrors) as info:
        parse_course(text, source="course.toml", plugins=plugins)
    return info.value


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_five_different_mistakes_are_reported_in_one_run(bare: Plugins) -> None:
    text = (
        GOOD.replace('timezone = "Europe/Zurich"', 'timezone = "Europe/Geneva"')
        .replace("start = 2027-08-10T10:00:00", 'start = "2027-08-10T10:00"')
        .replace("minutes = 90", "minutes = -5")
        .replace('trainers = ["rf"]', 'trainers = ["fr"]\ntitel = "typo"')
        .replace('email = "ana@example.org"', 'email = "ana(at)example.org"')
    )
    errors = problems(text, bare)
    found = {error.key: error for error in errors.errors}
    assert set(found) == {
        "trainers[0].timezone",
        "participants[0].email",
        "sessions[0].start",
        "sessions[0].minutes",
        "sessions[0].trainers[0]",
        "sessions[0].titel",
    }
    assert "did you mean 'Europe/Zurich'" in found["trainers[0].timezone"].message
    assert "start = 2027-08-10T10:00:00" in found["sessions[0].start"].message
    assert "did you mean 'rf'" in found["sessions[0].trainers[0]"].message
    assert "did you mean 'title'" in found["sessions[0].titel"].message
    for error in errors.errors:
        assert error.source == "course.toml"
    assert found["trainers[0].timezone"].line == line_of(text, "Europe/Geneva")
    assert found["sessions[0].start"].line == line_of(text, 'start = "')
    assert found["sessions[0].titel"].line == line_of(text, "titel")
    # one line per problem, each naming file, key and line
    lines = str(errors).splitlines()
    assert len(lines) == 6
    assert any(line.startswith("course.toml: sessions[0].minutes: ") for line in lines)


def test_a_single_problem_reads_as_before(bare: Plugins) -> None:
    errors = problems(GOOD.replace("minutes = 90", "minutes = 0"), bare)
    assert isinstance(errors, InputError)
    assert errors.key == "sessions[0].minutes"
    line = line_of(GOOD, "minutes")
    assert str(errors) == f"course.toml: sessions[0].minutes: must be greater than 0, got 0 (line {line})"


def test_the_list_is_capped_and_says_how_many_more(bare: Plugins) -> None:
    bad = "".join(
        f'\n[[sessions]]\nid = "x{i}"\ntitle = "T"\nstart = 2027-08-10T10:00:00\nminutes = 0\n'
        for i in range(50)
    )
    errors = problems(GOOD + bad, bare)
    assert errors.total == 50
    assert len(errors.errors) < 50
    assert errors.lines()[-1].startswith(f"... and {50 - len(errors.errors)} more problems")


def test_later_sections_are_read_when_earlier_ones_are_wrong(bare: Plugins) -> None:
    text = GOOD.replace('timezone = "America/Port_of_Spain"', 'timezone = "Nowhere/Zone"').replace(
        "[[sessions]]", '[rules]\nmax_live_minutes = "90"\n\n[[sessions]]'
    )
    keys = [error.key for error in problems(text + "bogus = 1\n", bare).errors]
    assert keys == ["course.timezone", "rules.max_live_minutes", "sessions[0].bogus"]


def test_a_person_with_a_problem_still_counts_for_the_sessions_that_name_them(bare: Plugins) -> None:
    errors = problems(GOOD.replace('email = "rf@example.org"', 'email = "nope"'), bare)
    assert [error.key for error in errors.errors] == ["trainers[0].email"]


def test_duplicate_ids_are_named_with_the_other_place(bare: Plugins) -> None:
    text = GOOD + GOOD[GOOD.index("[[sessions]]") :]
    errors = problems(text, bare)
    assert [(e.key, e.message) for e in errors.errors] == [
        ("sessions[1].id", "duplicate session id 's01' (also sessions[0].id)")
    ]


def test_a_duplicate_id_is_reported_with_the_other_mistakes_of_its_person(bare: Plugins) -> None:
    text = course_toml(
        sessions=[session("s01", "2027-08-10T10:00:00", 90, title="Opening")],
        participants=[
            person("p1", "Part One"),
            person("p1", "Part Two", email="not-an-address"),
        ],
    )
    errors = problems(text, bare)
    assert sorted(e.key for e in errors.errors) == ["participants[1].email", "participants[1].id"]
    assert any("duplicate person id 'p1' (also participants[0].id)" in e.message for e in errors.errors)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('title = "A", id = "b"\n', "a comma cannot end a value here"),
        ("start = 2027-08-10T10:00\n", "a time needs seconds: write 2027-08-10T10:00:00"),
        ("start = 2027-08-10 10:00\n", "a time needs seconds: write 2027-08-10T10:00:00"),
        ("timezone = Europe/Zurich\n", 'text needs double quotes: "Europe/Zurich"'),
        ("public = True\n", "true and false are written in lower case: true"),
        ("start = 2027-8-10T10:00:00\n", "a date is written YYYY-MM-DD"),
        ('organizer = { name = "O",\n email = "o@example.org" }\n', "must stay on one line"),
    ],
)
def test_toml_mistakes_get_plain_words_and_the_line(bare: Plugins, source: str, expected: str) -> None:
    text = "# a comment\n" + source
    with pytest.raises(InputError) as info:
        parse_course(text, source="course.toml", plugins=bare)
    assert expected in info.value.message
    assert info.value.message.startswith("not valid TOML: ")
    assert info.value.line == 2
    assert "Expected" not in info.value.message and "Invalid" not in info.value.message


def test_toml_problem_without_a_position_keeps_the_message() -> None:
    assert toml_problem("Unclosed array (at end of document)", "a = [1") == (
        "an array [ ... ] is not closed with ]",
        None,
    )


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Europe/Geneva", "Europe/Zurich"),
        ("europe/zurich", "Europe/Zurich"),
        ("Zurich", "Europe/Zurich"),
        ("Asia/Beijing", "Asia/Shanghai"),
        ("America/Port_Of_Spain", "America/Port_of_Spain"),
        ("Amerika/Jamaica", "America/Jamaica"),
        ("America/Washington", "America/New_York"),
    ],
)
def test_zone_suggestions(written: str, meant: str) -> None:
    assert suggest_zone(written, known_zones()) == meant


def test_every_zone_alias_points_at_a_real_zone() -> None:
    from ta_delivery.coursefile.hints import ZONE_ALIASES

    assert set(ZONE_ALIASES.values()) <= known_zones()
    assert not set(ZONE_ALIASES) & known_zones()  # an alias never hides a zone that exists


def test_no_suggestion_for_nonsense() -> None:
    assert suggest_zone("qqqq", known_zones()) is None
    assert did_you_mean("zzzz", ["title", "minutes"]) == ""


def test_key_lines_follow_tables_arrays_and_multiline_values() -> None:
    text = textwrap.dedent(
        '''\
        [course]
        id = "x"
        description = """
        [[sessions]]
        not = "a key"
        """
        tags = [
          "a",
        ]
        [[sessions]]
        id = "s1"
        [[sessions]]
        start = 2027-01-01T00:00:00
        [rules.severity]
        double-booked = "warning"
        '''
    )
    lines = KeyLines(text)
    assert lines.find("course.id") == 2
    assert lines.find("course.tags[1]") == 7
    assert lines.find("sessions[0].id") == 11
    assert lines.find("sessions[1].start") == 13
    assert lines.find("sessions[1].minutes") == 12  # a missing key: its table's header
    assert lines.find("rules.severity.double-booked") == 15
    assert lines.find("nowhere") is None


def test_check_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(
        GOOD.replace("minutes = 90", "minutes = 0").replace(
            'timezone = "Europe/Zurich"', 'timezone = "Europe/Geneva"'
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "ta_delivery", "check", str(course)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert f"{course}: trainers[0].timezone: " in errors[0]
    assert f"{course}: sessions[0].minutes: " in errors[1]
    assert not (tmp_path / ".ta-delivery").exists()
