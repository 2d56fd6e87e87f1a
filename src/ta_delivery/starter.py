"""The files ``ta-delivery init`` writes: a commented course file and its roster, ready to check and apply.

The dates are chosen from the day it runs (the first Monday at least four weeks ahead), so the course
is always in the future and ``apply`` has something to do. Everyone works in European or West African
zones, inside the default working hours and days, so ``check`` finds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["COURSE_FILE", "ROSTER_FILE", "course_toml", "first_monday", "roster_csv"]

COURSE_FILE = "course.toml"
ROSTER_FILE = "participants.csv"

_COURSE = """\
# A course file for ta-delivery (docs/course-file.md lists every key).
# Next steps:   ta-delivery check {course_file}     the rules: working hours, days, lengths, overlaps
#               ta-delivery plan {course_file}      what apply would do (nothing is changed)
#               ta-delivery apply {course_file}     rooms on Jitsi, invitations into .ta-delivery/outbox

[course]
id = "my-first-course"                 # a-z, 0-9 and '-': it names the invitations' calendar events
title = "Trade policy essentials"
kind = "workshop"                      # course | workshop | seminar | webinar | symposium | dialogue
language = "en"                        # en | fr | es: the language of the invitations
timezone = "Europe/Zurich"             # times below without an offset are read in this zone
provider = "jitsi"                     # free, no account needed; zoom and webex come as plugins
organizer = {{ name = "Training Institute", email = "training@example.org" }}
roster = "{roster_file}"           # participants, one per row (the columns are the [[participants]] keys)

[rules]                                # the virtual-delivery rules (these are the defaults)
max_live_minutes = 120                 # people drop off after two hours
max_live_sessions_per_day = 2
working_hours = "08:00-18:00"          # each person's local window, unless they set their own
working_days = "mon-fri"               # or "sun-thu", "mon,wed,fri"...

[[trainers]]
id = "tr-01"
name = "Trainer One"
email = "trainer.one@example.org"
timezone = "Europe/Berlin"
working_hours = "08:00-19:00"          # optional: overrides rules.working_hours

# One opening webinar on its own...
[[sessions]]
id = "opening"
title = "Opening webinar"
start = {opening}T10:00:00     # a TOML date-time, no quotes; local to course.timezone
minutes = 90
trainers = ["tr-01"]
description = "Welcome, programme of the workshop, and how the sessions work."

# ...then a series on Mondays and Wednesdays at the same local time, even across a clock change.
[[series]]
id = "w"                               # sessions w01, w02, ...
title = "Workshop session"             # titled "Workshop session (1/6)", ...
first_start = {series}T10:00:00
minutes = 90
weekdays = ["mon", "wed"]              # or every_days = 7
count = 6
trainers = ["tr-01"]
# skip = [{skip}]                # dates with no session (they do not count towards count)

# A recorded lecture: no classroom, no invitation, not counted by the live rules.
[[sessions]]
id = "lecture-01"
title = "Recorded lecture: tariffs and trade in goods"
start = {lecture}T09:00:00
minutes = 45
kind = "recorded"
trainers = ["tr-01"]
"""

_ROSTER = """\
id,name,email,timezone,country,language
p-01,Amina Diallo,amina.diallo@example.org,Africa/Lagos,NG,en
p-02,Jean Martin,jean.martin@example.org,Europe/Paris,FR,fr
p-03,Lucía Gómez,lucia.gomez@example.org,Europe/Madrid,ES,es
p-04,Tom Evans,tom.evans@example.org,Europe/London,GB,en
"""


def first_monday(today: date) -> date:
    """The first Monday at least four weeks after ``today``."""
    start = today + timedelta(weeks=4)
    return start + timedelta(days=(7 - start.weekday()) % 7)


def course_toml(today: date) -> str:
    """The course file, with dates from ``today``."""
    monday = first_monday(today)
    return _COURSE.format(
        course_file=COURSE_FILE,
        roster_file=ROSTER_FILE,
        opening=monday.isoformat(),
        series=(monday + timedelta(days=2)).isoformat(),
        skip=(monday + timedelta(days=14)).isoformat(),
        lecture=(monday + timedelta(days=1)).isoformat(),
    )


def roster_csv() -> str:
    """The roster CSV."""
    return _ROSTER
