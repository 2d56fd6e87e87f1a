"""``register-csv``: the built-in attendance format.

A header row with the columns ``participant,join,leave`` and optionally ``session`` (any order, any case,
other columns ignored). ``participant`` is a person's id or email; ``join``/``leave`` are ISO 8601
date-times with an offset, or without one when ``--timezone`` says the zone they were written in (a time
the clocks skip there is an input error, one they pass twice is the first). Rows without a session cell
take ``--session``.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ...errors import InputError
from ...importfiles import Problems, localize
from ...records import ImportRequest, Segment
from .common import decode, lines, live_session

__all__ = ["NAME", "parse"]

NAME = "register-csv"
_REQUIRED = ("participant", "join", "leave")


def _instant(value: str, source: str, line: int, column: str, zone: ZoneInfo | None = None) -> datetime:
    """``value`` as a UTC instant, or an input error naming the cell (the slow path of :func:`parse`)."""
    try:
        # RFC 3339 allows a lower-case 't' and 'z'
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise InputError(
            f"{value!r} is not an ISO 8601 date-time (write e.g. 2027-09-06T10:00:00-04:00)",
            source=source,
            key=f"line {line}, column {column}",
        ) from None
    if parsed.tzinfo is None and zone is not None:
        return localize(parsed, zone, source, f"line {line}, column {column}")
    if parsed.tzinfo is None:
        raise InputError(
            f"{value!r} has no UTC offset (write e.g. {value}+00:00 or {value}Z, or pass --timezone)",
            source=source,
            key=f"line {line}, column {column}",
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InputError(
            f"{value!r} is out of range in UTC", source=source, key=f"line {line}, column {column}"
        ) from None


def _checked_rows(reader: Iterator[list[str]], problems: Problems) -> Iterator[list[str]]:
    """The rows of ``reader``; a line the csv module cannot read ends the file with every problem so far."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", 0)
            problems.add(InputError(f"not CSV: {exc}", key=f"line {line}"))
            problems.check()
            raise  # pragma: no cover - check() raised
        yield row


def parse(request: ImportRequest) -> Iterator[Segment]:
    """The segments of a register-csv file, lazily.

    A bad row is skipped and remembered; once the last row is read, every problem is raised together (an
    :class:`~ta_delivery.errors.InputErrors`), so the transaction storing the good rows rolls back.
    """
    source = str(request.path)
    problems = Problems(source)
    text = decode(request)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # old Mac line endings (Excel's "CSV (Macintosh)")
    reader = csv.reader(lines(text))
    rows = _checked_rows(reader, problems)
    header: list[str] | None = None
    for header_row in rows:
        if any(cell.strip() for cell in header_row):
            header = [cell.strip().lower() for cell in header_row]
            break
    if header is None:
        raise InputError("the file is empty: expected a header participant,join,leave", source=source)
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"the header lacks the column(s) {', '.join(missing)}: the first row names the columns "
            "participant,join,leave (and optionally session)",
            source=source,
            key="line 1",
        )
    col = {name: header.index(name) for name in (*_REQUIRED, "session") if name in header}
    i_part, i_join, i_leave = col["participant"], col["join"], col["leave"]
    i_sess = col.get("session")
    if i_sess is None and request.session_id is None:
        raise InputError(
            "the file has no session column: --session is required", source=source, key="--session"
        )
    default = request.session_id
    if default is not None:
        live_session(request.course, default, source, "--session")
    known: set[str] = set()
    width = max(col.values()) + 1
    sha256 = hashlib.sha256
    fromiso = datetime.fromisoformat
    try:
        for row in reader:  # the body read straight from csv (no wrapper generator: it costs per row)
            line = reader.line_num
            if not row:
                continue
            if len(row) < width:
                if not any(cell.strip() for cell in row):
                    continue
                problems.add(
                    InputError(
                        f"the row has {len(row)} cells, the header {len(header)}: "
                        "give each row a participant, join and leave",
                        source=source,
                        key=f"line {line}",
                    )
                )
                continue
            sid = row[i_sess].strip() if i_sess is not None else ""
            if not sid:
                if default is None:
                    problems.add(
                        InputError(
                            "no session in this row and no --session: name the row's session",
                            source=source,
                            key=f"line {line}, column session",
                        )
                    )
                    continue
                sid = default
            elif sid not in known:
                try:
                    live_session(request.course, sid, source, f"line {line}, column session")
                except InputError as exc:
                    problems.add(exc)
                    continue
                known.add(sid)
            who = row[i_part].strip()
            if not who:
                if not any(cell.strip() for cell in row):
                    continue
                problems.add(
                    InputError(
                        "participant is empty: write the person's id or email",
                        source=source,
                        key=f"line {line}, column participant",
                    )
                )
                continue
            join_text, leave_text = row[i_join].strip(), row[i_leave].strip()
            try:
                join, leave = fromiso(join_text), fromiso(leave_text)
                if join.tzinfo is None or leave.tzinfo is None:
                    raise ValueError(
                        "no offset"
                    )  # never astimezone() a naive time: it would read it as local
                if join.tzinfo is not UTC:
                    join = join.astimezone(UTC)
                if leave.tzinfo is not UTC:
                    leave = leave.astimezone(UTC)
            except (ValueError, OverflowError):
                # the slow path: lower-case 't'/'z', or an input error naming each bad cell
                read = _times(join_text, leave_text, source, line, request.timezone, problems)
                if read is None:
                    continue
                join, leave = read
            if leave < join:
                problems.add(
                    InputError(
                        "leave is before join: swap them, or correct the date",
                        source=source,
                        key=f"line {line}, column leave",
                    )
                )
                continue
            if problems.total:
                continue  # the file will be refused: only its problems matter now
            email = who if "@" in who else None
            yield Segment(
                session_id=sid,
                join=join,
                leave=leave,
                source=NAME,
                # the same value as Segment.key_of(sid, who, join_text, leave_text), without its generator
                raw_key=sha256(f"{sid}\x1f{who}\x1f{join_text}\x1f{leave_text}".encode()).hexdigest()[:32],
                # an id may contain '@' (ids are free text): the id is tried before the email (issue 19)
                external_id=who,
                email=email,
            )
    except csv.Error as exc:  # a line csv cannot read ends the file, with every problem found before it
        problems.add(InputError(f"not CSV: {exc}", key=f"line {reader.line_num}"))
    problems.check()


def _times(
    join_text: str, leave_text: str, source: str, line: int, zone: ZoneInfo | None, problems: Problems
) -> tuple[datetime, datetime] | None:
    """Join and leave of a row as UTC instants, or None after adding each bad cell to ``problems``."""
    join = leave = None
    with problems.collecting():
        join = _instant(join_text, source, line, "join", zone)
    with problems.collecting():
        leave = _instant(leave_text, source, line, "leave", zone)
    return None if join is None or leave is None else (join, leave)
