"""Reading course files: every key, every default, and every input error's key path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import attrs
import pytest

from ta_delivery.coursefile import load_course, local_to_utc, parse_course
from ta_delivery.errors import InputError
from ta_delivery.hookspecs import hookimpl
from ta_delivery.jitsi import JitsiProvider
from ta_delivery.models import Course, WorkingHours, zone
from ta_delivery.plugins import Plugins, make_plugin_manager
from ta_delivery.records import LmsSpec, ProviderSpec
from ta_delivery.testing.courses import (
    PARTICIPANT,
    TRAINER,
    Raw,
    course_head,
    course_toml,
    series,
    session,
    table,
)

#: The ``[course]`` table alone: keys appended to it land in ``[course]``.
HEAD = course_head()
#: Trainer ``rf`` and participant ``jm-01``.
PEOPLE = table("[[trainers]]", TRAINER) + table("[[participants]]", PARTICIPANT)


def _options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        if key == "prefixed":
            raise InputError("a plugin that writes the full path", key="fakezoom.prefixed")
        if key != "waiting_room":
            raise InputError("unknown option", key=key)
        if not isinstance(value, bool):
            raise InputError("must be true or false", key=key)
        out[key] = value
    return out


class FakePlugin:
    """A provider with options and an LMS, as a third-party plugin would register them."""

    @hookimpl
    def ta_delivery_register_providers(self) -> Iterable[ProviderSpec]:
        yield ProviderSpec(name="fakezoom", factory=lambda ctx: JitsiProvider(), parse_options=_options)

    @hookimpl
    def ta_delivery_register_lms(self) -> Iterable[LmsSpec]:
        yield LmsSpec(name="moodle", factory=lambda ctx: None)  # type: ignore[arg-type,return-value]


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return make_plugin_manager(entry_points=False, extra=[FakePlugin()])


@pytest.fixture(scope="module")
def bare() -> Plugins:
    return make_plugin_manager(entry_points=False)


def read(text: str, plugins: Plugins | None = None, base: Path | None = None) -> Course:
    return parse_course(textwrap.dedent(text), source="course.toml", base=base, plugins=plugins)


def error(text: str, plugins: Plugins | None = None, base: Path | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        read(text, plugins, base)
    assert info.value.source == "course.toml"
    return info.value


def test_minimal_course_has_every_default(bare: Plugins) -> None:
    course = read(HEAD, bare)
    assert course.id == "demo-2027"
    assert course.kind == "course"
    assert course.scope is None
    assert course.level is None
    assert course.language == "en"
    assert course.provider == "jitsi"
    assert course.status == "scheduled"
    assert course.prerequisites == ()
    assert course.rules.max_live_minutes == 120
    assert course.rules.max_live_sessions_per_day == 2
    assert course.rules.working_hours == WorkingHours(time(8), time(18))
    assert course.rules.severity == {}
    assert course.attendance.late_after_minutes == 10
    assert course.attendance.present_fraction == 0.75
    assert course.attendance.partial_fraction == 0.25
    assert course.attendance.completion_fraction == 0.8
    assert course.trainers == ()
    assert course.participants == ()
    assert course.sessions == ()
    assert course.lms is None
    assert course.provider_options == {}
    assert course.source == "course.toml"


FULL = course_toml(
    kind="seminar",
    scope="regional",
    level="advanced",
    language="fr",
    provider="fakezoom",
    status="planned",
    prerequisites=["mta-elearning", "tpr-elearning"],
    trainers=[{**TRAINER, "working_hours": "08:00-19:00", "language": "en"}],
    participants=[{**PARTICIPANT, "working_hours": "09:00-17:00", "language": "es", "country": "jm"}],
    sessions=[
        session(
            "s01",
            "2027-08-10T10:00:00",
            120,
            title="Opening webinar",
            kind="live",
            trainers=["rf"],
            participants=["jm-01"],
            provider="jitsi",
            description=Raw('"Welcome\\u0007 and tour"'),
        ),
        session("rec", "2027-08-11T10:00:00Z", 45, title="Recorded lecture", kind="recorded", trainers=None),
    ],
    extra="""
