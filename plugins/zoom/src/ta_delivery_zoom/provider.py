"""The Zoom classroom provider: meetings or webinars, registrants, panelists, attendance.

Mapping lives in :mod:`.sansio`; sending in :mod:`.api`. Each concern is a module of its own, mixed into
:class:`ZoomProvider`: :mod:`.registrants`, :mod:`.panelists`, :mod:`.listing` (``find``, ``find_many``)
and :mod:`.reports` (attendance, recordings). This module holds the provider protocol's writes and what
``plan`` and ``doctor`` show.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ta_delivery.errors import NotFound, TaDeliveryError
from ta_delivery.plugin import CHECKED_ATTEMPTS
from ta_delivery.records import Classroom, ClassroomRequest

from . import sansio
from .api import DEFAULT_API_URL
from .limits import ACCOUNT
from .listing import Listing
from .options import ZoomOptions
from .reports import Reports
from .sansio import Kind

if TYPE_CHECKING:
    from ta_delivery.doctor import Check

__all__ = ["CHECKED_ATTEMPTS", "DEFAULT_API_URL", "ZoomProvider"]

log = logging.getLogger(__name__)


def _same_host(stored: str, host: str) -> bool:
    """Whether two host settings name one Zoom user (an email in any case, or the same user id)."""
    if "@" in stored and "@" in host:
        return stored.casefold() == host.casefold()
    return stored == host


class ZoomProvider(Listing, Reports):
    """Classrooms on one Zoom account, hosted by ``user`` unless a course's ``[zoom] host`` says otherwise."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ZoomProvider(api={str(self.client.base_url)!r}, user={self.user!r}, plan={self.plan!r})"

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

    def cancel(self, classroom: Classroom) -> None:
        """DELETE the meeting; one already gone counts as done."""
        kind: Kind = "webinar" if classroom.data.get("kind") == "webinar" else "meeting"
        try:
            self._call("DELETE", f"{self._base(kind)}/{quote(classroom.external_id)}", "light")
        except NotFound:
            log.info("zoom: meeting %s already gone", classroom.key)
