"""Building invitations: content, languages, safety, independent parsers, the plugin hook, feeds."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import icalendar
import pytest
import vobject
from attrs import evolve as attrs_evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from ta_delivery.hookspecs import hookimpl
from ta_delivery.invites import (
    build_event,
    build_feed,
    build_invite,
    invite_fingerprint,
    lint_calendar,
    lint_message,
    render_calendar,
    session_uid,
)
from ta_delivery.invites.events import build_calendar
from ta_delivery.invites.text import clean_line, clean_param
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer
from ta_delivery.plugins import make_plugin_manager

STAMP = datetime(2027, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
URL = "https://meet.example.org/room-1?pwd=a,b;c"
LINK = "https://meet.example.org/room-1?pwd=a%2Cb%3Bc"  # URL as written: delimiters percent-encoded


def make_course(**changes: Any) -> Course:
    trainers = (Trainer("rf", "Roberto F.", "rf@example.org", "Europe/Zurich"),)
    participants = (
        Participant("ana", "Ana Pérez", "ana@example.org", "America/Jamaica", language="es"),
        Participant("jo", "Jo Martin", "jo@example.org", "Europe/Paris", language="fr"),
        Participant("li", "李小龍", "li@example.org", "Asia/Shanghai"),
        Participant("q", 'O\'Brien, "Q"; Jr.', "q@example.org", "Pacific/Auckland"),
    )
    sessions = (
        Session("s01", "Opening webinar", datetime(2027, 8, 10, 14, tzinfo=UTC), 120, trainers=("rf",)),
        Session(
            "s02",
            "Tariffs & rules",
            datetime(2027, 11, 10, 23, tzinfo=UTC),
            90,
            participants=("ana", "jo"),
            description="Bring your notes.\nSecond line.",
        ),
        Session("s03", "Recording", datetime(2027, 8, 12, 14, tzinfo=UTC), 60, kind="recorded"),
    )
    base: dict[str, Any] = {
        "id": "rtpc-2027",
        "title": "Trade Policy Course",
        "timezone": "America/Port_of_Spain",
        "organizer": Organizer("Training Institute", "training@example.org"),
        "trainers": trainers,
        "participants": participants,
        "sessions": sessions,
    }
    base.update(changes)
    return Course(**base)


COURSE = make_course()


def all_messages(course: Course = COURSE) -> list[tuple[Session, Any, str, int, str | None]]:
    out = []
    for session in course.live_sessions:
        for person in course.people_of(session):
            for method, seq in (("REQUEST", 0), ("REQUEST", 3), ("CANCEL", 4)):
                for url in (URL, None):
                    out.append((session, person, method, seq, url))
    return out


# --- identifiers -----------------------------------------------------------------------------


def test_session_uid_is_a_stable_uuid5_free_of_personal_data() -> None:
    uid = session_uid("rtpc-2027", "s01")
    assert uuid.UUID(uid).version == 5
    assert uid == session_uid("rtpc-2027", "s01")
    assert uid != session_uid("rtpc-2027", "s02")
    assert uid != session_uid("rtpc-2028", "s01")
    assert "rtpc" not in uid
    assert "s01" not in uid


def test_fingerprint_moves_with_significant_fields_only() -> None:
    s = COURSE.session("s01")
    base = invite_fingerprint(s, URL)
    assert base == invite_fingerprint(s, URL)
    from attrs import evolve

    for changed, link in (
        (evolve(s, start=s.start + timedelta(minutes=30)), URL),
        (evolve(s, minutes=90), URL),
        (evolve(s, title="Another title"), URL),
        (s, URL + "x"),
        (s, None),
    ):
        assert invite_fingerprint(changed, link) != base
    assert invite_fingerprint(evolve(s, description="new words"), URL) == base


# --- structure and lint ----------------------------------------------------------------------


@pytest.mark.parametrize(("session", "person", "method", "seq", "url"), all_messages())
def test_every_invite_is_clean_and_matches_the_model(
    session: Session, person: Any, method: str, seq: int, url: str | None
) -> None:
    msg = build_invite(COURSE, session, person, method=method, sequence=seq, join_url=url, dtstamp=STAMP)  # type: ignore[arg-type]
    raw = msg.as_bytes()
    assert lint_message(msg) == []
    assert lint_message(raw) == []
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    ics = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    assert isinstance(ics, bytes)
    assert lint_calendar(ics, expect_method=method) == []
    check_facts(ics, session, person, method, seq, url)


def check_facts(ics: bytes, session: Session, person: Any, method: str, seq: int, url: str | None) -> None:
    """The same facts, read by icalendar, by ical and by vobject."""
    uid = session_uid(COURSE.id, session.id)
    # icalendar
    cal = icalendar.Calendar.from_ical(ics)
    assert str(cal["METHOD"]) == method
    (ev,) = cal.events
    assert str(ev["UID"]) == uid
    assert ev.start == session.start
    assert ev.end == session.end
    assert ev["SEQUENCE"] == seq
    assert ev["DTSTAMP"].dt == STAMP.replace(microsecond=0)
    assert str(ev["ORGANIZER"]) == "mailto:training@example.org"
    assert str(ev["ATTENDEE"]) == f"mailto:{person.email}"
    assert ev["ATTENDEE"].params["CN"] == person.name
    assert str(ev["STATUS"]) == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")
    assert session.title in str(ev["SUMMARY"])
    if url and method == "REQUEST":
        assert str(ev["LOCATION"]) == LINK
        assert str(ev["URL"]) == LINK
        assert LINK in str(ev["DESCRIPTION"])
        (conf,) = ev.conferences
        assert str(conf.uri) == LINK
        assert conf.feature == ["AUDIO", "VIDEO"]
    else:
        assert "LOCATION" not in ev
        assert "URL" not in ev
        assert "CONFERENCE" not in ev
    # ical (allenporter)
    ical_cal = IcsCalendarStream.calendar_from_ics(ics.decode("utf-8"))
    (iev,) = ical_cal.events
    assert iev.uid == uid
    assert iev.sequence == seq
    assert iev.dtstart == session.start
    assert iev.dtend == session.end
    assert iev.organizer is not None
    assert iev.organizer.uri == "mailto:training@example.org"
    (att,) = iev.attendees
    assert att.uri == f"mailto:{person.email}"
    assert att.common_name == person.name
    assert att.rsvp is (method == "REQUEST")
    if url and method == "REQUEST":
        assert iev.location == LINK
        assert iev.url == LINK
    # vobject
    vcal = vobject.readOne(ics.decode("utf-8"))
    assert vcal.method.value == method
    vev = vcal.vevent
    assert vev.uid.value == uid
    assert vev.dtstart.value == session.start
    assert vev.dtend.value == session.end
    assert vev.attendee.value == f"mailto:{person.email}"
    if url and method == "REQUEST":
        assert vev.conference.params["FEATURE"] == ["AUDIO", "VIDEO"]
        assert vev.conference.value == LINK


def test_conference_feature_is_written_as_separate_tokens() -> None:
    ics, _ = render_calendar(
        COURSE, COURSE.session("s01"), method="REQUEST", sequence=0, dtstamp=STAMP, join_url=URL,
        attendee=COURSE.person("ana"),
    )  # fmt: skip
    unfolded = ics.replace(b"\r\n ", b"")
    assert b"CONFERENCE;FEATURE=AUDIO,VIDEO;VALUE=URI:" in unfolded
    assert b'FEATURE="' not in unfolded


def test_times_are_utc_with_z_and_dtstamp_is_fresh_per_message() -> None:
    s = COURSE.session("s02")
    person = COURSE.person("jo")
    first, _ = render_calendar(
        COURSE, s, method="REQUEST", sequence=0, dtstamp=STAMP, join_url=URL, attendee=person
    )
    later = STAMP + timedelta(hours=5)
    second, _ = render_calendar(
        COURSE, s, method="REQUEST", sequence=0, dtstamp=later, join_url=URL, attendee=person
    )
    assert b"DTSTART:20271110T230000Z\r\n" in first
    assert b"DTEND:20271111T003000Z\r\n" in first
    assert b"DTSTAMP:20270301T093015Z\r\n" in first
    assert b"DTSTAMP:20270301T143015Z\r\n" in second
    assert b"TZID" not in first
    assert b"VTIMEZONE" not in first


def test_fast_renderer_equals_a_plain_icalendar_build() -> None:
    for session, person, method, seq, url in all_messages():
        same = {"method": method, "sequence": seq, "dtstamp": STAMP, "join_url": url, "attendee": person}
        fast, _ = render_calendar(COURSE, session, **same)
        event = build_event(COURSE, session, **same)
        assert fast == build_calendar(method, [event]).to_ical()  # type: ignore[arg-type]


def test_roles_and_rsvp() -> None:
    s = COURSE.session("s01")
    trainer, _ = render_calendar(
        COURSE, s, method="REQUEST", sequence=0, dtstamp=STAMP, join_url=URL, attendee=COURSE.person("rf")
    )
    ana, _ = render_calendar(
        COURSE, s, method="REQUEST", sequence=0, dtstamp=STAMP, join_url=URL, attendee=COURSE.person("ana")
    )
    cancel, _ = render_calendar(
        COURSE, s, method="CANCEL", sequence=1, dtstamp=STAMP, join_url=URL, attendee=COURSE.person("ana")
    )
    att = {k: icalendar.Calendar.from_ical(v).events[0]["ATTENDEE"].params for k, v in
           (("rf", trainer), ("ana", ana), ("cancel", cancel))}  # fmt: skip
    assert att["rf"]["ROLE"] == "CHAIR"
    assert att["ana"]["ROLE"] == "REQ-PARTICIPANT"
    assert att["ana"]["RSVP"] == "TRUE"
    assert att["ana"]["PARTSTAT"] == "NEEDS-ACTION"
    assert att["cancel"]["RSVP"] == "FALSE"
    assert "PARTSTAT" not in att["cancel"]


def request_to_q(sequence: int) -> EmailMessage:
    """The REQUEST for ``s01`` to ``q`` (a display name that needs quoting)."""
    return build_invite(
        COURSE,
        COURSE.session("s01"),
        COURSE.person("q"),
        method="REQUEST",
        sequence=sequence,
        join_url=URL,
        dtstamp=STAMP,
    )


def test_message_shape_and_headers() -> None:
    msg = request_to_q(sequence=2)
    assert msg.get_content_type() == "multipart/mixed"
    alt, att = msg.get_payload()  # type: ignore[misc]
    assert [p.get_content_type() for p in alt.get_payload()] == ["text/plain", "text/html", "text/calendar"]
    cal_part = alt.get_payload()[2]
    assert cal_part.get_param("method") == "REQUEST"
    assert cal_part.get_param("charset") == "UTF-8"
    assert att.get_filename() == "invite.ics"
    assert att.get_content_disposition() == "attachment"
    assert att.get_payload(decode=True) == cal_part.get_payload(decode=True)
    assert msg["From"].addresses[0].addr_spec == "training@example.org"
    assert msg["To"].addresses[0].display_name == 'O\'Brien, "Q"; Jr.'
    assert msg["Date"].datetime == STAMP.replace(microsecond=0)
    again = request_to_q(sequence=2)
    assert again["Message-ID"] == msg["Message-ID"]
    assert again.as_bytes() == msg.as_bytes()
    other = request_to_q(sequence=3)
    assert other["Message-ID"] != msg["Message-ID"]
    html = alt.get_payload()[1].get_content()
    assert f'href="{LINK}"' in html


# --- languages -------------------------------------------------------------------------------


def texts(person_id: str, method: str = "REQUEST", seq: int = 0, session: str = "s02", **kw: Any) -> Any:
    _, words = render_calendar(
        COURSE, COURSE.session(session), method=method, sequence=seq, dtstamp=STAMP, join_url=URL,  # type: ignore[arg-type]
        attendee=COURSE.person(person_id), **kw,
    )  # fmt: skip
    return words


def test_words_follow_the_recipient_language() -> None:
    es, fr, en = texts("ana"), texts("jo"), texts("rf", session="s01")
    assert es.subject.startswith("Invitación: Tariffs & rules")
    assert fr.subject.startswith("Invitation\u00a0: Tariffs & rules")
    assert en.subject.startswith("Invitation: Opening webinar")
    assert "Cuándo:" in es.description
    assert "Quand\u00a0:" in fr.description
    assert "When:" in en.description
    assert texts("ana", seq=2).subject.startswith("Invitación actualizada:")
    assert texts("jo", method="CANCEL", seq=2).summary.startswith("Annulée\u00a0:")
    assert texts("rf", method="CANCEL", seq=2, session="s01").subject.startswith("Cancelled:")


def test_description_gives_the_time_in_the_recipient_zone() -> None:
    # s02 starts 2027-11-10 23:00Z: 18:00 in Jamaica, 00:00 the next day in Paris.
    es = texts("ana").description
    assert "miércoles, 10 de noviembre de 2027, de 18:00 a 19:30" in es
    assert "(America/Jamaica, UTC-05:00)" in es
    fr = texts("jo").description
    assert "jeudi 11 novembre 2027, de 00:00 à 01:30" in fr
    assert "(Europe/Paris, UTC+01:00)" in fr
    assert "2027-11-10 23:00–2027-11-11 00:30 UTC" in fr
    # Across midnight in the recipient zone: both dates are written.
    en = texts("li", session="s01").description  # 22:00-00:00 in Shanghai
    assert "Tuesday, August 10, 2027, 10:00\u202fPM – Wednesday, August 11, 2027, 12:00\u202fAM" in en


def test_cancel_reasons_are_explained() -> None:
    assert "no longer expected" in texts("rf", "CANCEL", 1, "s01", reason="removed").description
    assert (
        "The course Trade Policy Course has been cancelled"
        in texts("rf", "CANCEL", 1, "s01", reason="course-cancelled").description
    )
    assert "ha sido cancelada" in texts("ana", "CANCEL", 1).description


# --- safety ----------------------------------------------------------------------------------

EVIL = "Evil\r\nATTENDEE:mailto:spy@evil.example\r\nBcc: spy@evil.example\x00\x1b\u2028X"


def test_control_characters_cannot_inject_properties_or_headers() -> None:
    course = make_course(
        title=f"Course {EVIL}",
        organizer=Organizer(f"Org {EVIL}", "training@example.org"),
        participants=(Participant("p", f"Name {EVIL}", "p@example.org", "UTC"),),
        sessions=(
            Session("s1", f"Title {EVIL}", datetime(2027, 1, 5, 10, tzinfo=UTC), 60, description=f"D {EVIL}"),
        ),
    )
    msg = build_invite(
        course, course.sessions[0], course.participants[0], method="REQUEST", sequence=0,
        join_url=f"https://x.example/{EVIL}", dtstamp=STAMP,
    )  # fmt: skip
    raw = msg.as_bytes()
    assert lint_message(raw) == []
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_all("Bcc") is None
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^Bcc:", header_block, re.MULTILINE | re.IGNORECASE)
    ics = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    assert isinstance(ics, bytes)
    lines = ics.replace(b"\r\n ", b"").decode().split("\r\n")
    attendees = [ln for ln in lines if ln.startswith("ATTENDEE")]
    assert len(attendees) == 1
    assert attendees[0].endswith(":mailto:p@example.org")
    assert not any(ln.startswith("ATTENDEE:mailto:spy") for ln in lines)
    ev = icalendar.Calendar.from_ical(ics).events[0]
    assert len(ev.get("ATTENDEE") if isinstance(ev.get("ATTENDEE"), list) else [ev["ATTENDEE"]]) == 1
    for text in (str(ev["SUMMARY"]), ev["ATTENDEE"].params["CN"], str(parsed["Subject"])):
        assert not re.search("[\x00-\x1f\x7f\u2028]", text)
    assert "spy@evil.example" in str(ev["SUMMARY"])  # neutralised, not dropped


def test_names_survive_in_every_script() -> None:
    names = ['Zoë "Q" O\'Hara, Jr.; PhD', "李小龍", "Мария Иванова", "محمد", "a:b;c,d\\e"]
    for i, name in enumerate(names):
        course = make_course(
            participants=(Participant(f"p{i}", name, f"p{i}@example.org", "UTC"),),
            sessions=(COURSE.session("s01"),),
        )
        person = course.participants[0]
        raw = build_invite(
            course, course.session("s01"), person, method="REQUEST", sequence=0, join_url=URL, dtstamp=STAMP
        ).as_bytes()
        assert lint_message(raw) == []
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["To"].addresses[0].display_name == name
        ics = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar").get_payload(
            decode=True
        )
        in_calendar = name.replace("\\", "/")  # a backslash would read as an escape in some parsers
        assert icalendar.Calendar.from_ical(ics).events[0]["ATTENDEE"].params["CN"] == in_calendar
        iev = IcsCalendarStream.calendar_from_ics(ics.decode()).events[0]  # type: ignore[union-attr]
        assert iev.attendees[0].common_name == in_calendar


def test_headers_decode_to_the_words_and_stay_short() -> None:
    long_name = "Ñandú " * 20 + 'and "quotes", commas; semicolons'
    course = make_course(
        participants=(Participant("p", long_name, "p@example.org", "Asia/Tokyo", language="es"),),
        sessions=(attrs_evolve(COURSE.session("s01"), title="Política " * 12),),
    )
    person = course.participants[0]
    msg = build_invite(
        course, course.sessions[0], person, method="REQUEST", sequence=1, join_url=URL, dtstamp=STAMP
    )
    raw = msg.as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert head.isascii()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    _, words = render_calendar(
        course, course.sessions[0], method="REQUEST", sequence=1, dtstamp=STAMP, join_url=URL, attendee=person
    )
    assert parsed["Subject"] == words.subject
    # A long name is folded into several RFC 2047 encoded-words. The whitespace between them is not part of
    # the name (RFC 2047 section 6.2); Python's modern address parser keeps it, so decode by the RFC here.
    display, address = parseaddr(str(email.message_from_bytes(raw, policy=email.policy.compat32)["To"]))
    assert str(make_header(decode_header(display))) == long_name.strip()
    assert address == "p@example.org"
    assert email.message_from_bytes(raw, policy=email.policy.SMTP).as_bytes() == raw
    plain = next(p for p in parsed.walk() if p.get_content_type() == "text/plain").get_content()
    assert plain.replace("\r\n", "\n") == words.description + "\n"


def test_non_http_join_links_are_left_out() -> None:
    ics, words = render_calendar(
        COURSE, COURSE.session("s01"), method="REQUEST", sequence=0, dtstamp=STAMP,
        join_url="javascript:alert(1)", attendee=COURSE.person("rf"),
    )  # fmt: skip
    assert b"javascript" not in ics
    assert "javascript" not in words.html


# whatever text a course file or provider hands over, invitations stay well-formed (property)

WHOLE_STAMP = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
NASTY = st.sampled_from(
    [
        *("\r", "\n", "\r\n", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\t", ";", ",", ":", '"', "\\", "^"),
        *("\u202e", "\u2066", "\u200f"),  # bidi override, isolate, right-to-left mark
    ]
)
TEXT = st.lists(
    st.one_of(st.text(max_size=8), NASTY, st.text("xyz", min_size=60, max_size=90)), min_size=1, max_size=12
).map("".join)
NAME = TEXT.filter(lambda t: t.strip() != "")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=NAME, name=NAME, organizer=NAME, description=TEXT, course_title=NAME, link_tail=TEXT)
def test_any_text_gives_a_clean_invite(
    title: str, name: str, organizer: str, description: str, course_title: str, link_tail: str
) -> None:
    course = Course(
        id="c",
        title=course_title,
        timezone="UTC",
        organizer=Organizer(organizer, "org@example.org"),
        participants=(Participant("p", name, "p@example.org", "Asia/Tokyo"),),
        sessions=(Session("s", title, datetime(2027, 5, 1, 10, tzinfo=UTC), 60, description=description),),
    )
    for method in ("REQUEST", "CANCEL"):
        msg = build_invite(
            course, course.sessions[0], course.participants[0], method=method, sequence=1,  # type: ignore[arg-type]
            join_url="https://x.example/" + link_tail, dtstamp=WHOLE_STAMP,
        )  # fmt: skip
        raw = msg.as_bytes()
        assert lint_message(raw) == []
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert head.isascii()
        assert all(len(line) <= 78 for line in head.split(b"\r\n"))
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert [a.addr_spec for a in parsed["To"].addresses] == ["p@example.org"]
        assert [a.addr_spec for a in parsed["From"].addresses] == ["org@example.org"]
        assert parsed.get_all("Bcc") is None and parsed.get_all("Cc") is None
        part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        (event,) = icalendar.Calendar.from_ical(data).events
        attendee = event["ATTENDEE"]
        assert not isinstance(attendee, list)
        assert str(attendee) == "mailto:p@example.org"
        assert attendee.params.get("CN", "") == clean_param(name)
        assert event["ORGANIZER"].params.get("CN", "") == clean_param(organizer)
        assert clean_line(title) in str(event["SUMMARY"])
    feed = build_feed(
        course,
        person_id=None,
        join_urls={"s": "https://x.example/" + link_tail},
        sequences={},
        dtstamp=WHOLE_STAMP,
    )
    assert lint_calendar(feed, expect_method="PUBLISH") == []


def test_bidi_overrides_are_dropped_but_right_to_left_marks_kept() -> None:
    spoof = "Invoice \u202efdp.exe\u202c and \u2067isolate\u2069"
    assert clean_line(spoof) == "Invoice fdp.exe and isolate"
    assert clean_line("\u05e9\u05dc\u05d5\u05dd\u200f (1/3)") == "\u05e9\u05dc\u05d5\u05dd\u200f (1/3)"
    course = Course(
        id="c",
        title="Course",
        timezone="UTC",
        organizer=Organizer("Org", "org@example.org"),
        participants=(Participant("p", "P", "p@example.org", "UTC"),),
        sessions=(Session("s", spoof, datetime(2027, 5, 1, 10, tzinfo=UTC), 60),),
    )
    msg = build_invite(
        course, course.sessions[0], course.participants[0], method="REQUEST", sequence=0,
        join_url="https://x.example/r", dtstamp=WHOLE_STAMP,
    )  # fmt: skip
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert "\u202e" not in str(parsed["Subject"]) and "fdp.exe" in str(parsed["Subject"])
    assert "\u202e" not in msg.as_bytes().decode("utf-8", "replace")


# --- the plugin hook -------------------------------------------------------------------------


class Decorator:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    @hookimpl
    def ta_delivery_invite_building(
        self, course: Course, session: Session, person: Any, method: str, event: Any
    ) -> None:
        self.calls.append((session.id, person.id, method))
        event.add("X-COURSE-LEVEL", f"for {person.id}")


class Watcher:
    @hookimpl
    def ta_delivery_invite_building(
        self, course: Course, session: Session, person: Any, method: str, event: Any
    ) -> None:
        return None


def test_decorated_path_gives_the_same_bytes_when_nothing_is_added() -> None:
    plugins = make_plugin_manager(builtins=False, entry_points=False, extra=[Watcher()])
    for session, person, method, seq, url in all_messages()[:24]:
        kwargs: Any = {
            "method": method,
            "sequence": seq,
            "dtstamp": STAMP,
            "join_url": url,
            "attendee": person,
        }
        assert render_calendar(COURSE, session, plugins=plugins, **kwargs) == render_calendar(
            COURSE, session, **kwargs
        )


def test_hook_decorates_invites_and_feeds() -> None:
    deco = Decorator()
    plugins = make_plugin_manager(builtins=False, entry_points=False, extra=[deco])
    msg = build_invite(
        COURSE, COURSE.session("s01"), COURSE.person("ana"), method="REQUEST", sequence=0, join_url=URL,
        dtstamp=STAMP, plugins=plugins,
    )  # fmt: skip
    assert lint_message(msg) == []
    ics = next(p for p in msg.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    assert b"X-COURSE-LEVEL:for ana\r\n" in ics
    assert deco.calls == [("s01", "ana", "REQUEST")]
    build_feed(COURSE, person_id=None, join_urls={}, sequences={}, dtstamp=STAMP, plugins=plugins)
    build_feed(COURSE, person_id="jo", join_urls={}, sequences={}, dtstamp=STAMP, plugins=plugins)
    assert deco.calls[1:] == [
        ("s01", "organizer", "PUBLISH"),
        ("s03", "organizer", "PUBLISH"),
        ("s02", "organizer", "PUBLISH"),
        ("s01", "jo", "PUBLISH"),
        ("s03", "jo", "PUBLISH"),
        ("s02", "jo", "PUBLISH"),
    ]


# --- feeds -----------------------------------------------------------------------------------


def test_feed_is_publish_without_attendees_with_the_invite_uids() -> None:
    data = build_feed(COURSE, person_id=None, join_urls={"s01": URL}, sequences={"s01": 4}, dtstamp=STAMP)
    assert lint_calendar(data, expect_method="PUBLISH") == []
    cal = icalendar.Calendar.from_ical(data)
    uids = [str(e["UID"]) for e in cal.events]
    assert uids == [session_uid(COURSE.id, sid) for sid in ("s01", "s03", "s02")]  # every session, by start
    first, recorded, second = cal.events
    assert first["SEQUENCE"] == 4
    assert str(first["LOCATION"]) == LINK
    assert "LOCATION" not in second
    assert second["SEQUENCE"] == 0
    assert not {"LOCATION", "URL", "CONFERENCE"} & set(recorded)  # a recorded session has no classroom
    assert "recorded session" in str(recorded["DESCRIPTION"])
    assert "join link will follow" not in str(recorded["DESCRIPTION"])
    assert b"ATTENDEE" not in data
    assert "When:" in str(first["DESCRIPTION"])  # course language
    vcal = vobject.readOne(data.decode())
    assert len(vcal.vevent_list) == 3
    ical_cal = IcsCalendarStream.calendar_from_ics(data.decode())
    assert ical_cal.method == "PUBLISH"
    assert [(e.uid, e.sequence, e.url) for e in ical_cal.events] == [
        (uids[0], 4, LINK),
        (uids[1], 0, None),
        (uids[2], 0, None),
    ]
    assert all(not e.attendees for e in ical_cal.events)


def test_personal_feed_has_their_sessions_in_their_language() -> None:
    data = build_feed(COURSE, person_id="li", join_urls={}, sequences={}, dtstamp=STAMP)
    cal = icalendar.Calendar.from_ical(data)
    assert [str(e["UID"]) for e in cal.events] == [session_uid(COURSE.id, s) for s in ("s01", "s03")]
    assert "Asia/Shanghai" in str(cal.events[0]["DESCRIPTION"])
    fr = icalendar.Calendar.from_ical(
        build_feed(COURSE, person_id="jo", join_urls={}, sequences={}, dtstamp=STAMP)
    )
    assert "Quand" in str(fr.events[0]["DESCRIPTION"])
    with pytest.raises(KeyError):
        build_feed(COURSE, person_id="nobody", join_urls={}, sequences={}, dtstamp=STAMP)


def test_cancelled_course_feed_marks_events_cancelled() -> None:
    course = make_course(status="cancelled")
    cal = icalendar.Calendar.from_ical(
        build_feed(course, person_id=None, join_urls={}, sequences={}, dtstamp=STAMP)
    )
    assert {str(e["STATUS"]) for e in cal.events} == {"CANCELLED"}


def test_bad_arguments_are_refused() -> None:
    s, p = COURSE.session("s01"), COURSE.person("ana")
    with pytest.raises(ValueError, match="REQUEST or a CANCEL"):
        build_invite(COURSE, s, p, method="PUBLISH", sequence=0, join_url=None, dtstamp=STAMP)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        build_invite(COURSE, s, p, method="REQUEST", sequence=-1, join_url=None, dtstamp=STAMP)
    with pytest.raises(ValueError, match="aware"):
        build_invite(COURSE, s, p, method="REQUEST", sequence=0, join_url=None, dtstamp=datetime(2027, 1, 1))


@pytest.mark.parametrize("title", ["Paths C:\\New\\Folder", "a\\nb and \\N", "ends in \\", "x\\;y\\,z"])
def test_backslashes_in_titles_read_back_as_written(title: str) -> None:
    """icalendar's TEXT escaping turns a literal ``\\N`` into a line break; ours keeps every backslash."""
    course = make_course(sessions=(attrs_evolve(COURSE.session("s01"), title=title, description=title),))
    person = course.participants[0]
    msg = build_invite(
        course, course.session("s01"), person, method="REQUEST", sequence=0, join_url=URL, dtstamp=STAMP
    )
    ics = next(p for p in msg.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    event = icalendar.Calendar.from_ical(ics).events[0]
    assert str(event["SUMMARY"]).startswith(f"{title} (")
    assert f"\n\n{title}\n" in str(event["DESCRIPTION"])
    other = IcsCalendarStream.calendar_from_ics(ics.decode()).events[0]  # type: ignore[union-attr]
    assert other.summary is not None and other.summary.startswith(f"{title} (")
    feed = build_feed(course, person_id=None, join_urls={"s01": URL}, sequences={}, dtstamp=STAMP)
    [published] = [e for e in icalendar.Calendar.from_ical(feed).events if e["UID"] == event["UID"]]
    assert str(published["SUMMARY"]).startswith(f"{title} (")
