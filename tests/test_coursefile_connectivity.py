"""Course-file keys for low connectivity: ``[[centres]]``, a person's ``centre``, a session's
``recording_url`` and ``[recordings] send_to``, with every mistake reported at once."""

from __future__ import annotations

import pytest

from ta_delivery.coursefile import parse_course
from ta_delivery.errors import InputError
from ta_delivery.models import Organizer
from ta_delivery.testing.courses import centre, course_toml, session, table
from ta_delivery.testing.courses import person as person_keys

HEAD = course_toml(participants=(), sessions=())

CENTRE = table("[[centres]]", centre(country="jm"))


def person(pid: str, centre: str | None = None) -> str:
    return table(
        "[[participants]]", person_keys(pid, f"Person {pid}", timezone="America/Jamaica", centre=centre)
    )


SESSION = table(
    "[[sessions]]",
    session(
        "s01",
        "2027-08-10T10:00:00",
        90,
        title="Opening",
        trainers=None,
        recording_url="https://video.example.org/rec/s01",
    ),
)


def test_centres_people_recordings_are_read() -> None:
    text = HEAD + CENTRE + person("jm-01", "kingston") + person("tt-01") + SESSION
    text += '\n[recordings]\nsend_to = "all"\n'
    course = parse_course(text, source="course.toml")
    (centre,) = course.centres
    assert centre.id == "kingston" and centre.country == "JM" and centre.city == "Kingston"
    assert centre.contact == Organizer("C. Brown", "centre@example.org")
    assert course.person("jm-01").centre == "kingston"
    assert course.person("tt-01").centre is None
    assert course.sessions[0].recording_url == "https://video.example.org/rec/s01"
    assert course.recordings.send_to == "all"
    assert course.centre("kingston") is centre


def test_defaults_without_the_new_tables() -> None:
    course = parse_course(HEAD + person("jm-01") + SESSION.replace("recording_url", "#"), source="c.toml")
    assert course.centres == () and course.recordings.send_to == "missed"
    assert course.sessions[0].recording_url is None


def test_every_mistake_at_once_with_key_paths() -> None:
    text = (
        HEAD
        + CENTRE.replace(
            'contact = { name = "C. Brown", email = "centre@example.org" }', 'contact = { name = "C" }'
        )
        + person("jm-01", "kingstown")
        + SESSION.replace("https://video.example.org/rec/s01", "not a link")
        + '\n[recordings]\nsend_to = "everyone"\n'
    )
    with pytest.raises(InputError) as caught:
        parse_course(text, source="course.toml")
    message = str(caught.value)
    assert "centres[0].contact.email" in message
    assert "participants[0].centre" in message and "kingston" in message  # did you mean
    assert "sessions[0].recording_url" in message
    assert "recordings.send_to" in message
