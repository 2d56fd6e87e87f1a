"""The VEVENT of a session, built with icalendar, and a fast renderer that produces the same bytes.

:func:`event_properties` decides every property of an event once. :func:`build_event` turns that list
into an :class:`icalendar.Event` (what plugins decorate through ``ta_delivery_invite_building``);
:func:`render_calendar` serialises it. When no plugin implements the hook, the calendar is assembled from
per-property content lines that icalendar serialised once and a cache keeps (most lines are shared by
every recipient of a session), which gives byte-identical output, DTSTAMP included, at a fraction of
the cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Literal, Required, TypedDict, Unpack, cast

import icalendar

from ..models import Course, Person, Session, Trainer
from ..records import DialIn
from .content import InviteText, Reason, invite_text, phone_lines, stopped_reason
from .ids import session_uid
from .text import Text, clean_line, clean_param, clean_text, clean_url

if TYPE_CHECKING:
    from ..plugins import Plugins

__all__ = [
    "PRODID",
    "EventOptions",
    "Method",
    "Prop",
    "build_calendar",
    "build_event",
    "event_properties",
    "has_invite_hooks",
    "organizer_person",
    "render_calendar",
    "stamp",
]

Method = Literal["REQUEST", "CANCEL", "PUBLISH"]
ParamValue = str | tuple[str, ...]
Params = tuple[tuple[str, ParamValue], ...]
Prop = tuple[str, object, Params]


class EventOptions(TypedDict, total=False):
    """What decides one message's VEVENT, beyond its course and session: the keywords that
    :func:`event_properties`, :func:`build_event` and :func:`render_calendar` share (named once here)."""

    method: Required[Method]
    sequence: Required[int]
    dtstamp: Required[datetime]
    join_url: Required[str | None]
    attendee: Required[Person | None]
    audience: Person | None
    reason: Reason | None
    dial_in: DialIn | None
    centre: tuple[str, tuple[str, ...]] | None


def _version() -> str:
    try:
        return version("ta-delivery")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "0"


#: The product identifier written in every calendar.
PRODID = f"-//ta_delivery//ta-delivery {_version()}//EN"


def stamp(moment: datetime) -> datetime:
    """``moment`` as a whole-second UTC instant (DTSTAMP and mail Date)."""
    if moment.tzinfo is None:
        raise ValueError("dtstamp must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def organizer_person(course: Course) -> Person:
    """The course organizer as a :class:`Person` (the hook's ``person`` for a course-wide feed)."""
    return Person(
        id="organizer",
        name=course.organizer.name,
        email=course.organizer.email,
        timezone=course.timezone,
        language=course.language,
    )


def _words(
    course: Course,
    session: Session,
    *,
    method: Method,
    sequence: int,
    join_url: str | None,
    language: str,
    zone: str,
    reason: Reason | None,
    dial_in: DialIn | None = None,
    country: str | None = None,
    centre: tuple[str, tuple[str, ...]] | None = None,
) -> InviteText:
    return invite_text(
        language=language,
        zone=zone,
        method=method,
        updated=sequence > 0,
        reason=reason,
        course_title=clean_line(course.title),
        session_title=clean_line(session.title),
        session_description=clean_text(session.description) if session.description else None,
        start=session.start.astimezone(UTC),
        end=session.end.astimezone(UTC),
        join_url=join_url,
        organizer_name=clean_line(course.organizer.name),
        organizer_email=course.organizer.email,
        live=session.live,
        dial_in=dial_in,
        country=country,
        centre=centre,
    )


def event_properties(
    course: Course,
    session: Session,
    *,
    method: Method,
    sequence: int,
    dtstamp: datetime,
    join_url: str | None,
    attendee: Person | None,
    audience: Person | None = None,
    reason: Reason | None = None,
    dial_in: DialIn | None = None,
    centre: tuple[str, tuple[str, ...]] | None = None,
) -> tuple[list[Prop], InviteText]:
    """Every property of the session's VEVENT, in the order they are added, and the localised words.

    ``audience`` is whose language and zone the words use (default: ``attendee``, else the course's).
    """
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"unknown method {method!r}")
    if sequence < 0:
        raise ValueError("sequence must not be negative")
    if method == "PUBLISH" and attendee is not None:
        raise ValueError("a PUBLISH event has no ATTENDEE")
    if method != "PUBLISH" and attendee is None:
        raise ValueError(f"a {method} event needs its ATTENDEE")
    reader = audience or attendee
    language = course.language_of(reader) if reader is not None else course.language
    zone = reader.timezone if reader is not None else course.timezone
    url = clean_url(join_url)
    if method == "PUBLISH" and reason is None and course.status in ("cancelled", "postponed"):
        reason = stopped_reason(course.status)
    words = _words(
        course,
        session,
        method=method,
        sequence=sequence,
        join_url=url,
        language=language,
        zone=zone,
        reason=reason,
        dial_in=dial_in if session.live else None,
        country=reader.country if reader is not None else None,
        centre=centre,
    )
    if method == "CANCEL" or course.status in ("cancelled", "postponed"):
        status = "CANCELLED"  # a postponed course's sessions do not take place at these times
    else:
        status = "TENTATIVE" if course.status == "planned" else "CONFIRMED"
    # A cancelled event blocks no time: calendars that keep it (Outlook until it is removed, any client
    # importing a feed) read free/busy from TRANSP, and would otherwise show the slot as busy.
    transp = "TRANSPARENT" if status == "CANCELLED" else "OPAQUE"
    lang: Params = (("LANGUAGE", language),)
    props: list[Prop] = [
        ("UID", session_uid(course.id, session.id), ()),
        ("SEQUENCE", sequence, ()),
        ("DTSTAMP", stamp(dtstamp), ()),
        ("DTSTART", session.start.astimezone(UTC), ()),
        ("DTEND", session.end.astimezone(UTC), ()),
        ("SUMMARY", Text(words.summary), lang),
        ("DESCRIPTION", Text(words.description), lang),
        ("STATUS", status, ()),
        ("TRANSP", transp, ()),
        (
            "ORGANIZER",
            f"mailto:{course.organizer.email}",
            (("CN", clean_param(course.organizer.name)),),
        ),
    ]
    if attendee is not None:
        role = "CHAIR" if isinstance(attendee, Trainer) else "REQ-PARTICIPANT"
        params: list[tuple[str, ParamValue]] = [
            ("CN", clean_param(attendee.name)),
            ("CUTYPE", "INDIVIDUAL"),
            ("ROLE", role),
        ]
        if method == "REQUEST":
            params += [("PARTSTAT", "NEEDS-ACTION"), ("RSVP", "TRUE")]
        else:
            params += [("RSVP", "FALSE")]
        props.append(("ATTENDEE", f"mailto:{attendee.email}", tuple(params)))
    if url and method != "CANCEL":
        props += [
            ("LOCATION", url, ()),
            ("URL", url, ()),
            ("CONFERENCE", url, (("FEATURE", ("AUDIO", "VIDEO")), ("VALUE", "URI"))),
        ]
        if dial_in is not None and session.live:
            phone = phone_lines(dial_in, reader.country if reader is not None else None, language)
            props += [
                (
                    "CONFERENCE",
                    uri,
                    (("FEATURE", ("PHONE",)), ("LABEL", clean_param(place)), ("VALUE", "URI")),
                )
                for uri, place in phone.links
            ]
    return props, words


