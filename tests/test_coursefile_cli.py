"""The course file as PRODUCT.md section 1 describes it, driven through the CLI.

Each test writes a course file in a temporary folder and runs ``ta-delivery`` on it; input errors must
exit 2, name the file and the key path on stderr, and change nothing (no state, no outbox).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.testing.courses import ORG, P1, T1, Raw, course_toml, series, table
from ta_delivery.testing.courses import session as sessions_row

HEAD = course_toml(
    id="acc-2020",
    title="Acceptance",
    timezone="Europe/Berlin",
    organizer=ORG,
    trainers=[T1],
    participants=[P1],
    sessions=[],
)


def session(sid: str = "s01", start: str = "2020-08-10T10:00:00", minutes: int = 60, extra: str = "") -> str:
    return (
        f'\n[[sessions]]\nid = "{sid}"\ntitle = "Session {sid}"\nstart = {start}\n'
        f'minutes = {minutes}\ntrainers = ["t1"]\n{extra}'
    )


def invoke(
    tmp_path: Path, text: str, *args: str, files: dict[str, str] | None = None
) -> tuple[int, str, str]:
    course = tmp_path / "course.toml"
    course.write_text(text, encoding="utf-8")
    for name, body in (files or {}).items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    result = CliRunner().invoke(
        main, [args[0], str(course), *args[1:]], env={"TA_DELIVERY_NOW": "2020-08-01T00:00:00Z"}
    )
    return result.exit_code, result.stdout, result.stderr


def check_json(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> dict[str, object]:
    code, out, err = invoke(tmp_path, text, "check", "--json", files=files)
    assert code in (0, 1), err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def assert_input_error(tmp_path: Path, text: str, key: str, files: dict[str, str] | None = None) -> str:
    """The file is refused with exit 2, naming the file and ``key``, and nothing is created."""
    for command in (["check"], ["apply"], ["plan"], ["calendar"], ["report", "--format", "json"]):
        code, out, err = invoke(tmp_path, text, *command, files=files)
        assert code == 2, (command, out, err)
        assert "course.toml" in err, err
        assert key in err, (key, err)
        assert not (tmp_path / ".ta-delivery").exists(), command
    return err


# --- DST gaps and folds ------------------------------------------------------------------------------


def test_local_time_in_a_dst_gap_is_an_input_error_asking_for_an_offset(tmp_path: Path) -> None:
    text = HEAD + session() + session("s02").replace("2020-08-10T10:00:00", "2020-08-11T10:00:00")
    text += session("s03", "2020-03-29T02:30:00")
    err = assert_input_error(tmp_path, text, "sessions[2].start")
    assert "offset" in err


def test_local_time_in_a_dst_fold_is_an_input_error_asking_for_an_offset(tmp_path: Path) -> None:
    err = assert_input_error(tmp_path, HEAD + session("s01", "2020-10-25T02:30:00"), "sessions[0].start")
    assert "offset" in err


def test_offset_date_time_in_a_fold_is_accepted(tmp_path: Path) -> None:
    text = HEAD + session("s01", "2020-10-25T02:30:00+01:00")  # a Sunday: every day is a working day here
    text += '\n[rules]\nworking_hours = "00:00-24:00"\nworking_days = "mon-sun"\n'
    code, out, err = invoke(tmp_path, text, "check", "--json")
    assert code == 0, err
    assert json.loads(out)["findings"] == []


def test_series_first_start_in_a_gap_is_an_input_error(tmp_path: Path) -> None:
    text = HEAD + (
        '\n[[series]]\nid = "w"\ntitle = "W"\nfirst_start = 2020-03-22T02:30:00\n'
        "minutes = 60\nevery_days = 7\ncount = 3\n"
    )
    assert_input_error(tmp_path, text, "series[0]")


# --- the reading rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (HEAD + session(extra='colour = "red"\n'), "sessions[0].colour"),
        (HEAD.replace('title = "Acceptance"', 'title = "Acceptance"\nfoo = 1') + session(), "course.foo"),
        (HEAD + session() + "\n[nonsense]\nx = 1\n", "nonsense"),
        (HEAD + session() + "\n[rules]\nmax_live_minute = 100\n", "rules.max_live_minute"),
        (HEAD + session() + "\n[attendance]\nlate_after = 5\n", "attendance.late_after"),
        (HEAD + 'hobby = "chess"\n' + session(), "participants[0].hobby"),
        (HEAD + session().replace('["t1"]', '["t9"]'), "sessions[0].trainers[0]"),
        (HEAD + session(extra='participants = ["p1", "nobody"]\n'), "sessions[0].participants[1]"),
        (HEAD + session(extra='participants = ["t1"]\n'), "sessions[0].participants[0]"),
        (HEAD + HEAD[HEAD.index("[[participants]]") :] + session(), "participants[1].id"),
        (
            HEAD
            + HEAD[HEAD.index("[[trainers]]") : HEAD.index("[[participants]]")].replace(
                "[[trainers]]", "[[participants]]"
            )
            + session(),
            "participants[1].id",
        ),
        (HEAD + session() + session(), "sessions[1].id"),
        (
            HEAD.replace('"Europe/Berlin"\norganizer', '"Europe/Berlinn"\norganizer') + session(),
            "course.timezone",
        ),
        (
            HEAD[: HEAD.rindex("Europe/Berlin")] + 'Mars/Olympus_Mons"\n' + session(),
            "participants[0].timezone",
        ),
        (HEAD.replace("p1@example.org", "p1.example.org") + session(), "participants[0].email"),
        (HEAD.replace("org@example.org", "org@") + session(), "course.organizer.email"),
        (HEAD + 'working_hours = "18:00-08:00"\n' + session(), "participants[0].working_hours"),
        (HEAD + 'working_hours = "9-17"\n' + session(), "participants[0].working_hours"),
        (HEAD + 'working_hours = "09:00-09:00"\n' + session(), "participants[0].working_hours"),
        (HEAD + session() + '\n[rules]\nworking_hours = "08:00-25:00"\n', "rules.working_hours"),
        (HEAD + session(minutes=0), "sessions[0].minutes"),
        (HEAD + session(minutes=-30), "sessions[0].minutes"),
        (HEAD.replace('id = "acc-2020"', 'id = "Acc_2020"') + session(), "course.id"),
        (HEAD.replace('title = "Acceptance"\n', "") + session(), "course.title"),
        (HEAD + session(extra='kind = "hybrid"\n'), "sessions[0].kind"),
    ],
    ids=[
        "unknown-session-key",
        "unknown-course-key",
        "unknown-table",
        "unknown-rules-key",
        "unknown-attendance-key",
        "unknown-person-key",
        "unknown-trainer-id",
        "unknown-participant-id",
        "trainer-as-participant",
        "duplicate-participant",
        "duplicate-across-trainers-participants",
        "duplicate-session",
        "bad-course-zone",
        "bad-person-zone",
        "bad-email",
        "bad-organizer-email",
        "working-hours-reversed",
        "working-hours-format",
        "working-hours-empty",
        "rules-working-hours",
        "zero-minutes",
        "negative-minutes",
        "bad-course-id",
        "missing-title",
        "bad-session-kind",
    ],
)
def test_input_errors_exit_2_naming_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    assert_input_error(tmp_path, text, key)


def test_series_ids_colliding_with_a_session_are_duplicates(tmp_path: Path) -> None:
    text = (
        HEAD
        + session("w01")
        + (
            '\n[[series]]\nid = "w"\ntitle = "W"\nfirst_start = 2020-08-12T10:00:00\n'
            "minutes = 60\ncount = 2\n"
        )
    )
    assert_input_error(tmp_path, text, "series[0]")


def test_control_characters_are_not_a_reason_to_refuse(tmp_path: Path) -> None:
    text = HEAD.replace('"Part One"', '"Part\\u0007 One\\u001b[31m"') + session().replace(
        '"Session s01"', '"Open\\u0000ing\\r\\nX-Evil: 1"'
    )
    code, out, err = invoke(tmp_path, text, "check", "--json")
    assert code == 0, err
    assert json.loads(out)["findings"] == []


# --- series ------------------------------------------------------------------------------------------


SERIES = table(
    "[[series]]",
    series(
        "w",
        "2020-10-14T10:00:00",
        90,
        4,
        title="Weekly webinar",
        every_days=7,
        skip=[Raw("2020-10-21")],
        trainers=["t1"],
    ),
)


def calendar_events(text: str) -> dict[str, tuple[str, str, str]]:
    """UID-less view of a PUBLISH feed: SUMMARY -> (DTSTART, DTEND, UID)."""
    import icalendar

    cal = icalendar.Calendar.from_ical(text)
    out: dict[str, tuple[str, str, str]] = {}
    for event in cal.walk("VEVENT"):
        out[str(event["SUMMARY"])] = (
            event["DTSTART"].to_ical().decode(),
            event["DTEND"].to_ical().decode(),
            str(event["UID"]),
        )
    return out


def test_series_keeps_local_time_across_dst_and_skips_dates(tmp_path: Path) -> None:
    """w01..w04 at 10:00 Berlin: 14 Oct (CEST), [21 Oct skipped], 28 Oct, 4 Nov, 11 Nov (CET)."""
    code, out, err = invoke(tmp_path, HEAD + SERIES, "calendar")
    assert code == 0, err
    starts = sorted(
        (dtstart, dtend)
        for summary, (dtstart, dtend, _uid) in calendar_events(out).items()
        if "Weekly" in summary
    )
    assert starts == [
        ("20201014T080000Z", "20201014T093000Z"),
        ("20201028T090000Z", "20201028T103000Z"),
        ("20201104T090000Z", "20201104T103000Z"),
        ("20201111T090000Z", "20201111T103000Z"),
    ]
    titles = " ".join(calendar_events(out))
    for n in range(1, 5):
        assert f"Weekly webinar ({n}/4)" in titles


def test_series_session_ids_are_two_digit_numbers(tmp_path: Path) -> None:
    text = HEAD + SERIES + "\n[rules]\nmax_live_minutes = 60\n"
    data = check_json(tmp_path, text)
    sessions = [f["session"] for f in data["findings"] if f["rule"] == "live-session-too-long"]  # type: ignore[index]
    assert sessions == ["w01", "w02", "w03", "w04"]


def test_series_of_more_than_99_uses_three_digits(tmp_path: Path) -> None:
    text = HEAD + (
        '\n[[series]]\nid = "d"\ntitle = "Daily"\nfirst_start = 2020-01-01T10:00:00\nminutes = 121\n'
        "every_days = 1\ncount = 100\n"
    )
    data = check_json(tmp_path, text)
    sessions = [f["session"] for f in data["findings"] if f["rule"] == "live-session-too-long"]  # type: ignore[index]
    assert sessions[0] == "d01" and sessions[98] == "d99" and sessions[99] == "d100"


# --- roster ------------------------------------------------------------------------------------------


ROSTER = (
    "id,name,email,timezone,working_hours,language,country\n"
    "r1,Roster One,r1@example.org,America/New_York,,es,JM\n"
)


def test_roster_participants_join_the_course(tmp_path: Path) -> None:
    text = HEAD.replace("organizer =", 'roster = "people.csv"\norganizer =') + session()
    data = check_json(tmp_path, text, files={"people.csv": ROSTER})
    # 10:00-11:00 Berlin is 04:00-05:00 in New York: the roster participant is outside working hours
    assert [(f["rule"], f["person"]) for f in data["findings"]] == [("outside-working-hours", "r1")]  # type: ignore[index]


def test_roster_is_read_relative_to_the_course_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "people.csv").write_text(ROSTER, encoding="utf-8")
    (sub / "course.toml").write_text(
        HEAD.replace("organizer =", 'roster = "people.csv"\norganizer =') + session(), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "sub/course.toml", "--json"])
    assert result.exit_code == 1, result.stderr
    assert [f["person"] for f in json.loads(result.stdout)["findings"]] == ["r1"]


@pytest.mark.parametrize(
    ("roster", "key"),
    [
        (ROSTER.replace("r1@example.org", "bad-email"), "roster[0].email"),
        (ROSTER + "p1,Dup,dup@example.org,Europe/Berlin,,,\n", "roster[1].id"),
        (ROSTER.replace("America/New_York", "Nowhere/City"), "roster[0].timezone"),
        (ROSTER.replace(",,es", ",9-5,es"), "roster[0].working_hours"),
        ("id,name,email,timezone,shoe_size\n", "roster"),
    ],
    ids=["email", "duplicate-id", "zone", "working-hours", "unknown-column"],
)
def test_roster_errors_name_the_row(tmp_path: Path, roster: str, key: str) -> None:
    text = HEAD.replace("organizer =", 'roster = "people.csv"\norganizer =') + session()
    assert_input_error(tmp_path, text, key, files={"people.csv": roster})


# --- error leaves nothing ----------------------------------------------------------------------------


def test_input_error_does_not_touch_an_existing_state(tmp_path: Path) -> None:
    good = HEAD + session()
    code, _, err = invoke(tmp_path, good, "apply")
    assert code == 0, err
    outbox = tmp_path / ".ta-delivery" / "outbox"
    before = sorted(p.name for p in outbox.iterdir())
    db = tmp_path / ".ta-delivery" / "state.db"
    db_bytes = db.read_bytes()
    code, _, err = invoke(tmp_path, good.replace("minutes = 60", "minutes = 0"), "apply")
    assert code == 2 and "sessions[0].minutes" in err
    assert sorted(p.name for p in outbox.iterdir()) == before
    assert db.read_bytes() == db_bytes


@pytest.mark.parametrize(
    ("tail", "key"),
    [
        ('\n[rules.severity]\nno-such-rule = "warning"\n', "rules.severity.no-such-rule"),
        ('\n[rules.severity]\ndouble-booked = "fatal"\n', "rules.severity.double-booked"),
        ("\n[zoom]\nno_such_option = true\n", "zoom.no_such_option"),
        ("\n[jitsi]\nroom = 1\n", "jitsi"),
    ],
    ids=["unknown-rule", "bad-severity", "zoom-option", "jitsi-option"],
)
def test_rule_severities_and_provider_options(tmp_path: Path, tail: str, key: str) -> None:
    assert_input_error(tmp_path, HEAD + session() + tail, key)


def test_known_provider_options_are_accepted(tmp_path: Path) -> None:
    text = HEAD + session() + '\n[zoom]\nwebinar = false\nwaiting_room = true\nauto_recording = "cloud"\n'
    assert check_json(tmp_path, text)["findings"] == []


@pytest.mark.parametrize(
    "address",
    [
        "ana@@example.org",
        "ana@example",
        "@example.org",
        "ana example@example.org",
        "a..b@example.org",
        ".a@example.org",
    ],
)
def test_malformed_email_addresses(tmp_path: Path, address: str) -> None:
    assert_input_error(tmp_path, HEAD.replace("p1@example.org", address) + session(), "participants[0].email")


@pytest.mark.parametrize(
    "address", ["first.last+tag@sub.example.co.uk", "ANA@Example.ORG", "josé@example.org"]
)
def test_well_formed_email_addresses(tmp_path: Path, address: str) -> None:
    assert check_json(tmp_path, HEAD.replace("p1@example.org", address) + session())["findings"] == []


def test_apostrophe_in_an_email_address_is_accepted(tmp_path: Path) -> None:
    assert (
        check_json(tmp_path, HEAD.replace("p1@example.org", "o'brien@example.org") + session())["findings"]
        == []
    )


def test_a_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_bytes(b"\xef\xbb\xbf" + (HEAD + session()).encode("utf-8"))
    result = CliRunner().invoke(main, ["check", str(course), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"course": "acc-2020", "findings": []}


def test_a_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_bytes((HEAD + session()).replace("Part One", "Pérez").encode("latin-1"))
    result = CliRunner().invoke(main, ["check", str(course)])
    assert result.exit_code == 2 and "course.toml" in result.stderr


# --- a roster's rows, series ids and deep nesting, as ``check`` reports them ------------------------

ROSTER_HEADER = "id,name,email,timezone\n"
WITH_ROSTER = course_toml(
    id="acc-2020",
    title="Acceptance",
    timezone="Europe/Berlin",
    organizer=ORG,
    roster="people.csv",
    trainers=[T1],
    participants=[P1],
    sessions=[],
)


def run(tmp_path: Path, text: str, *args: str, roster: str = ROSTER_HEADER) -> tuple[int, str, str]:
    """``invoke`` with ``people.csv`` holding ``roster``."""
    return invoke(tmp_path, text, *args, files={"people.csv": roster})


@pytest.mark.parametrize(
    ("roster", "key", "line"),
    [
        (ROSTER_HEADER + "\nr1,R One,not-an-email,Europe/Paris\n", "roster[0].email", 3),
        (
            ROSTER_HEADER + "r1,R One,r1@example.org,Europe/Paris\nr2,R Two,r2@example.org,Nowhere/Zone\n",
            "roster[1].timezone",
            3,
        ),
        (
            ROSTER_HEADER + "r1,R One,r1@example.org,Europe/Paris\np1,Dup,d@example.org,UTC\n",
            "roster[1].id",
            3,
        ),
        (
            ROSTER_HEADER + 'r1,"R\nOne",r1@example.org,Europe/Paris\nr2,R Two,r2@example.org,UTC,extra\n',
            "roster[1]",
            4,
        ),
    ],
    ids=["email-after-blank-line", "zone", "duplicate-id", "cell-count-after-multiline-cell"],
)
def test_roster_row_errors_name_the_csv_file_and_line(
    tmp_path: Path, roster: str, key: str, line: int
) -> None:
    code, _, err = run(tmp_path, WITH_ROSTER, "check", roster=roster)
    assert code == 2
    assert f"course.toml: {key}: " in err
    assert f"'people.csv' line {line}" in err


def test_series_occurrence_in_a_dst_gap_asks_for_an_offset(tmp_path: Path) -> None:
    weekly = table("[[series]]", series("w", "2027-03-14T02:30:00", 60, 3, title="Weekly"))
    code, _, err = run(tmp_path, WITH_ROSTER + weekly, "check")
    assert code == 2
    assert "series[0].first_start" in err and "2027-03-28" in err
    assert "offset date-time" in err


def test_series_id_too_long_for_its_session_ids_is_reported_at_the_series_id(tmp_path: Path) -> None:
    weekly = table("[[series]]", series("w" * 63, "2027-09-01T10:00:00", 60, 2, title="Weekly"))
    code, _, err = run(tmp_path, WITH_ROSTER + weekly, "check")
    assert code == 2
    assert "course.toml: series[0].id: " in err


@pytest.mark.parametrize("nested", ["[" * 20000 + "]" * 20000, "{a=" * 20000 + "1" + "}" * 20000])
def test_deeply_nested_toml_is_an_input_error_not_a_traceback(tmp_path: Path, nested: str) -> None:
    code, _, err = run(tmp_path, WITH_ROSTER.replace("[course]\n", f"[course]\nx = {nested}\n"), "check")
    assert code == 2
    assert "course.toml: not valid TOML" in err


# --- every documented value, every required key (PRODUCT.md section 1) ----------------------------------

ENUMERATIONS = {
    "course.kind": ("course", "workshop", "seminar", "webinar", "symposium", "dialogue"),
    "course.scope": ("national", "sub-regional", "regional", "global"),
    "course.level": ("basic", "intermediate", "advanced"),
    "course.language": ("en", "fr", "es"),
    "course.status": ("planned", "scheduled", "delivered", "postponed", "cancelled"),
    "trainers[0].language": ("en", "fr", "es"),
    "participants[0].language": ("en", "fr", "es"),
    "participants[0].gender": ("female", "male", "other"),
    "sessions[0].kind": ("live", "recorded"),
    "recordings.send_to": ("missed", "all", "none"),
    "rules.severity.double-booked": ("error", "warning"),
}


def with_value(key: str, value: str) -> str:
    """The default course file with ``key`` (a path from :data:`ENUMERATIONS`) set to ``value``."""
    table_name, _, name = key.partition(".")
    if table_name == "course":
        return course_toml(**{name: value})
    if table_name == "trainers[0]":
        return course_toml(trainers=[{**T1, name: value}], sessions=[sessions_row(trainers=["t1"])])
    if table_name == "participants[0]":
        return course_toml(participants=[{**P1, name: value}])
    if table_name == "sessions[0]":
        return course_toml(sessions=[sessions_row(**{name: value})])
    if table_name == "recordings":
        return course_toml(extra=table("[recordings]", {name: value}))
    return course_toml(extra=f'[rules.severity]\n{name.partition(".")[2]} = "{value}"\n')


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, values in ENUMERATIONS.items() for v in values])
def test_every_documented_value_is_accepted(tmp_path: Path, key: str, value: str) -> None:
    code, out, err = invoke(tmp_path, with_value(key, value), "check", "--json")
    assert code in (0, 1), err
    assert json.loads(out)["course"] == "demo-2027"


@pytest.mark.parametrize("key", ENUMERATIONS)
def test_a_value_outside_the_documented_ones_is_an_input_error(tmp_path: Path, key: str) -> None:
    near_miss = ENUMERATIONS[key][0].upper()  # values are written as documented, in lower case
    err = assert_input_error(tmp_path, with_value(key, near_miss), key)
    assert repr(near_miss) in err


REQUIRED = (
    "course.id",
    "course.title",
    "course.timezone",
    "course.organizer",
    "trainers[0].id",
    "trainers[0].name",
    "trainers[0].email",
    "trainers[0].timezone",
    "participants[0].id",
    "participants[0].name",
    "participants[0].email",
    "participants[0].timezone",
    "sessions[0].id",
    "sessions[0].title",
    "sessions[0].start",
    "sessions[0].minutes",
)


def without(*keys: str) -> str:
    """A course file of one trainer, one participant and one session, with ``keys`` left out."""
    gone: dict[str, set[str]] = {}
    for key in keys:
        where, _, name = key.partition(".")
        gone.setdefault(where, set()).add(name)

    def keep(where: str, row: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in row.items() if k not in gone.get(where, set())}

    return course_toml(
        trainers=[keep("trainers[0]", dict(T1))],
        participants=[keep("participants[0]", dict(P1))],
        sessions=[keep("sessions[0]", sessions_row(trainers=["t1"]))],
        **dict.fromkeys(gone.get("course", set())),
    )


@pytest.mark.parametrize("key", REQUIRED)
def test_each_required_key_left_out_is_an_input_error(tmp_path: Path, key: str) -> None:
    assert "s01" in without()  # the file is whole with nothing left out
    assert json.loads(invoke(tmp_path, without(), "check", "--json")[1])["course"] == "demo-2027"
    err = assert_input_error(tmp_path, without(key), key)
    assert "missing" in err


def test_every_required_key_left_out_is_reported_in_one_run(tmp_path: Path) -> None:
    err = assert_input_error(tmp_path, without(*REQUIRED), "course.id")
    for key in REQUIRED:
        assert key in err, key


@pytest.mark.parametrize(
    ("cid", "ok"), [("a", True), ("a" * 64, True), ("a" * 65, False), ("x-2027-9", True)]
)
def test_course_ids_are_one_to_64_of_a_z_digits_and_dashes(tmp_path: Path, cid: str, ok: bool) -> None:
    text = course_toml(id=cid)
    if ok:
        assert json.loads(invoke(tmp_path, text, "check", "--json")[1])["course"] == cid
    else:
        assert_input_error(tmp_path, text, "course.id")


CONTRACT = Path(__file__).resolve().parents[1].parent / "shared" / "PRODUCT.md"


@pytest.mark.skipif(not CONTRACT.is_file(), reason="../shared/PRODUCT.md is absent")
def test_the_contracts_own_course_file_reads_as_it_says(tmp_path: Path) -> None:
    """Both TOML blocks of PRODUCT.md section 1, verbatim, with a roster beside them: every key reads, and
    the series is w01..w14 titled " (n/14)", weekly at 10:00 in Port of Spain, 2020-10-07 skipped."""
    import re

    contract = CONTRACT.read_text(encoding="utf-8")
    section = contract[contract.index("## 1.") : contract.index("## 2.")]
    text = "\n".join(re.findall(r"```toml\n(.*?)```", section, re.DOTALL))
    roster = "id,name,email,timezone\nkt-02,Kim T.,kim@example.org,America/Jamaica\n"
    code, out, err = invoke(tmp_path, text, "check", "--json", files={"participants.csv": roster})
    assert code == 0, err
    assert json.loads(out) == {"course": "rtpc-caribbean-2020", "findings": []}
    code, feed, err = invoke(tmp_path, text, "calendar")
    assert code == 0, err
    lines = feed.replace("\r\n", "\n").replace("\n ", "").splitlines()
    titles = [line.partition(":")[2] for line in lines if line.startswith("SUMMARY")]
    course = " (Online Regional Trade Policy Course for the Caribbean)"  # the feed's titles name the course
    assert titles == [f"Opening webinar{course}", *(f"Weekly webinar ({n}/14){course}" for n in range(1, 15))]
    starts = [line.partition(":")[2] for line in lines if line.startswith("DTSTART")]
    weekly = [f"{day:%Y%m%d}T140000Z" for day in _weekly(date(2020, 8, 12), 15) if day != date(2020, 10, 7)]
    assert starts == ["20200810T140000Z", *weekly]


def _weekly(first: date, count: int) -> list[date]:
    return [first + timedelta(weeks=n) for n in range(count)]


# --- working days and weekday series (PRODUCT.md section 1's reading rules) ---------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            course_toml(course_extra='\n[rules]\nworking_days = "mon-fry"\n'),
            "rules.working_days",
        ),
        (
            course_toml(participants=[{**P1, "working_days": "sun,thurs"}]),
            "participants[0].working_days",
        ),
        (
            course_toml(series=[series(weekdays=["mon", "funday"])]),
            "series[0].weekdays[1]",
        ),
        (
            course_toml(series=[series(weekdays=["mon", "wed"], every_days=7)]),
            "series[0].every_days",
        ),
    ],
    ids=["rules-day-name", "person-day-name", "series-day-name", "every-days-and-weekdays"],
)
def test_an_unknown_day_name_or_both_series_steps_is_an_input_error(
    tmp_path: Path, text: str, key: str
) -> None:
    assert_input_error(tmp_path, text, key)


def test_working_days_read_in_any_case_and_wrapping_past_sunday(tmp_path: Path) -> None:
    """``SUN-thu`` is Sunday to Thursday: a Friday session is outside it, a Sunday one inside."""
    text = course_toml(
        course_extra='\n[rules]\nworking_days = "SUN-thu"\nworking_hours = "00:00-24:00"\n',
        sessions=[
            sessions_row("fri", start="2027-09-10T10:00:00"),
            sessions_row("sun", start="2027-09-12T10:00:00"),
        ],
    )
    found = check_json(tmp_path, text)["findings"]
    assert isinstance(found, list)
    days = {(f["rule"], f["session"]) for f in found if f["rule"] == "outside-working-days"}
    assert days == {("outside-working-days", "fri")}
