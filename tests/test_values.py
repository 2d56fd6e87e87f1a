"""``ta_delivery.values.Value``: repr, equality and hashing behave as attrs' generated methods do."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.models import Course, Participant, Session, Trainer
from ta_delivery.testing.courses import make_course
from ta_delivery.values import Value


def _shown(secret: str) -> str:
    return f"<{len(secret)} chars>"


@attrs.frozen
class Generated:
    """The reference: attrs writes repr, eq and hash itself."""

    name: str
    size: int = 0
    secret: str = attrs.field(default="", repr=False)
    source: str | None = attrs.field(default=None, eq=False)
    note: str = attrs.field(default="", repr=_shown)


@attrs.frozen(repr=False, eq=False)
class Generated2(Value):  # compared with Generated after renaming, in the repr
    name: str
    size: int = 0
    secret: str = attrs.field(default="", repr=False)
    source: str | None = attrs.field(default=None, eq=False)
    note: str = attrs.field(default="", repr=_shown)


@attrs.frozen(repr=False, eq=False)
class Child(Generated2):
    extra: tuple[int, ...] = ()


values = st.builds(
    lambda *a: a,
    st.text(max_size=5),
    st.integers(-3, 3),
    st.text(max_size=3),
    st.none() | st.text(max_size=3),
    st.text(max_size=3),
)


@given(values, values)
def test_value_compares_and_hashes_as_attrs_would(a: tuple[Any, ...], b: tuple[Any, ...]) -> None:
    ref_a, ref_b = Generated(*a), Generated(*b)
    val_a, val_b = Generated2(*a), Generated2(*b)
    assert (val_a == val_b) is (ref_a == ref_b)
    assert (val_a != val_b) is (ref_a != ref_b)
    if val_a == val_b:
        assert hash(val_a) == hash(val_b)
    assert repr(val_a).replace("Generated2(", "Generated(", 1) == repr(ref_a)


def test_values_of_different_classes_are_not_equal() -> None:
    parent, child = Generated2("a"), Child("a")
    assert parent != child
    assert child != parent
    assert parent.__eq__(child) is NotImplemented
    assert parent != ("a", 0, "", None, "")


def test_a_field_left_out_of_eq_is_left_out_of_the_hash() -> None:
    assert Generated2("a", source="x.toml") == Generated2("a", source="y.toml")
    assert hash(Generated2("a", source="x.toml")) == hash(Generated2("a", source="y.toml"))
    assert {Generated2("a", source="x"): 1}[Generated2("a", source="y")] == 1


def test_repr_hides_secrets_and_names_the_subclass() -> None:
    shown = repr(Child("a", secret="hunter2", note="abc", extra=(1,)))
    assert shown == "Child(name='a', size=0, source=None, note=<3 chars>, extra=(1,))"
    assert "hunter2" not in shown


def test_values_stay_frozen_and_slotted() -> None:
    value = Child("a")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        value.name = "b"  # type: ignore[misc]
    assert not hasattr(value, "__dict__")
    assert attrs.evolve(value, size=2) == Child("a", size=2)


def test_course_records_keep_value_semantics() -> None:
    course = make_course()
    again = make_course()
    assert course == again
    with pytest.raises(TypeError):  # as with attrs' own hash: a course holds dicts (provider options)
        hash(course)
    assert attrs.evolve(course, source="elsewhere.toml") == course
    assert attrs.evolve(course, title="Another title") != course
    trainer, participant = course.trainers[0], course.participants[0]
    assert isinstance(trainer, Trainer) and isinstance(participant, Participant)
    assert trainer != attrs.evolve(trainer, name=trainer.name + " Jr.")
    assert repr(course.sessions[0]).startswith("Session(id=")
    assert set(course.sessions) == set(again.sessions)
    assert isinstance(course, Course) and isinstance(course.sessions[0], Session)


def test_trainers_and_participants_share_the_person_record_but_stay_apart() -> None:
    fields: dict[str, Any] = {
        "id": "rf",
        "name": "R. F.",
        "email": "rf@example.org",
        "timezone": "Europe/Zurich",
    }
    trainer, participant = Trainer(**fields), Participant(**fields)
    assert (trainer.role, participant.role) == ("trainer", "participant")
    assert trainer != participant
    assert type(attrs.evolve(participant, name="Ana")) is Participant
    assert [f.name for f in attrs.fields(Trainer)] == [f.name for f in attrs.fields(Participant)]
    assert repr(trainer).startswith("Trainer(id='rf'")
    with pytest.raises(ValueError, match="id must be"):
        Participant(**{**fields, "id": "not an id"})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        trainer.name = "other"  # type: ignore[misc]
    assert not hasattr(trainer, "__dict__")
