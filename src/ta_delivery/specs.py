"""What plugins register (providers, import formats, transports, LMSs, rules) and what a rule finds.

Every command registers the plugins and runs the rules, so this module is all of the records it builds:
the records of a run (classrooms, segments, statuses) and the Protocols stay in :mod:`.records`, which
names these too (decision 0082). Frozen attrs classes; plugins build them, the core reads them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .values import Value

if TYPE_CHECKING:
    from .context import RunContext
    from .models import Course
    from .records import ClassroomProvider, ImportRequest, LmsProvider, Segment, Transport

__all__ = [
    "Capabilities",
    "Finding",
    "ImportFormatSpec",
    "LmsSpec",
    "ProviderSpec",
    "RuleSpec",
    "Severity",
    "TransportSpec",
    "any_options",
    "no_options",
    "parse_on_first_use",
]

Severity = Literal["error", "warning"]


@attrs.frozen(repr=False, eq=False)
class Finding(Value):
    """One breach of a rule. ``severity`` is the default; the engine applies overrides."""

    rule: str
    severity: Severity
    session: str | None
    person: str | None
    message: str


@attrs.frozen(repr=False, eq=False)
class RuleSpec(Value):
    """A schedule rule: ``check`` yields findings for a course."""

    id: str
    check: Callable[[Course], Iterable[Finding]]
    default_severity: Severity = "error"
    description: str = ""


@attrs.frozen(repr=False, eq=False)
class Capabilities(Value):
    """What a classroom provider can do, declared so the core never has to try."""

    personal_join_links: bool = False
    attendance_fetch: bool = False
    update_in_place: bool = True
    find_by_key: bool = False
    #: classrooms carry dial-in numbers (``Classroom.dial_in``)
    dial_in: bool = False
    #: the provider can find a finished session's recording (``find_recording``)
    recordings: bool = False
    #: False for rooms that exist by their URL alone (Jitsi): creating one changes nothing elsewhere, so
    #: ``apply`` need not ask before it (PRODUCT.md section 2).
    remote: bool = True


def no_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Option parser for providers that take no course-wide options: any key is an error."""
    from .errors import InputError

    for key in options:
        raise InputError("unknown option", key=key)
    return {}


@attrs.frozen(repr=False, eq=False)
class ProviderSpec(Value):
    """A classroom provider's registration.

    ``parse_options`` validates the course file's ``[name]`` table and returns the options the provider
    gets in each request; it raises :class:`~ta_delivery.errors.InputError` with ``key`` set to the bad key.
    """

    name: str
    factory: Callable[[RunContext], ClassroomProvider]
    capabilities: Capabilities = Capabilities()
    parse_options: Callable[[Mapping[str, Any]], Mapping[str, Any]] = no_options
    description: str = ""


@attrs.frozen(repr=False, eq=False)
class ImportFormatSpec(Value):
    """An attendance export format. ``parse`` raises InputError on malformed files."""

    name: str
    parse: Callable[[ImportRequest], Iterable[Segment]]
    description: str = ""


def parse_on_first_use(module: str, name: str = "parse") -> Callable[[ImportRequest], Iterable[Segment]]:
    """An :class:`ImportFormatSpec` ``parse``: ``module``'s ``name``, imported at the first file it reads.

    Every command registers every format, so a format's own module (csv, its column tables, date parsing)
    would otherwise load at every start (decision 0082).
    """

    def parse(request: ImportRequest) -> Iterable[Segment]:
        found: Callable[[ImportRequest], Iterable[Segment]] = getattr(importlib.import_module(module), name)
        return found(request)

    parse.__qualname__ = parse.__name__ = name
    return parse


@attrs.frozen(repr=False, eq=False)
class TransportSpec(Value):
    """An invite transport's registration."""

    name: str
    factory: Callable[[RunContext], Transport]
    description: str = ""


def any_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Option parser that accepts every key (validation is left to the plugin at run time)."""
    return dict(options)


@attrs.frozen(repr=False, eq=False)
class LmsSpec(Value):
    """An LMS's registration. ``parse_options`` validates the ``[lms]`` keys beyond the core's
    (``provider``, ``course``, ``attendance``, ``require_prerequisites``), raising InputError with ``key``."""

    name: str
    factory: Callable[[RunContext], LmsProvider]
    description: str = ""
    parse_options: Callable[[Mapping[str, Any]], Mapping[str, Any]] = any_options
