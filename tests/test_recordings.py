"""Recording messages: their own words in the recipient's language, the link and passcode, small, and a
stable Message-ID per person and link (a retry is recognisable; a changed link is a new message)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from ta_delivery.invites.recording import build_recording_message, recording_fingerprint
from ta_delivery.models import Course, Organizer, Participant, Session
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
