"""Read a course file (TOML, PRODUCT.md section 1) into a :class:`~ta_delivery.models.Course`.

Every problem of the file is reported at once, as one :class:`~ta_delivery.errors.InputErrors` (an
``InputError``) listing each with the file (as given), the key path and, where known, the line. Array
entries are indexed from 0 in file order, like TOML arrays: ``sessions[0]`` is the first ``[[sessions]]``
table, ``roster[0]`` the first data row of the roster CSV (the row after the header). Reading never
changes anything anywhere: it only reads the file and its roster.

The package, one module per part of the file:

- ``reader.py``   the core: :class:`Reader` records each problem (``note`` carries on, ``fail`` skips the
  value it is in, ``get(read, default)`` catches that skip), and typed primitives (``text``,
  ``positive_int``, ``timezone``, ``instant``...) that all speak plain language.
- ``hints.py``    plain words for TOML syntax errors, quoted dates, and "did you mean" for zones, keys, ids.
- ``lines.py``    which line each key path is on, for messages.
- ``keys.py``     the keys each table allows.
- ``course.py``, ``rules.py``, ``people.py``, ``sessions.py``, ``lms.py``, ``options.py``: the sections.
- ``document.py`` :class:`CourseReader`: reads every section in order and builds the ``Course``.

How to add a key to an existing table (``[course]``, ``[[sessions]]``...):

1. append its name to the table's tuple in ``keys.py`` (an unlisted key is an input error);
2. read it in the table's section module with the reader's primitives, wrapped in
   ``r.get(lambda: ..., default)`` so a problem in it is reported and the rest is still read;
3. pass it to the model (``models.py``) and test the good value and one bad value (tests/test_coursefile.py).

How to add a table (``[recordings]``, ``[[centres]]``):

1. add its name to ``TOP_LEVEL`` and its keys to ``keys.py``;
2. write ``read_<table>(r: Reader, value: object) -> Model`` in a module of its own (``r.table``,
   ``r.only`` for unknown keys, ``r.entries`` for an array of tables);
3. call it from :meth:`CourseReader._read` with ``self.get(...)`` and hand the result to ``Course``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..limits import MAX_COURSE_FILE_BYTES, read_limited
from .document import CourseReader
from .hints import toml_problem
from .keys import (
    ATTENDANCE_KEYS,
    COURSE_KEYS,
    LMS_KEYS,
    PARTICIPANT_KEYS,
    RULES_KEYS,
    SERIES_KEYS,
    SESSION_KEYS,
    TOP_LEVEL,
    TRAINER_KEYS,
)
from .reader import MAX_YEAR, MIN_YEAR, local_to_utc
from .rules import MAX_MINUTES
from .sessions import MAX_EVERY_DAYS, MAX_SERIES

if TYPE_CHECKING:
    from ..models import Course
    from ..plugins import Plugins

__all__ = ["load_course", "local_to_utc", "parse_course"]

#: The reader under its former name (tests and tools that read parsed data directly use it).
_Reader = CourseReader

_KEEP = (
    ATTENDANCE_KEYS,
    COURSE_KEYS,
    LMS_KEYS,
    PARTICIPANT_KEYS,
    RULES_KEYS,
    SERIES_KEYS,
    SESSION_KEYS,
    TOP_LEVEL,
    TRAINER_KEYS,
    MAX_EVERY_DAYS,
    MAX_MINUTES,
    MAX_SERIES,
    MAX_YEAR,
    MIN_YEAR,
)  # names importable from ``ta_delivery.coursefile`` as before the split


def parse_course(
    text: str, source: str = "<course>", base: Path | None = None, plugins: Plugins | None = None
) -> Course:
    """Read a course from TOML ``text``; ``source`` names it in errors, ``base`` anchors its roster."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = toml_problem(str(exc), text)
        raise InputError(f"not valid TOML: {message}", source=source, line=line) from exc
    except RecursionError as exc:  # tomllib reads nested arrays and inline tables recursively
        raise InputError("not valid TOML: arrays or tables nested too deeply", source=source) from exc
    if plugins is None:
        from ..plugins import make_plugin_manager

        plugins = make_plugin_manager()
    reader = CourseReader(source, base if base is not None else Path.cwd(), plugins, text)
    return reader.read(data)


def load_course(path: Path | str, plugins: Plugins | None = None) -> Course:
    """Read the course file at ``path``; its roster is read relative to it.

    :raises InputError: naming ``path`` (as given); an ``InputErrors`` listing every problem found.
    """
    source = str(path)
    file = Path(path)
    try:
        raw = read_limited(file, MAX_COURSE_FILE_BYTES, source=source)
    except OSError as exc:
        raise InputError(f"cannot read the course file: {exc.strerror or exc}", source=source) from exc
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is skipped
    except UnicodeDecodeError as exc:
        raise InputError("the course file is not UTF-8 text", source=source) from exc
    return parse_course(text, source=source, base=file.parent, plugins=plugins)