def _parameters(params: Params) -> dict[str, str | list[str]]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params}


def _add(event: icalendar.Event, props: Sequence[Prop]) -> None:
    for name, value, params in props:
        # FEATURE is passed as a list so icalendar writes separate tokens (FEATURE=AUDIO,VIDEO):
        # its Conference helper joins them into one quoted value, which clients read as one feature.
        event.add(name, value, parameters=cast(Any, _parameters(params) or None))


def build_event(
    course: Course,
    session: Session,
    *,
    plugins: Plugins | None = None,
    hook_person: Person | None = None,
    **options: Unpack[EventOptions],
) -> icalendar.Event:
    """The session's VEVENT for one message, decorated by ``ta_delivery_invite_building`` plugins.

    The hook's ``person`` is ``hook_person``, else the attendee, else the audience, else the organizer.
    """
    props, _ = event_properties(course, session, **options)
    person = hook_person or options["attendee"] or options.get("audience")
    return _event(course, session, props, options["method"], plugins, person)


def _event(
    course: Course,
    session: Session,
    props: Sequence[Prop],
    method: Method,
    plugins: Plugins | None,
    person: Person | None,
) -> icalendar.Event:
    """``props`` as an :class:`icalendar.Event`, which ``ta_delivery_invite_building`` plugins decorate
    (their ``person`` is ``person``, else the organizer)."""
    event = icalendar.Event()
    _add(event, props)
    if plugins is not None:
        plugins.hook.ta_delivery_invite_building(
            course=course,
            session=session,
            person=person or organizer_person(course),
            method=method,
            event=event,
        )
    return event


