"""Webex meeting people: trainers as invitees (co-hosts if asked), participants as invitees or registrants.

One pass attaches who the request wants and detaches everyone else, in parallel; a lost answer to an
attach is looked up on the meeting before it is sent again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ta_delivery.errors import BadResponse, NotFound
from ta_delivery.models import Person
from ta_delivery.records import ClassroomRequest

from . import sansio
from .api import NAME, WebexApi
from .options import WebexOptions

__all__ = ["People"]

T = TypeVar("T")


class People(WebexApi):
    """Who is attached to a meeting, and bringing that in line with a request."""

    __slots__ = ()

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


def _bind(fn: Callable[..., T], *args: Any) -> Callable[[], T]:
    return lambda: fn(*args)