[rules]
max_live_minutes = 90
max_live_sessions_per_day = 1
working_hours = "07:30-24:00"

[rules.severity]
outside-working-hours = "warning"

[attendance]
late_after_minutes = 5
present_fraction = 0.8
partial_fraction = 0.3
completion_fraction = 1

[fakezoom]
waiting_room = true

[lms]
provider = "moodle"
course = "rtpc-2027"
attendance = false
require_prerequisites = true
""",
)


def test_full_course_reads_every_key(plugins: Plugins) -> None:
    course = read(FULL, plugins)
    assert (course.kind, course.scope, course.level) == ("seminar", "regional", "advanced")
    assert (course.language, course.provider, course.status) == ("fr", "fakezoom", "planned")
    assert course.prerequisites == ("mta-elearning", "tpr-elearning")
    assert course.rules.max_live_minutes == 90
    assert course.rules.max_live_sessions_per_day == 1
    assert str(course.rules.working_hours) == "07:30-24:00"
    assert course.rules.severity == {"outside-working-hours": "warning"}
    assert course.attendance.late_after_minutes == 5
    assert course.attendance.completion_fraction == 1
    (rf,) = course.trainers
    assert str(rf.working_hours) == "08:00-19:00"
    assert rf.language == "en"
    (ana,) = course.participants
    assert ana.country == "JM"
    assert ana.language == "es"
    s01, rec = course.sessions
    # 10:00 in Port of Spain (UTC-4) is 14:00 UTC
    assert s01.start == datetime(2027, 8, 10, 14, 0, tzinfo=UTC)
    assert s01.trainers == ("rf",)
    assert s01.participants == ("jm-01",)
    assert s01.provider == "jitsi"
    assert s01.description == "Welcome\x07 and tour"
    assert rec.start == datetime(2027, 8, 11, 10, 0, tzinfo=UTC)
    assert rec.kind == "recorded"
    assert rec.participants is None
    assert course.provider_options == {"fakezoom": {"waiting_room": True}}
    assert course.lms is not None
    assert (course.lms.provider, course.lms.course) == ("moodle", "rtpc-2027")
    assert course.lms.attendance is False
    assert course.lms.require_prerequisites is True


def test_control_characters_are_accepted(bare: Plugins) -> None:
    course = read(
        HEAD.replace('title = "Demo course"', 'title = "Demo\\u0000 course\\u001b[31m"')
        + PEOPLE.replace('name = "Ana Pérez"', 'name = "Ana\\u0007 Pérez\\r\\n"')
        + """