def build_calendar(method: Method, events: Sequence[icalendar.Event], **extra: str) -> icalendar.Calendar:
    """A VCALENDAR with PRODID, VERSION, CALSCALE and METHOD holding ``events``."""
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", method)
    for name, value in extra.items():
        cal.add(name.replace("_", "-"), value)
    for event in events:
        cal.add_component(event)
    return cal


def has_invite_hooks(plugins: Plugins | None) -> bool:
    """True when some plugin implements ``ta_delivery_invite_building``."""
    if plugins is None:
        return False
    return bool(plugins.hook.ta_delivery_invite_building.get_hookimpls())


# --- the fast path ------------------------------------------------------------------------------

_EVENT_ORDER = {name: i for i, name in enumerate(icalendar.Event.canonical_order)}
_HEAD = b"BEGIN:VEVENT\r\n"
_TAIL = b"END:VEVENT\r\n"


@lru_cache(maxsize=65536)
def _line(name: str, value: object, params: Params) -> bytes:
    """One property as icalendar serialises it (folded, CRLF-terminated)."""
    event = icalendar.Event()
    _add(event, [(name, value, params)])
    data: bytes = event.to_ical()
    return data[len(_HEAD) : -len(_TAIL)]


@lru_cache(maxsize=8)
def _calendar_head(method: Method) -> bytes:
    data: bytes = build_calendar(method, []).to_ical()
    return data[: -len(b"END:VCALENDAR\r\n")] + _HEAD


_CALENDAR_TAIL = _TAIL + b"END:VCALENDAR\r\n"


@lru_cache(maxsize=256)
def _order(name: str) -> tuple[int, str]:
    return (_EVENT_ORDER.get(name, len(_EVENT_ORDER)), name)


def _prop_order(prop: Prop) -> tuple[int, str]:
    return _order(prop[0])


def render_calendar(
    course: Course,
    session: Session,
    *,
    plugins: Plugins | None = None,
    **options: Unpack[EventOptions],
) -> tuple[bytes, InviteText]:
    """The iCalendar object (one VEVENT) of one message, and its localised words."""
    props, words = event_properties(course, session, **options)
    method = options["method"]
    if has_invite_hooks(plugins):
        event = _event(course, session, props, method, plugins, options["attendee"])
        data: bytes = build_calendar(method, [event]).to_ical()
        return data, words
    props.sort(key=_prop_order)
    lines = [_calendar_head(method)]
    for name, value, params in props:
        if name == "DTSTAMP":
            lines.append(b"DTSTAMP:" + value.strftime("%Y%m%dT%H%M%SZ").encode() + b"\r\n")  # type: ignore[attr-defined]
        else:
            lines.append(_line(name, value, params))
    lines.append(_CALENDAR_TAIL)
    return b"".join(lines), words
