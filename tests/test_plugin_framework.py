"""The plugin framework, the state store and command-line-wide behaviour."""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from ta_delivery.cli import main
from ta_delivery.errors import PluginError
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.testing.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "rtpc-caribbean-2027"
CLI = "import sys; from ta_delivery.cli import main; sys.exit(main())"

REGISTER_TWIN = """
from ta_delivery.hookspecs import hookimpl
from ta_delivery.records import ProviderSpec
from ta_delivery.testing.memory import make_memory_provider

@hookimpl
def ta_delivery_register_providers():
    yield ProviderSpec(name="twin", factory=make_memory_provider)
"""

RAISING = """
from ta_delivery.hookspecs import hookimpl

@hookimpl
def ta_delivery_register_transports():
    raise RuntimeError("boom in the registration hook")
"""

WRONG_RECORDS = """
from ta_delivery.hookspecs import hookimpl

@hookimpl
def ta_delivery_register_providers():
    return ["not-a-spec"]
"""


def fake_distribution(root: Path, dist: str, entry_points: dict[str, str]) -> dict[str, str]:
    """Install, under ``root`` (put on sys.path), a distribution whose ``ta_delivery`` entry points
    name fresh modules with the given sources; return entry-point name -> module name."""
    modules = {}
    lines = ["[ta_delivery]"]
    for ep_name, source in entry_points.items():
        module = f"qa2_plugin_{uuid.uuid4().hex}"
        (root / f"{module}.py").write_text(source, encoding="utf-8")
        lines.append(f"{ep_name} = {module}")
        modules[ep_name] = module
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return modules


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    return root


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("course.toml", "participants.csv"):
        shutil.copy(EXAMPLE / name, folder / name)
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-08-01T08:00:00Z")
    for var in ("TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT"):
        monkeypatch.delenv(var, raising=False)
    return folder / "course.toml"


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line in a child process, with ``env`` added to this one's environment."""
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
        check=False,
    )


# --- plugins ------------------------------------------------------------------------------------


def test_two_distributions_with_the_same_entry_point_name_clash_naming_both(site: Path) -> None:
    fake_distribution(site, "alpha-plug", {"same": REGISTER_TWIN})
    fake_distribution(site, "beta-plug", {"same": REGISTER_TWIN})
    plugins = make_plugin_manager()
    assert plugins.failures == []
    with pytest.raises(
        PluginError, match=r"'twin' is registered by both (alpha-plug and beta-plug|beta-plug and alpha-plug)"
    ):
        _ = plugins.providers


def test_a_plugin_whose_registration_hook_raises_is_reported_and_skipped(site: Path) -> None:
    fake_distribution(site, "raising-plug", {"raising": RAISING})
    fake_distribution(site, "good-plug", {"good": REGISTER_TWIN})
    plugins = make_plugin_manager()
    assert [(f.name, f.distribution) for f in plugins.failures] == [("raising", "raising-plug")]
    assert "boom in the registration hook" in plugins.failures[0].error
    assert {"jitsi", "twin"} <= set(plugins.providers)
    assert "outbox" in plugins.transports

    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    names = [p["name"] for p in json.loads(result.stdout)["plugins"]]
    assert "good-plug" in names and "raising-plug" not in names
    assert "raising" in result.stderr and "boom in the registration hook" in result.stderr


def test_a_plugin_returning_something_else_than_records_is_reported_and_skipped(site: Path) -> None:
    fake_distribution(site, "wrong-plug", {"wrong": WRONG_RECORDS})
    plugins = make_plugin_manager()
    assert [f.name for f in plugins.failures] == ["wrong"]
    assert "ProviderSpec" in plugins.failures[0].error
    assert "jitsi" in plugins.providers  # no AttributeError on the str the plugin returned


def test_a_plugin_that_fails_to_import_is_reported_once_on_stderr(site: Path) -> None:
    fake_distribution(site, "broken-plug", {"broken": 'raise RuntimeError("boom at import")\n'})
    done = run_cli("plugins", env={"PYTHONPATH": os.pathsep.join([str(site), *sys.path])})
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("boom at import") == 1, done.stderr


