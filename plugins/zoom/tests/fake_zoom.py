"""An in-memory Zoom that enforces what the real one does, behind ``httpx.MockTransport``.

It issues Server-to-Server OAuth tokens (a new token revokes the previous one), answers 401 with code
124 to a missing or expired token, pages lists with ``next_page_token``, limits requests per second per
rate category (429 with ``Retry-After``) and meeting creates/updates per host per UTC day (429 with the
daily message), keeps meetings, webinars, registrants and participant reports, and validates every API
request against Zoom's OpenAPI documents when ../shared is present. ``faults`` lets a test inject a
response, an exception, or a lost response (the request takes effect, the answer never arrives).

Long on purpose: one fake account, one state, one handler per endpoint the plugin calls.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
from zoom_spec import validators

ACCOUNT_ID = "fake-account"
CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-DO-NOT-LEAK"

#: The settings of a provider wired to the fake (names are the real variables).
ENV = {
    "TA_DELIVERY_ZOOM_ACCOUNT_ID": ACCOUNT_ID,
    "TA_DELIVERY_ZOOM_CLIENT_ID": CLIENT_ID,
    "TA_DELIVERY_ZOOM_CLIENT_SECRET": CLIENT_SECRET,
    "TA_DELIVERY_ZOOM_USER": "host@example.org",
}
DAILY_MESSAGE = (
    "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for "
    "this particular user. You may resume these requests at GMT 00:00:00."
)
CATEGORIES = {
    ("GET", "users/*"): "light",
    ("POST", "users/*/meetings"): "medium",
    ("GET", "users/*/meetings"): "medium",
    ("POST", "users/*/webinars"): "light",
    ("GET", "users/*/webinars"): "medium",
    ("GET", "meetings/*"): "light",
    ("PATCH", "meetings/*"): "light",
    ("DELETE", "meetings/*"): "light",
    ("GET", "webinars/*"): "light",
    ("PATCH", "webinars/*"): "light",
    ("DELETE", "webinars/*"): "light",
    ("POST", "meetings/*/registrants"): "light",
    ("GET", "meetings/*/registrants"): "medium",
    ("PUT", "meetings/*/registrants/status"): "medium",
    ("POST", "webinars/*/registrants"): "light",
    ("GET", "webinars/*/registrants"): "medium",
    ("PUT", "webinars/*/registrants/status"): "medium",
    ("GET", "webinars/*/panelists"): "medium",
    ("POST", "webinars/*/panelists"): "medium",
    ("DELETE", "webinars/*/panelists/*"): "light",
    ("GET", "past_meetings/*/instances"): "medium",
    ("GET", "past_webinars/*/instances"): "light",
    ("GET", "report/meetings/*/participants"): "heavy",
    ("GET", "report/webinars/*/participants"): "heavy",
    ("GET", "meetings/*/recordings"): "light",
}


def _now_default() -> datetime:
    return datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Fault:
    """Applied to the next request matching ``method`` and ``path_contains`` (``times`` times), after
    letting the first ``skip`` such requests through."""

    method: str
    path_contains: str
    response: httpx.Response | None = None
    exception: Exception | None = None
    lose_response: bool = False
    times: int = 1
    skip: int = 0


@dataclass
class FakeZoom:
    now: Callable[[], datetime] = _now_default
    monotonic: Callable[[], float] | None = None
    rates: dict[str, float] | None = None
    daily_limit: int = 100
    token_lifetime: int = 3600
    validate: bool = True
    page_size_cap: int = 300
    daily_header: bool = False
    #: whether the webinar list answers ``page_count`` (an optional field of its schema)
    webinar_page_count: bool = True
    #: what a registrant POST answers for an email whose registrant was cancelled or denied (Zoom keeps
    #: such a registrant, listed as ``denied``): ``"old"`` the old registrant, still denied (its link
    #: refused until approved); ``"error"`` a 400; ``"new"`` a new approved registrant
    readd: str = "old"
    latency: float = 0.0
    sleep: Callable[[float], None] | None = None
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)
    registrants: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: webinar id -> its panelists, in the order added (a repeated POST adds the email again)
    panelists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    instances: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: meeting or webinar id -> its cloud recording (the body of GET /meetings/{id}/recordings)
    recordings: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: when set, every new meeting carries these global dial-in numbers and a phone passcode
    dial_in_numbers: list[dict[str, Any]] | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    categories: list[tuple[str, str, str]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    token_requests: list[httpx.Request] = field(default_factory=list)
    writes: dict[tuple[str, str], int] = field(default_factory=dict)
    rejected_429: int = 0
    spec_checks: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(81000000001)
        self._tokens: dict[str, datetime] = {}
        self._token_seq = itertools.count(1)
        self._pages: dict[str, list[dict[str, Any]]] = {}
        self._stamps: dict[str, list[float]] = {}

    # --- plumbing ------------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def issue_token(self) -> str:
        token = f"tok-{next(self._token_seq)}-secretvalue"
        self._tokens.clear()  # Zoom revokes the previous token when it issues a new one
        self._tokens[token] = self.now() + timedelta(seconds=self.token_lifetime)
        return token

    def expire_tokens(self) -> None:
        for token in self._tokens:
            self._tokens[token] = self.now() - timedelta(seconds=1)

    @staticmethod
    def _json(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.latency and self.sleep is not None:
            self.sleep(self.latency)
        with self._lock:
            for fault in self.faults:
                if (
                    fault.times > 0
                    and fault.method == request.method
                    and fault.path_contains in str(request.url)
                ):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    if fault.exception is not None:
                        raise fault.exception
                    if fault.lose_response:
                        self._handle(request)
                        raise httpx.ReadTimeout("response lost", request=request)
                    assert fault.response is not None
                    return fault.response
            return self._handle(request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return self._oauth(request)
        self.requests.append(request)
        raw = request.url.raw_path.decode().split("?", 1)[0]
        if "/v2/" not in raw:
            return self._json(404, {"code": 404, "message": "Not found"})
        parts = raw.split("/v2/", 1)[1].strip("/").split("/")
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        if token is None or token not in self._tokens or self._tokens[token] <= self.now():
            return self._json(401, {"code": 124, "message": "Invalid access token."})
        if self.validate:
            # GET /users/{userId} is in the 2023 document only (the other covers meetings)
            user_only = len(parts) == 2 and parts[0] == "users"
            for validator in validators():
                validator.check(request, required=not user_only)
                self.spec_checks += 1
        wild = {2} if parts[0] == "report" else {1, 3} if parts[2:3] == ["panelists"] else {1}
        pattern = "/".join("*" if i in wild else p for i, p in enumerate(parts))
        category = CATEGORIES.get((request.method, pattern))
        if category is None:
            return self._json(404, {"code": 404, "message": f"no route {request.method} {pattern}"})
        self.categories.append((request.method, pattern, category))
        limited = self._rate_limit(category)
        if limited is not None:
            return limited
        try:
            body = json.loads(request.content) if request.content else None
        except ValueError:
            return self._json(400, {"code": 300, "message": "Request Body should be a valid JSON object."})
        return self._route(request, parts, pattern, body)

    def _rate_limit(self, category: str) -> httpx.Response | None:
        if self.rates is None or self.monotonic is None:
            return None
        rate = self.rates.get(category)
        if rate is None:
            return None
        now = self.monotonic()
        stamps = [t for t in self._stamps.get(category, []) if t > now - 1.0 + 1e-6]
        if len(stamps) >= rate:
            self.rejected_429 += 1
            return self._json(
                429,
                {"code": 429, "message": "You have reached the maximum per-second rate limit for this API."},
                {"Retry-After": "1", "X-RateLimit-Category": category.title(), "X-RateLimit-Type": "QPS"},
            )
        stamps.append(now)
        self._stamps[category] = stamps
        return None

    def _oauth(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        form.update(dict(request.url.params))
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return self._json(
                401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        if form.get("grant_type") != "account_credentials" or form.get("account_id") != ACCOUNT_ID:
            return self._json(400, {"reason": "Invalid request", "error": "invalid_request"})
        token = self.issue_token()
        return self._json(
            200,
            {"access_token": token, "token_type": "bearer", "expires_in": self.token_lifetime, "scope": "x"},
        )

    # --- routes --------------------------------------------------------------------------------------

    def _page(self, items: list[dict[str, Any]], request: httpx.Request, field_name: str) -> httpx.Response:
        size = min(int(request.url.params.get("page_size", 30)), self.page_size_cap)
        token = request.url.params.get("next_page_token")
        if token:
            if token not in self._pages:
                return self._json(400, {"code": 300, "message": "Invalid next_page_token"})
            items = self._pages.pop(token)
        head, tail = items[:size], items[size:]
        next_token = ""
        if tail:
            next_token = f"npt{next(self._ids)}"
            self._pages[next_token] = tail
        return self._json(
            200,
            {"page_size": size, "total_records": len(items), "next_page_token": next_token, field_name: head},
        )

    def _daily(self, host: str) -> httpx.Response | None:
        key = (host, self.now().date().isoformat())
        self.writes[key] = self.writes.get(key, 0) + 1
        if self.writes[key] > self.daily_limit:
            headers = {"X-RateLimit-Category": "Light"}
            if self.daily_header:
                headers.update({"X-RateLimit-Type": "Daily-limit", "Retry-After": "2027-03-02T00:00:00Z"})
            return self._json(429, {"code": 429, "message": DAILY_MESSAGE}, headers)
        return None

    def _route(self, request: httpx.Request, parts: list[str], pattern: str, body: Any) -> httpx.Response:
        m = request.method
        if pattern == "users/*":  # the host user (``doctor``)
            user = unquote(parts[1])
            email = "host@example.org" if user == "me" else user
            return self._json(
                200, {"id": "KDcuGIm1QgePTO8WbOqwIQ", "email": email, "type": 2, "status": "active"}
            )
        if pattern in ("users/*/meetings", "users/*/webinars"):
            kind = parts[2][:-1]
            host = unquote(parts[1])
            if m == "POST":
                limited = self._daily(host)
                return limited or self._create(kind, host, body)
            items = [
                self._listed(mt)
                for mt in self.meetings.values()
                if mt["host"] == host and mt["kind"] == kind and not mt.get("deleted")
            ]
            if kind == "webinar":
                size = int(request.url.params.get("page_size", 30))
                number = int(request.url.params.get("page_number", 1))
                count = max(1, -(-len(items) // size))
                chunk = items[(number - 1) * size : number * size]
                page: dict[str, Any] = {"page_number": number, "webinars": chunk}
                if self.webinar_page_count:
                    page["page_count"] = count
                return self._json(200, page)
            return self._page(items, request, "meetings")
        if pattern in ("meetings/*", "webinars/*"):
            meeting = self.meetings.get(parts[1])
            if meeting is None or meeting.get("deleted") or meeting["kind"] != parts[0][:-1]:
                return self._json(404, {"code": 3001, "message": f"Meeting does not exist: {parts[1]}."})
            if m == "GET":
                return self._json(200, self._public(meeting))
            if m == "DELETE":
                meeting["deleted"] = True
                return self._json(204)
            limited = self._daily(meeting["host"])
            if limited:
                return limited
            for key in ("topic", "start_time", "duration", "timezone", "agenda"):
                if key in body:
                    meeting[key] = body[key]
            meeting["settings"].update(body.get("settings", {}))
            meeting["patches"] = meeting.get("patches", 0) + 1
            return self._json(204)
        if pattern.startswith("webinars/*/panelists"):
            return self._panelists(request, parts, body)
        if pattern.endswith(("/registrants", "/registrants/status")):
            meeting = self.meetings.get(parts[1])
            if meeting is None or meeting.get("deleted"):
                return self._json(404, {"code": 3001, "message": f"Meeting does not exist: {parts[1]}."})
            regs = self.registrants.setdefault(parts[1], {})
            if m != "GET" and meeting["settings"].get("approval_type") == 2:
                return self._json(400, {"code": 3000, "message": "Registration has not been enabled"})
            if pattern.endswith("/status"):
                for r in body.get("registrants", []):
                    reg = regs.get(r.get("email", "").lower())
                    if reg is not None and reg["id"] == r.get("id"):
                        reg["status"] = {"cancel": "cancelled", "deny": "denied"}.get(
                            body["action"], "approved"
                        )
                return self._json(204)
            if m == "GET":
                status = request.url.params.get("status", "approved")
                # a registrant the host cancelled is listed as denied (no "cancelled" status exists)
                listed = ("denied", "cancelled") if status == "denied" else (status,)
                return self._page([r for r in regs.values() if r["status"] in listed], request, "registrants")
            email = body["email"].lower()
            reg = regs.get(email)
            if reg is not None and reg["status"] != "approved" and self.readd == "error":
                return self._json(400, {"code": 3000, "message": "This registrant has been denied."})
            if reg is not None and reg["status"] != "approved" and self.readd == "old":
                pass  # the old registrant comes back as it is: denied, its link refused
            elif reg is None or reg["status"] != "approved":
                rid = f"reg{next(self._ids)}"
                reg = {
                    "id": rid,
                    "email": body["email"],
                    "first_name": body["first_name"],
                    "last_name": body.get("last_name", ""),
                    "status": "approved",
                    "join_url": f"https://fake.zoom.us/w/{parts[1]}?tk={rid}-tk",
                }
                regs[email] = reg
            return self._json(
                201,
                {
                    "id": int(parts[1]),
                    "registrant_id": reg["id"],
                    "join_url": reg["join_url"],
                    "topic": meeting["topic"],
                    "start_time": meeting["start_time"],
                },
            )
        if pattern in ("past_meetings/*/instances", "past_webinars/*/instances"):
            if parts[1] not in self.meetings:
                return self._json(404, {"code": 3001, "message": "Meeting does not exist"})
            field_name = "meetings" if pattern.startswith("past_meetings") else "webinars"
            return self._json(200, {field_name: self.instances.get(parts[1], [])})
        if pattern == "meetings/*/recordings":
            recording = self.recordings.get(parts[1])
            if recording is None:
                return self._json(404, {"code": 3301, "message": "This recording does not exist."})
            return self._json(200, recording)
        if pattern.startswith("report/"):
            segment = parts[2]
            once = unquote(segment)
            uuid = unquote(once) if "%" in once else once
            needs_double = uuid.startswith("/") or "//" in uuid
            if needs_double and "%" not in once:
                return self._json(404, {"code": 3001, "message": "Meeting does not exist"})
            rows = self.reports.get(uuid)
            if rows is None:
                return self._json(404, {"code": 3001, "message": "Meeting does not exist"})
            if request.url.params.get("include_fields") != "registrant_id":
                rows = [{k: v for k, v in r.items() if k != "registrant_id"} for r in rows]
            return self._page(rows, request, "participants")
        return self._json(404, {"code": 404, "message": "not found"})

    def _panelists(self, request: httpx.Request, parts: list[str], body: Any) -> httpx.Response:
        webinar = self.meetings.get(parts[1])
        if webinar is None or webinar.get("deleted") or webinar["kind"] != "webinar":
            return self._json(404, {"code": 3001, "message": f"Webinar does not exist: {parts[1]}."})
        panelists = self.panelists.setdefault(parts[1], [])
        if request.method == "GET":
            return self._json(200, {"panelists": list(panelists), "total_records": len(panelists)})
        if request.method == "DELETE":
            target = unquote(parts[3])
            kept = [p for p in panelists if target not in (p["id"], p["email"].lower(), p["email"])]
            if len(kept) == len(panelists):
                return self._json(404, {"code": 3001, "message": "Panelist does not exist."})
            self.panelists[parts[1]] = kept
            return self._json(204)
        items = body.get("panelists") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or len(items) > 30:
            return self._json(400, {"code": 300, "message": "panelists: between 1 and 30 items"})
        for item in items:
            if not item.get("email") or not item.get("name"):
                return self._json(400, {"code": 300, "message": "A panelist needs a name and an email."})
            pid = f"pan{next(self._ids)}"
            panelists.append(
                {
                    "id": pid,
                    "email": item["email"],
                    "name": item["name"],
                    "join_url": f"https://fake.zoom.us/w/{parts[1]}?tk={pid}-panelist",
                }
            )
        return self._json(201, {"id": parts[1], "updated_at": self.now().strftime("%Y-%m-%dT%H:%M:%SZ")})

    def can_join(self, url: str) -> str | None:
        """Who a personal link lets in: ``"panelist"``, ``"attendee"`` (an approved registrant), or None."""
        for panelists in self.panelists.values():
            if any(p["join_url"] == url for p in panelists):
                return "panelist"
        for regs in self.registrants.values():
            if any(r["join_url"] == url and r["status"] == "approved" for r in regs.values()):
                return "attendee"
        return None

    def _create(self, kind: str, host: str, body: dict[str, Any]) -> httpx.Response:
        mid = str(next(self._ids))
        meeting = {
            "id": mid,
            "uuid": f"uuid{mid}==",
            "kind": kind,
            "host": host,
            "topic": body.get("topic", ""),
            "type": body.get("type", 2),
            "start_time": body.get("start_time"),
            "duration": body.get("duration"),
            "timezone": body.get("timezone"),
            "agenda": body.get("agenda", ""),
            "settings": dict(body.get("settings", {})),
            "created_at": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.dial_in_numbers is not None:
            meeting["settings"]["global_dial_in_numbers"] = [dict(n) for n in self.dial_in_numbers]
            meeting["pstn_password"] = str(mid)[-6:]
        self.meetings[mid] = meeting
        return self._json(201, self._public(meeting))

    @staticmethod
    def _public(meeting: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in meeting.items() if k not in ("kind", "host", "deleted", "patches")}
        out["id"] = int(meeting["id"])
        out["host_id"] = "host-" + meeting["host"]
        out["join_url"] = f"https://fake.zoom.us/j/{meeting['id']}?pwd=abc"
        out["start_url"] = f"https://fake.zoom.us/s/{meeting['id']}?zak=HOSTSECRETZAK"
        return out

    def _listed(self, meeting: dict[str, Any]) -> dict[str, Any]:
        out = self._public(meeting)
        out.pop("settings", None)
        out.pop("start_url", None)
        out["agenda"] = out.get("agenda", "")[:250]
        return out

    def live(self) -> list[dict[str, Any]]:
        """Meetings not deleted."""
        return [m for m in self.meetings.values() if not m.get("deleted")]
