"""The import-format contract: subclass :class:`ImportFormatContract` in your plugin's tests.

```python
class TestAcmeCsv(ImportFormatContract):
    format_name = "acme-csv"                 # the name your ImportFormatSpec registers
    plugin = ta_delivery_acme                # omit once the plugin is installed

    def course(self):                        # the course the export belongs to
        return make_course()
    def sample(self):                        # a real export with at least one attendee
        return (Path(__file__).parent / "acme-export.csv").read_bytes()
```
Every ``test_*`` method then checks the promise the core relies on: records with a stable ``raw_key`` (a
second import changes nothing), someone to match, aware times, and an :class:`~ta_delivery.errors.InputError`
(never another exception) for a file that is not an export, whatever its bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..errors import InputError
from ..models import Course
from ..records import ImportFormatSpec, ImportRequest, Segment
from .registered import registered

__all__ = ["ImportFormatContract"]


class ImportFormatContract:
    """The behaviour every attendance import format owes the core. Not collected itself."""

    #: The format's name as its ImportFormatSpec registers it (``--format NAME``).
    format_name: str = ""
    #: Your plugin module or object, when it is not installed as a ``ta_delivery`` entry point.
    plugin: object | None = None

    # --- to implement -------------------------------------------------------------------------

    def course(self) -> Course:
        """The course the sample belongs to."""
        raise NotImplementedError(f"{type(self).__name__}: implement course()")

    def sample(self) -> bytes:
        """A well-formed export with at least one attendee."""
        raise NotImplementedError(f"{type(self).__name__}: implement sample()")

    def session_id(self) -> str | None:
        """The ``--session`` the sample is imported with (``None``: the format finds the session)."""
        return None

    def timezone(self) -> ZoneInfo | None:
        """The ``--timezone`` the sample is imported with (``None``: the format needs none)."""
        return None

    def date_order(self) -> str | None:
        """The ``--date-order`` of the import (``dmy``, ``mdy``, ``ymd``; ``None``: inferred)."""
        return None

    def malformed(self) -> Iterable[bytes]:
        """Files that are not exports of this format; each must be an InputError. Add your own."""
        return [b"", b"\x00\x01\x02\xff\xfe garbage", b"not,an,export\n1,2,3\n"]

    # --- the harness ----------------------------------------------------------------------------

    def spec(self) -> ImportFormatSpec:
        """The registered :class:`ImportFormatSpec` named :attr:`format_name`."""
        found: ImportFormatSpec = registered("formats", self.format_name, self.plugin, type(self).__name__)
        return found

    def parse(self, data: bytes) -> list[Segment]:
        """Parse ``data`` as the core's ``attendance import`` does."""
        request = ImportRequest(
            path=Path(f"export-for-{self.format_name}.csv"),
            data=data,
            course=self.course(),
            session_id=self.session_id(),
            timezone=self.timezone(),
            date_order=self.date_order(),
        )
        return list(self.spec().parse(request))

    # --- the contract ---------------------------------------------------------------------------

    def test_the_sample_reads_as_segments(self) -> None:
        segments = self.parse(self.sample())
        assert segments, "the sample has attendees, so it gives segments"
        sessions = {s.id for s in self.course().sessions}
        for seg in segments:
            assert isinstance(seg, Segment)
            assert seg.session_id in sessions, f"{seg.session_id!r} is not a session of the course"
            if self.session_id() is not None:
                assert seg.session_id == self.session_id(), "--session is the segments' session"
            assert seg.join.tzinfo is not None and seg.leave.tzinfo is not None, "aware date-times"
            assert seg.join <= seg.leave, f"a segment that leaves before it joins: {seg!r}"
            assert seg.raw_key, "a raw_key, so importing the same file again changes nothing"
            assert seg.person_id or seg.external_id or seg.email or seg.name, "someone to match"
            assert seg.source, "the segment names its source"

    def test_a_second_import_gives_the_same_raw_keys(self) -> None:
        first = sorted(s.raw_key for s in self.parse(self.sample()))
        assert first == sorted(s.raw_key for s in self.parse(self.sample()))

    def test_raw_keys_tell_rows_apart(self) -> None:
        segments = self.parse(self.sample())
        distinct = {
            (s.session_id, s.join, s.leave, s.person_id, s.external_id, s.email, s.name) for s in segments
        }
        assert len({s.raw_key for s in segments}) >= len(distinct), "two different rows share a raw_key"

    def test_what_is_not_an_export_is_an_input_error(self) -> None:
        for data in self.malformed():
            with pytest.raises(InputError):
                self.parse(data)

    def test_any_bytes_give_segments_or_an_input_error(self) -> None:
        sample = self.sample()

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            st.one_of(
                st.binary(max_size=400),
                st.integers(0, len(sample)).map(lambda n: sample[:n]),
                st.tuples(st.integers(0, max(len(sample) - 1, 0)), st.binary(min_size=1, max_size=3)).map(
                    lambda cut: sample[: cut[0]] + cut[1] + sample[cut[0] + 1 :]
                ),
            )
        )
        def never_crashes(data: bytes) -> None:
            try:
                segments = self.parse(data)
            except InputError:
                return
            assert all(isinstance(s, Segment) and s.join <= s.leave for s in segments)

        never_crashes()
