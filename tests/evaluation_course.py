"""A course with an evaluation, written into a temporary folder for the evaluation tests."""

from __future__ import annotations

from pathlib import Path

COURSE = """
[course]
id = "eval-demo"
title = "Evaluation demo"
language = "%(language)s"
timezone = "America/Port_of_Spain"
organizer = { name = "Institute", email = "training@example.org" }

[[trainers]]
id = "rf"
name = "Roberto F."
email = "rf@example.org"
timezone = "Europe/Zurich"

[[participants]]
id = "jm-01"
name = "Ana Pérez"
email = "Ana@Example.org"
timezone = "America/Jamaica"
country = "JM"
gender = "female"
organisation = "Ministry of Trade"

[[participants]]
id = "ht-02"
name = "Jean B."
email = "jean@example.org"
timezone = "America/Port-au-Prince"
country = "HT"
gender = "male"

[[participants]]
id = "tt-03"
name = "Carla D."
email = "carla@example.org"
timezone = "America/Port_of_Spain"
country = "TT"

[[sessions]]
id = "s01"
title = "Opening"
start = 2020-08-10T10:00:00
minutes = 120
trainers = ["rf"]

[[sessions]]
id = "s02"
title = "Second"
start = 2020-08-11T10:00:00
minutes = 60

[[evaluation.questions]]
id = "relevance"
type = "scale"
[evaluation.questions.text]
en = "How relevant was the course to your work?"
fr = "Le cours était-il utile à votre travail ?"
es = "¿Fue pertinente el curso para su trabajo?"

[[evaluation.questions]]
id = "format"
type = "choice"
options = ["live", "recorded", "both"]
[evaluation.questions.text]
en = "Which format suited you best?"
fr = "Quel format vous convenait le mieux ?"
es = "¿Qué formato le convino más?"

[[evaluation.questions]]
id = "comments"
text = { en = "Comments", fr = "Commentaires", es = "Comentarios" }
type = "text"
%(extra)s
"""


def write_course(folder: Path, *, language: str = "en", extra: str = "") -> Path:
    """The course file in ``folder``."""
    path = folder / "course.toml"
    path.write_text(COURSE % {"language": language, "extra": extra}, encoding="utf-8")
    return path
