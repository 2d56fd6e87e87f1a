"""``evaluation import`` and the evaluation in ``report``, through the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from helpers.evaluation import write_course
from ta_delivery.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


GOOD = (
    "participant,session,relevance,format,comments\n"
    "jm-01,,5,live,Very useful for our negotiations\n"
    "ana@example.org,s01,4,both,\n"
    ",,3,recorded,\n"
    ",,3,recorded,\n"
    ",,,,\n"
)


def test_import_is_idempotent_and_reported(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "answers.csv"
    data.write_text(GOOD, encoding="utf-8")
    code, out, err = run("evaluation", "import", str(course), str(data), "--json")
    assert code == 0, err
    assert json.loads(out) == {"imported": 4, "duplicates": 0, "updated": 0}
    code, out, err = run("evaluation", "import", str(course), str(data), "--json")
    assert code == 0, err
    assert json.loads(out) == {"imported": 0, "duplicates": 4, "updated": 0}

    code, out, err = run("report", str(course), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["evaluation"] == {
        "responses": 4,
        "questions": {
            "relevance": {
                "answers": 4,
                "mean": 3.75,
                "distribution": {"1": 0, "2": 0, "3": 2, "4": 1, "5": 1},
            },
            "format": {"answers": 4, "distribution": {"live": 1, "recorded": 2, "both": 1}},
            "comments": {"answers": 1},
        },
    }
    assert list(report)[:4] == ["course", "sessions", "participants", "unmatched"]


def test_texts_in_csv_and_html_without_participant(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "answers.csv"
    data.write_text(GOOD, encoding="utf-8")
    assert run("evaluation", "import", str(course), str(data))[0] == 0
    code, out, _ = run("report", str(course), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    texts = [r for r in rows if r["status"] == "evaluation"]
    assert [r["reason"] for r in texts] == ["comments: Very useful for our negotiations"]
    assert texts[0]["participant"] == "" and texts[0]["email"] == "" and texts[0]["name"] == ""
    code, out, _ = run("report", str(course), "--format", "html")
    assert code == 0
    assert "Very useful for our negotiations" in out
    section = out[out.index('<section class="evaluation">') :]
    assert "jm-01" not in section and "Ana" not in section
    assert "<svg" in section and "<script" not in out


def test_bad_values_are_refused_by_row_and_column_nothing_stored(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "answers.csv"
    data.write_text(
        "participant,relevance,format\njm-01,6,live\nht-02,4,sometimes\nnobody,3,live\n", encoding="utf-8"
    )
    code, _, err = run("evaluation", "import", str(course), str(data), "--json")
    assert code == 2
    assert "line 2 (answer row 1), column 'relevance'" in err and "'6' is not on the scale 1 to 5" in err
    assert "line 3 (answer row 2), column 'format'" in err and "sometimes" in err
    assert "line 4 (answer row 3), column 'participant'" in err
    assert not (tmp_path / ".ta-delivery" / "state.db").exists()


def test_unknown_column_and_no_questions(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "answers.csv"
    data.write_text("participant,relevanse\njm-01,4\n", encoding="utf-8")
    code, _, err = run("evaluation", "import", str(course), str(data))
    assert code == 2 and "relevanse" in err


def test_a_corrected_answer_replaces_the_earlier_one(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    data = tmp_path / "answers.csv"
    data.write_text("participant,relevance\njm-01,2\n", encoding="utf-8")
    assert run("evaluation", "import", str(course), str(data))[0] == 0
    data.write_text("participant,relevance\njm-01,5\n", encoding="utf-8")
    _, out, _ = run("evaluation", "import", str(course), str(data), "--json")
    assert json.loads(out) == {"imported": 0, "duplicates": 0, "updated": 1}
    report = json.loads(run("report", str(course), "--format", "json")[1])
    assert report["evaluation"]["questions"]["relevance"]["mean"] == 5


def test_a_course_without_questions_refuses_imports(tmp_path: Path) -> None:
    course = write_course(tmp_path)
    text = course.read_text(encoding="utf-8")
    course.write_text(text[: text.index("[[evaluation.questions]]")], encoding="utf-8")
    data = tmp_path / "answers.csv"
    data.write_text("participant,relevance\njm-01,4\n", encoding="utf-8")
    code, _, err = run("evaluation", "import", str(course), str(data))
    assert code == 2 and "[[evaluation.questions]]" in err
    code, out, _ = run("report", str(course), "--format", "json")
    assert code == 0 and "evaluation" not in json.loads(out)


def test_many_bad_values_are_listed_up_to_the_cap_then_counted(tmp_path: Path) -> None:
    from ta_delivery.importfiles import MAX_PROBLEMS

    course = write_course(tmp_path)
    data = tmp_path / "answers.csv"
    rows = "".join(f"jm-01,{6 + n},live\n" for n in range(MAX_PROBLEMS + 4))
    data.write_text("participant,relevance,format\n" + rows, encoding="utf-8")
    code, _, err = run("evaluation", "import", str(course), str(data))
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == MAX_PROBLEMS + 1 and "and 4 more" in lines[-1]
    assert "line 2 (answer row 1), column 'relevance'" in lines[0]
    assert not (tmp_path / ".ta-delivery" / "state.db").exists()
