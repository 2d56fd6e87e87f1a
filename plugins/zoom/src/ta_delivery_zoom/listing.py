"""Finding our meetings on Zoom: a host's listing read once, matched against the marks in agendas.

``find`` (after a lost create answer) and ``find_many`` (a lost or replaced store, decision 0091) both
read here, through :func:`ta_delivery.plugin.first_marked`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ta_delivery.errors import AuthError, BadResponse, NotFound
from ta_delivery.plugin import first_marked
from ta_delivery.records import Classroom, ClassroomRequest

from . import sansio
from .api import PAGE_SIZE
from .options import ZoomOptions
from .panelists import Panelists
from .registrants import Registrants
from .sansio import Kind

__all__ = ["Listing"]

log = logging.getLogger(__name__)


class Listing(Registrants, Panelists):
    """Our classrooms found among a host's scheduled meetings (or webinars), with their people."""

    __slots__ = ()

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
