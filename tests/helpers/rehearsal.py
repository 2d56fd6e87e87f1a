# ruff: noqa: E501  (the example of PRODUCT.md section 1 is kept verbatim, long comments included)
"""Helpers of the rehearsal tests: PRODUCT.md's own example, an outsider running the CLI in a subprocess,
and readers of what it writes (iCalendar text, .eml files)."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ta_delivery.testing.courses import ORG, course_toml, person

PRODUCT_EXAMPLE = """
[course]
id = "rtpc-caribbean-2020"          # required: a-z, 0-9 and '-', 1-64 chars
title = "Online Regional Trade Policy Course for the Caribbean"   # required
kind = "course"                     # course | workshop | seminar | webinar | symposium | dialogue   (default course)
scope = "regional"                  # national | sub-regional | regional | global                    (optional)
level = "intermediate"              # basic | intermediate | advanced                                 (optional)
language = "en"                     # language of the activity and its invites: en | fr | es          (default en)
timezone = "America/Port_of_Spain"  # required IANA zone: how times written without an offset are read
provider = "jitsi"                  # default classroom provider of live sessions                      (default jitsi)
status = "scheduled"                # planned | scheduled | delivered | postponed | cancelled          (default scheduled)
organizer = { name = "Training Institute", email = "training@example.org" }   # required
prerequisites = ["mta-elearning"]   # optional: ids of e-learning courses (on the LMS) to complete first
roster = "participants.csv"         # optional: participants from a CSV file (columns as the [[participants]] keys)

[rules]                              # optional: the virtual-delivery rules; these are the defaults
max_live_minutes = 120               # a live session lasts at most this long
max_live_sessions_per_day = 2        # per person, per day of that person's own local calendar
working_hours = "08:00-18:00"        # default local window in which a person can attend live

[rules.severity]                     # optional: "error" (default) or "warning", by rule id (section 3)
outside-working-hours = "warning"

[attendance]                         # optional: the attendance policy; these are the defaults
late_after_minutes = 10              # first join later than start + this  ->  late (if enough minutes)
present_fraction = 0.75              # attended minutes / scheduled minutes needed for present or late
partial_fraction = 0.25              # at least this (but under present_fraction)  ->  partial; below  ->  absent
completion_fraction = 0.8            # share of a participant's live sessions attended (present or late) to complete

[[trainers]]
id = "rf"                            # required, unique among all people
name = "Roberto F."                  # required
email = "rf@example.org"             # required
timezone = "Europe/Zurich"           # required IANA zone
working_hours = "08:00-19:00"        # optional, overrides rules.working_hours
language = "en"                      # optional, default course.language

[[participants]]
id = "jm-01"                         # required, unique among all people
name = "Ana Pérez"                   # required
email = "ana@example.org"            # required
timezone = "America/Jamaica"         # required
working_hours = "09:00-17:00"        # optional
language = "es"                      # optional: invites to this person are written in this language
country = "JM"                       # optional: ISO 3166-1 alpha-2, for reports

[[sessions]]
id = "s01"                           # required, unique
title = "Opening webinar"            # required
start = 2020-08-10T10:00:00          # required: TOML local date-time (read in course.timezone) or offset date-time
minutes = 120                        # required, > 0
kind = "live"                        # live | recorded   (recorded: no classroom, not counted by live rules or attendance)
trainers = ["rf"]                    # optional: trainer ids
participants = ["jm-01"]             # optional: participant ids (default: every participant)
provider = "zoom"                    # optional: overrides course.provider
description = "..."                  # optional

[[series]]                           # optional: a run of sessions at the same local time
id = "w"                             # sessions are named w01, w02, ... (two digits, three past 99)
title = "Weekly webinar"             # each session's title is this, followed by " (n/count)"
first_start = 2020-08-12T10:00:00    # local date-time in course.timezone: the local time stays fixed across DST
minutes = 90
every_days = 7
count = 14                           # number of sessions produced; skipped dates do not count
skip = [2020-10-07]                  # optional: local dates on which no session is held
trainers = ["rf"]                    # optional, as for sessions
"""

ROSTER = "id,name,email,timezone,working_hours,language,country\nkt-02,Kim T.,kim@example.org,America/Jamaica,,,JM\n"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code in (0, 1), self.err
        return json.loads(self.out)


class Outsider:
    """A temporary working directory and a clean environment, as a test harness would set them up."""

    def __init__(self, root: Path, now: str | None) -> None:
        self.root = root
        self.cwd = root / "cwd"
        self.cwd.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TA_DELIVERY_")}
        self.env["HOME"] = str(root)
        if now is not None:
            self.env["TA_DELIVERY_NOW"] = now

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, *args: str, **env: str) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "ta_delivery", *args],
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env={**self.env, **env},
            timeout=60,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return Run(done.returncode, done.stdout, done.stderr)

    def outbox(self) -> list[Path]:
        folder = self.root / ".ta-delivery" / "outbox"
        return sorted(folder.glob("*.eml")) if folder.exists() else []


def small_course(id: str, title: str, zone: str, **changes: Any) -> str:
    """A course file: trainer ``t1`` and participant ``p1``, both living in ``zone``, the course's zone."""
    return course_toml(
        id=id,
        title=title,
        timezone=zone,
        organizer=ORG,
        trainers=[person("t1", "T", timezone=zone)],
        participants=[person("p1", "P", timezone=zone)],
        **changes,
    )


#: The command line as ``python -c`` runs it (no installed script needed).
CLI = "import sys; from ta_delivery.cli import main; sys.exit(main())"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command line in a child process, with ``env`` added to this one's environment."""
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").replace("\n ", "").replace("\r\n", "\n").split("\n")


def events(ics: str) -> list[dict[str, str]]:
    """The VEVENTs of an iCalendar text, each as {PROPERTY-NAME-WITH-PARAMS: value} (first wins)."""
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfold(ics):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None and ":" in line:
            name, _, value = line.partition(":")
            current.setdefault(name, value)
            current.setdefault(name.split(";")[0], value)
    return found


def parse_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def calendar_part(message: EmailMessage) -> tuple[str, str]:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            method = part.get_param("method")
            assert isinstance(method, str)
            text = part.get_content()
            assert isinstance(text, str)
            return method.upper(), text
    raise AssertionError("no text/calendar part")
