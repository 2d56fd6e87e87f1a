"""Light messages: an invitation or a recording message stays under 30 KB whatever the course says
(long titles and descriptions, many dial-in numbers, a reference centre's list of names), and the plain
text comes first and alone tells the time, the link and how to phone in."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import attrs
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from ta_delivery.invites import build_invite
from ta_delivery.invites.content import CALENDAR_DESCRIPTION_MAX
from ta_delivery.invites.recording import build_recording_message
from ta_delivery.records import DialIn, PhoneNumber, Recording
from test_dialin import STAMP, make_course, zoom_dial_in

BUDGET = 30 * 1024
#: titles and descriptions as long as the reader allows (docs/course-file.md "Limits"), in any script, and a
#: centre's list of names
TITLE, DESCRIPTION, NAMES = 500, 20000, 40

texts = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=DESCRIPTION),
    st.sampled_from(["𝔸" * DESCRIPTION, "贸易政策 " * (DESCRIPTION // 5), "é" * DESCRIPTION, "a b" * 1000]),
)
titles = st.one_of(
    st.text(min_size=1, max_size=TITLE).filter(str.strip), st.sampled_from(["𝔸" * TITLE, "政" * TITLE])
)


def many_numbers(count: int) -> DialIn:
    base = zoom_dial_in()
    numbers = tuple(
        PhoneNumber(f"+{40 + i} 69 7104 {i:04d}", f"C{i % 26:c}"[:2], "City") for i in range(count)
    )
    return attrs.evolve(base, numbers=base.numbers + numbers)


@settings(max_examples=20, deadline=None, phases=(Phase.explicit, Phase.generate))
@given(
    title=titles,
    description=texts,
    numbers=st.integers(0, 150),
    names=st.integers(0, NAMES),
)
@example(title="𝔸" * TITLE, description="𝔸" * DESCRIPTION, numbers=150, names=NAMES)  # the heaviest
@example(title="T" * TITLE, description="a " * (DESCRIPTION // 2), numbers=150, names=NAMES)
def test_an_invitation_stays_under_the_budget(title: str, description: str, numbers: int, names: int) -> None:
    course = attrs.evolve(make_course(), title=title)  # the course's title as long as the session's
    session = attrs.evolve(course.sessions[0], title=title, description=description or None)
    centre = (
        "Reference Centre, Ministry of Industry",
        tuple(f"Participant Name Number {i}" for i in range(names)),
    )
    msg = build_invite(
        course,
        session,
        course.person("ana"),
        method="REQUEST",
        sequence=3,
        join_url="https://zoom.example/j/85012345678?pwd=" + "x" * 40,
        dtstamp=STAMP,
        dial_in=many_numbers(numbers),
        centre=centre,
    )
    size = len(bytes(msg))
    assert size < BUDGET, f"{size} bytes (title {len(title)}, description {len(description)} characters)"


def test_plain_text_comes_first_and_is_complete() -> None:
    course = make_course()
    long = "word " * 1000
    session = attrs.evolve(course.sessions[0], description=long)
    msg = build_invite(
        course,
        session,
        course.person("jo"),
        method="REQUEST",
        sequence=0,
        join_url="https://zoom.example/j/85012345678",
        dtstamp=STAMP,
        dial_in=zoom_dial_in(),
    )
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    leaves = [p.get_content_type() for p in parsed.walk() if not p.is_multipart()]
    assert leaves[0] == "text/plain"
    plain = next(p for p in parsed.walk() if p.get_content_type() == "text/plain").get_content()
    assert "https://zoom.example/j/85012345678" in plain  # the link
    assert "UTC" in plain  # the time
    assert "+33 1 7037 2246" in plain and "85012345678" in plain  # phone, meeting number
    assert long.strip()[:2000] in plain  # the description in the body (shortened only past 3000 bytes)
    calendar = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    text = calendar.get_payload(decode=True).decode()
    unfolded = text.replace("\r\n ", "")
    assert "word word" in unfolded and len(unfolded) < len(long) + 4000  # the event repeats only a part
    assert len(long) > CALENDAR_DESCRIPTION_MAX


@settings(max_examples=10, deadline=None, phases=(Phase.explicit, Phase.generate))
@given(title=titles, url_tail=st.text(max_size=500))
def test_a_recording_message_stays_under_the_budget(title: str, url_tail: str) -> None:
    course = make_course()
    session = attrs.evolve(course.sessions[0], title=title, start=datetime(2027, 8, 10, 14, tzinfo=UTC))
    msg = build_recording_message(
        course,
        session,
        course.person("ana"),
        recording=Recording("https://zoom.example/rec/" + url_tail.replace(" ", ""), "pass"),
        correction=True,
        dtstamp=STAMP,
    )
    assert len(bytes(msg)) < BUDGET
