"""Real invites by Outlook, Teams, Google and Thunderbird (../shared/samples/ics) read without crashing.

SOURCES.md there says which samples are deliberately invalid; the lint must report exactly those faults.
"""

from __future__ import annotations

import re
from pathlib import Path

import icalendar
import pytest
import vobject

from ta_delivery.invites import lint_calendar


def _samples() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "samples" / "ics"
        if (parent / "shared").is_dir() and candidate.is_dir():
            return candidate
    return None


SAMPLES = _samples()
FILES = sorted(SAMPLES.glob("*.ics")) if SAMPLES else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/samples/ics is absent")


def crlf(data: bytes) -> bytes:
    """The samples were extracted with LF endings; real mail carries CRLF."""
    return re.sub(rb"\r?\n", b"\r\n", data)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_sample_is_read_without_crashing(path: Path) -> None:
    data = path.read_bytes()
    cal = icalendar.Calendar.from_ical(data)
    assert cal.walk("VEVENT")
    problems = lint_calendar(data, require_utc=False)  # never raises, whatever the input
    assert isinstance(problems, list)
    assert any("bare CR or LF" in p for p in problems)  # LF endings are reported
    refused: str | None = None
    try:
        vobject.readOne(data.decode("utf-8"))
    except Exception as exc:  # an independent parser may refuse broken samples, with its own error
        refused = type(exc).__name__
    assert refused in (None, "ParseError", "ValidateError", "VObjectError")


EXPECTED = {
    "outlook-exchange2010-request.ics": [],
    "teams-meeting-request.ics": ["empty line"],
    "google-meet-request.ics": ["octets (at most 75"],
    "exchange-publish-windows-tzid-no-vtimezone.ics": ["lacks ORGANIZER"],
    "thunderbird-test-cancel-single-event.ics": ["0 PRODID", "both DTEND and DURATION", "VALARM"],
    "thunderbird-test-exception-major-request.ics": ["0 PRODID", "0 VERSION"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_reports_the_known_faults_of_each_sample(name: str) -> None:
    assert SAMPLES is not None
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{name} is absent")
    problems = lint_calendar(crlf(path.read_bytes()), require_utc=False)
    for fault in EXPECTED[name]:
        assert any(fault in p for p in problems), (fault, problems)
    if not EXPECTED[name]:
        assert problems == []
