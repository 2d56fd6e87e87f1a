"""Malformed course files, rosters, import files and settings exit 2 with ``error: FILE: KEY: ...``,
never with a traceback or a hang."""

from __future__ import annotations

import email
import email.policy
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ta_delivery.cli import main
from ta_delivery.testing.courses import course_toml, person, session

NOW = {"TA_DELIVERY_NOW": "2027-09-07T00:00:00Z", "TA_DELIVERY_STATE": "", "TA_DELIVERY_TRANSPORT": ""}


def course_text(extra: str = "") -> str:
    """A one-session course; ``extra`` is written into its ``[course]`` table as is."""
    return course_toml(
        id="fz",
        title="T",
        timezone="Europe/Zurich",
        organizer={"name": "O", "email": "o@example.org"},
        course_extra=extra,
        trainers=[person("rf", "R", timezone="Europe/Zurich")],
        participants=[person("p1", "A", "a@example.org", "Europe/Zurich")],
        sessions=[session("s01", "2027-09-06T10:00:00", 60, title="S")],
    )


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={**NOW, **(env or {})})


def _assert_input_error(result: Result, *where: str) -> None:
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        raise AssertionError(f"crashed: {result.exc_info[1]!r}") from result.exc_info[1]
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: "), result.output
    for part in where:
        assert part in result.output


def _course(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "course.toml"
    path.write_text(course_text(extra), encoding="utf-8")
    return path


def test_roster_name_with_a_nul_byte_is_an_input_error(tmp_path: Path) -> None:
    course = _course(tmp_path, 'roster = "r\\u0000.csv"')
    _assert_input_error(_run("check", str(course)), str(course), "course.roster")


def test_roster_cell_over_the_csv_field_limit_is_an_input_error(tmp_path: Path) -> None:
    course = _course(tmp_path, 'roster = "r.csv"')
    big = "x" * 200_000
    (tmp_path / "r.csv").write_text(f"id,name,email,timezone\np2,{big},b@example.org,UTC\n", encoding="utf-8")
    _assert_input_error(_run("check", str(course)), str(course), "roster")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_roster_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "r.csv")  # reading it would block for ever, as /dev/zero would never end
    course = _course(tmp_path, 'roster = "r.csv"')
    box: list[Result] = []
    worker = threading.Thread(target=lambda: box.append(_run("check", str(course))), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert box, "check hung reading a named pipe as a roster"
    _assert_input_error(box[0], str(course), "course.roster")


@pytest.mark.parametrize("fmt", ["register-csv", "teams-csv", "zoom-csv", "webex-csv"])
def test_import_file_cell_over_the_csv_field_limit_is_an_input_error(tmp_path: Path, fmt: str) -> None:
    course = _course(tmp_path)
    data = tmp_path / "a.csv"
    big = "x" * 200_000
    data.write_text(f"participant,join,leave\np1,2027-09-06T08:00:00Z,{big}\n", encoding="utf-8")
    result = _run("attendance", "import", str(course), str(data), "--session", "s01", "--format", fmt)
    _assert_input_error(result, str(data))


@pytest.mark.parametrize(
    ("variable", "provider", "extra"),
    [
        ("TA_DELIVERY_JITSI_URL", "jitsi", ""),
        ("TA_DELIVERY_ZOOM_API_URL", "zoom", ""),
        ("TA_DELIVERY_WEBEX_API_URL", "webex", ""),
        ("TA_DELIVERY_MOODLE_URL", "jitsi", '[lms]\nprovider = "moodle"\ncourse = "c1"\n'),
    ],
)
def test_a_malformed_url_setting_is_an_input_error_naming_the_variable(
    tmp_path: Path, variable: str, provider: str, extra: str
) -> None:
    course = tmp_path / "course.toml"
    text = course_text(f'provider = "{provider}"').replace("\n[[trainers]]", f"{extra}\n[[trainers]]")
    course.write_text(text, encoding="utf-8")
    env = {
        variable: "http://[::1",
        "TA_DELIVERY_ZOOM_ACCOUNT_ID": "a",
        "TA_DELIVERY_ZOOM_CLIENT_ID": "b",
        "TA_DELIVERY_ZOOM_CLIENT_SECRET": "c-secret",
        "TA_DELIVERY_WEBEX_ACCESS_TOKEN": "w-token",
        "TA_DELIVERY_MOODLE_TOKEN": "m-token",
        "TA_DELIVERY_MOODLE_CATEGORY_ID": "1",
        "TA_DELIVERY_NOW": "2027-08-01T00:00:00Z",
    }
    _assert_input_error(_run("plan", str(course), env=env), variable)


# --- a little fuzzing over course documents --------------------------------------------------------

_SCALARS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=30),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["08:00-18:00", "24:00-25:00", "Mars/Olympus", "UTC", "9999-12-31T23:59:00", "p1", "rf"]),
)
_KEYS = [
    ("course", "id"),
    ("course", "title"),
    ("course", "timezone"),
    ("course", "kind"),
    ("course", "language"),
    ("course", "organizer"),
    ("course", "roster"),
    ("course", "prerequisites"),
    ("rules", "max_live_minutes"),
    ("rules", "working_hours"),
    ("rules", "severity"),
    ("attendance", "present_fraction"),
    ("attendance", "late_after_minutes"),
    ("trainers", "timezone"),
    ("trainers", "working_hours"),
    ("participants", "email"),
    ("participants", "country"),
    ("sessions", "start"),
    ("sessions", "minutes"),
    ("sessions", "trainers"),
    ("sessions", "kind"),
    ("zoom", "waiting_room"),
]


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(_KEYS), value=st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3)))
def test_fuzzed_course_values_never_crash_the_cli(
    tmp_path: Path, key: tuple[str, str], value: object
) -> None:
    table, name = key
    literal = "[" + ", ".join(_toml(v) for v in value) + "]" if isinstance(value, list) else _toml(value)
    text = course_text()
    header = f"[[{table}]]" if table in ("trainers", "participants", "sessions") else f"[{table}]"
    if header in text:
        lines = text.splitlines()
        start = lines.index(header)
        lines = [ln for i, ln in enumerate(lines) if not (i > start and ln.startswith(f"{name} = "))]
        lines.insert(lines.index(header) + 1, f"{name} = {literal}")
        text = "\n".join(lines) + "\n"
    else:
        text += f"\n{header}\n{name} = {literal}\n"
    course = tmp_path / f"fuzz-{os.getpid()}.toml"
    course.write_text(text, encoding="utf-8")
    for args in (
        ["check", str(course)],
        ["calendar", str(course)],
        ["report", str(course), "--format", "json"],
    ):
        result = _run(*args)
        if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
            raise AssertionError(f"{args[0]} crashed on {name} = {literal}") from result.exc_info[1]
        assert result.exit_code in (0, 1, 2), result.output
        if result.exit_code == 2:
            assert result.output.startswith("error: "), result.output


