"""An in-memory Webex Meetings server behind ``httpx.MockTransport`` that enforces the API's rules.

It checks every request against the official OpenAPI document (when ``../shared`` is present), demands a
valid bearer token, refuses any request that would make Webex send its own e-mail, paginates with
RFC 5988 ``Link`` headers that carry Webex's ``max=null`` defect, and refuses ``max=null`` itself, so a
client that does not repair next links fails here as it would against Webex.

Long on purpose: one fake site, one state, one handler per endpoint the plugin calls.
"""

from __future__ import annotations

import copy
import itertools
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from webex_spec import BASE_URL, request_validator, sample

ACCESS_TOKEN = "webex-access-token-0123456789abcdef"
CLIENT_ID = "C0ffee-client-id"
CLIENT_SECRET = "webex-client-secret-9876543210"
REFRESH_TOKEN = "webex-refresh-token-abcdef0123456789"

_MEETING_TEMPLATE: dict[str, Any] = {
    "meetingNumber": "123456789",
    "meetingType": "meetingSeries",
    "state": "active",
    "hostEmail": "host@example.org",
    "hostDisplayName": "Host",
    "siteUrl": "example.webex.com",
    "enabledAutoRecordMeeting": False,
    "enabledJoinBeforeHost": False,
}


def _parse(text: Any) -> datetime:
    if not isinstance(text, str):
        raise ValueError("not a string")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("no zone")
    return when.astimezone(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeWebex:
    """The fake server. Attributes are public so tests can look inside and arrange data."""

    def __init__(self, *, validate: bool = True, rotate: bool = True, max_null_defect: bool = True) -> None:
        self.validator: Callable[[httpx.Request], None] | None = request_validator() if validate else None
        self.valid_tokens: set[str] = {ACCESS_TOKEN}
        self.refresh_tokens: set[str] = {REFRESH_TOKEN}
        self.rotate = rotate
        self.max_null_defect = max_null_defect
        self.meetings: dict[str, dict[str, Any]] = {}
        self.invitees: dict[str, dict[str, Any]] = {}
        self.registrants: dict[str, dict[str, dict[str, Any]]] = {}
        self.instances: dict[str, dict[str, Any]] = {}
        self.participants: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, str]] = []
        self.validated = 0
        self.token_grants = 0
        self.issued: list[str] = []
        self.keep_pending = False
        self.next_host: str | None = None
        #: the server's current time, when set: a ``start`` or ``end`` sent before it is refused
        self.now: datetime | None = None
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        #: recordings as GET /recordings lists them (each with the ``meetingId`` it belongs to)
        self.recordings: list[dict[str, Any]] = []
        template = sample("create_meeting_200.json")
        if template is not None:
            for key in ("telephony", "meetingOptions", "attendeePrivileges", "hostKey", "sipAddress"):
                if key in template:
                    _MEETING_TEMPLATE.setdefault(key, template[key])

    # --- plumbing -------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """This server as an httpx transport."""
        return httpx.MockTransport(self.handle)

    def count(self, key_tag: str) -> int:
        """How many live meetings carry the integration tag ``key_tag``."""
        return sum(1 for m in self.meetings.values() if key_tag in (m.get("integrationTags") or []))

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (validated against the spec first)."""
        with self._lock:
            self.calls.append((request.method, request.url.path))
            if self.validator is not None:
                self.validator(request)
                self.validated += 1
            path = request.url.path
            if not path.startswith("/v1/"):
                return _error(404, "no such route")
            parts = [p for p in path[len("/v1/") :].split("/") if p]
            if parts == ["access_token"] and request.method == "POST":
                return self._token(request)
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[len("Bearer ") :] not in self.valid_tokens:
                return _error(
                    401, "The request requires a valid access token set in the Authorization header."
                )
            return self._route(request, parts)

    def _route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        method = request.method
        if parts == ["people", "me"] and method == "GET":  # who the token acts as (``doctor``)
            return httpx.Response(
                200,
                json={"id": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mYWtl", "emails": ["host@example.org"],
                      "displayName": "Host", "orgId": "Y2lzY29zcGFyazovL3VzL09SRy9mYWtl"},
            )  # fmt: skip
        if parts == ["meetings"] and method == "POST":
            return self._create(request)
        if parts == ["meetings"] and method == "GET":
            return self._list_meetings(request)
        if len(parts) == 2 and parts[0] == "meetings":
            meeting = self.meetings.get(parts[1])
            if meeting is None:
                return _error(404, "Meeting not found.")
            if method == "PATCH":
                return self._patch(request, meeting)
            if method == "DELETE":
                if request.url.params.get("sendEmail") != "false":
                    return _error(400, "this fake refuses e-mail from Webex: sendEmail must be false")
                del self.meetings[parts[1]]
                for iid in [i for i, v in self.invitees.items() if v["meetingId"] == parts[1]]:
                    del self.invitees[iid]
                return httpx.Response(204)
            if method == "GET":
                return httpx.Response(200, json=meeting)
        if len(parts) >= 3 and parts[0] == "meetings" and parts[2] in ("registration", "registrants"):
            meeting = self.meetings.get(parts[1])
            if meeting is None:
                return _error(404, "Meeting not found.")
            if parts[2] == "registration":
                return self._registration(request, meeting)
            return self._registrants(request, meeting, parts[3:])
        if parts == ["meetingInvitees"] and method == "POST":
            return self._invite(request)
        if parts == ["meetingInvitees"] and method == "GET":
            mid = request.url.params.get("meetingId", "")
            items = sorted(
                (v for v in self.invitees.values() if v["meetingId"] == mid), key=lambda v: v["email"]
            )
            return self._page(request, items)
        if len(parts) == 2 and parts[0] == "meetingInvitees" and method == "DELETE":
            if request.url.params.get("sendEmail") != "false":
                return _error(400, "this fake refuses e-mail from Webex: sendEmail must be false")
            if self.invitees.pop(parts[1], None) is None:
                return _error(404, "Invitee not found.")
            return httpx.Response(204)
        if parts == ["recordings"] and method == "GET":
            mid = request.url.params.get("meetingId", "")
            return self._page(request, [r for r in self.recordings if r.get("meetingId") == mid])
        if parts == ["meetingParticipants"] and method == "GET":
            mid = request.url.params.get("meetingId", "")
            if mid not in self.instances:
                return _error(404, "Meeting instance not found.")
            return self._page(request, self.participants.get(mid, []))
        return _error(404, "no such route")

    # --- token ------------------------------------------------------------------------------------

    def _token(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return _error(400, "form expected")
        form = dict(parse_qsl(request.content.decode()))
        if form.get("grant_type") != "refresh_token":
            return _error(400, "unsupported grant_type")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return httpx.Response(401, json={"error": "invalid_client"})
        if form.get("refresh_token") not in self.refresh_tokens:
            return httpx.Response(400, json={"error": "invalid_grant"})
        self.token_grants += 1
        access = "webex-access-" + secrets.token_hex(12)
        self.valid_tokens.add(access)
        self.issued.append(access)
        refresh = form["refresh_token"]
        if self.rotate:
            self.refresh_tokens.discard(refresh)
            refresh = "webex-refresh-" + secrets.token_hex(12)
            self.refresh_tokens.add(refresh)
            self.issued.append(refresh)
        return httpx.Response(
            200,
            json={
                "access_token": access,
                "expires_in": 1209599,
                "refresh_token": refresh,
                "refresh_token_expires_in": 7775999,
                "token_type": "Bearer",
            },
        )

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far stops working (as after 14 days)."""
        self.valid_tokens.clear()

    # --- meetings ---------------------------------------------------------------------------------

    def _body(self, request: httpx.Request) -> dict[str, Any]:
        data = json.loads(request.content)
        if not isinstance(data, dict):
            raise ValueError("object expected")
        return data

    def _check_meeting(self, body: Mapping[str, Any], partial: bool) -> str | None:
        if body.get("sendEmail") is not False:
            return "this fake refuses e-mail from Webex: sendEmail must be false"
        if not partial or "title" in body:
            title = body.get("title")
            if not isinstance(title, str) or not title or len(title) > 128:
                return "title must be 1-128 characters"
        if len(str(body.get("agenda") or "")) > 1300:
            return "agenda is longer than 1300 characters"
        tags = body.get("integrationTags") or []
        if len(tags) > 3 or any(len(t) > 64 for t in tags):
            return "at most 3 integrationTags of at most 64 characters"
        try:
            start, end = _parse(body.get("start")), _parse(body.get("end"))
        except ValueError:
            return "start and end must be ISO 8601 with a zone"
        if self.now is not None and not partial and start < self.now:
            return "start cannot be before current date and time"
        if not timedelta(minutes=10) <= end - start <= timedelta(hours=23, minutes=59):
            return "a meeting lasts between 10 minutes and 23 hours 59 minutes"
        if body.get("joinBeforeHostMinutes") not in (None, 0, 5, 10, 15):
            return "joinBeforeHostMinutes must be 0, 5, 10 or 15"
        return None

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = self._body(request)
        except ValueError:
            return _error(400, "malformed body")
        problem = self._check_meeting(body, partial=False)
        if problem:
            return _error(400, problem)
        mid = secrets.token_hex(16)
        meeting = copy.deepcopy(_MEETING_TEMPLATE)
        meeting.update({k: v for k, v in body.items() if k not in ("sendEmail", "registration")})
        meeting.update(
            {
                "id": mid,
                "meetingNumber": str(100000000 + next(self._ids)),
                "start": _iso(_parse(body["start"])),
                "end": _iso(_parse(body["end"])),
                "webLink": f"https://example.webex.com/example/j.php?MTID=m{mid}",
            }
        )
        if "registration" in body:
            meeting["registration"] = dict(body["registration"])
            meeting["registerLink"] = f"https://example.webex.com/weblink/register/r{mid}"
        self.meetings[mid] = meeting
        return httpx.Response(200, json=meeting)

    def _patch(self, request: httpx.Request, meeting: dict[str, Any]) -> httpx.Response:
        if request.headers.get("content-type", "").split(";")[0] != "application/json-patch+json":
            return _error(415, "PATCH takes application/json-patch+json")
        try:
            body = self._body(request)
        except ValueError:
            return _error(400, "malformed body")
        if self.now is not None and "start" in body and _parse(body["start"]) < self.now:
            return _error(400, "start cannot be before current date and time")
        merged = {**meeting, **body}
        problem = self._check_meeting(merged | {"sendEmail": body.get("sendEmail")}, partial=True)
        if problem:
            return _error(400, problem)
        meeting.update({k: v for k, v in body.items() if k != "sendEmail"})
        meeting["start"], meeting["end"] = _iso(_parse(meeting["start"])), _iso(_parse(meeting["end"]))
        return httpx.Response(200, json=meeting)

    def _list_meetings(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        series = params.get("meetingSeriesId")
        if series is not None:
            if params.get("meetingType") != "meeting" or params.get("state") != "ended":
                return _error(400, "this fake lists only ended instances of a series")
            low, high = _parse(params.get("from")), _parse(params.get("to"))
            items = [
                i
                for i in self.instances.values()
                if i["meetingSeriesId"] == series and low <= _parse(i["start"]) < high
            ]
            return self._page(request, sorted(items, key=lambda i: i["start"]))
        if params.get("meetingType") != "meetingSeries" or "from" not in params or "to" not in params:
            return _error(400, "this fake lists meeting series in an explicit from/to range")
        low, high = _parse(params["from"]), _parse(params["to"])
        items = [m for m in self.meetings.values() if _parse(m["start"]) < high and _parse(m["end"]) > low]
        return self._page(request, sorted(items, key=lambda m: (m["start"], int(m["meetingNumber"]))))

    def _registration(self, request: httpx.Request, meeting: dict[str, Any]) -> httpx.Response:
        if request.method == "PUT":
            meeting["registration"] = self._body(request)
            return httpx.Response(200, json=meeting["registration"])
        if request.method == "DELETE":
            meeting.pop("registration", None)
            return httpx.Response(204)
        return _error(405, "method not allowed")

    def _registrants(
        self, request: httpx.Request, meeting: dict[str, Any], rest: list[str]
    ) -> httpx.Response:
        if "registration" not in meeting:
            return _error(400, "registration is not enabled for this meeting")
        table = self.registrants.setdefault(meeting["id"], {})
        if not rest and request.method == "POST":
            body = self._body(request)
            if body.get("sendEmail") is not False:
                return _error(400, "this fake refuses e-mail from Webex: sendEmail must be false")
            if any(r["email"].lower() == str(body.get("email", "")).lower() for r in table.values()):
                return _error(409, "The registrant already exists.")
            auto = bool(meeting["registration"].get("autoAcceptRequest")) and not self.keep_pending
            rid = secrets.token_hex(8)
            reg = {
                "id": rid,
                "status": "approved" if auto else "pending",
                "firstName": body["firstName"],
                "lastName": body["lastName"],
                "email": body["email"],
                "registrationTime": "2027-01-01T00:00:00Z",
            }
            table[rid] = reg
            return httpx.Response(200, json=reg)
        if not rest and request.method == "GET":
            return self._page(request, list(table.values()))
        if rest == ["approve"] and request.method == "POST":
            body = self._body(request)
            if body.get("sendEmail") is not False:
                return _error(400, "this fake refuses e-mail from Webex: sendEmail must be false")
            for item in body.get("registrants", []):
                if item.get("id") in table:
                    table[item["id"]]["status"] = "approved"
            return httpx.Response(204)
        if len(rest) == 1 and request.method == "DELETE":
            if table.pop(rest[0], None) is None:
                return _error(404, "Registrant not found.")
            return httpx.Response(204)
        return _error(404, "no such route")

    def _invite(self, request: httpx.Request) -> httpx.Response:
        body = self._body(request)
        if body.get("sendEmail") is not False:
            return _error(400, "this fake refuses e-mail from Webex: sendEmail must be false")
        meeting = self.meetings.get(str(body.get("meetingId")))
        if meeting is None:
            return _error(404, "Meeting not found.")
        email = str(body.get("email", ""))
        if any(
            v["meetingId"] == meeting["id"] and v["email"].lower() == email.lower()
            for v in self.invitees.values()
        ):
            return _error(409, "User is already a meeting invitee.")
        iid = f"{meeting['id']}_{next(self._ids)}"
        invitee = {
            "id": iid,
            "email": email,
            "displayName": body.get("displayName") or email,
            "coHost": bool(body.get("coHost")),
            "panelist": False,
            "meetingId": meeting["id"],
        }
        self.invitees[iid] = invitee
        return httpx.Response(200, json=invitee)

    # --- attendance -------------------------------------------------------------------------------

    def end_meeting(
        self, meeting_id: str, participants: list[dict[str, Any]], offset_minutes: int = 0
    ) -> str:
        """Record an ended instance of ``meeting_id`` with ``participants``; return its id."""
        meeting = self.meetings[meeting_id]
        start = _parse(meeting["start"]) + timedelta(minutes=offset_minutes)
        iid = f"{meeting_id}_I_{next(self._ids)}"
        self.instances[iid] = {
            "id": iid,
            "meetingSeriesId": meeting_id,
            "meetingType": "meeting",
            "state": "ended",
            "title": meeting["title"],
            "start": _iso(start),
            "end": meeting["end"],
        }
        self.participants[iid] = [{**p, "meetingId": iid} for p in participants]
        return iid

    # --- pagination -------------------------------------------------------------------------------

    def _page(self, request: httpx.Request, items: list[dict[str, Any]]) -> httpx.Response:
        params = dict(request.url.params)
        raw_max = params.get("max", "10")
        try:
            size = int(raw_max)
        except ValueError:
            return _error(400, f"max must be a number, got {raw_max!r}")
        if not 1 <= size <= 100:
            return _error(400, "max must be 1-100")
        offset = int(params.get("cursor", "0") or 0)
        page = items[offset : offset + size]
        headers = {}
        if offset + size < len(items):
            nxt = {k: v for k, v in params.items() if k != "cursor"}
            nxt["cursor"] = str(offset + size)
            if self.max_null_defect:
                nxt["max"] = "null"
            host = self.next_host or BASE_URL
            headers["Link"] = f'<{host}{request.url.path[len("/v1") :]}?{urlencode(nxt)}>; rel="next"'
        return httpx.Response(200, json={"items": copy.deepcopy(page)}, headers=headers)


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"message": message, "errors": [{"description": message}]})
