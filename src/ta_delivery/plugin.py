"""Everything a plugin needs, from one import: ``from ta_delivery.plugin import ...``.

The names below are the plugin API; the modules they come from may move, this door stays. See
docs/plugins.md (the hooks, the optional methods) and docs/writing-a-plugin.md (a walk-through).

- marking hooks: :data:`hookimpl`
- what you register: :class:`ProviderSpec`, :class:`TransportSpec`, :class:`ImportFormatSpec`,
  :class:`RuleSpec`, :class:`LmsSpec`, with :class:`Capabilities`, :func:`no_options`, :func:`any_options`
- what you implement: :class:`ClassroomProvider`, :class:`Transport`, :class:`LmsProvider`, and the
  optional ``Supports*`` methods the core looks for with ``isinstance``
- what you exchange: :class:`ClassroomRequest`, :class:`Classroom`, :class:`Segment`,
  :class:`ImportRequest`, :class:`AttendanceStatus`, :class:`Finding`, :class:`LmsChange`, ...
- the run: :class:`RunContext` (settings, clock, HTTP clients, key-value state)
- HTTP: :class:`HttpApi` and :class:`RateLimiter`, the one seam that maps statuses to the errors below
- looking before creating: :func:`send_checked` (a lost answer is looked up before sending again) and
  :func:`first_marked` (the listed items carrying your marks, for ``find`` and ``find_many``)
- settings: :class:`Settings`, :class:`Secret`, :func:`url`, :func:`positive_number`
- errors: the one exception tree (:class:`InputError` for bad input, :class:`ProviderError` and its kinds)
"""

from __future__ import annotations

from .clock import Clock
from .context import KeyValue, RunContext
from .errors import (
    AuthError,
    BadResponse,
    ConflictError,
    DailyLimitReached,
    InputError,
    NotFound,
    PluginError,
    ProviderError,
    RateLimited,
    TaDeliveryError,
    TransportError,
    Unavailable,
)
from .hookspecs import hookimpl
from .http import HttpApi, RateLimiter
from .lookup import CHECKED_ATTEMPTS, first_marked, send_checked
from .models import Course, Participant, Person, Session, Trainer
from .records import (
    AttendanceStatus,
    Capabilities,
    Classroom,
    ClassroomProvider,
    ClassroomRequest,
    DialIn,
    Finding,
    ImportFormatSpec,
    ImportRequest,
    LmsChange,
    LmsProvider,
    LmsSpec,
    PhoneNumber,
    ProviderSpec,
    Recording,
    RecordingFinder,
    RuleSpec,
    Segment,
    SupportsCheck,
    SupportsClose,
    SupportsCompletions,
    SupportsFeedback,
    SupportsFindMany,
    SupportsPlanNotes,
    SupportsPreflight,
    SupportsStale,
    Transport,
    TransportSpec,
    any_options,
    no_options,
    parse_on_first_use,
)
from .settings import Secret, Settings, positive_number, url

__all__ = [
    "CHECKED_ATTEMPTS",
    "AttendanceStatus",
    "AuthError",
    "BadResponse",
    "Capabilities",
    "Classroom",
    "ClassroomProvider",
    "ClassroomRequest",
    "Clock",
    "ConflictError",
    "Course",
    "DailyLimitReached",
    "DialIn",
    "Finding",
    "HttpApi",
    "ImportFormatSpec",
    "ImportRequest",
    "InputError",
    "KeyValue",
    "LmsChange",
    "LmsProvider",
    "LmsSpec",
    "NotFound",
    "Participant",
    "Person",
    "PhoneNumber",
    "PluginError",
    "ProviderError",
    "ProviderSpec",
    "RateLimited",
    "RateLimiter",
    "Recording",
    "RecordingFinder",
    "RuleSpec",
    "RunContext",
    "Secret",
    "Segment",
    "Session",
    "Settings",
    "SupportsCheck",
    "SupportsClose",
    "SupportsCompletions",
    "SupportsFeedback",
    "SupportsFindMany",
    "SupportsPlanNotes",
    "SupportsPreflight",
    "SupportsStale",
    "TaDeliveryError",
    "Trainer",
    "Transport",
    "TransportError",
    "TransportSpec",
    "Unavailable",
    "any_options",
    "first_marked",
    "hookimpl",
    "no_options",
    "parse_on_first_use",
    "positive_number",
    "send_checked",
    "url",
]
