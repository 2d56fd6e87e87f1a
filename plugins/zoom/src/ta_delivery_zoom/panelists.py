"""Zoom webinar panelists: a session's trainers (but the host) become panelists with their own links."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from ta_delivery.errors import BadResponse, NotFound
from ta_delivery.models import Person
from ta_delivery.records import Classroom, ClassroomRequest

from . import sansio
from .api import ZoomApi

__all__ = ["Panelists"]

log = logging.getLogger(__name__)

PANELIST_BATCH = 30


class Panelists(ZoomApi):
    """A webinar's panelists: listed, added once each (even after a lost answer), removed when they leave."""

    __slots__ = ()

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
