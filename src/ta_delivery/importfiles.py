"""Reading the files `attendance import` takes: attendance exports (CSV or tab-separated text from a portal).

An import format (:class:`~ta_delivery.records.ImportFormatSpec`) usually needs the same few steps:

- :func:`decode_text`: bytes to text, UTF-8 or UTF-16, with or without a byte-order mark;
- :func:`find_heading` / :func:`sniff_delimiter`: skip title lines to the heading row, tab or comma;
- :func:`normalize_label` / :func:`find_columns`: columns found by heading, among aliases, case-insensitively;
- :func:`read_time`: a date-time cell as a UTC instant: ISO 8601, a common local format
  (:data:`LOCAL_FORMATS`), a ``GMT-05:00`` / ``UTC`` / ``Z`` suffix, or else a wall time in
  ``ImportRequest.timezone`` (:func:`localize`: a time in a DST gap is an input error, one in a DST fold
  is its first occurrence);
- :func:`day_first`: whether slashed dates in a file are day first;
- :func:`row_key`: the ``rows[N].Column`` key an :class:`~ta_delivery.errors.InputError` names;
- :class:`Problems`: the errors of a file collected row by row, raised together at the end.

Every error is an :class:`~ta_delivery.errors.InputError` naming the file (``source``) and, where there is
one, the row and column (``key``). A bad row does not stop the reading: every mistake of a file is reported
in one run (the first :data:`MAX_PROBLEMS`, then how many more), and nothing is stored (decision 0072).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .errors import InputError, InputErrors

__all__ = [
    "LOCAL_FORMATS",
    "MAX_PROBLEMS",
    "Problems",
    "day_first",
    "decode_text",
    "find_columns",
    "find_heading",
    "localize",
    "normalize_label",
    "parse_wall_time",
    "read_time",
    "row_key",
    "sniff_delimiter",
    "split_zone_suffix",
]

#: ``strptime`` formats of local date-times that portals write (month first; see :func:`day_first`).
LOCAL_FORMATS: tuple[str, ...] = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)

#: How many errors of one file are listed; the rest are counted ("... and N more problems").
MAX_PROBLEMS = 20

_ZONE_SUFFIX = re.compile(r"\s*(?:\(?\s*(GMT|UTC)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\s*\)?|Z)\s*$", re.I)
_SLASHED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")


def decode_text(data: bytes, source: str) -> str:
    """The text of an export: UTF-16 (LE or BE, with a BOM or detected by its NULs) or UTF-8 (BOM or not).

    The byte-order mark is not part of the text. Anything else is an input error naming ``source``.
    """
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        sample = data[:200]
        if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
            return data.decode("utf-16-le")
        if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
            return data.decode("utf-16-be")
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 or UTF-16 text", source=source) from None


def sniff_delimiter(line: str) -> str:
    """``"\\t"`` when ``line`` has at least one tab and no more commas than tabs, else ``","``."""
    return "\t" if line.count("\t") >= max(1, line.count(",")) else ","


def normalize_label(cell: str) -> str:
    """A heading (or yes/no) cell for comparison: no BOM, quotes or extra spaces, lower case."""
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').lower().split())


def find_heading(
    lines: Sequence[str], is_heading: Callable[[set[str]], bool], *, limit: int | None = 15
) -> tuple[int, str] | None:
    """The index of the first of ``lines`` (among the first ``limit``) whose labels satisfy ``is_heading``.

    Each line is split with its own :func:`sniff_delimiter`; ``is_heading`` gets the set of its cells,
    normalised by :func:`normalize_label`. Returns ``(index, delimiter)``, or ``None`` when no line is one.
    """
    for index, line in enumerate(lines if limit is None else lines[:limit]):
        delimiter = sniff_delimiter(line)
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if is_heading({normalize_label(c) for c in cells}):
            return index, delimiter
    return None


def find_columns(heading: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Field -> column index, for each field of ``aliases`` one of whose names (in order) is a heading.

    ``aliases`` maps a field to the normalised headings that name it, the preferred first; headings are
    compared after :func:`normalize_label`, and the first column with a name wins. Fields not found are
    absent from the result.
    """
    names = [normalize_label(h) for h in heading]
    found: dict[str, int] = {}
    for field, candidates in aliases.items():
        for alias in candidates:
            if alias in names:
                found[field] = names.index(alias)
                break
    return found


class Problems:
    """The input errors found in one file, kept so that all of them are reported at once.

    Only the first :data:`MAX_PROBLEMS` are kept (a file of a million bad rows holds no million errors);
    the others are counted. An error without a file is located in ``source``.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[InputError] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, error: InputError) -> None:
        """Keep ``error`` (each of them, for :class:`InputErrors`)."""
        several = error.errors if isinstance(error, InputErrors) else (error,)
        for one in several:
            if len(self.found) < MAX_PROBLEMS:
                self.found.append(one if one.source else one.within(self.source))
        self.total += error.total if isinstance(error, InputErrors) else 1

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Keep an :class:`InputError` raised in the block instead of letting it through."""
        try:
            yield
        except InputError as exc:
            self.add(exc)

    def error(self) -> InputError | None:
        """The problems as one error: the error itself when there is one, else :class:`InputErrors`."""
        if not self.found:
            return None
        if self.total == 1:
            return self.found[0]
        return InputErrors(list(self.found), total=self.total)

    def check(self) -> None:
        """Raise the problems found so far, if any (see :meth:`error`)."""
        error = self.error()
        if error is not None:
            raise error


