"""``programme.toml``: globs relative to the file, e-learning entries, localized titles, all errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ta_delivery.errors import InputError
from ta_delivery.programme import is_programme_file, load_programme
from ta_delivery.testing.courses import course_toml, session

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def course_text(cid: str) -> str:
    """A one-session course ``cid`` with no people."""
    return course_toml(
        id=cid,
        title=f"Course {cid}",
        timezone="Europe/Zurich",
        organizer={"name": "Institute", "email": "training@example.org"},
        trainers=(),
        participants=(),
        sessions=[session("s1", "2027-09-06T10:00:00", 60, title="Opening", trainers=None)],
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def messages(exc: InputError) -> list[str]:
    many = getattr(exc, "errors", None)
    return [str(e) for e in many] if many else str(exc).splitlines()


def test_the_example_programme_lists_the_three_example_courses_and_its_elearning() -> None:
    programme = load_programme(EXAMPLES / "programme.toml")
    assert programme.id == "ta-2027"
    assert programme.languages == ("en", "fr", "es")
    assert programme.title_in("fr") == "Assistance technique 2027"
    assert programme.base_url == "https://training.example.org/"
    assert {c.id for c in programme.courses} == {
        "rtpc-caribbean-2027",
        "ecowas-services-2027",
        "mongolia-agriculture-2027",
    }
    assert programme.paths["rtpc-caribbean-2027"] == EXAMPLES / "rtpc-caribbean-2027" / "course.toml"
    [elearning] = programme.elearning
    assert elearning.id == "intro-trade-policy-elearning"
    assert elearning.hours == 20
    assert programme.elearning_course("intro-trade-policy-elearning") is elearning
    assert is_programme_file(EXAMPLES / "programme.toml")
    assert not is_programme_file(EXAMPLES / "rtpc-caribbean-2027" / "course.toml")


def test_globs_are_relative_to_the_programme_file_and_a_plain_title_serves_every_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a/course.toml", course_text("a"))
    write(tmp_path, "deep/b/course.toml", course_text("b"))
    write(tmp_path, "extra.toml", course_text("c"))
    write(
        tmp_path,
        "programme.toml",
        '[programme]\nid = "p"\ntitle = "P"\nlanguages = ["fr", "en"]\n'
        'courses = ["**/course.toml", "extra.toml", "a/course.toml"]\n',
    )
    monkeypatch.chdir(tmp_path.parent)  # the working directory plays no part
    programme = load_programme(tmp_path / "programme.toml")
    assert [c.id for c in programme.courses] == ["a", "b", "c"]  # each file once
    assert programme.title == {"fr": "P", "en": "P"}
    assert programme.language == "fr"
    assert programme.base_url is None


def test_globs_find_the_courses_when_the_programmes_own_folder_name_holds_glob_characters(
    tmp_path: Path,
) -> None:
    """Only the ``courses`` values are patterns: a folder named ``Programme [2027] *draft*`` is a name."""
    from click.testing import CliRunner

    from ta_delivery.cli import main

    folder = tmp_path / "Programme [2027] *draft*?"
    write(folder, "a/course.toml", course_text("a"))
    write(folder, "b/course.toml", course_text("b"))
    programme = write(
        folder, "programme.toml", '[programme]\nid = "p"\ntitle = "P"\ncourses = ["*/course.toml"]\n'
    )
    assert [c.id for c in load_programme(programme).courses] == ["a", "b"]
    result = CliRunner().invoke(
        main, ["check", str(programme), "--json"], env={"TA_DELIVERY_NOW": "2027-06-01T00:00:00Z"}
    )
    assert result.exit_code == 0, result.output
    assert "matches no course file" not in result.output


def test_every_problem_of_the_programme_and_its_courses_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a/course.toml", course_text("a").replace('"Europe/Zurich"', '"Mars/Base"'))
    write(tmp_path, "b/course.toml", course_text("b"))
    write(tmp_path, "c/course.toml", course_text("b"))
    write(
        tmp_path,
        "programme.toml",
        """