_CELLS = st.one_of(
    st.sampled_from(
        [
            "p1",
            "A@EXAMPLE.ORG",
            "s01",
            "2027-09-06T08:00:00Z",
            "2027-09-06T09:00:00+00:00",
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00-14:00",
            "2027-09-06T08:00:00+99:00",
            "2027-13-45T99:00:00Z",
            "2027-09-06",
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.sampled_from(["participant,join,leave", "participant,join,leave,session", "join,leave", ""]),
    rows=st.lists(st.lists(_CELLS, min_size=2, max_size=4), max_size=4),
    fmt=st.sampled_from(["register-csv", "teams-csv", "zoom-csv", "webex-csv"]),
)
def test_fuzzed_import_rows_never_crash_the_cli(
    tmp_path: Path, header: str, rows: list[list[str]], fmt: str
) -> None:
    course = _course(tmp_path)
    data = tmp_path / f"rows-{os.getpid()}.csv"
    quoted = [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    data.write_text("\n".join([header, *quoted]) + "\n", encoding="utf-8", errors="surrogatepass")
    result = _run("attendance", "import", str(course), str(data), "--session", "s01", "--format", fmt)
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        raise AssertionError(f"{fmt} crashed on {rows!r}") from result.exc_info[1]
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert result.output.startswith("error: "), result.output


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_now_override_that_overflows_in_utc_is_an_input_error(tmp_path: Path, now: str) -> None:
    course = _course(tmp_path)
    _assert_input_error(_run("plan", str(course), env={"TA_DELIVERY_NOW": now}), "TA_DELIVERY_NOW")


def test_apply_writes_an_invitation_to_an_internationalised_address(tmp_path: Path) -> None:
    """The model accepts a non-ASCII local part (RFC 6531); apply must not crash writing its invite."""
    path = tmp_path / "course.toml"
    path.write_text(course_text().replace("a@example.org", "zoë@example.org"), encoding="utf-8")
    result = _run("apply", str(path), env={"TA_DELIVERY_NOW": "2027-08-01T00:00:00Z"})
    if result.exc_info is not None and not isinstance(result.exc_info[1], SystemExit):
        raise AssertionError(f"crashed: {result.exc_info[1]!r}") from result.exc_info[1]
    assert result.exit_code == 0, result.output
    outbox = tmp_path / ".ta-delivery" / "outbox"
    parsed = [
        email.message_from_string(f.read_text(encoding="utf-8"), policy=email.policy.default)
        for f in outbox.glob("*.eml")
    ]
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in parsed) == [
        "rf@example.org",
        "zoë@example.org",
    ]


@pytest.mark.parametrize(
    "args", [["calendar"], ["report", "--format", "html"], ["report", "--format", "csv"]], ids=str
)
def test_an_out_path_that_is_a_directory_is_an_input_error(tmp_path: Path, args: list[str]) -> None:
    course = _course(tmp_path)
    folder = tmp_path / "somewhere"
    folder.mkdir()
    result = _run(args[0], str(course), *args[1:], "--out", str(folder))
    _assert_input_error(result, str(folder), "--out")
    assert list(tmp_path.glob(".*.tmp")) == []