[[sessions]]
id = "s1"
title = "Line\\nbreak\\u0000"
start = 2027-08-10T10:00:00
minutes = 60
description = "\\u0001\\u0002"
""",
        bare,
    )
    assert "\x00" in course.title
    assert course.participants[0].name.startswith("Ana\x07")
    assert course.sessions[0].title == "Line\nbreak\x00"


def test_offset_datetime_converted_to_utc(bare: Plugins) -> None:
    course = read(
        HEAD + table("[[sessions]]", session("s1", "2027-03-28T02:30:00+01:00", 60, trainers=None)),
        bare,
    )
    assert course.sessions[0].start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "local", "word"),
    [
        ("Europe/Berlin", "2027-03-28T02:30:00", "does not exist"),
        ("Europe/Berlin", "2027-10-31T02:30:00", "twice"),
        ("America/New_York", "2027-03-14T02:15:00", "does not exist"),
        ("America/New_York", "2027-11-07T01:30:00", "twice"),
        ("Australia/Lord_Howe", "2027-04-04T01:45:00", "twice"),
        ("Australia/Lord_Howe", "2027-10-03T02:15:00", "does not exist"),
    ],
)
def test_gap_and_fold_are_errors_asking_for_an_offset(bare: Plugins, tz: str, local: str, word: str) -> None:
    exc = error(
        course_toml(
            timezone=tz,
            trainers=(),
            participants=(),
            sessions=[
                session("ok", "2027-06-01T10:00:00", 60, trainers=None),
                session("bad", local, 60, trainers=None),
            ],
        ),
        bare,
    )
    assert exc.key == "sessions[1].start"
    assert word in exc.message
    assert "offset" in exc.message
    assert str(exc).startswith("course.toml: sessions[1].start: ")


def test_local_to_utc() -> None:
    tz = zone("Asia/Kathmandu")
    assert local_to_utc(datetime(2027, 1, 1, 12, 0), tz) == datetime(2027, 1, 1, 6, 15, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not exist"):
        local_to_utc(datetime(2027, 3, 28, 1, 30), zone("Europe/Dublin"))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (HEAD.replace('id = "demo-2027"', 'id = "Demo 2027"'), "course.id"),
        (HEAD.replace('id = "demo-2027"\n', ""), "course.id"),
        (HEAD.replace('title = "Demo course"', 'title = ""'), "course.title"),
        (HEAD.replace('title = "Demo course"', "title = 3"), "course.title"),
        (HEAD.replace("America/Port_of_Spain", "Mars/Olympus"), "course.timezone"),
        (HEAD.replace("America/Port_of_Spain", "../etc/passwd"), "course.timezone"),
        (HEAD.replace("training@example.org", "not-an-email"), "course.organizer.email"),
        (HEAD.replace("organizer = {", "organizer = { phone = 1,"), "course.organizer.phone"),
        (HEAD + 'kind = "lecture"\n', "course.kind"),
        (HEAD + 'scope = "local"\n', "course.scope"),
        (HEAD + 'level = "expert"\n', "course.level"),
        (HEAD + 'language = "de"\n', "course.language"),
        (HEAD + 'provider = "teams"\n', "course.provider"),
        (HEAD + 'status = "done"\n', "course.status"),
        (HEAD + "prerequisites = [1]\n", "course.prerequisites[0]"),
        (HEAD + "colour = 1\n", "course.colour"),
        (HEAD + "[extra]\nx = 1\n", "extra"),
        (HEAD + "[rules]\nmax_live_minutes = 0\n", "rules.max_live_minutes"),
        (HEAD + "[rules]\nmax_live_sessions_per_day = -1\n", "rules.max_live_sessions_per_day"),
        (HEAD + "[rules]\nmax_live_minutes = 1.5\n", "rules.max_live_minutes"),
        (HEAD + '[rules]\nworking_hours = "18:00-08:00"\n', "rules.working_hours"),
        (HEAD + '[rules]\nworking_hours = "8-18"\n', "rules.working_hours"),
        (HEAD + '[rules]\nworking_hours = "08:00-25:00"\n', "rules.working_hours"),
        (HEAD + "[rules]\nbreaks = 1\n", "rules.breaks"),
        (HEAD + '[rules.severity]\nno-such-rule = "warning"\n', "rules.severity.no-such-rule"),
        (HEAD + "[attendance]\npresent_fraction = 1.5\n", "attendance.present_fraction"),
        (HEAD + "[attendance]\nlate_after_minutes = -1\n", "attendance.late_after_minutes"),
        (HEAD + "[attendance]\npartial_fraction = 0.9\n", "attendance.partial_fraction"),
        (HEAD + '[attendance]\npresent_fraction = "high"\n', "attendance.present_fraction"),
        (HEAD + "[attendance]\ngrace = 1\n", "attendance.grace"),
        (HEAD + PEOPLE.replace("rf@example.org", "rf@"), "trainers[0].email"),
        (HEAD + PEOPLE.replace("Europe/Zurich", "Europe/Geneva"), "trainers[0].timezone"),
        (HEAD + PEOPLE.replace('id = "rf"', 'id = "r f"'), "trainers[0].id"),
        (HEAD + PEOPLE.replace('name = "Roberto F."\n', ""), "trainers[0].name"),
        (
            HEAD + PEOPLE.replace('timezone = "Europe/Zurich"', 'timezone = "Europe/Zurich"\ncountry = "CH"'),
            "trainers[0].country",
        ),
        (HEAD + PEOPLE + 'working_hours = "09:00-09:00"\n', "participants[0].working_hours"),
        (HEAD + PEOPLE + 'language = "pt"\n', "participants[0].language"),
        (HEAD + PEOPLE + 'country = "JAM"\n', "participants[0].country"),
        (HEAD + PEOPLE + "age = 30\n", "participants[0].age"),
        (HEAD + PEOPLE.replace('id = "jm-01"', 'id = "rf"'), "participants[0].id"),
        (
            HEAD + PEOPLE + PEOPLE.split("[[participants]]")[1].join(["[[participants]]", ""]),
            "participants[1].id",
        ),
        (HEAD + "[trainers]\nid = 1\n", "trainers"),
    ],
)
def test_input_errors_name_the_key(bare: Plugins, text: str, key: str) -> None:
    assert error(text, bare).key == key


SESSION = table("[[sessions]]", session("s1", "2027-08-10T10:00:00", 60, title="Opening", trainers=None))


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('unknown = "x"\n', "sessions[1].unknown"),
        ('kind = "hybrid"\n', "sessions[1].kind"),
        ('trainers = ["nobody"]\n', "sessions[1].trainers[0]"),
        ('trainers = ["rf", "rf"]\n', "sessions[1].trainers[1]"),
        ('trainers = ["jm-01"]\n', "sessions[1].trainers[0]"),
        ('participants = ["jm-01", "zz"]\n', "sessions[1].participants[1]"),
        ('participants = ["rf"]\n', "sessions[1].participants[0]"),
        ('participants = "jm-01"\n', "sessions[1].participants"),
        ('provider = "skype"\n', "sessions[1].provider"),
        ("description = 5\n", "sessions[1].description"),
    ],
)
def test_session_errors(bare: Plugins, extra: str, key: str) -> None:
    second = SESSION.replace('id = "s1"', 'id = "s2"') + extra
    assert error(HEAD + PEOPLE + SESSION + second, bare).key == key


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("minutes = 60", "minutes = 0", "sessions[0].minutes"),
        ("minutes = 60", "minutes = -30", "sessions[0].minutes"),
        ("minutes = 60", "minutes = 60.0", "sessions[0].minutes"),
        ("minutes = 60", "minutes = true", "sessions[0].minutes"),
        ("minutes = 60", "minutes = 10081", "sessions[0].minutes"),
        ("start = 2027-08-10T10:00:00", "start = 1900-08-10T10:00:00", "sessions[0].start"),
        ("start = 2027-08-10T10:00:00", "start = 9999-12-31T23:00:00-05:00", "sessions[0].start"),
        ("minutes = 60\n", "", "sessions[0].minutes"),
        ("start = 2027-08-10T10:00:00", 'start = "2027-08-10T10:00:00"', "sessions[0].start"),
        ("start = 2027-08-10T10:00:00", "start = 2027-08-10", "sessions[0].start"),
        ("start = 2027-08-10T10:00:00", "start = 10:00:00", "sessions[0].start"),
        ('title = "Opening"', 'title = ""', "sessions[0].title"),
        ('id = "s1"', 'id = ""', "sessions[0].id"),
    ],
)
def test_session_field_errors(bare: Plugins, old: str, new: str, key: str) -> None:
    assert error(HEAD + SESSION.replace(old, new), bare).key == key


def test_duplicate_session_ids(bare: Plugins) -> None:
    assert error(HEAD + SESSION + SESSION, bare).key == "sessions[1].id"


def test_string_start_error_says_unquoted(bare: Plugins) -> None:
    exc = error(HEAD + SESSION.replace("start = 2027-08-10T10:00:00", 'start = "2027-08-10T10:00"'), bare)
    assert "unquoted" in exc.message


def test_session_defaults_participants_to_none(bare: Plugins) -> None:
    course = read(HEAD + PEOPLE + SESSION, bare)
    s = course.sessions[0]
    assert s.participants is None
    assert s.trainers == ()
    assert s.kind == "live"
    assert course.participants_of(s) == course.participants


def test_empty_participants_list_means_nobody(bare: Plugins) -> None:
    course = read(HEAD + PEOPLE + SESSION + "participants = []\n", bare)
    assert course.sessions[0].participants == ()


def test_invalid_toml(bare: Plugins) -> None:
    exc = error(HEAD + "[course\n", bare)
    assert exc.key is None
    assert "TOML" in exc.message


def test_course_table_required(bare: Plugins) -> None:
    assert error("[rules]\nmax_live_minutes = 10\n", bare).key == "course"


# --- provider options and the LMS ----------------------------------------------------------------


def test_provider_options_errors_are_prefixed(plugins: Plugins) -> None:
    assert error(HEAD + "[fakezoom]\nwaiting_room = 1\n", plugins).key == "fakezoom.waiting_room"
    assert error(HEAD + "[fakezoom]\nwebinar = true\n", plugins).key == "fakezoom.webinar"
    assert error(HEAD + "[fakezoom]\nprefixed = true\n", plugins).key == "fakezoom.prefixed"
    assert error("fakezoom = 3\n" + HEAD, plugins).key == "fakezoom"


def test_jitsi_takes_no_options(bare: Plugins) -> None:
    assert error(HEAD + "[jitsi]\nroom = 'x'\n", bare).key == "jitsi.room"
    assert read(HEAD + "[jitsi]\n", bare).provider_options == {"jitsi": {}}


def test_unknown_provider_table_is_an_error(bare: Plugins) -> None:
    exc = error(HEAD + "[fakezoom]\nwaiting_room = true\n", bare)
    assert exc.key == "fakezoom"


def test_lms_without_plugin(bare: Plugins) -> None:
    exc = error(HEAD + '[lms]\nprovider = "moodle"\ncourse = "x"\n', bare)
    assert exc.key == "lms.provider"
    assert "no LMS plugin" in exc.message


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('provider = "canvas"\ncourse = "x"\n', "lms.provider"),
        ('provider = "moodle"\n', "lms.course"),
        ('provider = "moodle"\ncourse = "x"\nattendance = "yes"\n', "lms.attendance"),
        ('provider = "moodle"\ncourse = "x"\nrequire_prerequisites = 1\n', "lms.require_prerequisites"),
    ],
)
def test_lms_errors(plugins: Plugins, body: str, key: str) -> None:
    assert error(HEAD + "[lms]\n" + body, plugins).key == key


def test_lms_defaults(plugins: Plugins) -> None:
    course = read(HEAD + '[lms]\nprovider = "moodle"\ncourse = "rtpc"\n', plugins)
    assert course.lms is not None
    assert course.lms.attendance is True
    assert course.lms.require_prerequisites is False


# --- roster -------------------------------------------------------------------------------------


def write_roster(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    course = tmp_path / "course.toml"
    course.write_text(HEAD + f'roster = "{name}"\n' + PEOPLE, encoding="utf-8")
    return course


def test_roster_is_read_relative_to_the_file(tmp_path: Path, bare: Plugins, monkeypatch: Any) -> None:
    sub = tmp_path / "c"
    sub.mkdir()
    write_roster(
        sub,
        """
        id,name,email,timezone,working_hours,language,country
        bb-01,Beatriz B.,bb@example.org,America/Barbados,,es,bb
        tt-01,Tomás T.,tt@example.org,America/Port_of_Spain,09:00-17:00,,
        """,
    )
    monkeypatch.chdir(tmp_path)
    course = load_course(Path("c") / "course.toml", bare)
    assert course.source == str(Path("c") / "course.toml")
    ids = [p.id for p in course.participants]
    assert ids == ["jm-01", "bb-01", "tt-01"]
    bb = course.person("bb-01")
    assert bb.working_hours is None
    assert bb.language == "es"
    assert bb.country == "BB"
    assert str(course.person("tt-01").working_hours) == "09:00-17:00"


def test_roster_with_bom_and_blank_lines(tmp_path: Path, bare: Plugins) -> None:
    (tmp_path / "r.csv").write_bytes(
        "\ufeffid,name,email,timezone\r\n\r\nx1,X,x@example.org,UTC\r\n".encode()
    )
    (tmp_path / "course.toml").write_text(HEAD + 'roster = "r.csv"\n', encoding="utf-8")
    course = load_course(tmp_path / "course.toml", bare)
    assert [p.id for p in course.participants] == ["x1"]


@pytest.mark.parametrize(
    ("csv_text", "key"),
    [
        ("id,name,email,timezone\nx1,X,bad,UTC\n", "roster[0].email"),
        (
            "id,name,email,timezone\nx1,X,x@example.org,UTC\nx2,Y,y@example.org,Nowhere/Zone\n",
            "roster[1].timezone",
        ),
        ("id,name,email,timezone\nx1,X,x@example.org,UTC\nx1,Y,y@example.org,UTC\n", "roster[1].id"),
        ("id,name,email,timezone\njm-01,X,x@example.org,UTC\n", "roster[0].id"),
        ("id,name,email,zone\nx1,X,x@example.org,UTC\n", "roster"),
        ("id,name,email\nx1,X,x@example.org\n", "roster[0].timezone"),
        ("id,name,email,timezone\nx1,X,x@example.org\n", "roster[0]"),
        ("id,name,email,timezone,working_hours\nx1,X,x@example.org,UTC,9-5\n", "roster[0].working_hours"),
        ("", "course.roster"),
    ],
)
def test_roster_errors(tmp_path: Path, bare: Plugins, csv_text: str, key: str) -> None:
    course_file = write_roster(tmp_path, csv_text)
    with pytest.raises(InputError) as info:
        load_course(course_file, bare)
    assert info.value.key == key
    assert info.value.source == str(course_file)


def test_missing_roster_file(tmp_path: Path, bare: Plugins) -> None:
    course_file = tmp_path / "course.toml"
    course_file.write_text(HEAD + 'roster = "absent.csv"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_course(course_file, bare)
    assert info.value.key == "course.roster"


def test_missing_course_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_course(tmp_path / "nope.toml")
    assert info.value.source == str(tmp_path / "nope.toml")


# --- series ------------------------------------------------------------------------------------

SERIES = table(
    "[[series]]",
    series("w", "2027-03-10T10:00:00", 90, 4, title="Weekly webinar", every_days=7, trainers=["rf"]),
)


def test_series_keeps_local_wall_time_across_dst(bare: Plugins) -> None:
    course = read(HEAD.replace("America/Port_of_Spain", "America/New_York") + PEOPLE + SERIES, bare)
    ids = [s.id for s in course.sessions]
    assert ids == ["w01", "w02", "w03", "w04"]
    assert next(s.title for s in course.sessions) == "Weekly webinar (1/4)"
    assert course.sessions[-1].title == "Weekly webinar (4/4)"
    tz = zone("America/New_York")
    locals_ = [s.start.astimezone(tz) for s in course.sessions]
    assert all(t.time() == time(10) for t in locals_)
    # DST starts on 2027-03-14 in New York: UTC hour moves from 15 to 14
    assert [s.start.hour for s in course.sessions] == [15, 14, 14, 14]
    assert all(s.trainers == ("rf",) and s.minutes == 90 for s in course.sessions)


def test_series_skip_dates_do_not_count(bare: Plugins) -> None:
    course = read(HEAD + PEOPLE + SERIES + "skip = [2027-03-17, 2027-03-31]\n", bare)
    tz = zone("America/Port_of_Spain")
    days = [s.start.astimezone(tz).date() for s in course.sessions]
    assert days == [date(2027, 3, 10), date(2027, 3, 24), date(2027, 4, 7), date(2027, 4, 14)]
    assert [s.id for s in course.sessions] == ["w01", "w02", "w03", "w04"]


def test_series_skip_dates_without_an_occurrence_change_nothing(bare: Plugins) -> None:
    plain = read(HEAD + PEOPLE + SERIES, bare)
    # a Thursday between two Wednesday sessions, and a date after the last one: a pasted holiday list
    course = read(HEAD + PEOPLE + SERIES + "skip = [2027-03-18, 2027-12-25]\n", bare)
    assert course.sessions == plain.sessions


@pytest.mark.parametrize(("offset", "first_utc"), [("+01:00", 1), ("+02:00", 0)])
def test_series_first_start_with_an_offset_settles_a_fold(bare: Plugins, offset: str, first_utc: int) -> None:
    berlin = HEAD.replace("America/Port_of_Spain", "Europe/Berlin")
    series = SERIES.replace("2027-03-10T10:00:00", f"2027-10-31T02:30:00{offset}").replace(
        "count = 4", "count = 2"
    )
    course = read(berlin + PEOPLE + series, bare)
    assert [(s.start.day, s.start.hour, s.start.minute) for s in course.sessions] == [
        (31, first_utc, 30),  # the 02:30 the offset names
        (7, 1, 30),  # a week later, 02:30 winter time
    ]


def test_series_ids_three_digits_past_99(bare: Plugins) -> None:
    text = HEAD + SERIES.replace("count = 4", "count = 101").replace("every_days = 7", "every_days = 1")
    course = read(text.replace('trainers = ["rf"]\n', ""), bare)
    ids = [s.id for s in course.sessions]
    assert ids[0] == "w01"
    assert ids[98] == "w99"
    assert ids[99] == "w100"
    assert ids[100] == "w101"
    assert course.sessions[99].title == "Weekly webinar (100/101)"


def test_series_default_every_days_is_seven(bare: Plugins) -> None:
    course = read(HEAD + PEOPLE + SERIES.replace("every_days = 7\n", ""), bare)
    assert (course.sessions[1].start - course.sessions[0].start).days == 7


def test_series_with_offset_first_start_keeps_course_wall_time(bare: Plugins) -> None:
    text = HEAD.replace("America/Port_of_Spain", "Europe/Berlin") + PEOPLE + SERIES
    course = read(text.replace("2027-03-10T10:00:00", "2027-03-10T09:00:00Z"), bare)
    tz = zone("Europe/Berlin")
    assert all(s.start.astimezone(tz).time() == time(10) for s in course.sessions)


def test_series_sessions_follow_explicit_sessions(bare: Plugins) -> None:
    course = read(HEAD + PEOPLE + SERIES + SESSION, bare)
    assert [s.id for s in course.sessions] == ["s1", "w01", "w02", "w03", "w04"]


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("count = 4", "count = 0", "series[0].count"),
        ("count = 4", "count = 1000000000", "series[0].count"),
        ("every_days = 7", "every_days = 100000", "series[0].every_days"),
        ("first_start = 2027-03-10T10:00:00", "first_start = 9999-03-10T10:00:00Z", "series[0].first_start"),
        ("every_days = 7", "every_days = 0", "series[0].every_days"),
        ("minutes = 90", "minutes = -5", "series[0].minutes"),
        ('trainers = ["rf"]', 'trainers = ["xx"]', "series[0].trainers[0]"),
        ('trainers = ["rf"]', 'trainers = ["rf"]\nskip = ["2027-03-17"]', "series[0].skip[0]"),
        ('trainers = ["rf"]', 'trainers = ["rf"]\nskip = 2027-03-17', "series[0].skip"),
        ('trainers = ["rf"]', 'trainers = ["rf"]\ncolour = "red"', "series[0].colour"),
        ("first_start = 2027-03-10T10:00:00", "first_start = 2027-03-10", "series[0].first_start"),
        ('id = "w"', 'id = "w w"', "series[0].id"),
        ('title = "Weekly webinar"\n', "", "series[0].title"),
    ],
)
def test_series_errors(bare: Plugins, old: str, new: str, key: str) -> None:
    assert error(HEAD + PEOPLE + SERIES.replace(old, new), bare).key == key


def test_series_occurrence_in_dst_gap_is_an_error(bare: Plugins) -> None:
    text = HEAD.replace("America/Port_of_Spain", "Europe/Berlin") + PEOPLE + SERIES
    exc = error(text.replace("2027-03-10T10:00:00", "2027-03-14T02:30:00"), bare)
    assert exc.key == "series[0].first_start"
    assert "2027-03-28" in exc.message


def test_series_first_start_in_gap(bare: Plugins) -> None:
    text = HEAD.replace("America/Port_of_Spain", "Europe/Berlin") + PEOPLE + SERIES
    exc = error(text.replace("2027-03-10T10:00:00", "2027-03-28T02:30:00"), bare)
    assert exc.key == "series[0].first_start"
    assert "offset" in exc.message


def test_series_id_clashing_with_session(bare: Plugins) -> None:
    text = HEAD + PEOPLE + SESSION.replace('id = "s1"', 'id = "w02"') + SERIES
    assert error(text, bare).key == "series[0].id"


def test_series_options_as_for_sessions(bare: Plugins) -> None:
    text = HEAD + PEOPLE + SERIES + 'participants = ["jm-01"]\nkind = "recorded"\nprovider = "jitsi"\n'
    course = read(text, bare)
    assert all(s.participants == ("jm-01",) and not s.live and s.provider == "jitsi" for s in course.sessions)


def test_severity_overrides_name_registered_rules(bare: Plugins) -> None:
    course = read(HEAD + '[rules.severity]\ndouble-booked = "warning"\n', bare)
    assert course.rules.severity == {"double-booked": "warning"}
    assert (
        error(HEAD + '[rules.severity]\ndouble-booked = "info"\n', bare).key == "rules.severity.double-booked"
    )


def test_further_lms_keys_go_to_the_plugin(plugins: Plugins) -> None:
    course = read(HEAD + '[lms]\nprovider = "moodle"\ncourse = "x"\npartial = "L"\n', plugins)
    assert course.lms is not None
    assert course.lms.options == {"partial": "L"}


def _lms_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    for key in options:
        if key != "partial":
            raise InputError("unknown key", key=key)
    return options


@attrs.frozen
class ParsingLmsSpec(LmsSpec):
    """An LMS registration that carries an option parser, as a future LmsSpec may."""

    parse_options: Callable[[Mapping[str, Any]], Mapping[str, Any]] = _lms_options


class StrictLms:
    @hookimpl
    def ta_delivery_register_lms(self) -> Iterable[Any]:
        yield ParsingLmsSpec(name="strict", factory=lambda ctx: None)  # type: ignore[arg-type,return-value]


def test_lms_plugin_options_validated_when_the_spec_offers_a_parser() -> None:
    strict = make_plugin_manager(entry_points=False, extra=[StrictLms()])
    text = HEAD + '[lms]\nprovider = "strict"\ncourse = "x"\ncategory = 1\n'
    assert error(text, strict).key == "lms.category"
    assert read(text.replace("category = 1", 'partial = "A"'), strict).lms is not None
