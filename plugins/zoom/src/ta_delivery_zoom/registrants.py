"""Zoom registrants: registering participants (a repeat gets the same link), cancelling, approving again."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from ta_delivery.errors import BadResponse, ConflictError
from ta_delivery.models import Participant

from . import sansio
from .api import PAGE_SIZE, ZoomApi
from .sansio import Kind

__all__ = ["Registrants"]

log = logging.getLogger(__name__)

STATUS_BATCH = 30
#: Where a registrant is looked for by email: Zoom lists a registrant the host cancelled as ``denied``.
REGISTRANT_STATUSES = ("approved", "denied", "pending")


class Registrants(ZoomApi):
    """Registration of a meeting's (or webinar's) participants: POSTs, status changes, look-ups by email."""

    __slots__ = ()

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
