"""Identity resolution, unmatched entries and name suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ta_delivery.attendance import Accumulator, IdentityIndex, reconcile
from ta_delivery.attendance.identity import name_key
from ta_delivery.models import Course, Organizer
from ta_delivery.testing.courses import live, make_course, participant, trainer

START = datetime(2027, 3, 1, 14, tzinfo=UTC)


def course() -> Course:
    return make_course(
        id="ident",
        title="Identity",
        timezone="UTC",
        organizer=Organizer("Institute", "training@example.org"),
        trainers=(trainer("t1", name="Tina Trainer", email="tina@example.org", timezone="UTC"),),
        participants=(
            participant("p1", name="Ana Pérez", email="Ana.Perez@Example.org", timezone="UTC"),
            participant("p2", name="Ben Ali", email="ben@example.org", timezone="UTC"),
        ),
        sessions=(
            live("s1", START, 60, title="One", trainers=("t1",)),
            live("s2", START + timedelta(days=1), 60, title="Two", trainers=(), participants=("p1",)),
        ),
    )


def test_name_key_ignores_case_accents_punctuation_and_order() -> None:
    assert name_key("Pérez, Ana") == name_key("ana  PEREZ") == "ana perez"
    assert name_key("  ") is None


def test_resolution_order_ids_then_email_never_names() -> None:
    index = IdentityIndex(course(), external_ids={"reg-9": "p2"})
    assert index.resolve("p1", None, None, None).person_id == "p1"
    assert index.resolve("nobody", "p2", None, None).person_id == "p2"
    assert index.resolve(None, "reg-9", None, None).person_id == "p2"
    assert index.resolve(None, None, "  ana.perez@EXAMPLE.org ", None).person_id == "p1"
    assert index.resolve(None, "ANA.PEREZ@example.org", None, None).person_id == "p1"
    by_name = index.resolve(None, None, None, "Ana Pérez")
    assert by_name.person_id is None
    assert by_name.key == "name:ana perez"
    assert index.suggest("Pérez, Ana") == ("p1",)
    trainer = index.resolve(None, None, "tina@example.org", None)
    assert (trainer.person_id, trainer.role) == ("t1", "trainer")


def test_unmatched_one_entry_per_identifier_per_session_clipped() -> None:
    c = course()
    acc = Accumulator(IdentityIndex(c))
    s1 = c.sessions[0]
    acc.add(
        "s1",
        None,
        None,
        "guest@x.org",
        None,
        s1.start - timedelta(minutes=30),
        s1.start + timedelta(minutes=20),
    )
    acc.add(
        "s1",
        None,
        None,
        "GUEST@x.org",
        "Guest",
        s1.start + timedelta(minutes=10),
        s1.start + timedelta(minutes=30),
    )
    acc.add("s1", None, None, None, "Ana Perez", s1.start, s1.end)
    acc.add("s1", None, None, "tina@example.org", None, s1.start, s1.end)  # a trainer: not reported
    acc.add("s2", "p2", None, None, None, s1.start, s1.end)  # p2 is not in s2: ignored
    report = reconcile(c, acc)
    assert [(u.session_id, u.name, u.email, u.minutes) for u in report.unmatched] == [
        ("s1", "Guest", "guest@x.org", 30),
        ("s1", "Ana Perez", None, 60),
    ]
    assert [(g.participant_id, g.name, g.minutes) for g in report.suggestions] == [("p1", "Ana Perez", 60)]
    ana = report.participants[0]
    assert ana.sessions["s1"].status == "absent"  # the suggestion is never applied
    assert set(report.participants[1].sessions) == {"s1"}
    assert [s.participant_id for s in report.statuses(["s1"])] == ["p1", "p2"]
