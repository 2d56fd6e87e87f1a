"""Low connectivity through the real engine (``Syncer`` on the memory provider, captured messages):
dial-in numbers in invitations and re-invites when they change, a reference centre's contact invited with
the list of its people, and recording messages sent once per person and link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs

from helpers.world import Sent, World, calendar_of, make_course
from ta_delivery.attendance.service import Attendance
from ta_delivery.models import Centre, Course, Organizer, RecordingPolicy
from ta_delivery.records import DialIn

PHONES = [{"number": "+1 876 555 0100", "country": "JM"}, {"number": "+41 44 555 0100", "country": "CH"}]


def plain(sent: Sent) -> str:
    part = sent.message.get_body(preferencelist=("plain",))
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text


def requests_to(world: World, email: str) -> list[Sent]:
    return [s for s in world.transport.sent if s.to.lower().endswith(f"<{email}>") and s.method == "REQUEST"]


# --- dial-in ------------------------------------------------------------------------------------


def test_invitations_carry_the_classroom_dial_in_and_a_new_passcode_re_invites(world: World) -> None:
    world.server.phones = PHONES
    course = make_course()
    world.syncer(course).apply()
    first = requests_to(world, "ana@example.org")
    assert len(first) == 3
    text = plain(first[0])
    assert "Join by phone:" in text and "+1 876 555 0100" in text
    event = next(iter(calendar_of(first[0].message).walk("VEVENT")))
    conferences = event.get("CONFERENCE")
    assert any("PHONE" in str(c.params.get("FEATURE", "")) for c in conferences)

    world.transport.sent.clear()
    world.syncer(course).apply()
    assert world.transport.sent == []  # nothing changed, nothing sent

    row = world.store.classrooms(course.id)["s01"]
    assert row.classroom.dial_in is not None
    new_pin = attrs.evolve(row.classroom.dial_in, passcode="999111", one_tap=",,1#999111#")
    world.store.save_classroom(
        course.id,
        "s01",
        attrs.evolve(row.classroom, dial_in=new_pin),
        fingerprint=row.fingerprint,
        state=row.state,
        start=row.session_start,
        end=row.session_end,
        title=row.title,
        minutes=row.minutes,
        now=world.clock.now(),
    )
    plan = world.syncer(course).plan()
    assert {(i.session_id, i.method) for i in plan.invites} == {("s01", "REQUEST")}
    assert len(plan.invites) == 3 + 1  # three participants and the session's trainer
    world.syncer(course).apply()
    updates = requests_to(world, "ana@example.org")
    assert len(updates) == 1 and updates[0].sequence == 1
    assert "999111" in plain(updates[0])


# --- reference centres --------------------------------------------------------------------------

CENTRE = Centre(
    id="kingston",
    name="Reference Centre Kingston",
    timezone="America/Jamaica",
    contact=Organizer("C. Brown", "centre@example.org"),
    country="JM",
)


def with_centre(course: Course, *at_centre: str) -> Course:
    people = tuple(
        attrs.evolve(p, centre="kingston" if p.id in at_centre else None) for p in course.participants
    )
    return attrs.evolve(course, centres=(CENTRE,), participants=people)


def test_a_centre_contact_is_invited_with_its_people_and_updated_when_they_change(world: World) -> None:
    course = with_centre(make_course(), "jm-01", "bb-01")
    world.syncer(course).apply()
    to_centre = requests_to(world, "centre@example.org")
    assert len(to_centre) == 3  # each live session
    text = plain(to_centre[0])
    assert "People attending from Reference Centre Kingston:" in text
    assert "Ana Pérez" in text and "Dawn C." in text and "Kiran R." not in text
    assert "https://rooms.example/" in text and "?p=" not in text  # the room's link, not a personal one

    world.transport.sent.clear()
    moved = with_centre(make_course(), "jm-01")  # Dawn now joins from home
    world.syncer(moved).apply()
    updates = requests_to(world, "centre@example.org")
    assert len(updates) == 3 and all(u.sequence == 1 for u in updates)
    assert "Dawn C." not in plain(updates[0])
    assert not [s for s in world.transport.sent if "dawn" in s.to.lower()]  # Dawn's own event is unchanged

    world.transport.sent.clear()
    world.syncer(with_centre(make_course())).apply()  # nobody attends from the centre any more
    cancels = [s for s in world.transport.sent if s.method == "CANCEL"]
    assert {c.to for c in cancels} == {'"C. Brown" <centre@example.org>'} and len(cancels) == 3


# --- recordings ---------------------------------------------------------------------------------


def end_all_sessions(world: World, course: Course) -> None:
    last = max(s.end for s in course.sessions)
    world.clock.advance((last - world.clock.now() + timedelta(minutes=5)).total_seconds())


def recordings_sent(world: World) -> list[Sent]:
    return [s for s in world.transport.sent if s.method == "SEND"]


def test_recordings_go_once_per_person_and_link_and_a_changed_link_is_a_correction(world: World) -> None:
    course = attrs.evolve(make_course(), recordings=RecordingPolicy("all"))
    world.syncer(course).apply()
    end_all_sessions(world, course)
    world.transport.sent.clear()
    world.syncer(course).apply()
    assert recordings_sent(world) == []  # no recording known yet

    room = world.store.classrooms(course.id)["s01"].classroom
    world.server.recordings[room.external_id] = {"url": "https://rooms.example/rec/1", "passcode": "pw1"}
    world.syncer(course).apply()
    first = recordings_sent(world)
    assert len(first) == 3
    assert {s.to.rpartition("<")[2].rstrip(">").lower() for s in first} == {
        p.email.lower() for p in course.participants
    }
    assert all(s.session == "Recording: Session 1" for s in first)
    assert "https://rooms.example/rec/1" in plain(first[0]) and "pw1" in plain(first[0])
    assert not any("rf@" in s.to or "ms@" in s.to for s in first)  # trainers do not get it

    world.transport.sent.clear()
    world.syncer(course).apply()
    assert world.transport.sent == []  # once

    sessions = tuple(
        attrs.evolve(s, recording_url="https://video.example.org/s01") if s.id == "s01" else s
        for s in course.sessions
    )
    world.syncer(attrs.evolve(course, sessions=sessions)).apply()  # the file's link wins: a correction
    corrections = recordings_sent(world)
    assert len(corrections) == 3
    assert all(s.session == "Corrected recording link: Session 1" for s in corrections)
    assert "https://video.example.org/s01" in plain(corrections[0])


def test_a_failed_recording_send_is_retried_as_the_same_message(world: World) -> None:
    sessions = tuple(
        attrs.evolve(s, recording_url=f"https://video.example.org/{s.id}") for s in make_course().sessions
    )
    course = attrs.evolve(make_course(), sessions=sessions, recordings=RecordingPolicy("all"))
    world.syncer(course).apply()
    end_all_sessions(world, course)
    world.transport.sent.clear()
    world.transport.fail = 2
    result = world.syncer(course).apply()
    failed = [r for r in result.items if not r.ok]
    assert len(failed) == 2 and all(r.kind == "recording" for r in failed)
    first_ids = {s.message["Message-ID"] for s in recordings_sent(world)}
    assert len(recordings_sent(world)) == 9 - 2
    world.transport.sent.clear()
    world.syncer(course).apply()
    retried = recordings_sent(world)
    assert len(retried) == 2 and not ({s.message["Message-ID"] for s in retried} & first_ids)
    world.transport.sent.clear()
    world.syncer(course).apply()
    assert world.transport.sent == []


def test_no_recording_when_the_policy_is_none(world: World) -> None:
    sessions = tuple(
        attrs.evolve(s, recording_url=f"https://video.example.org/{s.id}") for s in make_course().sessions
    )
    course = attrs.evolve(make_course(), sessions=sessions, recordings=RecordingPolicy("none"))
    world.syncer(course).apply()
    end_all_sessions(world, course)
    world.transport.sent.clear()
    world.syncer(course).apply()
    assert recordings_sent(world) == []


def test_missed_sends_to_those_not_present_or_late_once_attendance_is_recorded(
    world: World, tmp_path: Path
) -> None:
    sessions = tuple(
        attrs.evolve(s, recording_url=f"https://video.example.org/{s.id}") for s in make_course().sessions
    )
    course = attrs.evolve(make_course(), sessions=sessions)  # send_to = "missed" by default
    world.syncer(course).apply()
    end_all_sessions(world, course)
    s01 = course.session("s01")
    register = tmp_path / "register.csv"
    start, mid, end = s01.start, s01.start + timedelta(minutes=40), s01.end
    register.write_text(
        "participant,join,leave\n"
        f"jm-01,{start.isoformat()},{end.isoformat()}\n"  # present
        f"tt-01,{start.isoformat()},{mid.isoformat()}\n"  # partial
    )  # bb-01: absent
    Attendance(course, world.store, world.plugins, world.context).import_file(
        register, fmt="register-csv", session_id="s01"
    )
    world.transport.sent.clear()
    world.syncer(course).apply()
    for_s01 = [s for s in recordings_sent(world) if s.session == "Recording: Session 1"]
    assert len(recordings_sent(world)) == len(for_s01)  # s02 and s03: attendance not recorded, nothing yet
    assert sorted(s.to.rpartition("<")[2].rstrip(">").lower() for s in for_s01) == [
        "dawn@example.org",
        "kiran@example.org",
    ]


def test_dial_in_of_a_classroom_round_trips_through_the_store(world: World) -> None:
    world.server.phones = PHONES
    course = make_course()
    world.syncer(course).apply()
    rows = world.store.classrooms(course.id)
    assert all(isinstance(r.classroom.dial_in, DialIn) for r in rows.values())