[programme]
id = "P 1"
title = { en = "Programme", de = "Programm" }
languages = ["en", "it"]
base_url = "training.example.org"
contact = { name = "Institute", email = "not-an-email" }
courses = ["*/course.toml", "missing/*.toml"]
colour = "blue"

[[elearning]]
id = "intro"
title = "Intro"
url = "ftp://lms.example.org/12"
hours = -3

[[elearning]]
id = "intro"
url = "https://lms.example.org/13"
""",
    )
    with pytest.raises(InputError) as caught:
        load_programme(tmp_path / "programme.toml")
    found = messages(caught.value)
    text = "\n".join(found)
    expected_keys = [
        "programme.id",
        "programme.title.de",
        "programme.languages[1]",
        "programme.base_url",
        "programme.contact.email",
        "programme.courses[1]",
        "programme.colour",
        "elearning[0].url",
        "elearning[0].hours",
        "elearning[1].id",
        "elearning[1].title",
        "course.timezone",  # in a/course.toml
        "programme.courses[0]",  # two course files share the id "b"
    ]
    for key in expected_keys:
        assert f": {key}: " in text, (key, text)
    assert str(tmp_path / "a" / "course.toml") in text
    assert "duplicate e-learning id 'intro'" in text
    assert "course ids must be unique" in text
    assert len(found) >= len(expected_keys)


def test_a_missing_programme_table_or_courses_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "programme.toml", '[programme]\nid = "p"\n')
    with pytest.raises(InputError) as caught:
        load_programme(path)
    text = "\n".join(messages(caught.value))
    assert "programme.title: required key 'title' is missing" in text
    assert "programme.courses: required key 'courses' is missing" in text
    assert not is_programme_file(write(tmp_path, "broken.toml", "[programme\n"))


def test_a_course_file_holds_the_catalogue_keys_and_their_mistakes_are_reported_together(
    tmp_path: Path,
) -> None:
    from datetime import date

    from ta_delivery.coursefile import load_course

    good = course_text("a").replace(
        "[[sessions]]",
        'summary = "Eight weeks."\naudience = "Officials"\npublic = false\n'
        'registration = { url = "https://example.org/apply", deadline = 2027-07-15 }\n\n[[sessions]]',
    )
    course = load_course(write(tmp_path, "good.toml", good))
    assert (course.summary, course.audience, course.public) == ("Eight weeks.", "Officials", False)
    assert course.registration is not None
    assert course.registration.url == "https://example.org/apply"
    assert course.registration.deadline == date(2027, 7, 15)
    assert load_course(write(tmp_path, "plain.toml", course_text("b"))).public is True

    bad = course_text("a").replace(
        "[[sessions]]",
        'summary = 3\npublic = "yes"\nregistration = { url = "example.org", deadline = "2027-07-15", x = 1 }'
        "\n\n[[sessions]]",
    )
    with pytest.raises(InputError) as caught:
        load_course(write(tmp_path, "bad.toml", bad))
    text = "\n".join(messages(caught.value))
    for key in (
        "course.summary",
        "course.public",
        "course.registration.url",
        "course.registration.deadline",
        "course.registration.x",
    ):
        assert f": {key}: " in text, (key, text)


def test_a_value_of_the_wrong_type_is_named_as_a_course_file_names_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "programme.toml",
        '[programme]\nid = "Bad Id"\ntitle = 2027-01-04\nbase_url = "ftp://x"\ncourses = ["*.toml"]\n',
    )
    with pytest.raises(InputError) as caught:
        load_programme(path)
    text = "\n".join(messages(caught.value))
    assert "programme.title: must be a string or a table of texts by language, got a date" in text
    assert "programme.id: 'Bad Id' must be 1-64 characters of a-z, 0-9 and '-'" in text
    assert "programme.base_url: 'ftp://x' is not an http(s) URL such as https://training.example.org/" in text