def row_key(number: int, column: str | None = None) -> str:
    """The key of a cell in errors: ``rows[3].Join Time`` (or ``rows[3]`` for the whole row)."""
    return f"rows[{number}]" if column is None else f"rows[{number}].{column}"


def day_first(texts: Iterable[str], source: str, key: str = "rows") -> bool:
    """Whether slashed dates (``05/04/2027``) are day first: only if some first number exceeds 12.

    Month first is the default; a file where both the first and the second number exceed 12 somewhere mixes
    the orders, which is an input error.
    """
    firsts = seconds = False
    for text in texts:
        match = _SLASHED.match(text)
        if match:
            firsts = firsts or int(match.group(1)) > 12
            seconds = seconds or int(match.group(2)) > 12
    if firsts and seconds:
        raise InputError("dates mix day-first and month-first order", source=source, key=key)
    return firsts


def split_zone_suffix(text: str) -> tuple[str, timezone | None]:
    """``text`` without a trailing ``Z``, ``UTC``, ``GMT``, ``GMT-05:00`` or ``(UTC+5:30)``, and that offset.

    Returns ``(text, None)`` when there is no such suffix; raises :class:`ValueError` for an offset of a
    day or more.
    """
    match = _ZONE_SUFFIX.search(text)
    if not match or not match.group(0).strip():
        return text, None
    sign, hours, minutes = match.group(2), match.group(3), match.group(4)
    delta = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    if delta >= timedelta(hours=24):
        raise ValueError(f"offset {match.group(0).strip()!r} is a day or more")
    return text[: match.start()].strip(), timezone(-delta if sign == "-" else delta)


def parse_wall_time(
    text: str, formats: Sequence[str] = LOCAL_FORMATS, *, dayfirst: bool = False
) -> datetime | None:
    """``text`` as ISO 8601 (offset or not), else by the first of ``formats`` that reads it; else ``None``.

    With ``dayfirst``, ``%m/%d/`` in the formats is read as ``%d/%m/``.
    """
    value = text.strip()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for fmt in formats:
        if dayfirst:
            fmt = fmt.replace("%m/%d/", "%d/%m/")
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def localize(wall: datetime, zone: ZoneInfo, source: str, key: str) -> datetime:
    """The UTC instant of the naive ``wall`` time in ``zone``.

    A wall time the clocks skip (a DST gap) is an input error; one they pass twice (a DST fold) is read as
    its first occurrence, the earlier instant.
    """
    local = wall.replace(tzinfo=zone, fold=0)
    try:
        instant = local.astimezone(UTC)
        back = instant.astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        raise InputError(
            f"{wall.isoformat(sep=' ')} in {zone.key} is out of range in UTC", source=source, key=key
        ) from None
    if back != wall.replace(fold=0):
        raise InputError(
            f"{wall.isoformat(sep=' ')} does not exist in {zone.key} (a DST gap)", source=source, key=key
        )
    return instant


def read_time(
    text: str,
    zone: ZoneInfo | None,
    source: str,
    key: str,
    *,
    formats: Sequence[str] = LOCAL_FORMATS,
    dayfirst: bool = False,
    zone_hint: str = "the export was written in",
) -> datetime:
    """A date-time cell of an export as a UTC instant.

    An offset in the text (ISO 8601, or a suffix :func:`split_zone_suffix` knows) is used as such; a time
    without one is a wall time in ``zone`` (``ImportRequest.timezone``, see :func:`localize`), and without a
    ``zone`` it is an input error asking for ``--timezone`` with "the zone ``zone_hint``".
    """
    try:
        value, offset = split_zone_suffix(text.strip())
    except ValueError as exc:
        raise InputError(f"{text!r}: {exc}", source=source, key=key) from None
    when = parse_wall_time(value, formats, dayfirst=dayfirst)
    if when is None:
        raise InputError(f"{text!r} is not a date-time", source=source, key=key)
    if when.tzinfo is None and offset is not None:
        when = when.replace(tzinfo=offset)
    if when.tzinfo is not None:
        try:
            return when.astimezone(UTC)
        except OverflowError:
            raise InputError(f"{text!r} is out of range in UTC", source=source, key=key) from None
    if zone is None:
        raise InputError(
            f"{text!r} has no time zone; pass --timezone with the zone {zone_hint}", source=source, key=key
        )
    return localize(when, zone, source, key)
