"""The layouts of the evaluation files we read, by name (``evaluation import --format``).

- ``csv``: PRODUCT.md section 6: ``participant`` and ``session`` (both optional), one column per question id.
- ``moodle-feedback``: the "Show responses" download of Moodle's Feedback activity (``mod_feedback``
  responses table): ``Full name``, ``Groups``, the site's identity fields such as ``Email address``,
  ``Date``, then one column per item headed ``(label) name`` when the item has a label, else its name;
  anonymous feedbacks give ``Response number`` and the items.
- ``limesurvey``: LimeSurvey's "Export responses" CSV with question-code headings (``id``, ``submitdate``,
  ``lastpage``, ``startlanguage``, ``seed`` then codes), full-text headings (``Response ID``,
  ``Date submitted``,
  ...), or code and text (``relevance. How relevant ...``).
- ``kobo``: KoboToolbox's CSV export (semicolon-separated by default) with XML names or labels, group paths
  (``group/name``) and its ``_id``, ``_uuid``, ``_submission_time`` ... bookkeeping columns.
- ``google-forms``: the responses CSV of Google Forms (``Timestamp``, ``Email address`` when collected,
  ``Score`` for quizzes, then one column per question title).

Columns whose header is not a question id are mapped through ``[evaluation.columns]`` in the course file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .table import Layout

__all__ = ["FORMATS", "layout"]

_EMAIL_HEADERS = frozenset({"email", "email address", "e-mail", "e-mail address", "emailaddress"})


def _plain(header: str) -> Iterator[str]:
    return iter(())


def _moodle(header: str) -> Iterator[str]:
    # "(label) name": the label (our question id, usually), then the name
    m = re.match(r"^\((?P<label>[^)]*)\)\s*(?P<name>.*)$", header, re.S)
    if m:
        yield m.group("label").strip()
        yield m.group("name").strip()


def _limesurvey(header: str) -> Iterator[str]:
    # "code. question text" (code & text headings); array subquestions "code[sq]"
    m = re.match(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(?:\[[^\]]*\])?)\.\s+.*$", header, re.S)
    if m:
        yield m.group("code")
    m = re.match(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*)\[(?P<sq>[^\]]*)\]$", header)
    if m:
        yield m.group("sq")


def _kobo(header: str) -> Iterator[str]:
    if "/" in header:
        yield header.rsplit("/", 1)[1]


FORMATS: dict[str, Layout] = {
    "csv": Layout("csv", participant=frozenset({"participant"}), strict=True),
    "moodle-feedback": Layout(
        "moodle-feedback",
        meta=frozenset({"full name", "groups", "date", "course", "response number", "username", "id number"}),
        participant=_EMAIL_HEADERS,
        aliases=_moodle,
    ),
    "limesurvey": Layout(
        "limesurvey",
        meta=frozenset(
            {
                "id",
                "response id",
                "submitdate",
                "date submitted",
                "lastpage",
                "last page",
                "startlanguage",
                "start language",
                "seed",
                "startdate",
                "date started",
                "datestamp",
                "date last action",
                "ipaddr",
                "ip address",
                "refurl",
                "referrer url",
                "token",
                "access code",
            }
        ),
        participant=_EMAIL_HEADERS,
        key=frozenset({"id", "response id"}),
        aliases=_limesurvey,
    ),
    "kobo": Layout(
        "kobo",
        meta=frozenset(
            {
                "start",
                "end",
                "today",
                "deviceid",
                "_id",
                "_uuid",
                "_submission_time",
                "_validation_status",
                "_notes",
                "_status",
                "_submitted_by",
                "__version__",
                "_tags",
                "_index",
                "meta/instanceid",
                "meta/rootuuid",
                "_version_",
            }
        ),
        participant=_EMAIL_HEADERS,
        key=frozenset({"_uuid"}),
        aliases=_kobo,
    ),
    "google-forms": Layout(
        "google-forms",
        meta=frozenset({"timestamp", "score", "marca temporal", "horodateur", "puntuación", "note"}),
        participant=_EMAIL_HEADERS | frozenset({"adresse e-mail", "dirección de correo electrónico"}),
        aliases=_plain,
    ),
}


def layout(name: str) -> Layout:
    """The layout called ``name``; ``KeyError`` if there is none."""
    return FORMATS[name]
