"""Message catalogues (gettext ``.po`` files shipped in ``locale/``) and date formatting in a person's zone.

The ``.po`` files are the source a translator edits; they are compiled in memory when first used, so no
build step can leave a stale ``.mo`` behind. English msgids are the fallback for an untranslated entry.
"""

from __future__ import annotations

import gettext
import io
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ..models import LANGUAGES
from ..timelabels import same_offset, utc_offset

__all__ = ["DOMAIN", "LOCALE_DIR", "format_span", "format_utc_span", "translations", "zone_label"]

DOMAIN = "ta_delivery"
LOCALE_DIR = Path(__file__).with_name("locale")


def po_path(language: str) -> Path:
    """The catalogue file of ``language``."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language`` (``en``, ``fr`` or ``es``); English text where missing."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for language {language!r}")
    path = po_path(language)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def zone_label(tz: ZoneInfo, instant: datetime, end: datetime | None = None) -> str:
    """``America/Jamaica, UTC-05:00``: the zone's IANA name and its offset at ``instant``.

    With ``end`` at another offset (a DST change inside the session) the name alone: the span written
    by :func:`format_span` then carries each end's own offset.
    """
    if end is not None and not same_offset(instant, end, tz):
        return tz.key
    return f"{tz.key}, {utc_offset(instant.astimezone(tz))}"


@cache
def format_span(start: datetime, end: datetime, zone: str, language: str) -> str:
    """The span ``start``-``end`` on the wall clock of ``zone``, written for ``language``."""
    _ = translations(language).gettext
    tz = ZoneInfo(zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    start_time = format_time(local_start, "short", tzinfo=tz, locale=language)
    end_time = format_time(local_end, "short", tzinfo=tz, locale=language)
    if local_start.utcoffset() != local_end.utcoffset():  # a DST change inside: each end its own offset
        start_time = f"{start_time} ({utc_offset(local_start)})"
        end_time = f"{end_time} ({utc_offset(local_end)})"
    start_date = format_date(local_start.date(), "full", locale=language)
    if local_start.date() == local_end.date():
        return _("{date}, {start}–{end}").format(date=start_date, start=start_time, end=end_time)
    end_date = format_date(local_end.date(), "full", locale=language)
    return _("{start_date}, {start} – {end_date}, {end}").format(
        start_date=start_date, start=start_time, end_date=end_date, end=end_time
    )


def format_utc_span(start: datetime, end: datetime) -> str:
    """``2020-08-10 14:00–16:00 UTC`` (the date of the end is added when it differs)."""
    s, e = start.astimezone(UTC), end.astimezone(UTC)
    tail = e.strftime("%H:%M") if s.date() == e.date() else e.strftime("%Y-%m-%d %H:%M")
    return f"{s.strftime('%Y-%m-%d %H:%M')}–{tail} UTC"


@cache
def format_short(start: datetime, zone: str, language: str) -> str:
    """A short local date and time for a mail subject: ``Mon, Aug 10, 2020 9:00 AM``."""
    tz = ZoneInfo(zone)
    local = start.astimezone(tz)
    day = format_date(local.date(), "medium", locale=language)
    return f"{day} {format_time(local, 'short', tzinfo=tz, locale=language)}"
