"""The import-format and LMS contract kits pass good plugins and fail broken ones."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta

import httpx
import pytest

from ta_delivery.errors import InputError
from ta_delivery.models import Course, LmsSettings
from ta_delivery.plugin import (
    AttendanceStatus,
    ImportFormatSpec,
    ImportRequest,
    LmsChange,
    LmsSpec,
    RunContext,
    Segment,
    hookimpl,
)
from ta_delivery.testing.contract import ImportFormatContract, LmsContract
from ta_delivery.testing.courses import make_course

# --- an import format: "name,join,leave" lines of a CSV ----------------------------------------------


def parse_lines(request: ImportRequest, *, stable: bool = True, strict: bool = True) -> Iterator[Segment]:
    try:
        text = request.data.decode("utf-8")
    except UnicodeDecodeError:
        if not strict:
            raise
        raise InputError("not UTF-8", source=str(request.path)) from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or lines[0].split(",") != ["name", "join", "leave"]:
        raise InputError("the heading must be name,join,leave", source=str(request.path))
    session = request.course.live_sessions[0]
    for n, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if len(cells) != 3:
            raise InputError("three cells", source=str(request.path), key=f"rows[{n}]")
        name, join_minutes, leave_minutes = cells
        try:
            join = session.start + timedelta(minutes=int(join_minutes))
            leave = session.start + timedelta(minutes=int(leave_minutes))
        except (ValueError, OverflowError):
            if not strict:
                raise
            raise InputError("minutes after the start", source=str(request.path), key=f"rows[{n}]") from None
        if leave < join:
            raise InputError("leave is before join", source=str(request.path), key=f"rows[{n}]")
        key = Segment.key_of(n, line) if stable else Segment.key_of(n, line, secrets.token_hex(8))
        yield Segment(session.id, join, leave, "lines", key, name=name)


class LinesPlugin:
    def __init__(self, **options: bool) -> None:
        self.options = options

    @hookimpl
    def ta_delivery_register_import_formats(self) -> Iterable[ImportFormatSpec]:
        yield ImportFormatSpec("lines", lambda request: list(parse_lines(request, **self.options)))


class LinesContract(ImportFormatContract):
    format_name = "lines"
    plugin: object = LinesPlugin()

    def course(self) -> Course:
        return make_course()

    def sample(self) -> bytes:
        return b"name,join,leave\nAna,0,60\nBen,5,120\n"


class TestLinesContract(LinesContract):
    """A careful format passes the whole kit."""


BROKEN_FORMATS = {
    "test_a_second_import_gives_the_same_raw_keys": {"stable": False},
    "test_any_bytes_give_segments_or_an_input_error": {"strict": False},
}


@pytest.mark.parametrize(("test_name", "options"), sorted(BROKEN_FORMATS.items()))
def test_a_broken_import_format_fails_the_kit(test_name: str, options: dict[str, bool]) -> None:
    class Broken(LinesContract):
        plugin = LinesPlugin(**options)

    with pytest.raises(Exception):  # noqa: B017, PT011 - any failure is what the kit must produce
        getattr(Broken(), test_name)()


def test_the_format_kit_names_what_to_set_when_nothing_is_registered() -> None:
    class Unnamed(LinesContract):
        format_name = ""

    with pytest.raises(AssertionError, match="set the name your plugin registers"):
        Unnamed().test_the_sample_reads_as_segments()


# --- an LMS that keeps its courses in a dict -----------------------------------------------------------


class DictLms:
    def __init__(self, site: dict[str, set[str]], *, idempotent: bool = True) -> None:
        self.site = site
        self.idempotent = idempotent

    def _missing(self, course: Course) -> list[LmsChange]:
        have = self.site.get(course.id, set())
        return [
            LmsChange("enrol", p.id) for p in course.participants if p.id not in have or not self.idempotent
        ]

    def plan(self, course: Course) -> list[LmsChange]:
        return self._missing(course)

    def apply(self, course: Course) -> list[LmsChange]:
        changes = self._missing(course)
        self.site.setdefault(course.id, set()).update(c.target for c in changes)
        return changes

    def prerequisites(self, course: Course) -> Mapping[str, bool]:
        return {p.id: True for p in course.participants}

    def push_attendance(self, course: Course, statuses: Iterable[AttendanceStatus]) -> None:
        list(statuses)


class DictLmsPlugin:
    def __init__(self, *, idempotent: bool = True) -> None:
        self.site: dict[str, set[str]] = {}
        self.idempotent = idempotent

    def make(self, context: RunContext) -> DictLms:
        return DictLms(self.site, idempotent=self.idempotent)

    @hookimpl
    def ta_delivery_register_lms(self) -> Iterable[LmsSpec]:
        yield LmsSpec("dict", self.make)


class DictLmsContract(LmsContract):
    lms_name = "dict"
    plugin: object = DictLmsPlugin()

    def backend(self) -> httpx.BaseTransport | None:
        assert isinstance(self.plugin, DictLmsPlugin)
        self.plugin.site.clear()
        return None

    def course(self) -> Course:
        return make_course(lms=LmsSettings(provider="dict", course="c1"))


class TestDictLmsContract(DictLmsContract):
    """An idempotent LMS passes the whole kit (its spec accepts any [lms] key: that test is skipped)."""


def test_an_lms_whose_second_apply_changes_again_fails_the_kit() -> None:
    class Broken(DictLmsContract):
        plugin = DictLmsPlugin(idempotent=False)

    with pytest.raises(AssertionError, match="a second apply must change nothing"):
        Broken().test_apply_makes_it_so_and_a_rerun_changes_nothing()