def test_the_acme_example_is_a_distribution_whose_entry_point_adds_its_provider(site: Path) -> None:
    project = tomllib.loads(
        (ROOT / "examples" / "plugin-acme" / "pyproject.toml").read_text(encoding="utf-8")
    )
    name = project["project"]["name"]
    entry_points = project["project"]["entry-points"]["ta_delivery"]
    info = site / f"{name.replace('-', '_')}-{project['project']['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n", encoding="utf-8")
    lines = ["[ta_delivery]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plugins = make_plugin_manager()
    assert plugins.failures == []
    assert "acme" in plugins.providers
    acme = next(i for i in plugins.info() if i.name == "ta-delivery-acme")
    assert acme.providers == ("acme",)


def test_the_acme_example_takes_the_core_from_this_checkout() -> None:
    folder = ROOT / "examples" / "plugin-acme"
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    assert "ta-delivery" in project["project"]["dependencies"]
    source = project["tool"]["uv"]["sources"]["ta-delivery"]
    core = tomllib.loads((folder / source["path"] / "pyproject.toml").read_text(encoding="utf-8"))
    assert core["project"]["name"] == "ta-delivery"


# --- output ---------------------------------------------------------------------------------------


def test_output_in_an_ascii_terminal_does_not_crash(course: Path) -> None:
    for args in (["plan", str(course)], ["report", str(course)], ["check", str(course)]):
        done = run_cli(*args, env={"PYTHONIOENCODING": "ascii"})
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode in (0, 1), done.stderr
    assert not (course.parent / ".ta-delivery").exists()


def test_json_in_an_ascii_terminal_stays_valid_and_lossless() -> None:
    code = "from ta_delivery.cli.common import print_json; print_json({'name': 'Ana Pérez'})"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.decode("ascii")) == {"name": "Ana Pérez"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["plugins"], ["plugins", "--json"]])
def test_output_to_a_full_device_is_a_one_line_error(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", CLI, *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "No space left on device" in done.stderr


# --- state ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_apply_on_an_in_memory_store_completes(course: Path, url: str) -> None:
    result = CliRunner().invoke(main, ["apply", str(course), "--json", "--state", url])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert sum(i["kind"] == "classroom" for i in items) == 14
    assert all(i["ok"] for i in items)


def test_a_state_url_with_a_bad_query_exits_2_creating_nothing(course: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "state.db"
    result = CliRunner().invoke(main, ["apply", str(course), "--state", f"sqlite:///{target}?timeout=abc"])
    assert result.exit_code == 2, result.output
    assert "--state" in result.stderr
    assert not target.parent.exists()
    assert not (course.parent / ".ta-delivery").exists()


def test_a_malformed_sqlite_url_exits_2_without_its_password(course: Path) -> None:
    result = CliRunner().invoke(main, ["apply", str(course), "--state", "sqlite://me:hunter2@host/x.db"])
    assert result.exit_code == 2, result.output
    assert "hunter2" not in result.output
    assert not (course.parent / ".ta-delivery").exists()


def test_an_sqlite_url_naming_its_driver_never_gets_its_folder_made_silently(
    course: Path, tmp_path: Path
) -> None:
    target = tmp_path / "deep" / "er" / "state.db"
    refused = CliRunner().invoke(
        main, ["apply", str(course), "--json", "--state", f"sqlite+pysqlite:///{target}"]
    )
    assert refused.exit_code == 2 and "does not exist" in refused.stderr  # issue 19: a typo is not a store
    assert not (tmp_path / "deep").exists()
    target.parent.mkdir(parents=True)
    result = CliRunner().invoke(
        main, ["apply", str(course), "--json", "--state", f"sqlite+pysqlite:///{target}"]
    )
    assert result.exit_code == 0, result.output
    assert target.is_file()
    again = CliRunner().invoke(
        main, ["apply", str(course), "--json", "--state", f"sqlite+pysqlite:///{target}"]
    )
    assert again.exit_code == 0 and json.loads(again.stdout)["items"] == []


def test_a_state_file_that_is_not_a_database_exits_2_and_stays_as_it_was(
    course: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database: do not touch\n" * 10, encoding="utf-8")
    before = notes.read_bytes()
    for args in (["apply", str(course)], ["report", str(course)], ["plan", str(course), "--json"]):
        result = CliRunner().invoke(main, [*args, "--state", str(notes)])
        assert result.exit_code == 2, result.output
        assert "not an SQLite database" in result.stderr
    assert notes.read_bytes() == before
    assert not (course.parent / ".ta-delivery").exists()


# --- the contract kit ----------------------------------------------------------------------------


def test_a_client_that_hangs_up_before_the_answer_prints_no_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.3)
        return httpx.Response(200, json={"ok": True})

    with LoopbackServer(slow) as server:
        host, port = server.url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset: the answer has nowhere to go
        time.sleep(0.8)
        assert httpx.get(server.url + "/y", timeout=5).status_code == 200  # still serving
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("form", ["sqlite:///{path}?timeout=5", "sqlite+pysqlite:///{path}"])
def test_a_state_url_with_a_query_or_driver_is_read_back(course: Path, form: str) -> None:
    (course.parent / "kept").mkdir()
    url = form.format(path=course.parent / "kept" / "state.db")
    runner = CliRunner()
    applied = runner.invoke(main, ["apply", str(course), "--state", url])
    assert applied.exit_code == 0, applied.output
    planned = runner.invoke(main, ["plan", str(course), "--state", url, "--json"])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert plan["classrooms"] == [] and plan["invites"] == [], "plan reads the store apply wrote"
    feed = runner.invoke(main, ["calendar", str(course), "--state", url])
    assert "https://meet.jit.si/" in feed.stdout, "the feed carries the links apply recorded"


def test_python_dash_m_runs_the_command_line(course: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ta_delivery", "check", str(course), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["course"] == "rtpc-caribbean-2027"
