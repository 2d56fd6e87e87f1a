"""Every export format on real files (../shared/field-exports) and on our own corpus (tests/data/exports).

Each expectation was worked out by hand from the file's text: the session, who, and the UTC join and leave.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ta_delivery.errors import InputError
from ta_delivery.models import Course, Organizer, Participant, Session
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.records import ImportRequest, Segment

CORPUS = Path(__file__).parent / "data" / "exports"
FIELD = Path(__file__).resolve().parents[1].parent / "shared" / "field-exports"
needs_field = pytest.mark.skipif(not FIELD.is_dir(), reason="../shared/field-exports is absent")

S1 = datetime(2027, 3, 15, 14, tzinfo=UTC)


def course(*sessions: tuple[datetime, int]) -> Course:
    return Course(
        id="field",
        title="Field exports",
        timezone="UTC",
        organizer=Organizer("Institute", "training@example.org"),
        participants=(
            Participant(id="ana", name="Ana Pérez", email="ana@example.org", timezone="UTC"),
            Participant(id="ben", name="Ben Ali", email="ben@example.org", timezone="UTC"),
        ),
        sessions=tuple(
            Session(id=f"s{i}", title=f"Session {i}", start=start, minutes=minutes)
            for i, (start, minutes) in enumerate(sessions, start=1)
        ),
    )


def parse(
    fmt: str,
    path: Path,
    sessions: list[tuple[datetime, int]],
    tz: str | None = "UTC",
    session: str | None = None,
    order: str | None = None,
) -> list[Segment]:
    formats = make_plugin_manager().formats
    if fmt not in formats:
        pytest.skip(f"the plugin with {fmt} is not installed")
    request = ImportRequest(
        path=path,
        data=path.read_bytes(),
        course=course(*sessions),
        session_id=session,
        timezone=ZoneInfo(tz) if tz else None,
        date_order=order,
    )
    return list(formats[fmt].parse(request))


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# --- our corpus: one meeting, 15 March 2027 14:00-16:00 UTC, in every layout ------------------------------

ANA_BEN = [
    ("s1", "ana@example.org", at(2027, 3, 15, 14), at(2027, 3, 15, 16)),
    ("s1", None, at(2027, 3, 15, 14, 30), at(2027, 3, 15, 15)),
]


@pytest.mark.parametrize("name", ["fr", "es", "de", "pt", "ja"], ids=lambda n: f"zoom-portal-{n}")
def test_zoom_portal_languages(name: str) -> None:
    segs = parse(
        "zoom-csv", CORPUS / f"zoom_participants_{name}.csv", [(S1, 120), (S1 + timedelta(days=7), 120)]
    )
    assert [(s.session_id, s.email, s.join, s.leave) for s in segs] == ANA_BEN
    assert [s.name for s in segs] == ["Ana Pérez", "Ben Ali"]


def test_zoom_summary_block_twelve_hour_clock_and_waiting_room() -> None:
    segs = parse("zoom-csv", CORPUS / "zoom_participants_en_summary.csv", [(S1, 120)])
    assert [(s.name, s.email, s.join, s.leave) for s in segs] == [
        ("Ana Pérez", "ana@example.org", at(2027, 3, 15, 13, 58, 10), at(2027, 3, 15, 15)),
        ("Ana Pérez", "ana@example.org", at(2027, 3, 15, 15, 5), at(2027, 3, 15, 16, 0, 30)),
        ("Ben Ali (Benjamin Ali)", None, at(2027, 3, 15, 14, 20), at(2027, 3, 15, 16)),
    ]
    assert {s.session_id for s in segs} == {"s1"}


def test_zoom_usage_report_maps_the_repeated_user_email_by_section() -> None:
    segs = parse("zoom-csv", CORPUS / "zoom_usage_with_meeting_data.csv", [(S1, 120)])
    # the participant's address, never the host's (host@example.org is the meeting's User Email)
    assert [(s.email, s.name, s.join, s.leave) for s in segs] == [
        ("ana@example.org", "Ana Pérez", at(2027, 3, 15, 14), at(2027, 3, 15, 16)),
        ("ben@example.org", "Ben Ali", at(2027, 3, 15, 14, 30), at(2027, 3, 15, 15)),
    ]


def test_zoom_json_past_participants_page() -> None:
    segs = parse("zoom-json", CORPUS / "zoom_past_participants.json", [(S1, 120)], tz=None)
    assert [(s.session_id, s.email, s.join, s.leave) for s in segs] == [
        ("s1", "ana@example.org", at(2027, 3, 15, 14), at(2027, 3, 15, 15)),
        ("s1", "ana@example.org", at(2027, 3, 15, 15, 10), at(2027, 3, 15, 16)),
    ]  # the waiting-room row is not attendance


@pytest.mark.parametrize("name", ["webex_meetings_attendees.tsv", "webex_events_attendees.tsv"])
def test_webex_meetings_and_events(name: str) -> None:
    segs = parse("webex-csv", CORPUS / name, [(S1, 120)])
    assert [(s.session_id, s.email, s.name, s.join, s.leave) for s in segs] == [
        ("s1", "ana@example.org", "Ana Pérez", at(2027, 3, 15, 14), at(2027, 3, 15, 16)),
        ("s1", "ben@example.org", "Ben Ali", at(2027, 3, 15, 14, 30), at(2027, 3, 15, 15)),
    ]


def test_teams_current_layout_reads_every_join() -> None:
    segs = parse("teams-csv", CORPUS / "teams_current.csv", [(S1, 120)])
    assert [(s.session_id, s.name, s.email, s.join, s.leave) for s in segs] == [
        ("s1", "Ana Pérez", "ana@example.org", at(2027, 3, 15, 14), at(2027, 3, 15, 16)),
        ("s1", "Ben Ali", None, at(2027, 3, 15, 14, 30), at(2027, 3, 15, 15)),
        ("s1", "Ben Ali", None, at(2027, 3, 15, 15, 20), at(2027, 3, 15, 15, 30)),
    ]


def test_teams_2020_layout_pairs_joins_and_leaves() -> None:
    segs = parse("teams-csv", CORPUS / "teams_2020.csv", [(S1, 120)])
    assert sorted((s.name, s.join, s.leave) for s in segs) == [  # type: ignore[type-var]
        ("Ana Pérez", at(2027, 3, 15, 14), at(2027, 3, 15, 16)),
        ("Ben Ali", at(2027, 3, 15, 14, 30), at(2027, 3, 15, 15)),
    ]
    assert all(s.email is None for s in segs)


def test_meet_attendance_report_uses_the_duration_without_exit_time() -> None:
    segs = parse("meet-csv", CORPUS / "meet_attendance.csv", [(S1, 120)])
    assert [(s.name, s.email, s.join, s.leave) for s in segs] == [
        ("Ana Pérez", "ana@example.org", at(2027, 3, 15, 14), at(2027, 3, 15, 16)),
        ("Ben Ali", "ben@example.org", at(2027, 3, 15, 14, 30), at(2027, 3, 15, 15)),
    ]


# --- the real files ------------------------------------------------------------------------------------


@needs_field
def test_real_zoom_participants_with_and_without_summary() -> None:
    sessions = [(at(2021, 11, 19, 10), 120)]
    plain = parse("zoom-csv", FIELD / "artefacts/zoom_participants_heroes.csv", sessions)
    full = parse("zoom-csv", FIELD / "artefacts/zoom_participants_heroes_full.csv", sessions)
    assert len(plain) == len(full) == 31
    loki = plain[0]
    assert (loki.name, loki.email) == ("015_Loki (Loki Laufeyson)", "loki_asgardian@marvel.com")
    assert (loki.join, loki.leave) == (at(2021, 11, 19, 9, 54, 15), at(2021, 11, 19, 12, 1, 59))
    assert full[0].join == loki.join  # "9:54:15 AM" there, "09:54:15 AM" here
    assert {s.session_id for s in plain} == {"s1"}


@needs_field
@pytest.mark.parametrize("name", ["zoom_ja_example.csv", "zoom_ja_example2.csv"])
def test_real_japanese_zoom_export(name: str) -> None:
    # 2020/12/8 8:35 in Tokyo is 23:35 UTC on 7 December
    segs = parse("zoom-csv", FIELD / "artefacts" / name, [(at(2020, 12, 7, 23, 30), 300)], tz="Asia/Tokyo")
    assert segs[0].name in ("太郎1", "次郎1")
    assert segs[0].join in (at(2020, 12, 7, 23, 35), at(2020, 12, 7, 23, 55))
    assert all(s.email is None for s in segs)  # the addresses are anonymised ("taro1…")
    assert all(s.session_id == "s1" for s in segs)


@needs_field
def test_real_usage_report_day_first_settled_by_the_session() -> None:
    path = FIELD / "artefacts/zoom_usage_with_meeting_data_reconstructed.csv"
    [seg] = parse("zoom-csv", path, [(at(2023, 6, 1, 0), 30)])
    assert (seg.session_id, seg.email) == ("s1", "Matthew.Giordano@contoso.com")  # not the host James
    assert (seg.join, seg.leave) == (at(2023, 6, 1, 0, 0), at(2023, 6, 1, 0, 21))
    with pytest.raises(InputError, match="--date-order") as caught:  # sessions on both readings
        parse("zoom-csv", path, [(at(2023, 6, 1, 0), 30), (at(2023, 1, 6, 0), 30)])
    assert caught.value.key == "--date-order"
    [dmy] = parse("zoom-csv", path, [(at(2023, 6, 1, 0), 30), (at(2023, 1, 6, 0), 30)], order="dmy")
    assert dmy.session_id == "s1"


@needs_field
def test_real_zoom_api_participants_both_shapes() -> None:
    for name in ("artefacts/zoom_api_report_participants_example.json", "derived/zoom_api_participants.json"):
        [seg] = parse("zoom-json", FIELD / name, [(at(2019, 2, 1, 12, 30), 60)], tz=None)
        assert (seg.email, seg.name) == ("jchill@example.com", "Jill Chill")
        assert (seg.join, seg.leave) == (
            at(2019, 2, 1, 12, 34, 12) + timedelta(milliseconds=660),
            at(2019, 2, 1, 12, 54, 12) + timedelta(milliseconds=660),
        )


@needs_field
@pytest.mark.parametrize("name", ["artefacts/webex_events_may4.csv", "derived/webex_events_stripped.csv"])
def test_real_webex_events_report_guarded_or_not(name: str) -> None:
    segs = parse("webex-csv", FIELD / name, [(at(2021, 6, 14, 17), 195)])
    assert len(segs) == 4
    assert (segs[1].name, segs[1].email) == ("Test User 1", "user1@mail.com")
    assert (segs[1].join, segs[1].leave) == (at(2021, 6, 14, 17, 2, 22), at(2021, 6, 14, 20, 22, 49))


@needs_field
def test_real_webex_day_first_settled_by_the_session() -> None:
    [seg] = parse("webex-csv", FIELD / "derived/webex_ddmm.tsv", [(at(2023, 6, 1, 0), 30)])
    assert seg.join == at(2023, 6, 1)


@needs_field
@pytest.mark.parametrize(
    "name",
    [
        "artefacts/teams_IDL-14-11-22.csv",
        "derived/teams14_crlf.csv",
        "derived/teams14_dotted.csv",
        "derived/teams14_le.csv",
        "derived/teams14_us.csv",
        "derived/teams14_utf8.csv",
    ],
)
def test_real_teams_report_in_every_encoding_and_date_style(name: str) -> None:
    segs = parse("teams-csv", FIELD / name, [(at(2022, 11, 14, 9, 30), 30)])
    assert len(segs) == 7
    first = segs[0]
    assert (first.name, first.email) == ("JANSSENS JAN (EXT)", "jan.janssens.ext@un.int")
    assert (first.join, first.leave) == (at(2022, 11, 14, 9, 30, 46), at(2022, 11, 14, 9, 50, 12))
    assert {s.session_id for s in segs} == {"s1"}


@needs_field
def test_real_teams_2020_layouts() -> None:
    segs = parse("teams-csv", FIELD / "artefacts/teams_old_gspahlin.csv", [(at(2020, 11, 4, 9, 45), 30)])
    kray = [s for s in segs if s.name == "Kray Thorn"]
    assert [(s.join, s.leave) for s in kray] == [(at(2020, 11, 4, 9, 50, 12), at(2020, 11, 4, 10, 6, 45))]
    gregory = [s for s in segs if s.name == "Gregory Spahlinger"]  # joined, never left: until the last time
    assert len(gregory) == 1 and gregory[0].join == at(2020, 11, 4, 9, 50, 12)
    # 11/12/2020 reads both ways; the session on 11 December settles it
    old = parse("teams-csv", FIELD / "artefacts/teams_old_dominikhoebert.csv", [(at(2020, 12, 11, 12), 240)])
    max_rows = [s for s in old if s.name == "Mustermann Max"]
    assert (max_rows[0].join, max_rows[0].leave) == (
        at(2020, 12, 11, 12, 27, 24),
        at(2020, 12, 11, 12, 45, 18),
    )


@needs_field
def test_real_meet_shape() -> None:
    [seg] = parse("meet-csv", FIELD / "derived/meet_shape.csv", [(at(2021, 6, 14, 17), 180)])
    assert (seg.email, seg.join, seg.leave) == (
        "user1@mail.com",
        at(2021, 6, 14, 17, 1, 14),
        at(2021, 6, 14, 19, 43, 8),
    )


@needs_field
@pytest.mark.parametrize(
    ("name", "join"),
    [
        ("fmt1.csv", at(2021, 11, 19, 10, 20, 31)),  # 11/19/2021 10:20:31 AM
        ("fmt2.csv", at(2021, 11, 19, 10, 34, 26)),  # 19/11/2021 10:34:26
        ("fmt3.csv", at(2021, 11, 19, 10, 20, 31)),  # 2021/11/19 10:20:31 AM
        ("fmt4.csv", at(2021, 11, 19, 10, 20, 31)),  # 2021/19/11 10:20:31: year, day, month
    ],
)
def test_peer_zoomclass_datetime_layouts(name: str, join: datetime) -> None:
    [seg] = parse("zoom-csv", FIELD / "peer_zoomclass" / name, [(at(2021, 11, 19, 10), 60)])
    assert seg.join == join


@needs_field
def test_peer_zoomclass_class_time_rows() -> None:
    segs = parse("zoom-csv", FIELD / "peer_zoomclass/tm2.csv", [(at(2021, 6, 10, 10), 60)])
    # P1 09:00-11:00 and P2 10:30-11:00 fall in the class 10:00-11:00, P3 11:00-13:00 touches its end (in,
    # with no time attended); P4 08:00-09:00 and P5 13:00-14:00 do not
    assert [s.session_id for s in segs] == ["s1", "s1", "s1", "", ""]


@needs_field
def test_derived_day_first_files() -> None:
    segs = parse("zoom-csv", FIELD / "derived/zoom_ddmm.csv", [(at(2023, 6, 1), 30)])
    assert segs[0].join == at(2023, 6, 1)  # 13/06/2023 elsewhere in the file settles day first
    [only] = parse("zoom-csv", FIELD / "derived/zoom_ddmm2.csv", [(at(2023, 6, 1), 30)])
    assert only.join == at(2023, 6, 1)
    with pytest.raises(InputError, match="--date-order"):
        parse("zoom-csv", FIELD / "derived/zoom_ddmm2.csv", [(at(2023, 8, 1), 30)])


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Heure de connexion", "join"),
        ("Heure de déconnexion", "leave"),  # contains "connexion": leave is checked first
        ("Hora de unirse", "join"),
        ("Hora de salir", "leave"),
        ("Beitrittszeit", "join"),
        ("Austrittszeit", "leave"),
        ("参加時刻", "join"),
        ("退出時刻", "leave"),
        ("Ora di ingresso", "join"),
        ("Ora di uscita", "leave"),
        ("Time joined", "join"),
        ("Time exited", "leave"),
        ("Department", None),  # the usage report's host department is not a leave time
        ("In Waiting Room", "waiting"),
        ("E-Mail-Adresse des Benutzers", "email"),
        ("Correo electrónico del usuario", "email"),
        ("Durée (minutes)", "duration"),
    ],
)
def test_headings_are_classified_in_the_portals_languages(heading: str, kind: str | None) -> None:
    from ta_delivery.attendance.formats.columns import classify

    assert classify(heading) == kind


# --- the same real files through the command line: --timezone, the --json counts, re-import -----------------

CLI_CASES = [
    ("zoom-csv", "artefacts/zoom_participants_heroes_full.csv", at(2021, 11, 19, 10), 120, "UTC"),
    ("zoom-csv", "artefacts/zoom_ja_example.csv", at(2020, 12, 7, 23, 30), 300, "Asia/Tokyo"),
    ("zoom-csv", "peer_zoomclass/tm2.csv", at(2021, 6, 10, 10), 60, "UTC"),
    ("zoom-json", "artefacts/zoom_api_report_participants_example.json", at(2019, 2, 1, 12, 30), 60, None),
    ("webex-csv", "artefacts/webex_events_may4.csv", at(2021, 6, 14, 17), 195, "UTC"),
    ("teams-csv", "artefacts/teams_IDL-14-11-22.csv", at(2022, 11, 14, 9, 30), 30, "UTC"),
    ("teams-csv", "artefacts/teams_old_dominikhoebert.csv", at(2020, 12, 11, 12), 240, "UTC"),
    ("meet-csv", "derived/meet_shape.csv", at(2021, 6, 14, 17), 180, "UTC"),
]


@needs_field
@pytest.mark.parametrize(("fmt", "name", "start", "minutes", "tz"), CLI_CASES, ids=[c[1] for c in CLI_CASES])
def test_real_exports_through_the_command_line(
    tmp_path: Path, fmt: str, name: str, start: datetime, minutes: int, tz: str | None
) -> None:
    import json

    from ta_delivery.testing.cli import run
    from ta_delivery.testing.courses import course_toml, person, session, write_course

    segs = parse(fmt, FIELD / name, [(start, minutes)], tz=tz)
    text = course_toml(
        id="field",
        timezone="UTC",
        participants=[person("ana", "Ana", "user1@mail.com")],
        sessions=[session("s1", start.isoformat().replace("+00:00", "Z"), minutes)],
    )
    course = write_course(tmp_path, text)
    args = ("attendance", "import", str(course), str(FIELD / name), "--format", fmt, "--json")
    env = {"TA_DELIVERY_NOW": "2024-01-01T00:00:00Z", "TA_DELIVERY_STATE": ""}
    if tz is not None:  # local times without an offset: refused without --timezone, and it says so
        code, _, err = run(*args, env=env)
        assert code == 2 and "--timezone" in err
        assert not (tmp_path / ".ta-delivery").exists()
    zone = ("--timezone", tz) if tz else ()
    code, out, err = run(*args, *zone, env=env)
    assert code == 0, err
    unknown = {
        (s.session_id, (s.email or "").casefold() or s.name)
        for s in segs
        if s.session_id and (s.email or "").casefold() != "user1@mail.com"
    }
    counts = {
        "imported": len(segs),
        "duplicates": 0,
        "outside_sessions": sum(1 for s in segs if not s.session_id),
        "unmatched": len(unknown),
    }
    assert json.loads(out) == counts
    code, out, err = run(*args, *zone, env=env)
    assert json.loads(out) == {**counts, "imported": 0, "duplicates": len(segs)}
    code, out, err = run("report", str(course), "--format", "json", env=env)
    assert code == 0, err
    assert len(json.loads(out)["unmatched"]) == len(unknown)
