"""``ta-delivery doctor`` with Zoom: a token and the host user from the fake Zoom over real HTTP (validated
against Zoom's OpenAPI document where ../shared is present); bad credentials fail with exit 1, no secret
printed, nothing created."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fake_zoom import ENV, FakeZoom
from zoom_helpers import APPLY_COURSE as COURSE


def _doctor(course: Path, *extra: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ta_delivery", "doctor", str(course), *extra],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_doctor_passes_with_good_credentials_and_changes_nothing(zoom: FakeZoom, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    done = _doctor(course, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    by_name = {(c["area"], c["name"]): c for c in report["checks"]}
    assert by_name[("zoom", "access token")]["ok"]
    assert by_name[("zoom", "user host@example.org")]["ok"]
    assert by_name[("settings", "provider zoom")]["ok"]
    assert any(c["area"] == "store" and c["ok"] for c in report["checks"])
    assert not (tmp_path / ".ta-delivery" / "state.db").exists(), "doctor creates no store"
    assert [r for r in zoom.requests if r.method != "GET"] == []
    assert ENV["TA_DELIVERY_ZOOM_CLIENT_SECRET"] not in done.stdout + done.stderr
    human = _doctor(course)
    assert human.returncode == 0
    assert "0 failed" in human.stdout


def test_doctor_catches_bogus_credentials(zoom: FakeZoom, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    bogus = "bogus-secret-value-42"
    for extra in (("--json",), ()):
        done = _doctor(course, *extra, TA_DELIVERY_ZOOM_CLIENT_SECRET=bogus)
        assert done.returncode == 1, done.stdout + done.stderr
        assert bogus not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    report = json.loads(_doctor(course, "--json", TA_DELIVERY_ZOOM_CLIENT_SECRET=bogus).stdout)
    token = next(c for c in report["checks"] if c["name"] == "access token")
    assert token["ok"] is False


def test_doctor_names_missing_settings_and_an_unreachable_host(zoom: FakeZoom, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TA_DELIVERY_ZOOM_ACCOUNT_ID"}
    done = subprocess.run(
        [sys.executable, "-m", "ta_delivery", "doctor", str(course), "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    failed = [c for c in json.loads(done.stdout)["checks"] if not c["ok"]]
    assert any("TA_DELIVERY_ZOOM_ACCOUNT_ID" in c["detail"] for c in failed)
    gone = _doctor(
        course, "--json",
        TA_DELIVERY_ZOOM_API_URL="http://127.0.0.1:9/v2", TA_DELIVERY_ZOOM_OAUTH_URL="http://127.0.0.1:9/oauth/token",
        TA_DELIVERY_STATE="postgresql://ta:pw-123@127.0.0.1:9/ta",
    )  # fmt: skip
    assert gone.returncode == 1
    failed = [c for c in json.loads(gone.stdout)["checks"] if not c["ok"]]
    assert all("127.0.0.1" in c["detail"] + c["name"] for c in failed), failed
    assert "pw-123" not in gone.stdout
