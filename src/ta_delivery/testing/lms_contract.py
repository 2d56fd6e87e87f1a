"""The LMS contract: subclass :class:`LmsContract` in your plugin's tests.

```python
class TestMyLmsContract(LmsContract):
    lms_name = "mylms"                       # the name your LmsSpec registers
    plugin = ta_delivery_mylms               # omit once the plugin is installed

    def backend(self):                       # a fresh fake of the LMS, as an httpx transport
        self.server = FakeLms()              # (or None, with settings() pointing at a loopback server)
        return self.server.transport()
    def settings(self):
        return {"TA_DELIVERY_MYLMS_URL": "https://lms.example", "TA_DELIVERY_MYLMS_TOKEN": "t"}
    def course(self):                        # a course whose [lms] names your LMS
        return make_course(lms=LmsSettings(provider="mylms", course="c1"))
```
Every ``test_*`` method then checks what ``plan``/``apply`` rely on: ``plan`` reads only, ``apply`` makes the
LMS match and a second ``apply`` (and ``plan``) finds nothing left to do, prerequisites are by participant,
pushing the same attendance twice is harmless, and secrets stay out of reprs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
import pytest

from ..clock import FakeClock
from ..context import RunContext
from ..errors import InputError
from ..models import Course
from ..records import AttendanceStatus, LmsChange, LmsProvider, LmsSpec, any_options
from ..settings import Settings
from .registered import registered

__all__ = ["LmsContract"]


class LmsContract:
    """The behaviour every LMS owes the core. Not collected itself (no ``Test`` prefix)."""

    #: The LMS's name as its LmsSpec registers it (``[lms] provider = "..."``).
    lms_name: str = ""
    #: Your plugin module or object, when it is not installed as a ``ta_delivery`` entry point.
    plugin: object | None = None
    #: The instant the runs happen at (the course's sessions should lie around it).
    now: datetime = datetime(2027, 3, 1, 12, tzinfo=UTC)

    # --- to implement -------------------------------------------------------------------------

    def backend(self) -> httpx.BaseTransport | None:
        """A fresh fake of the LMS as an httpx transport, or ``None`` to use real HTTP (a loopback server)."""
        raise NotImplementedError(f"{type(self).__name__}: implement backend()")

    def settings(self) -> Mapping[str, str]:
        """The ``TA_DELIVERY_*`` variables the LMS reads."""
        return {}

    def course(self) -> Course:
        """A course whose ``[lms]`` names this LMS, with participants and live sessions."""
        raise NotImplementedError(f"{type(self).__name__}: implement course()")

    def close_backend(self) -> None:
        """Stop what :meth:`backend` started (a loopback server); called after each test."""

    # --- the harness ----------------------------------------------------------------------------

    def spec(self) -> LmsSpec:
        """The registered :class:`LmsSpec` named :attr:`lms_name`."""
        found: LmsSpec = registered("lms", self.lms_name, self.plugin, type(self).__name__)
        return found

    def setup_contract(self) -> LmsProvider:
        """Start a fresh backend; return an LMS built on it by the registered factory."""
        transport = self.backend()
        self._started = True
        self.context = RunContext(
            settings=Settings(dict(self.settings())),
            clock=FakeClock(self.now),
            transport=transport,
            states={},
        )
        return self.lms()

    def lms(self) -> LmsProvider:
        """Another LMS object on the same backend and state, as the next command would build it."""
        return self.spec().factory(self.context)

    def teardown_method(self) -> None:
        if getattr(self, "_started", False):
            self._started = False
            self.close_backend()

    def statuses(self, course: Course) -> list[AttendanceStatus]:
        """Everyone present in the course's first live session."""
        session = course.live_sessions[0]
        return [
            AttendanceStatus(session.id, p.id, "present", session.minutes * 60.0, session.start)
            for p in course.participants
        ]

    # --- the contract ---------------------------------------------------------------------------

    def test_the_course_links_to_this_lms(self) -> None:
        course = self.course()
        assert course.lms is not None and course.lms.provider == self.lms_name, "course() needs [lms]"
        self.spec().parse_options(dict(course.lms.options))

    def test_plan_reads_only(self) -> None:
        lms = self.setup_contract()
        course = self.course()
        first = lms.plan(course)
        assert first, "a fresh LMS has work to do for the course"
        assert all(isinstance(c, LmsChange) for c in first)
        assert self.lms().plan(course) == first, "plan changed something: a second plan differs"

    def test_apply_makes_it_so_and_a_rerun_changes_nothing(self) -> None:
        lms = self.setup_contract()
        course = self.course()
        done = lms.apply(course)
        assert done and all(isinstance(c, LmsChange) for c in done)
        failed = [c for c in done if not c.ok]
        assert not failed, f"apply failed: {failed}"
        assert self.lms().apply(course) == [], "a second apply must change nothing"
        assert self.lms().plan(course) == [], "after apply, plan has nothing left to do"

    def test_prerequisites_are_by_participant(self) -> None:
        lms = self.setup_contract()
        course = self.course()
        lms.apply(course)
        done = lms.prerequisites(course)
        assert set(done) <= {p.id for p in course.participants}
        assert all(isinstance(v, bool) for v in done.values())

    def test_pushing_the_same_attendance_twice_is_harmless(self) -> None:
        lms = self.setup_contract()
        course = self.course()
        lms.apply(course)
        statuses = self.statuses(course)
        lms.push_attendance(course, statuses)
        self.lms().push_attendance(course, statuses)
        assert self.lms().apply(course) == [], "pushing attendance leaves nothing for apply to do"

    def test_secrets_stay_out_of_reprs(self) -> None:
        lms = self.setup_contract()
        text = repr(lms) + repr(self.context)
        for name, value in self.settings().items():
            if any(w in name for w in ("SECRET", "TOKEN", "PASSWORD")) and len(value) >= 4:
                assert value not in text, f"{name} leaks into a repr"

    def test_an_unknown_lms_option_is_an_input_error(self) -> None:
        if self.spec().parse_options is any_options:
            pytest.skip("the LmsSpec accepts any [lms] key (parse_options not given)")
        with pytest.raises(InputError):
            self.spec().parse_options({"surely_not_an_option_of_any_lms": 1})
