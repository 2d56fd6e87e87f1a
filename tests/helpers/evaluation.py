"""A course with an evaluation, written into a temporary folder for the evaluation tests."""

from __future__ import annotations

from pathlib import Path

from ta_delivery.testing import courses
from ta_delivery.testing.courses import course_toml, person, session

PARTICIPANTS = [
    person(
        "jm-01",
        "Ana Pérez",
        "Ana@Example.org",
        "America/Jamaica",
        country="JM",
        gender="female",
        organisation="Ministry of Trade",
    ),
    person("ht-02", "Jean B.", "jean@example.org", "America/Port-au-Prince", country="HT", gender="male"),
    person("tt-03", "Carla D.", "carla@example.org", "America/Port_of_Spain", country="TT"),
]
SESSIONS = [
    session("s01", "2020-08-10T10:00:00", 120, title="Opening"),
    session("s02", "2020-08-11T10:00:00", 60, title="Second", trainers=None),
]
QUESTIONS = """
[[evaluation.questions]]
id = "relevance"
type = "scale"
text.en = "How relevant was the course to your work?"
text.fr = "Le cours était-il utile à votre travail ?"
text.es = "¿Fue pertinente el curso para su trabajo?"

[[evaluation.questions]]
id = "format"
type = "choice"
options = ["live", "recorded", "both"]
text.en = "Which format suited you best?"
text.fr = "Quel format vous convenait le mieux ?"
text.es = "¿Qué formato le convino más?"

[[evaluation.questions]]
id = "comments"
text = { en = "Comments", fr = "Commentaires", es = "Comentarios" }
type = "text"
"""


def write_course(folder: Path, *, language: str = "en", extra: str = "") -> Path:
    """The course file in ``folder``."""
    text = course_toml(
        id="eval-demo",
        title="Evaluation demo",
        language=language,
        organizer={"name": "Institute", "email": "training@example.org"},
        participants=PARTICIPANTS,
        sessions=SESSIONS,
        extra=QUESTIONS + extra,
    )
    return courses.write_course(folder, text)
