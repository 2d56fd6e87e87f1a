"""Recording messages: their own words in the recipient's language, the link and passcode, small, and a
stable Message-ID per person and link (a retry is recognisable; a changed link is a new message)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.invites import lifecycle
from ta_delivery.invites.recording import build_recording_message, recording_fingerprint
from ta_delivery.models import Course, Organizer, Participant, RecordingPolicy, Session
from ta_delivery.recordings import audience, recording_of
from ta_delivery.records import Recording

STAMP = datetime(2027, 8, 11, 9, tzinfo=UTC)
LINK = Recording("https://zoom.example/rec/share/XYZ?a=1&b=2", "rec-pass")


def make_course() -> Course:
    return Course(
        id="c1",
        title="Trade policy",
        timezone="America/Port_of_Spain",
        organizer=Organizer("Institute", "training@example.org"),
        participants=(
            Participant("ana", "Ana Pérez", "ana@example.org", "America/Jamaica", language="es"),
            Participant("jo", "Jo Martin", "jo@example.org", "Europe/Paris", language="fr"),
            Participant("li", "Li", "li@example.org", "Asia/Shanghai"),
        ),
        sessions=(Session("s01", "Opening", datetime(2027, 8, 10, 14, tzinfo=UTC), 120),),
    )


def parsed(person: str, recording: Recording = LINK, correction: bool = False) -> email.message.EmailMessage:
    course = make_course()
    msg = build_recording_message(
        course,
        course.sessions[0],
        course.person(person),
        recording=recording,
        correction=correction,
        dtstamp=STAMP,
    )
    data = bytes(msg)
    assert len(data) < 30 * 1024
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    out = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(out, email.message.EmailMessage)
    return out


def text_of(msg: email.message.EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def test_recording_message_in_each_language_with_link_and_passcode() -> None:
    es, fr, en = parsed("ana"), parsed("jo"), parsed("li")
    assert es["Subject"] == "Grabación: Opening"
    assert fr["Subject"] == "Enregistrement : Opening"
    assert en["Subject"] == "Recording: Opening"
    for msg in (es, fr, en):
        plain = text_of(msg, "plain")
        assert LINK.url in plain and "rec-pass" in plain
        assert not any(p.get_content_type() == "text/calendar" for p in msg.walk())  # not an invitation
    assert 'href="https://zoom.example/rec/share/XYZ?a=1&amp;b=2"' in text_of(en, "html")
    assert "Asia/Shanghai" in text_of(en, "plain") or "UTC+08:00" in text_of(en, "plain")


def test_a_correction_has_its_own_words_and_a_new_message_id() -> None:
    first = parsed("li")
    again = parsed("li")
    moved = Recording("https://zoom.example/rec/share/NEW", None)
    corrected = parsed("li", moved, correction=True)
    assert first["Message-ID"] == again["Message-ID"]  # a retry is the same message
    assert corrected["Message-ID"] != first["Message-ID"]
    assert corrected["Subject"] == "Corrected recording link: Opening"
    assert "Passcode" not in text_of(corrected, "plain")
    assert recording_fingerprint(moved) != recording_fingerprint(LINK)
    assert recording_fingerprint(Recording(LINK.url, "other")) != recording_fingerprint(LINK)


# --- who receives it ----------------------------------------------------------------------------

STATUSES = ["present", "late", "partial", "absent", "excused", "upcoming", "unrecorded"]


@given(
    statuses=st.lists(st.sampled_from(STATUSES), min_size=3, max_size=3),
    policy=st.sampled_from(["missed", "all", "none"]),
    ineligible=st.sets(st.sampled_from(["ana", "jo", "li"])),
    recorded=st.booleans(),
)
def test_who_receives_the_recording_under_every_status(
    statuses: list[str], policy: str, ineligible: set[str], recorded: bool
) -> None:
    course = attrs.evolve(make_course(), recordings=RecordingPolicy(policy))
    session = course.sessions[0]
    by_person = dict(zip(["ana", "jo", "li"], statuses, strict=True)) if recorded else None
    got = {p.id for p in audience(course, session, by_person, lambda p: p.id not in ineligible)}
    invited = {"ana", "jo", "li"} - ineligible
    if policy == "none":
        expected: set[str] = set()
    elif policy == "all":
        expected = invited
    elif by_person is None or any(by_person[p] in ("upcoming", "unrecorded") for p in invited):
        expected = set()  # missed waits until the session's attendance is recorded
    else:
        expected = {p for p in invited if by_person[p] not in ("present", "late")}
    assert got == expected
    assert not got & {t.id for t in course.trainers}


def test_the_course_files_link_wins_over_the_providers() -> None:
    session = make_course().sessions[0]
    found = Recording("https://zoom.example/rec/share/1", "pw")
    assert recording_of(session, found) == found
    mine = attrs.evolve(session, recording_url="https://video.example.org/1")
    assert recording_of(mine, found) == Recording("https://video.example.org/1")
    assert recording_of(session, None) is None
    recorded_session = attrs.evolve(session, kind="recorded")
    assert (
        audience(attrs.evolve(make_course(), recordings=RecordingPolicy("all")), recorded_session, {}) == ()
    )


# --- the recording rule of the lifecycle --------------------------------------------------------


def wanted(fp: str, email: str = "ana@example.org") -> lifecycle.Wanted:
    return lifecycle.Wanted("s01", "ana", email, fp, kind=lifecycle.RECORDING)


def logged(fp: str, seq: int = 0, state: str = "sent", email: str = "ana@example.org") -> lifecycle.Message:
    return lifecycle.Message("s01", "ana", email, lifecycle.SEND, seq, fp, state, lifecycle.RECORDING)


@pytest.mark.parametrize(
    ("history", "want", "expected"),
    [
        ([], wanted("A"), [(0, "recording")]),  # first time
        ([logged("A")], wanted("A"), []),  # once
        ([logged("A", state="pending")], wanted("A"), [(0, "recording")]),  # unsent: the same again
        ([logged("A")], wanted("B"), [(1, "correction")]),  # the link changed
        ([logged("A"), logged("B", 1, "failed")], wanted("B"), [(1, "correction")]),  # its retry
        ([logged("A"), logged("B", 1)], wanted("A"), [(2, "correction")]),  # changed back
        ([logged("A")], wanted("A", "new@example.org"), []),  # a new address: they have the link
        ([logged("A")], None, []),  # nobody wanted any more: nothing is withdrawn
    ],
)
def test_recording_rule(
    history: list[lifecycle.Message], want: lifecycle.Wanted | None, expected: list[tuple[int, str]]
) -> None:
    owed = lifecycle.owed([want] if want else [], history, {"s01": "session-cancelled"})
    assert [(o.sequence, o.wording) for o in owed] == expected
    assert all(o.method == lifecycle.SEND and o.kind == lifecycle.RECORDING for o in owed)


def test_the_public_catalogue_shows_no_recording_link_and_no_centre_contact(tmp_path: Path) -> None:
    from helpers.catalogue import build, copy_programme, site_files

    programme = copy_programme(tmp_path / "programme")
    course = programme.parent / "rtpc-caribbean-2027" / "course.toml"
    text = course.read_text(encoding="utf-8")
    text = text.replace(
        'id = "opening"\n',
        'id = "opening"\nrecording_url = "https://video.example.org/secret-recording"\n',
        1,
    )
    text += (
        '\n[[centres]]\nid = "kingston"\nname = "Reference Centre Kingston"\ntimezone = "America/Jamaica"\n'
        'contact = { name = "C. Brown", email = "centre-contact@example.org" }\n'
    )
    course.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    build(programme, out)
    for name, data in site_files(out).items():
        assert b"secret-recording" not in data, name
        assert b"centre-contact@example.org" not in data, name


def test_apply_sends_the_recording_through_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ta_delivery.cli import main

    course = tmp_path / "course.toml"
    course.write_text(
        """
