"""The Zoom classroom provider: meetings or webinars, registrants, attendance, on an injected HTTP client.

Mapping lives in :mod:`.sansio`; this module only sends. Every request goes through
:class:`~ta_delivery.http.HttpApi` (status mapping, safe retries) with the limiter of its rate category,
a bearer token from :class:`~.auth.TokenSource` (renewed once on 401/124), and the daily budget of
:mod:`.limits`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import attrs
import httpx

from ta_delivery.clock import Clock, SystemClock
from ta_delivery.context import KeyValue, MemoryKeyValue
from ta_delivery.errors import (
    AuthError,
    BadResponse,
    ConflictError,
    DailyLimitReached,
    NotFound,
    TaDeliveryError,
)
from ta_delivery.http import HttpApi, RateLimiter
from ta_delivery.models import Participant, Person
from ta_delivery.plugin import CHECKED_ATTEMPTS, first_marked, send_checked
from ta_delivery.records import Classroom, ClassroomRequest, Recording, Segment

from . import sansio
from .auth import TokenExpired, TokenSource

if TYPE_CHECKING:
    from ta_delivery.doctor import Check
from .limits import ACCOUNT, Category, DailyBudget, daily_kind, daily_limit_error, make_limiters
from .options import ZoomOptions
from .sansio import Kind

__all__ = ["CHECKED_ATTEMPTS", "DEFAULT_API_URL", "ZoomProvider"]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.zoom.us/v2"
PAGE_SIZE = 300
STATUS_BATCH = 30
PANELIST_BATCH = 30
#: Where a registrant is looked for by email: Zoom lists a registrant the host cancelled as ``denied``.
REGISTRANT_STATUSES = ("approved", "denied", "pending")
T = TypeVar("T")


def _is_expired_token(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    response.read()
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, Mapping) and body.get("code") == 124


def _same_host(stored: str, host: str) -> bool:
    """Whether two host settings name one Zoom user (an email in any case, or the same user id)."""
    if "@" in stored and "@" in host:
        return stored.casefold() == host.casefold()
    return stored == host


@attrs.define(repr=False)
class ZoomProvider:
    """Classrooms on one Zoom account, hosted by ``user`` unless a course's ``[zoom] host`` says otherwise."""

    client: httpx.Client
    tokens: TokenSource
    state: KeyValue = attrs.field(factory=MemoryKeyValue)
    clock: Clock = attrs.field(factory=SystemClock)
    user: str = "me"
    plan: str = "pro"
    daily_limit: int = 100
    workers: int = 4
    http: HttpApi = attrs.field(init=False)
    limiters: dict[Category, RateLimiter] = attrs.field(init=False)
    budget: DailyBudget = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.limiters = make_limiters(self.plan, self.clock)
        self.http = HttpApi(self.client, "zoom", clock=self.clock)
        self.budget = DailyBudget(self.state, self.clock, self.daily_limit)
        hooks = dict(self.client.event_hooks)
        hooks["response"] = [*hooks.get("response", []), self._inspect]
        self.client.event_hooks = hooks

    def __repr__(self) -> str:
        return f"ZoomProvider(api={str(self.client.base_url)!r}, user={self.user!r}, plan={self.plan!r})"

    # --- sending -----------------------------------------------------------------------------------

    def _inspect(self, response: httpx.Response) -> None:
        """Response hook: tell an expired token and a daily limit from other errors, before any retry."""
        if _is_expired_token(response):
            raise TokenExpired("access token invalid or expired (code 124)", provider="zoom", status=401)
        daily = daily_limit_error(response, self.clock.now())
        if daily is not None:
            raise daily

    def _call(
        self,
        method: str,
        path: str,
        category: Category,
        *,
        host: str | None = None,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        kind = daily_kind(method, path)
        scope = ACCOUNT if kind == "report" else (host or self.user)
        if kind is not None:
            self.budget.check(kind, scope)
        recorded = False
        for attempt in (1, 2):
            token = self.tokens.token()
            if kind == "write" and not recorded:
                # counted once we can send it: a refused token request never reaches the meeting API
                self.budget.record(scope)
                recorded = True
            headers = {"Authorization": f"Bearer {token.reveal()}"}
            try:
                return self.http.json(
                    method,
                    path,
                    limiter=self.limiters[category],
                    idempotent=idempotent,
                    headers=headers,
                    **kwargs,
                )
            except TokenExpired:
                if attempt == 2:
                    raise
                log.info("zoom: access token expired; fetching a new one")
                self.tokens.invalidate(token)
            except DailyLimitReached as exc:
                if kind is not None:
                    self.budget.block(kind, scope, exc.message)
                log.warning("zoom: daily limit reached for %s (%s); stopped for this run", scope, kind)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(
        self, path: str, field: str, category: Category, params: Mapping[str, Any]
    ) -> Iterator[Mapping[str, Any]]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            query = dict(params)
            if token:
                query["next_page_token"] = token
            items, token = sansio.page_items(self._call("GET", path, category, params=query), field)
            yield from items
            if token is None:
                return
            if token in seen:
                raise BadResponse(f"{path}: pagination does not advance", provider="zoom")
            seen.add(token)

    def _checked(self, send: Callable[[], T], look: Callable[[], T | None], what: str) -> T:
        """Send a non-idempotent request, looking its result up after a lost answer (decision 0090)."""
        return send_checked(send, look, what=what, api=self.http, clock=self.clock)

    # --- helpers -----------------------------------------------------------------------------------

    def _host(self, options: ZoomOptions) -> str:
        return options.host or self.user

    @staticmethod
    def _base(kind: Kind) -> str:
        return "/meetings" if kind == "meeting" else "/webinars"

    def doctor(self) -> list[Check]:
        """``ta-delivery doctor``: an access token, then the host user (``GET /users/{user}``): reads only."""
        from ta_delivery.doctor import Check

        host = self.client.base_url.host
        try:
            self.tokens.token()
        except TaDeliveryError as exc:
            return [Check("zoom", "access token", False, str(exc))]
        checks = [Check("zoom", "access token", True, "Server-to-Server OAuth token issued")]
        try:
            user = self._call("GET", f"/users/{quote(self.user, safe='')}", "light")
        except TaDeliveryError as exc:
            checks.append(Check("zoom", f"user {self.user}", False, f"{exc} (at {host})"))
        else:
            shown = user.get("email", self.user) if isinstance(user, Mapping) else self.user
            checks.append(Check("zoom", f"user {self.user}", True, f"{shown} can host meetings (at {host})"))
        return checks

    def daily_budget(self, hosts: Iterable[str] = ()) -> Mapping[str, int]:
        """Host -> meeting creates/updates left today (UTC), for ``plan`` to show."""
        return self.budget.remaining((self.user, *hosts))

    def plan_notes(self) -> list[str]:
        """Lines for ``ta-delivery plan``: each host's daily budget, and what Zoom refused earlier today."""
        notes = []
        for host, left in self.daily_budget().items():
            line = f"zoom: {host} has {left} of {self.daily_limit} meeting creates/updates left today (UTC)"
            reason = self.budget.blocked("write", host)
            notes.append(
                line + (f"; Zoom refused more earlier today ({reason}): apply asks once" if reason else "")
            )
        reason = self.budget.blocked("report", ACCOUNT)
        if reason:
            notes.append(f"zoom: Zoom refused participant reports earlier today ({reason}): pull asks once")
        return notes

    def _register(
        self,
        kind: Kind,
        meeting_id: str,
        people: Iterable[Participant],
        cancelled: Mapping[str, str] | None = None,
    ) -> dict[str, dict[str, str]]:
        """Register ``people``: person id -> {id, email, join_url} (a repeat gets the same link).

        ``cancelled`` (email -> registrant id) names registrants we cancelled earlier. Zoom keeps a
        cancelled registrant as ``denied``: adding the person back may return that registrant (its link
        refused until approved) or refuse the POST. Either way the registrant is approved again.
        """
        path = f"{self._base(kind)}/{quote(meeting_id)}/registrants"
        cancelled = {email.lower(): rid for email, rid in (cancelled or {}).items()}

        def post(person: Participant) -> Mapping[str, Any]:
            answer = self._call("POST", path, "light", json=sansio.registrant_body(person))
            return {"answer": answer}

        def look(person: Participant) -> Mapping[str, Any] | None:
            found = self._registrant_by_email(kind, meeting_id, person.email)
            return None if found is None else {"found": found}

        def one(person: Participant) -> tuple[str, dict[str, str], bool]:
            try:
                sent = self._checked(
                    lambda: post(person), lambda: look(person), f"registering {person.id} in {meeting_id}"
                )
            except (BadResponse, ConflictError) as exc:
                if exc.status not in (400, 409):
                    raise
                found = self._registrant_by_email(kind, meeting_id, person.email)
                if found is None:
                    raise
                existing, status = found  # an earlier run's lost answer, or a registrant cancelled before
                return person.id, existing, status != "approved"
            if "found" in sent:  # the POST took effect though its answer was lost
                existing, status = sent["found"]
                return person.id, existing, status != "approved"
            reg = {**sansio.registrant_from(sent["answer"]), "email": person.email}
            return person.id, reg, cancelled.get(person.email.lower()) == reg["id"]

        people = list(people)
        if not people:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(people)))) as pool:
            results = list(pool.map(one, people))
        again = [reg for _pid, reg, denied in results if denied]
        if again:
            log.info("zoom: approving %d registrant(s) added back to %s", len(again), meeting_id)
            self._set_registrant_status(kind, meeting_id, again, "approve")
        return {pid: reg for pid, reg, _denied in results}

    def _set_registrant_status(
        self, kind: Kind, meeting_id: str, regs: Sequence[Mapping[str, str]], action: str
    ) -> None:
        path = f"{self._base(kind)}/{quote(meeting_id)}/registrants/status"
        for i in range(0, len(regs), STATUS_BATCH):
            batch = [{"id": r["id"], "email": r["email"]} for r in regs[i : i + STATUS_BATCH]]
            self._call("PUT", path, "medium", json={"action": action, "registrants": batch})

    def _cancel_registrants(self, kind: Kind, meeting_id: str, regs: Sequence[Mapping[str, str]]) -> None:
        self._set_registrant_status(kind, meeting_id, regs, "cancel")

    def _registrant_by_email(
        self, kind: Kind, meeting_id: str, email: str
    ) -> tuple[dict[str, str], str] | None:
        """The registration of ``email`` and its status (approved first, then denied, then pending)."""
        for status in REGISTRANT_STATUSES:
            for reg in self._registrants_of(kind, meeting_id, status):
                if (
                    str(reg.get("email", "")).lower() == email.lower()
                    and reg.get("id")
                    and reg.get("join_url")
                ):
                    found = {
                        "id": str(reg["id"]),
                        "email": str(reg["email"]),
                        "join_url": str(reg["join_url"]),
                    }
                    return found, status
        return None

    def _registrants_of(
        self, kind: Kind, meeting_id: str, status: str = "approved"
    ) -> list[Mapping[str, Any]]:
        path = f"{self._base(kind)}/{quote(meeting_id)}/registrants"
        params = {"status": status, "page_size": PAGE_SIZE}
        return list(self._pages(path, "registrants", "medium", params))

    # --- webinar panelists -------------------------------------------------------------------------

    @staticmethod
    def _panelist_trainers(request: ClassroomRequest, host: str) -> dict[str, Person]:
        """Trainer id -> trainer, for the trainers who become panelists (all but one who is the host)."""
        return {t.id: t for t in request.hosts if t.email.casefold() != host.casefold()}

    def _panelists_of(self, webinar_id: str) -> dict[str, dict[str, str]]:
        answer = self._call("GET", f"/webinars/{quote(webinar_id)}/panelists", "medium")
        return sansio.panelists_from(answer)

    def _add_panelists(
        self, webinar_id: str, trainers: Iterable[Person], *, fresh: bool = False
    ) -> dict[str, dict[str, str]]:
        """Make ``trainers`` panelists: trainer id -> {id, email, join_url}.

        Unless the webinar is ``fresh`` (just created), its panelists are read first and only the missing
        ones are added, so a rerun, or a run after a lost answer, never adds a trainer twice.
        """
        trainers = list(trainers)
        if not trainers:
            return {}
        listed = {} if fresh else self._panelists_of(webinar_id)
        missing: list[Person] = []
        for trainer in trainers:  # one panelist per email: two trainers may share an address
            if trainer.email.lower() not in listed and all(
                m.email.lower() != trainer.email.lower() for m in missing
            ):
                missing.append(trainer)
        path = f"/webinars/{quote(webinar_id)}/panelists"
        for i in range(0, len(missing), PANELIST_BATCH):
            batch = missing[i : i + PANELIST_BATCH]

            def post(batch: list[Person] = batch) -> bool:
                body = {"panelists": [sansio.panelist_body(t) for t in batch]}
                self._call("POST", path, "medium", json=body)
                return True

            def look(batch: list[Person] = batch) -> bool | None:
                now = self._panelists_of(webinar_id)
                left = [t for t in batch if t.email.lower() not in now]
                if not left:
                    return True
                batch[:] = left  # send only those still missing
                return None

            self._checked(post, look, f"adding panelists to {webinar_id}")
        if missing:
            listed = self._panelists_of(webinar_id)  # the answer to the POST carries no links
        out: dict[str, dict[str, str]] = {}
        for trainer in trainers:
            panelist = listed.get(trainer.email.lower())
            if panelist is None:
                raise BadResponse(f"{path}: {trainer.email} is not listed as a panelist", provider="zoom")
            if not panelist["join_url"]:
                log.warning("zoom: panelist %s of webinar %s has no join link", trainer.id, webinar_id)
            out[trainer.id] = {**panelist, "email": trainer.email}
        return out

    def _remove_panelists(self, webinar_id: str, panelists: Iterable[Mapping[str, str]]) -> None:
        for panelist in panelists:
            path = f"/webinars/{quote(webinar_id)}/panelists/{quote(panelist['id'], safe='')}"
            try:
                self._call("DELETE", path, "light")
            except NotFound:
                log.info("zoom: panelist %s already gone from webinar %s", panelist["email"], webinar_id)

    # --- the provider protocol ---------------------------------------------------------------------

    def create(self, request: ClassroomRequest) -> Classroom:
        """Create the meeting (or webinar), then register its participants (and make trainers panelists)."""
        options = ZoomOptions.from_mapping(request.options)
        kind: Kind = "webinar" if options.webinar else "meeting"
        host = self._host(options)
        body = sansio.meeting_body(request, options, kind, host)
        fresh = True

        def post() -> Any:
            return self._call(
                "POST",
                f"/users/{quote(host)}/{kind}s",
                "medium" if kind == "meeting" else "light",
                json=body,
                host=host,
            )

        def look() -> Any:
            nonlocal fresh
            found = self._find_marked(kind, host, request.key)
            fresh = fresh and found is None
            return found

        answer = self._checked(post, look, f"creating the {kind} of {request.key}")
        meeting_id = sansio.classroom_from(request, answer, kind=kind, host=host, registrants={}).external_id
        registrants = self._register(kind, meeting_id, request.participants) if options.registration else {}
        panelists: dict[str, dict[str, str]] = {}
        if kind == "webinar":
            trainers = self._panelist_trainers(request, host).values()
            panelists = self._add_panelists(meeting_id, trainers, fresh=fresh)
        return sansio.classroom_from(
            request,
            answer,
            kind=kind,
            host=host,
            registrants=registrants,
            body_hash=sansio.fingerprint(body),
            panelists=panelists,
        )

    def update(self, classroom: Classroom, request: ClassroomRequest) -> Classroom:
        """PATCH what changed (only when it did), register newcomers, cancel those who left.

        For a webinar, trainers who joined the session become panelists and those who left are removed.
        """
        options = ZoomOptions.from_mapping(request.options)
        kind: Kind = "webinar" if options.webinar else "meeting"
        host = self._host(options)
        if classroom.data.get("kind", "meeting") != kind or not _same_host(
            classroom.data.get("host", self.user), host
        ):
            log.info("zoom: %s changes kind or host; replacing the classroom", request.key)
            replacement = self.create(request)
            self.cancel(classroom)
            return replacement
        body = sansio.meeting_body(request, options, kind, host)
        body_hash = sansio.fingerprint(body)
        meeting_id = classroom.external_id
        known = self._known(classroom, "registrants")
        wanted = {p.id: p for p in request.participants} if options.registration else {}
        leaving = [
            reg
            for pid, reg in known.items()
            if pid not in wanted or wanted[pid].email.lower() != reg["email"].lower()
        ]
        cancelled = {str(k).lower(): str(v) for k, v in dict(classroom.data.get("cancelled", {})).items()}
        try:
            if leaving:
                # before the PATCH: once it turns registration off, Zoom refuses registrant changes
                self._cancel_registrants(kind, meeting_id, leaving)
                cancelled.update({reg["email"].lower(): reg["id"] for reg in leaving})
            if body_hash != classroom.data.get("body_hash"):
                self._call(
                    "PATCH",
                    f"{self._base(kind)}/{quote(meeting_id)}",
                    "light",
                    json=body,
                    host=host,
                    idempotent=True,
                )
        except NotFound:
            log.warning("zoom: meeting of %s is gone from Zoom; creating it again", request.key)
            return self.create(request)
        staying = {pid: reg for pid, reg in known.items() if reg not in leaving}
        newcomers = [p for pid, p in wanted.items() if pid not in staying]
        staying.update(self._register(kind, meeting_id, newcomers, cancelled))
        for reg in staying.values():
            cancelled.pop(reg["email"].lower(), None)
        panelists: dict[str, dict[str, str]] = {}
        if kind == "webinar":
            panelists = self._update_panelists(classroom, request, host)
        meeting = {"id": meeting_id, "join_url": classroom.join_url}
        if "uuid" in classroom.data:
            meeting["uuid"] = classroom.data["uuid"]
        return sansio.classroom_from(
            request,
            meeting,
            kind=kind,
            host=host,
            registrants=staying,
            body_hash=body_hash,
            panelists=panelists,
            cancelled=cancelled,
        )

    @staticmethod
    def _known(classroom: Classroom, field: str) -> dict[str, dict[str, str]]:
        """Person id -> {id, email, join_url} of the registrants (or panelists) a classroom records."""
        known: dict[str, dict[str, str]] = {}
        for pid, reg in dict(classroom.data.get(field, {})).items():
            if pid in classroom.personal_links:
                known[pid] = {
                    "id": reg["id"],
                    "email": reg["email"],
                    "join_url": classroom.personal_links[pid],
                }
        return known

    def _update_panelists(
        self, classroom: Classroom, request: ClassroomRequest, host: str
    ) -> dict[str, dict[str, str]]:
        """Remove the panelists whose trainer left (or changed email); add the trainers who came."""
        webinar_id = classroom.external_id
        known = self._known(classroom, "panelists")
        wanted = self._panelist_trainers(request, host)
        leaving = [
            p
            for pid, p in known.items()
            if pid not in wanted or wanted[pid].email.lower() != p["email"].lower()
        ]
        emails = {t.email.lower() for t in wanted.values()}
        # a panelist whose email another trainer of the session still has stays (a shared address)
        self._remove_panelists(webinar_id, [p for p in leaving if p["email"].lower() not in emails])
        staying = {pid: p for pid, p in known.items() if p not in leaving}
        newcomers = [t for pid, t in wanted.items() if pid not in staying]
        staying.update(self._add_panelists(webinar_id, newcomers))
        return staying

    def cancel(self, classroom: Classroom) -> None:
        """DELETE the meeting; one already gone counts as done."""
        kind: Kind = "webinar" if classroom.data.get("kind") == "webinar" else "meeting"
        try:
            self._call("DELETE", f"{self._base(kind)}/{quote(classroom.external_id)}", "light")
        except NotFound:
            log.info("zoom: meeting %s already gone", classroom.key)

    def find(self, request: ClassroomRequest) -> Classroom | None:
        """The host's scheduled meeting whose agenda ends with our mark of ``request.key``."""
        options = ZoomOptions.from_mapping(request.options)
        kind: Kind = "webinar" if options.webinar else "meeting"
        host = self._host(options)
        found = self._find_marked(kind, host, request.key)
        if found is None and not request.options:
            # options unknown (a clean-up after an interrupted run): the classroom may be a webinar
            kind = "webinar"
            try:
                found = self._find_marked(kind, host, request.key)
            except (AuthError, BadResponse) as exc:  # no webinar plan on this account
                log.info("zoom: webinars not listed for %s: %s", host, exc.message)
        if found is None:
            return None
        return self._classroom_found(request, found, kind, host)

    def find_many(self, requests: Sequence[ClassroomRequest]) -> dict[str, Classroom]:
        """Key -> classroom of the ``requests`` Zoom already has, with one listing per host and kind.

        Used before creating the classrooms the store has no record of (a lost or replaced store), so a
        course of many sessions costs one list call per host, not one per session.
        """
        groups: dict[tuple[Kind, str], list[ClassroomRequest]] = {}
        for request in requests:
            options = ZoomOptions.from_mapping(request.options)
            kind: Kind = "webinar" if options.webinar else "meeting"
            groups.setdefault((kind, self._host(options)), []).append(request)
        out: dict[str, Classroom] = {}
        for (kind, host), group in groups.items():
            marked = self._find_all_marked(kind, host, [r.key for r in group])
            for request in group:
                if request.key in marked:
                    out[request.key] = self._classroom_found(request, marked[request.key], kind, host)
        return out

    def _classroom_found(
        self, request: ClassroomRequest, found: Mapping[str, Any], kind: Kind, host: str
    ) -> Classroom:
        """The classroom of a listed meeting marked for ``request``, with its registrants and panelists."""
        options = ZoomOptions.from_mapping(request.options)
        meeting_id = str(found["id"])
        registrants: dict[str, dict[str, str]] = {}
        cancelled: dict[str, str] = {}
        if options.registration and request.participants:
            by_email = {p.email.lower(): p.id for p in request.participants}
            for reg in self._registrants_of(kind, meeting_id):
                pid = by_email.get(str(reg.get("email", "")).lower())
                if pid is not None and reg.get("id") and reg.get("join_url"):
                    registrants[pid] = {
                        "id": str(reg["id"]),
                        "email": str(reg["email"]),
                        "join_url": str(reg["join_url"]),
                    }
            # registrants cancelled before (Zoom lists them as denied): approved again if added back
            registered = {reg["email"].lower() for reg in registrants.values()}
            for reg in self._registrants_of(kind, meeting_id, "denied"):
                email = str(reg.get("email", "")).lower()
                if email in by_email and email not in registered and reg.get("id"):
                    cancelled[email] = str(reg["id"])
        panelists: dict[str, dict[str, str]] = {}
        trainers = self._panelist_trainers(request, host) if kind == "webinar" else {}
        if trainers:
            listed = self._panelists_of(meeting_id)
            for pid, trainer in trainers.items():
                panelist = listed.get(trainer.email.lower())
                if panelist is not None and panelist["join_url"]:
                    panelists[pid] = {**panelist, "email": trainer.email}
        return sansio.classroom_from(
            request,
            found,
            kind=kind,
            host=host,
            registrants=registrants,
            panelists=panelists,
            cancelled=cancelled,
        )

    def _listing(self, kind: Kind, host: str) -> Iterator[Mapping[str, Any]]:
        path = f"/users/{quote(host)}/{kind}s"
        if kind == "meeting":
            yield from self._pages(path, "meetings", "medium", {"type": "scheduled", "page_size": PAGE_SIZE})
            return
        page = 1  # the webinar list pages by number
        previous: list[object] = []
        while True:
            answer = self._call(
                "GET",
                path,
                "medium",
                params={"type": "scheduled", "page_size": PAGE_SIZE, "page_number": page},
            )
            items, _ = sansio.page_items(answer, "webinars")
            ids = [i.get("id") for i in items]
            if page > 1 and ids == previous:
                raise BadResponse(f"{path}: pagination does not advance", provider="zoom")
            previous = ids
            yield from items
            count = answer.get("page_count") if isinstance(answer, Mapping) else None
            if not items:
                return
            if isinstance(count, int) and not isinstance(count, bool):
                if page >= count:
                    return
            elif len(items) < PAGE_SIZE:  # page_count is optional: a short page is the last one
                return
            page += 1

    def _find_marked(self, kind: Kind, host: str, key: str) -> Mapping[str, Any] | None:
        return self._find_all_marked(kind, host, [key], stop_early=True).get(key)

    def _find_all_marked(
        self, kind: Kind, host: str, keys: Sequence[str], *, stop_early: bool = False
    ) -> dict[str, Mapping[str, Any]]:
        """Key -> the first listed meeting marked with it, reading the host's listing once."""

        def full(item: Mapping[str, Any]) -> Mapping[str, Any] | None:
            """The meeting itself when the listing may have cut its agenda (and our mark) short."""
            if not sansio.maybe_truncated(item.get("agenda")) or item.get("id") is None:
                return None
            try:
                answer = self._call("GET", f"{self._base(kind)}/{quote(str(item['id']))}", "light")
            except NotFound:
                return None
            return answer if isinstance(answer, Mapping) else None

        return first_marked(
            self._listing(kind, host),
            keys,
            lambda item, key: sansio.has_mark(item.get("agenda"), key),
            expand=full,
            stop_early=stop_early,
        )

    def fetch_attendance(self, classroom: Classroom, request: ClassroomRequest) -> Iterable[Segment]:
        """Segments from the participants report of every instance of the meeting."""
        kind: Kind = "webinar" if classroom.data.get("kind") == "webinar" else "meeting"
        regs = classroom.data.get("registrants", {})
        by_registrant = {str(r["id"]): pid for pid, r in dict(regs).items()}
        segments: list[Segment] = []
        for instance in self._instances(kind, classroom.external_id):
            path = f"/report/{kind}s/{sansio.encode_uuid(instance)}/participants"
            params = {"page_size": PAGE_SIZE, "include_fields": "registrant_id"}
            try:
                rows = list(self._pages(path, "participants", "heavy", params))
            except NotFound:
                continue  # no report for this instance (nobody joined, or not yet ready)
            segments.extend(
                sansio.segments_from_report(
                    rows, session_id=request.session_id, instance=instance, registrants=by_registrant
                )
            )
        return segments

    def find_recording(self, classroom: Classroom, request: ClassroomRequest) -> Recording | None:
        """The meeting's cloud recording (share link and passcode), or ``None`` while there is none.

        ``GET /meetings/{id}/recordings`` takes a webinar's id too; it needs a recording read scope.
        """
        try:
            answer = self._call("GET", f"/meetings/{quote(classroom.external_id)}/recordings", "light")
        except NotFound:
            return None
        return sansio.recording_from(answer)

    def _instances(self, kind: Kind, meeting_id: str) -> list[str]:
        path = f"/past_{kind}s/{quote(meeting_id)}/instances"
        try:
            answer = self._call("GET", path, "medium" if kind == "meeting" else "light")
        except NotFound:
            return [meeting_id]
        items, _ = sansio.page_items(answer, kind + "s")
        uuids = [str(i["uuid"]) for i in items if isinstance(i.get("uuid"), str) and i["uuid"]]
        return uuids or [meeting_id]
