"""``report COURSE --activity`` and ``report PROGRAMME`` through the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from helpers.evaluation import write_course
from ta_delivery.cli import main
from ta_delivery.testing.courses import centre, table

NOW = {"TA_DELIVERY_NOW": "2020-09-01T00:00:00Z"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env=NOW).invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# s01 10:00-12:00 and s02 10:00-11:00 Port of Spain (UTC-4); jm-01 present twice, ht-02 partial in s01,
# tt-03 absent from s02
REGISTER = (
    "participant,session,join,leave\n"
    "jm-01,s01,2020-08-10T14:00:00Z,2020-08-10T16:00:00Z\n"
    "ht-02,s01,2020-08-10T14:00:00Z,2020-08-10T14:40:00Z\n"
    "tt-03,s01,2020-08-10T14:00:00Z,2020-08-10T16:00:00Z\n"
    "jm-01,s02,2020-08-11T14:00:00Z,2020-08-11T15:00:00Z\n"
    "ht-02,s02,2020-08-11T14:00:00Z,2020-08-11T15:00:00Z\n"
)


def course_with_data(folder: Path, language: str = "en", *state: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    course = write_course(folder, language=language)
    (folder / "register.csv").write_text(REGISTER, encoding="utf-8")
    assert run("attendance", "import", str(course), str(folder / "register.csv"), *state)[0] == 0
    (folder / "answers.csv").write_text(
        "participant,relevance,format,comments\njm-01,5,live,Great\n,4,both,\n", encoding="utf-8"
    )
    assert run("evaluation", "import", str(course), str(folder / "answers.csv"), *state)[0] == 0
    return course


def test_activity_json(tmp_path: Path) -> None:
    course = course_with_data(tmp_path)
    code, out, err = run("report", str(course), "--activity", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["delivered"]["sessions"] == 2 and data["delivered"]["hours"] == 3
    assert data["delivered"]["providers"] == ["jitsi"]
    # completion needs 80% present or late: only jm-01 (ht-02 partial once, tt-03 absent once)
    assert data["participants"]["by_country"] == {
        "HT": {"participants": 1, "completed": 0},
        "JM": {"participants": 1, "completed": 1},
        "TT": {"participants": 1, "completed": 0},
    }
    assert data["participants"]["by_gender"]["unspecified"] == {"participants": 1, "completed": 0}
    assert data["participants"]["ldc"] == {"participants": 1, "completed": 0}  # Haiti
    assert data["attendance"]["completed"] == 1 and data["attendance"]["attendance_rate"] == 4 / 6
    assert data["participants"]["by_organisation"]["Ministry of Trade"]["participants"] == 1
    assert data["evaluation"]["responses"] == 2
    assert data["evaluation"]["response_rate"] == 2 / 3
    assert data["trouble"] == [
        {"session": "s01", "title": "Opening", "reasons": ["partial attendance: 1 of 3 participants"]}
    ]
    assert "jm-01" not in json.dumps(data["evaluation"])


def test_activity_html_in_the_course_language(tmp_path: Path) -> None:
    course = course_with_data(tmp_path, language="fr")
    code, out, err = run("report", str(course), "--activity")
    assert code == 0, err
    assert '<html lang="fr">' in out and "Rapport d&#x27;activité" in out and "Qui a participé" in out
    assert "Le cours était-il utile" in out  # the question in French
    assert (
        out.count("<svg") >= 4
        and "<script" not in out
        and "http://" not in out.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert "Sessions en difficulté" in out and "s01" in out


def test_activity_refuses_csv(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    code, _, err = run("report", str(course), "--activity", "--format", "csv")
    assert code == 2 and "--format" in err


def write_programme(root: Path) -> Path:
    state = ("--state", str(root / ".ta-delivery" / "state.db"))
    course_with_data(root / "a", "en", *state)
    b = root / "b"
    b.mkdir()
    text = (root / "a" / "course.toml").read_text(encoding="utf-8")
    text = text.replace('id = "eval-demo"', 'id = "second"\nprerequisites = ["intro-elearning"]', 1)
    (b / "course.toml").write_text(text, encoding="utf-8")
    programme = root / "programme.toml"
    programme.write_text(
        '[programme]\nid = "ta-2020"\ntitle = { en = "TA 2020", fr = "AT 2020" }\n'
        'courses = ["*/course.toml"]\n',
        encoding="utf-8",
    )
    return programme


def test_programme_json_sums_the_courses(tmp_path: Path) -> None:
    programme = write_programme(tmp_path)
    code, out, err = run("report", str(programme), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["programme", "courses", "people", "by_country", "by_gender", "ldc", "progression"]
    assert data["programme"] == "ta-2020"
    courses = {c["id"]: c for c in data["courses"]}
    assert set(courses) == {"eval-demo", "second"}
    assert courses["eval-demo"] == {"id": "eval-demo", "participants": 3, "completed": 1, "live_sessions": 2}
    assert courses["second"]["participants"] == 3 and courses["second"]["live_sessions"] == 2
    assert data["people"] == 3
    assert data["by_country"]["HT"]["participants"] == 2
    assert data["by_gender"]["female"]["participants"] == 2
    assert data["by_gender"]["male"] == {"participants": 2, "completed": 0}
    assert data["ldc"] == {"participants": 2, "completed": 0}
    assert data["progression"] == {"elearning_completed": 0, "advanced_enrolled": 3}


def test_programme_csv_and_html(tmp_path: Path) -> None:
    programme = write_programme(tmp_path)
    code, out, _ = run("report", str(programme), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["section"] for r in rows} >= {"course", "country", "gender", "ldc", "people", "progression"}
    code, out, _ = run("report", str(programme), "--format", "html")
    assert code == 0
    assert "<svg" in out and "TA 2020" in out and "<script" not in out
    code, out, _ = run("report", str(programme))
    assert code == 0 and "ta-2020: 3 people" in out and "second" in out


def test_activity_groups_by_reference_centre(tmp_path: Path) -> None:
    extra = "\n" + table("[[centres]]", centre())
    course = write_course(tmp_path, extra=extra)
    text = course.read_text(encoding="utf-8").replace(
        'organisation = "Ministry of Trade"', 'organisation = "Ministry of Trade"\ncentre = "kingston"'
    )
    course.write_text(text, encoding="utf-8")
    code, out, err = run("report", str(course), "--activity", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["participants"]["by_centre"] == {
        "kingston": {"participants": 1, "completed": 0},
        "unspecified": {"participants": 2, "completed": 0},
    }
    code, out, err = run("report", str(course), "--activity")
    assert "Reference Centre, Ministry of Industry (Kingston, JM)" in out
