"""The Webex classroom provider: meetings, their invitees or registrants, and attendance.

All HTTP goes through one :class:`~ta_delivery.http.HttpApi` (pacing, 429 Retry-After, safe retries) on
``context.http_client(api_url)``; a 401 triggers exactly one token refresh and one retry. The JSON
mapping lives in :mod:`ta_delivery_webex.sansio`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import attrs
import httpx

from ta_delivery.clock import Clock, SystemClock
from ta_delivery.errors import (
    AuthError,
    BadResponse,
    InputError,
    NotFound,
    ProviderError,
    TaDeliveryError,
)
from ta_delivery.http import HttpApi
from ta_delivery.models import Person
from ta_delivery.plugin import CHECKED_ATTEMPTS, first_marked, send_checked
from ta_delivery.records import Classroom, ClassroomRequest, Recording, Segment

from . import sansio
from .auth import WebexAuth
from .options import WebexOptions

if TYPE_CHECKING:
    from ta_delivery.doctor import Check

__all__ = ["CHECKED_ATTEMPTS", "DEFAULT_CONCURRENCY", "DEFAULT_RATE", "NAME", "WebexProvider"]

log = logging.getLogger(__name__)

NAME = "webex"
PAGE_SIZE = 100
MAX_PAGES = 1000
PATCH_TYPE = "application/json-patch+json"
DEFAULT_CONCURRENCY = 4
DEFAULT_RATE = 5.0
T = TypeVar("T")


@attrs.define(repr=False)
class WebexProvider:
    """Classrooms on Webex Meetings. Made per run by :func:`make_provider`."""

    api: HttpApi
    auth: WebexAuth
    base_url: str = sansio.DEFAULT_API_URL
    concurrency: int = DEFAULT_CONCURRENCY
    page_size: int = PAGE_SIZE
    clock: Clock = attrs.field(factory=SystemClock)
    _slots: threading.BoundedSemaphore = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.concurrency = max(1, self.concurrency)
        self._slots = threading.BoundedSemaphore(self.concurrency)

    def __repr__(self) -> str:
        return (
            f"WebexProvider(base_url={self.base_url!r}, concurrency={self.concurrency}, auth={self.auth!r})"
        )

    def doctor(self) -> list[Check]:
        """``ta-delivery doctor``: ``GET people/me`` with the access token (refreshed if it must be)."""
        from ta_delivery.doctor import Check

        host = httpx.URL(self.base_url).host
        try:
            me = self._send("GET", f"{self.base_url}/people/me").json()
        except TaDeliveryError as exc:
            return [Check("webex", "people/me", False, f"{exc} (at {host})")]
        except ValueError:
            return [Check("webex", "people/me", False, f"not a JSON answer (at {host})")]
        emails = me.get("emails") if isinstance(me, dict) else None
        who = emails[0] if isinstance(emails, list) and emails else "the token's user"
        return [Check("webex", "people/me", True, f"authenticated as {who} (at {host})")]

    # --- HTTP ---------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the bearer token; on 401 refresh once and retry once."""
        extra = dict(kwargs.pop("headers", None) or {})
        with self._slots:
            token = self.auth.token()
            try:
                return self.api.request(
                    method, url, headers={**extra, "Authorization": f"Bearer {token}"}, **kwargs
                )
            except AuthError as exc:
                if exc.status == 403:
                    raise AuthError(
                        f"{method} {_path(url)} is forbidden (a missing scope?): {exc.message}",
                        provider=NAME,
                        status=403,
                    ) from None
                if exc.status != 401 or not self.auth.can_refresh:
                    raise
            if self.auth.was_refused(token):
                raise AuthError(
                    "the refreshed Webex access token was refused too; authorise the integration again",
                    provider=NAME,
                    status=401,
                ) from None
            log.info("webex: %s %s answered 401; refreshing the access token once", method, _path(url))
            self.auth.refresh(stale=token)
            token = self.auth.token()
            try:
                return self.api.request(
                    method, url, headers={**extra, "Authorization": f"Bearer {token}"}, **kwargs
                )
            except AuthError as exc:
                if exc.status == 401:  # a fresh token refused: later calls fail at once, no refresh loop
                    self.auth.refused(token)
                raise

    def _checked(self, send: Callable[[], T], look: Callable[[], T | None], what: str) -> T:
        """Send a non-idempotent request, looking its result up after a lost answer (decision 0090)."""
        return send_checked(send, look, what=what, api=self.api, clock=self.clock)

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self._send(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise BadResponse(f"malformed JSON from {method} {_path(url)}", provider=NAME) from None

    def _object(self, method: str, url: str, **kwargs: Any) -> Mapping[str, Any]:
        body = self._json(method, url, **kwargs)
        if not isinstance(body, Mapping):
            raise BadResponse(f"{method} {_path(url)} did not answer an object", provider=NAME)
        return body

    def _pages(self, url: str, params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Every item of a listing, following ``Link: <...>; rel="next"`` (``max=null`` repaired)."""
        seen: set[str] = set()
        next_url: str | None = url
        query: Mapping[str, Any] | None = {**params, "max": self.page_size}
        for _page in range(MAX_PAGES):
            assert next_url is not None
            response = self._send("GET", next_url, params=query)
            try:
                body = response.json() if response.content else {}
            except ValueError:
                raise BadResponse(f"malformed JSON from GET {_path(url)}", provider=NAME) from None
            items = body.get("items") if isinstance(body, Mapping) else None
            if not isinstance(items, list):
                raise BadResponse(f"GET {_path(url)} answered without items", provider=NAME)
            for item in items:
                if isinstance(item, Mapping):
                    yield item
            next_url = sansio.next_link(
                response.headers.get("Link"), self.page_size, base=str(response.request.url)
            )
            if next_url is None:
                return
            self._check_origin(next_url)
            if next_url in seen:
                raise BadResponse("pagination loops back to a page already read", provider=NAME)
            seen.add(next_url)
            query = None
        raise BadResponse(f"more than {MAX_PAGES} pages", provider=NAME)

    def _check_origin(self, url: str) -> None:
        """Never send our token to a host other than the API's."""
        mine, theirs = urlsplit(self.base_url), urlsplit(url)
        if (theirs.scheme, theirs.netloc) != (mine.scheme, mine.netloc):
            raise BadResponse("a next-page link points to another host", provider=NAME)

    def _parallel(self, jobs: Sequence[Callable[[], T]]) -> list[T]:
        """Run ``jobs`` with at most ``concurrency`` in flight; raise the first failure after all ran."""
        if len(jobs) <= 1 or self.concurrency == 1:
            return [job() for job in jobs]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(job) for job in jobs]
            results: list[T] = []
            error: BaseException | None = None
            for future in futures:
                try:
                    results.append(future.result())
                except BaseException as exc:  # collect, then raise the first
                    error = error or exc
        if error is not None:
            raise error
        return results

    # --- classrooms -------------------------------------------------------------------------------

    def create(self, request: ClassroomRequest) -> Classroom:
        options = _options(request)
        body = _body(sansio.meeting_body, request, options, self.clock.now())
        meeting = self._checked(
            lambda: self._object("POST", "/meetings", json=body),
            lambda: self._marked(request),
            f"creating the meeting of {request.key}",
        )
        meeting_id, _link = _meeting_ids(meeting)
        people = self._sync_people(meeting_id, request, options)
        return self._classroom(request, meeting, people)

    def update(self, classroom: Classroom, request: ClassroomRequest) -> Classroom:
        options = _options(request)
        body = _body(sansio.patch_body, request, options, self.clock.now())
        try:
            meeting = self._object(
                "PATCH",
                f"/meetings/{classroom.external_id}",
                content=_dumps(body),
                headers={"Content-Type": PATCH_TYPE},
                idempotent=True,
            )
        except NotFound:
            log.warning("webex: meeting of %s is gone; looking for it before making it again", request.key)
            found = self.find(request)
            if found is not None and found.external_id != classroom.external_id:
                return self.update(found, request)
            return self.create(request)
        meeting_id, _link = _meeting_ids(meeting)
        self._set_registration(meeting_id, meeting, options)
        people = self._sync_people(meeting_id, request, options)
        return self._classroom(request, {**meeting, "registration": options.registration or None}, people)

    def cancel(self, classroom: Classroom) -> None:
        try:
            self._send("DELETE", f"/meetings/{classroom.external_id}", params={"sendEmail": "false"})
        except NotFound:
            return

    def find(self, request: ClassroomRequest) -> Classroom | None:
        meeting = self._marked(request)
        if meeting is None:
            return None
        meeting_id, _link = _meeting_ids(meeting)
        people = self._remote_people(meeting_id, _options(request).registration)
        return self._classroom(request, meeting, people)

    def find_many(self, requests: Sequence[ClassroomRequest]) -> dict[str, Classroom]:
        """Key -> classroom of the ``requests`` Webex already has, from one listing of their whole span.

        Used before creating the classrooms the store has no record of (a lost or replaced store), so a
        course of many sessions costs one listing (and its pages), not one per session.
        """
        if not requests:
            return {}
        windows = [_window(r) for r in requests]
        by_key = {r.key: r for r in requests}
        out: dict[str, Classroom] = {}
        for key, meeting in self._marked_in(
            min(w[0] for w in windows), max(w[1] for w in windows), by_key
        ).items():
            request = by_key[key]
            meeting_id, _link = _meeting_ids(meeting)
            people = self._remote_people(meeting_id, _options(request).registration)
            out[key] = self._classroom(request, meeting, people)
        return out

    def _marked(self, request: ClassroomRequest) -> Mapping[str, Any] | None:
        """The meeting series carrying ``request.key``'s mark, listed around its schedule."""
        start, end = _window(request)
        return self._marked_in(start, end, [request.key]).get(request.key)

    def _marked_in(self, start: datetime, end: datetime, keys: Iterable[str]) -> dict[str, Mapping[str, Any]]:
        """Key -> the first meeting series carrying its mark, from one listing of ``start``..``end``."""
        params = {
            "meetingType": "meetingSeries",
            "from": sansio.format_time(start - timedelta(hours=1)),
            "to": sansio.format_time(end + timedelta(hours=1)),
        }
        return first_marked(self._pages("/meetings", params), keys, sansio.carries_mark)

    def find_recording(self, classroom: Classroom, request: ClassroomRequest) -> Recording | None:
        """The meeting's newest available recording (playback link and password), or ``None``.

        ``GET /recordings?meetingId=`` takes the series id; it needs the ``meeting:recordings_read`` scope.
        """
        series = str(classroom.data.get("meeting_id") or classroom.external_id)
        try:
            return sansio.recording_from(self._pages("/recordings", {"meetingId": series}))
        except NotFound:
            return None

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        """The device segments of every ended instance of the session's meeting series.

        When Webex lists no ended instance (or refuses the listing), the series id itself is asked:
        Webex answers it with the participants of the series' last instance in the window.
        """
        series = str(classroom.data.get("meeting_id") or classroom.external_id)
        start, end = _window(request)
        low = sansio.format_time(start - timedelta(days=1))
        high = sansio.format_time(end + timedelta(days=1))
        params = {
            "meetingSeriesId": series,
            "meetingType": "meeting",
            "state": "ended",
            "from": low,
            "to": high,
        }
        index = sansio.people_index([*request.hosts, *request.participants])
        refused: ProviderError | None = None
        try:
            instances = sansio.instance_ids(self._pages("/meetings", params))
        except (NotFound, BadResponse) as exc:
            if exc.status is None:
                raise  # a malformed answer, not a refusal
            refused, instances = exc, []
        if not instances:
            window = {"meetingStartTimeFrom": low, "meetingStartTimeTo": high}
            try:
                return self._participants(series, window, request.session_id, index)
            except NotFound:
                return []  # the series was never held
            except BadResponse as exc:
                if refused is not None:
                    raise refused from None
                if exc.status is None:
                    raise
                return []  # nothing Webex can report for the series yet
        segments: list[Segment] = []
        for instance in instances:
            segments.extend(self._participants(instance, {}, request.session_id, index))
        return segments

    def _participants(
        self, meeting_id: str, extra: Mapping[str, str], session_id: str, index: Mapping[str, str]
    ) -> list[Segment]:
        segments: list[Segment] = []
        for participant in self._pages("/meetingParticipants", {"meetingId": meeting_id, **extra}):
            try:
                found = sansio.segments_of_participant(participant, session_id, index)
            except ValueError as exc:
                raise BadResponse(f"participant of {meeting_id}: {exc}", provider=NAME) from None
            segments.extend(found)
        return segments

    # --- people -----------------------------------------------------------------------------------

    def _remote_people(self, meeting_id: str, registration: bool) -> dict[str, dict[str, Any]]:
        """``"kind:email"`` -> {"kind", "email", "id", "coHost" | "status"} of everyone attached."""
        people: dict[str, dict[str, Any]] = {}
        for invitee in self._pages("/meetingInvitees", {"meetingId": meeting_id}):
            email, iid = invitee.get("email"), invitee.get("id")
            if isinstance(email, str) and iid is not None:
                entry: dict[str, Any] = {"kind": "invitee", "email": email.lower(), "id": str(iid)}
                entry["coHost"] = bool(invitee.get("coHost"))
                people[_slot(entry)] = entry
        if registration:
            for reg in self._pages(f"/meetings/{meeting_id}/registrants", {}):
                email, rid = reg.get("email"), reg.get("id")
                if isinstance(email, str) and rid is not None:
                    entry = {"kind": "registrant", "email": email.lower(), "id": str(rid)}
                    entry["status"] = reg.get("status")
                    people[_slot(entry)] = entry
        return people

    def _set_registration(self, meeting_id: str, meeting: Mapping[str, Any], options: WebexOptions) -> None:
        has = isinstance(meeting.get("registration"), Mapping)
        if options.registration and not has:
            self._send("PUT", f"/meetings/{meeting_id}/registration", json=sansio.registration_form())
        elif not options.registration and has:
            with contextlib.suppress(NotFound):
                self._send("DELETE", f"/meetings/{meeting_id}/registration")

    def _sync_people(
        self, meeting_id: str, request: ClassroomRequest, options: WebexOptions
    ) -> dict[str, dict[str, Any]]:
        """Attach the request's people, detach everyone else; return the people as they now are."""
        current = self._remote_people(meeting_id, options.registration)
        wanted: dict[str, tuple[Person, str, bool]] = {}
        taken: set[str] = set()
        for trainer in request.hosts:
            wanted[f"invitee:{trainer.email.lower()}"] = (trainer, "invitee", options.trainers_cohost)
            taken.add(trainer.email.lower())
        kind = "registrant" if options.registration else "invitee"
        for participant in request.participants:
            if participant.email.lower() not in taken:
                taken.add(participant.email.lower())
                wanted[f"{kind}:{participant.email.lower()}"] = (participant, kind, False)
        removals: list[Callable[[], None]] = []
        additions: list[Callable[[], dict[str, Any]]] = []
        for slot, have in current.items():
            if not _matches(have, wanted.get(slot)):
                removals.append(_bind(self._detach, meeting_id, have))
        for slot, want in wanted.items():
            if not _matches(current.get(slot), want):
                additions.append(_bind(self._attach, meeting_id, *want))
        self._parallel(removals)
        added = {_slot(entry): entry for entry in self._parallel(additions)}
        result = {slot: have for slot, have in current.items() if slot in wanted and slot not in added}
        result.update(added)
        pending = [
            (slot, have)
            for slot, have in result.items()
            if have["kind"] == "registrant" and have.get("status") == "pending"
        ]
        if pending:
            self._send(
                "POST",
                f"/meetings/{meeting_id}/registrants/approve",
                json={"sendEmail": False, "registrants": [{"id": have["id"]} for _e, have in pending]},
                idempotent=True,
            )
            for _email, have in pending:
                have["status"] = "approved"
        return result

    def _attach(self, meeting_id: str, person: Person, kind: str, cohost: bool) -> dict[str, Any]:
        def look() -> Mapping[str, Any] | None:
            """The person as the meeting now lists them (a lost answer that took effect)."""
            have = self._remote_people(meeting_id, kind == "registrant").get(f"{kind}:{person.email.lower()}")
            return None if have is None or not _matches(have, (person, kind, cohost)) else have

        what = f"adding {person.id} to {meeting_id}"
        if kind == "registrant":
            path = f"/meetings/{meeting_id}/registrants"
            body = self._checked(
                lambda: self._object("POST", path, json=sansio.registrant_body(person)), look, what
            )
            entry: dict[str, Any] = {"kind": "registrant", "id": str(body.get("id") or "")}
            entry["status"] = body.get("status")
            entry["email"] = person.email.lower()
        else:
            invitee = sansio.invitee_body(meeting_id, person, cohost)
            body = self._checked(lambda: self._object("POST", "/meetingInvitees", json=invitee), look, what)
            entry = {"kind": "invitee", "id": str(body.get("id") or ""), "coHost": cohost}
            entry["email"] = person.email.lower()
        if not entry["id"]:
            raise BadResponse(f"{kind} created without an id", provider=NAME)
        return entry

    def _detach(self, meeting_id: str, have: Mapping[str, Any]) -> None:
        try:
            if have["kind"] == "registrant":
                self._send("DELETE", f"/meetings/{meeting_id}/registrants/{have['id']}")
            else:
                self._send("DELETE", f"/meetingInvitees/{have['id']}", params={"sendEmail": "false"})
        except NotFound:
            return

    def _classroom(
        self, request: ClassroomRequest, meeting: Mapping[str, Any], people: Mapping[str, Mapping[str, Any]]
    ) -> Classroom:
        meeting_id, web_link = _meeting_ids(meeting)
        by_email = {p.email.lower(): p for p in (*request.hosts, *request.participants)}
        attached = {
            by_email[have["email"]].id: {"email": have["email"], "kind": have["kind"], "id": have["id"]}
            for _slot_name, have in sorted(people.items())
            if have["email"] in by_email
        }
        return Classroom(
            provider=NAME,
            key=request.key,
            external_id=meeting_id,
            join_url=web_link,
            personal_links={p.id: sansio.personal_link(web_link, p) for p in request.participants},
            data={
                "meeting_id": meeting_id,
                "meeting_number": meeting.get("meetingNumber"),
                "site_url": meeting.get("siteUrl"),
                "web_link": web_link,
                "registration": bool(meeting.get("registration")),
                "people": attached,
            },
            dial_in=sansio.dial_in_from(meeting),
        )


# --- helpers ------------------------------------------------------------------------------------


def _slot(entry: Mapping[str, Any]) -> str:
    return f"{entry['kind']}:{entry['email']}"


def _matches(have: Mapping[str, Any] | None, want: tuple[Person, str, bool] | None) -> bool:
    """True if a remote attachment ``have`` already is what ``want`` asks for."""
    if have is None or want is None:
        return False
    _person, kind, cohost = want
    if have["kind"] != kind:
        return False
    return kind != "invitee" or bool(have.get("coHost")) == cohost


def _window(request: ClassroomRequest) -> tuple[datetime, datetime]:
    """Where to look for a request's meeting: its schedule, at least Webex's 10 minutes (never raises)."""
    return request.start, max(request.end, request.start + timedelta(minutes=sansio.MIN_MINUTES))


def _bind(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    return lambda: fn(*args)


def _path(url: str) -> str:
    return urlsplit(url).path or url


def _dumps(body: Mapping[str, Any]) -> bytes:
    import json

    return json.dumps(body, ensure_ascii=False).encode()


def _options(request: ClassroomRequest) -> WebexOptions:
    return WebexOptions.from_mapping(request.options)


def _body(
    build: Callable[[ClassroomRequest, WebexOptions, datetime], dict[str, Any]],
    request: ClassroomRequest,
    options: WebexOptions,
    now: datetime,
) -> dict[str, Any]:
    try:
        return build(request, options, now)
    except ValueError as exc:
        raise InputError(str(exc), key=f"sessions.{request.session_id}.minutes") from None


def _meeting_ids(meeting: Mapping[str, Any]) -> tuple[str, str]:
    meeting_id, web_link = meeting.get("id"), meeting.get("webLink")
    if not isinstance(meeting_id, str) or not meeting_id:
        raise BadResponse("meeting without an id", provider=NAME)
    if not isinstance(web_link, str) or not web_link.startswith(("https://", "http://")):
        raise BadResponse("meeting without a webLink", provider=NAME)
    return meeting_id, web_link