[course]
id = "rec-demo"
title = "Recording demo"
timezone = "America/Jamaica"
organizer = { name = "Training Institute", email = "training@example.org" }

[recordings]
send_to = "all"

[[participants]]
id = "jm-01"
name = "Ana Pérez"
email = "ana@example.org"
timezone = "America/Jamaica"
language = "es"

[[sessions]]
id = "s01"
title = "Opening"
start = 2027-08-10T10:00:00
minutes = 60
recording_url = "https://video.example.org/s01"
""",
        encoding="utf-8",
    )

    def apply(now: str) -> str:
        env = {"TA_DELIVERY_NOW": now, "TA_DELIVERY_STATE": None, "TA_DELIVERY_OUTBOX": None}
        result = CliRunner().invoke(main, ["apply", str(course), "--yes"], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    apply("2027-08-01T00:00:00Z")
    outbox = tmp_path / ".ta-delivery" / "outbox"
    before = set(outbox.glob("*.eml"))
    assert "1 recording message" in apply("2027-08-12T00:00:00Z")
    (new,) = set(outbox.glob("*.eml")) - before
    msg = email.message_from_bytes(new.read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "Grabación: Opening"
    assert "1 recording message" not in apply("2027-08-13T00:00:00Z")  # once
    assert len(set(outbox.glob("*.eml"))) == len(before) + 1
