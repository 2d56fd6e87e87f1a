"""Dial-in numbers: read from Zoom and Webex answers, ordered for the recipient, and carried by the
invitation in plain text, HTML and CONFERENCE;FEATURE=PHONE properties."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.dialin import OTHERS, country_from_label, numbers_for, tel_uri
from ta_delivery.invites import build_invite, invite_fingerprint
from ta_delivery.models import Course, Organizer, Participant, Session, Trainer
from ta_delivery.records import DialIn, PhoneNumber
from ta_delivery_webex import sansio as webex_sansio
from ta_delivery_zoom import sansio as zoom_sansio

STAMP = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "api" / "webex_spec_examples"

ZOOM_MEETING: dict[str, Any] = {
    "id": 85012345678,
    "join_url": "https://zoom.example/j/85012345678?pwd=x",
    "pstn_password": "904711",
    "settings": {
        "global_dial_in_numbers": [
            {
                "country": "US",
                "country_name": "US",
                "city": "New York",
                "number": "+1 646 558 8656",
                "type": "toll",
            },
            {
                "country": "FR",
                "country_name": "France",
                "city": "Paris",
                "number": "+33 1 7037 2246",
                "type": "toll",
            },
            {"country": "JM", "country_name": "Jamaica", "number": "+1 876 555 0100", "type": "toll"},
            {"country": "JM", "country_name": "Jamaica", "number": "+1 800 555 0199", "type": "tollfree"},
            {
                "country": "DE",
                "country_name": "Germany",
                "city": "Frankfurt",
                "number": "+49 69 7104 9922",
                "type": "toll",
            },
            {
                "country": "US",
                "country_name": "US",
                "city": "San Jose",
                "number": "+1 669 900 6833",
                "type": "toll",
            },
        ]
    },
}


def zoom_dial_in() -> DialIn:
    found = zoom_sansio.dial_in_from(ZOOM_MEETING)
    assert found is not None
    return found


def make_course() -> Course:
    return Course(
        id="c1",
        title="Trade policy",
        timezone="America/Port_of_Spain",
        organizer=Organizer("Institute", "training@example.org"),
        trainers=(Trainer("rf", "Roberto F.", "rf@example.org", "Europe/Zurich"),),
        participants=(
            Participant(
                "ana", "Ana Pérez", "ana@example.org", "America/Jamaica", language="es", country="JM"
            ),
            Participant("jo", "Jo Martin", "jo@example.org", "Europe/Paris", language="fr", country="FR"),
        ),
        sessions=(Session("s01", "Opening", datetime(2027, 8, 10, 14, tzinfo=UTC), 120, trainers=("rf",)),),
    )


def test_zoom_dial_in_reads_numbers_meeting_id_and_phone_passcode() -> None:
    dial_in = zoom_dial_in()
    assert dial_in.meeting_number == "85012345678"
    assert dial_in.passcode == "904711"
    assert dial_in.one_tap == ",,85012345678#,,,,*904711#"
    assert dial_in.numbers[0] == PhoneNumber("+1 646 558 8656", "US", "New York", False)
    assert [n.toll_free for n in dial_in.numbers].count(True) == 1


def test_zoom_without_numbers_or_with_the_older_passcode_field() -> None:
    assert zoom_sansio.dial_in_from({"id": 1, "settings": {}}) is None
    older = {**ZOOM_MEETING, "pstn_password": None, "h323_password": "998877"}
    found = zoom_sansio.dial_in_from(older)
    assert found is not None and found.passcode == "998877"


def test_zoom_classroom_carries_its_dial_in() -> None:
    from ta_delivery.records import ClassroomRequest

    request = ClassroomRequest("k", "c1", "s01", "Opening", STAMP, 60, "UTC")
    room = zoom_sansio.classroom_from(request, ZOOM_MEETING, kind="meeting", host="me", registrants={})
    assert room.dial_in == zoom_dial_in()
    assert "904711" not in repr(room)


def test_webex_dial_in_from_the_official_example() -> None:
    path = SAMPLES / "create_meeting_200.json"
    if not path.exists():
        pytest.skip("../shared is absent")
    meeting = json.loads(path.read_text())
    found = webex_sansio.dial_in_from(meeting)
    assert found is not None
    assert found.meeting_number == meeting["telephony"]["accessCode"]
    assert found.passcode == meeting["phoneAndVideoSystemPassword"]
    assert found.numbers[0].country == "US"  # read from the label "US Toll"
    assert found.one_tap == f",,{found.meeting_number}#{found.passcode}#"


def test_webex_without_password_ends_with_a_double_hash() -> None:
    meeting = {
        "telephony": {
            "accessCode": "2550012345",
            "callInNumbers": [
                {
                    "label": "United Kingdom Toll Free",
                    "callInNumber": "+44-20-7660-8149",
                    "tollType": "tollFree",
                }
            ],
        }
    }
    found = webex_sansio.dial_in_from(meeting)
    assert found is not None
    assert found.numbers[0].country == "GB" and found.numbers[0].toll_free
    assert tel_uri(found.numbers[0], found) == "tel:+442076608149,,2550012345%23%23"


@pytest.mark.parametrize(
    ("label", "country"),
    [("US Toll", "US"), ("United Kingdom Toll Free", "GB"), ("Jamaica", "JM"), ("Global call-in", None)],
)
def test_country_from_label(label: str, country: str | None) -> None:
    assert country_from_label(label) == country


def test_recipient_country_first_toll_free_before_toll() -> None:
    shown = numbers_for(zoom_dial_in(), "JM")
    assert [n.number for n in shown[:2]] == ["+1 800 555 0199", "+1 876 555 0100"]
    assert {n.country for n in shown[2:]} <= {"US", "FR", "DE"}
    assert len(shown) == 2 + OTHERS


phones = st.builds(
    PhoneNumber,
    number=st.from_regex(r"\+[1-9][0-9]{6,11}", fullmatch=True),
    country=st.sampled_from(["US", "FR", "JM", "DE", "BR", None]),
    toll_free=st.booleans(),
)


@given(st.lists(phones, max_size=40), st.sampled_from(["US", "FR", "JM", "KE", None]))
def test_numbers_for_is_short_own_country_first_and_from_the_list(
    numbers: list[PhoneNumber], country: str | None
) -> None:
    dial_in = DialIn(numbers=tuple(numbers), meeting_number="1", one_tap=",,1#")
    shown = numbers_for(dial_in, country)
    assert all(n in numbers for n in shown)
    own = [n for n in shown if country is not None and n.country == country]
    assert shown[: len(own)] == tuple(own)  # the recipient's first
    others = shown[len(own) :]
    assert len(others) <= OTHERS and len({n.country for n in others}) == len(others)
    if country is not None and any(n.country == country for n in numbers):
        assert own


def message(person_id: str, dial_in: DialIn | None) -> email.message.EmailMessage:
    course = make_course()
    msg = build_invite(
        course,
        course.sessions[0],
        course.person(person_id),
        method="REQUEST",
        sequence=0,
        join_url="https://zoom.example/j/85012345678?pwd=x",
        dtstamp=STAMP,
        dial_in=dial_in,
    )
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def parts(msg: email.message.EmailMessage) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("text/plain", "text/html", "text/calendar") and ctype not in out:
            out[ctype] = (
                part.get_content() if ctype != "text/calendar" else part.get_payload(decode=True).decode()
            )
    return out


def test_invitation_plain_text_alone_is_enough_to_phone_in() -> None:
    text = parts(message("ana", zoom_dial_in()))["text/plain"]
    assert "Unirse por teléfono:" in text  # Ana reads Spanish
    jamaica = text.index("+1 800 555 0199")
    assert jamaica < text.index("+1 646 558 8656")  # her country first
    assert "+18005550199,,85012345678#,,,,*904711#" in text  # one tap, meeting id and passcode
    assert "Número de reunión: 85012345678" in text
    assert "Código de acceso telefónico: 904711" in text
    assert "Jamaica" in text


def test_invitation_html_has_tel_links_and_calendar_has_phone_conference() -> None:
    content = parts(message("jo", zoom_dial_in()))
    assert 'href="tel:+33170372246,,85012345678%23,,,,*904711%23"' in content["text/html"]
    assert "Rejoindre par téléphone" in content["text/html"]
    calendar = icalendar.Calendar.from_ical(content["text/calendar"])
    event = next(iter(calendar.walk("VEVENT")))
    conferences = event.get("CONFERENCE")
    conferences = conferences if isinstance(conferences, list) else [conferences]
    phone = [c for c in conferences if "PHONE" in str(c.params.get("FEATURE", ""))]
    assert phone, "a CONFERENCE with FEATURE=PHONE"
    assert str(phone[0]) == "tel:+33170372246,,85012345678%23,,,,*904711%23"
    assert phone[0].params["VALUE"] == "URI" and phone[0].params["LABEL"]


def test_no_dial_in_no_phone_block() -> None:
    text = parts(message("jo", None))["text/plain"]
    assert "téléphone" not in text


def test_a_change_of_numbers_or_passcode_changes_the_fingerprint() -> None:
    session = make_course().sessions[0]
    url = "https://zoom.example/j/1"
    base = zoom_dial_in()
    assert invite_fingerprint(session, url, None) == invite_fingerprint(session, url)
    assert invite_fingerprint(session, url, base) != invite_fingerprint(session, url)
    changed_code = attrs.evolve(base, passcode="654321")
    changed_numbers = attrs.evolve(base, numbers=base.numbers[:-1])
    fingerprints = {invite_fingerprint(session, url, d) for d in (base, changed_code, changed_numbers)}
    assert len(fingerprints) == 3


def test_an_invitation_with_a_hundred_numbers_stays_under_30_kb() -> None:
    many = DialIn(
        numbers=tuple(
            PhoneNumber(f"+{n} 555 0100", country, "City") for n, country in enumerate(["US", "FR"] * 50, 10)
        ),
        meeting_number="85012345678",
        passcode="904711",
        one_tap=",,85012345678#,,,,*904711#",
    )
    msg = message("ana", many)
    assert len(bytes(msg)) < 30 * 1024


def test_the_store_remembers_dial_in_and_upgrades_a_store_without_it(tmp_path: Path) -> None:
    from sqlalchemy import text

    from ta_delivery.records import Classroom
    from ta_delivery.store import open_store

    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = open_store(url)
    with store.transaction() as conn:  # the previous release's classrooms table had no dial_in column
        conn.execute(text("ALTER TABLE classrooms DROP COLUMN dial_in"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 1"))
    store.close()

    store = open_store(url)
    store.remember_course("c1", "Trade policy", "UTC", STAMP)
    room = Classroom("zoom", "k", "85012345678", "https://zoom.example/j/1", dial_in=zoom_dial_in())
    plain = Classroom("jitsi", "k2", "room", "https://meet.example/room")
    for sid, classroom in (("s01", room), ("s02", plain)):
        store.save_classroom(
            "c1",
            sid,
            classroom,
            fingerprint="f",
            state="active",
            start=STAMP,
            end=STAMP,
            title="t",
            minutes=60,
            now=STAMP,
        )
    rows = store.classrooms("c1")
    assert rows["s01"].classroom.dial_in == zoom_dial_in()
    assert rows["s02"].classroom.dial_in is None
    store.close()
