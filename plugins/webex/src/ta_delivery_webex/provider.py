"""The Webex classroom provider: meetings, their invitees or registrants, and attendance.

Sending lives in :mod:`.api`, the JSON mapping in :mod:`.sansio`; the provider's concerns are mixins:
:mod:`.people` (invitees, registrants) and :mod:`.reports` (attendance, recordings). This module holds
the provider protocol: create, update, cancel, and finding our meetings by their mark.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from ta_delivery.errors import BadResponse, InputError, NotFound, TaDeliveryError
from ta_delivery.plugin import CHECKED_ATTEMPTS, first_marked
from ta_delivery.records import Classroom, ClassroomRequest

from . import sansio
from .api import DEFAULT_CONCURRENCY, DEFAULT_RATE, NAME
from .options import WebexOptions
from .people import People
from .reports import Reports

if TYPE_CHECKING:
    from ta_delivery.doctor import Check

__all__ = ["CHECKED_ATTEMPTS", "DEFAULT_CONCURRENCY", "DEFAULT_RATE", "NAME", "WebexProvider"]

log = logging.getLogger(__name__)

PATCH_TYPE = "application/json-patch+json"


class WebexProvider(People, Reports):
    """Classrooms on Webex Meetings. Made per run by :func:`~.plugin.make_provider`."""

    __slots__ = ()

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
        windows = [sansio.search_window(r) for r in requests]
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
        start, end = sansio.search_window(request)
        return self._marked_in(start, end, [request.key]).get(request.key)

    def _marked_in(self, start: datetime, end: datetime, keys: Iterable[str]) -> dict[str, Mapping[str, Any]]:
        """Key -> the first meeting series carrying its mark, from one listing of ``start``..``end``."""
        params = {
            "meetingType": "meetingSeries",
            "from": sansio.format_time(start - timedelta(hours=1)),
            "to": sansio.format_time(end + timedelta(hours=1)),
        }
        return first_marked(self._pages("/meetings", params), keys, sansio.carries_mark)

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


# --- helpers ---


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
