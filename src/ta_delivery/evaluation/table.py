"""An evaluation file as a table, and its rows as :class:`Response` records.

Every format (the plain CSV of PRODUCT.md section 6 and the survey tools' exports in :mod:`.surveys`)
becomes a :class:`Table`; :func:`responses` then maps its columns to question ids and checks every cell,
collecting every problem (by line and column) before anything is stored.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import attrs

from ..errors import InputError, InputErrors
from ..importfiles import MAX_PROBLEMS  # the same cap as attendance imports: 20 listed, the rest counted
from ..models import Course
from .answers import parse_answer
from .model import COLUMN_TARGETS, Evaluation, Response

__all__ = ["MAX_PROBLEMS", "Layout", "Table", "decode", "read_delimited", "responses"]


@attrs.frozen
class Layout:
    """What a format knows about its columns."""

    name: str
    #: Headers (case-folded) that are the tool's own bookkeeping, never answers.
    meta: frozenset[str] = frozenset()
    #: Headers (case-folded) that hold the respondent's email or id.
    participant: frozenset[str] = frozenset()
    #: Headers (case-folded) that hold the tool's stable response id.
    key: frozenset[str] = frozenset()
    #: Other names a header may stand for (a question code in front of its text, a group path).
    aliases: Callable[[str], Iterable[str]] = lambda header: ()
    #: Whether a column that is not a question, ``participant`` or ``session`` is an error.
    strict: bool = False


@attrs.frozen
class Table:
    """Header and rows, each row with the line it starts on."""

    source: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 (with BOM); anything else is an input error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("is neither UTF-8 nor UTF-16 text; save it as CSV (UTF-8)", source=source) from None


def read_delimited(data: bytes, source: str, delimiter: str | None = None) -> Table:
    """Read a CSV (comma, semicolon or tab separated, as the first line shows) into a :class:`Table`."""
    text = decode(data, source)
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    line = 1
    try:
        for row in reader:
            cells = tuple(cell.strip() for cell in row)
            if header is None:
                if any(cells):
                    header = cells
            elif any(cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file: {exc}", source=source, key=f"line {line}") from None
    if header is None:
        raise InputError("is empty: it needs a header row", source=source)
    return Table(source, header, tuple(rows))


def _norm(text: str) -> str:
    return text.strip().casefold().replace("_", "-")


def _targets(table: Table, layout: Layout, evaluation: Evaluation) -> tuple[dict[int, str], list[str]]:
    """Column index -> question id / participant / session, and the problems with the header."""
    ids = {_norm(q): q for q in evaluation.ids}
    mapping = {h.strip(): t for h, t in evaluation.columns.items()}
    folded_mapping = {_norm(h): t for h, t in evaluation.columns.items()}
    targets: dict[int, str] = {}
    problems: list[str] = []

    def target_of(header: str) -> str | None:
        for name in (header, *layout.aliases(header)):
            if name in mapping:
                return mapping[name]
            if _norm(name) in folded_mapping:
                return folded_mapping[_norm(name)]
            if _norm(name) in ids:
                return ids[_norm(name)]
            if _norm(name) in COLUMN_TARGETS:
                return _norm(name)
        if header.casefold() in layout.participant:
            return "participant"
        return None

    for i, header in enumerate(table.header):
        if not header:
            continue
        target = target_of(header)
        if target is None:
            if layout.strict and header.casefold() not in layout.meta:
                known = ", ".join([*COLUMN_TARGETS, *evaluation.ids])
                problems.append(f"column {header!r} is not a question id of the course ({known})")
            continue
        if target in targets.values() and target in COLUMN_TARGETS:
            problems.append(f"two columns stand for {target!r}")
            continue
        if target in targets.values():
            problems.append(f"two columns answer question {target!r}")
            continue
        targets[i] = target
    if not any(t not in COLUMN_TARGETS for t in targets.values()):
        problems.append(
            "no column answers a question of the course: name columns after the question ids"
            + ("" if layout.strict else ", or map them in [evaluation.columns]")
        )
    return targets, problems


def _fail(problems: Sequence[tuple[str | None, str]], source: str) -> InputError:
    errors = [InputError(message, source=source, key=key) for key, message in problems[:MAX_PROBLEMS]]
    return errors[0] if len(problems) == 1 else InputErrors(errors, total=len(problems))


def responses(table: Table, layout: Layout, course: Course, evaluation: Evaluation) -> list[Response]:
    """The responses of ``table``; an :class:`InputError` listing every bad cell (line and column)."""
    targets, header_problems = _targets(table, layout, evaluation)
    problems: list[tuple[str | None, str]] = [("line 1", p) for p in header_problems]
    if problems:
        raise _fail(problems, table.source)
    key_col = next((i for i, h in enumerate(table.header) if h.casefold() in layout.key), None)
    people: dict[str, str] = {}
    for p in course.participants:
        people[p.id] = p.id
        people.setdefault(p.email.strip().casefold(), p.id)
    sessions = {s.id for s in course.sessions}
    labels = {label.casefold(): str(v) for label, v in evaluation.values.items()}
    out: dict[str, Response] = {}
    seen: Counter[str] = Counter()
    for line, cells in table.rows:
        participant: str | None = None
        session: str | None = None
        answers: dict[str, int | str] = {}
        for i, target in targets.items():
            cell = cells[i].strip() if i < len(cells) else ""
            if not cell:
                continue
            where = f"line {line} (answer row {line - 1}), column {table.header[i]!r}"
            if target == "participant":
                participant = people.get(cell) or people.get(cell.casefold())
                if participant is None:
                    problems.append((where, f"{cell!r} is no participant of the course (id or email)"))
            elif target == "session":
                if cell not in sessions:
                    problems.append((where, f"{cell!r} is no session of the course"))
                session = cell
            else:
                try:
                    answers[target] = parse_answer(
                        evaluation.question(target), labels.get(cell.casefold(), cell)
                    )
                except ValueError as exc:
                    problems.append((where, str(exc)))
        if not answers:
            continue
        raw = key_col is not None and key_col < len(cells) and cells[key_col].strip()
        if raw:
            key = f"{layout.name}:{raw}"
        elif participant is not None:
            key = f"participant:{participant}:{session or ''}"
        else:
            digest = hashlib.sha256(json.dumps([layout.name, cells]).encode()).hexdigest()[:32]
            seen[digest] += 1
            key = f"anonymous:{digest}:{seen[digest]}"
        if len(key) > 120:  # the store keeps keys of at most 200 characters, on every database
            key = f"{layout.name}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
        out[key] = Response(key=key, answers=answers, participant_id=participant, session_id=session)
    if problems:
        raise _fail(problems, table.source)
    return list(out.values())
