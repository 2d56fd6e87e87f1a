"""A webinar's trainers are panelists with personal links; a registrant cancelled and added back
is approved again. Through the CLI on loopback, and through the provider on the fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_zoom import FakeZoom, Fault
from zoom_helpers import KIM, calls, cli_course, make_request, people
from zoom_spec import paced_endpoints, validators

from ta_delivery.models import Trainer
from ta_delivery.testing.cli import outbox_invites, run_json
from ta_delivery.testing.courses import TRAINER, session
from ta_delivery_zoom.provider import ZoomProvider

COURSE = cli_course(
    "webinar = true",
    id="qa2-webinar",
    trainers=(TRAINER, KIM),
    sessions=(session("s01", minutes=90, title="Opening", trainers=["rf", "kb"]),),
)


def _apply(course: Path, exit_code: int = 0) -> dict[str, Any]:
    return run_json("apply", str(course), exit_code=exit_code)


def _invites(tmp_path: Path, seen: set[Path]) -> dict[str, dict[str, str]]:
    """Recipient -> METHOD and URL of each invite written since ``seen``."""
    return outbox_invites(tmp_path, seen, ("METHOD", "URL"))


_calls = calls


def test_trainers_invites_carry_their_panelist_links(zoom: FakeZoom, tmp_path: Path) -> None:
    """Each trainer joins a webinar as a panelist through their own link, not the registration page."""
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    seen: set[Path] = set()
    _apply(course)
    (webinar,) = zoom.live()
    assert webinar["kind"] == "webinar"
    panelists = zoom.panelists[webinar["id"]]
    assert sorted((p["email"], p["name"]) for p in panelists) == [
        ("kb@example.org", "Kim B."),
        ("rf@example.org", "Roberto F."),
    ]
    invites = _invites(tmp_path, seen)
    by_email = {p["email"]: p["join_url"] for p in panelists}
    for trainer in ("rf@example.org", "kb@example.org"):
        assert invites[trainer]["URL"] == by_email[trainer]
        assert zoom.can_join(invites[trainer]["URL"]) == "panelist"
    for participant in ("ana@example.org", "kiran@example.org"):
        assert zoom.can_join(invites[participant]["URL"]) == "attendee"

    sent = len(zoom.requests)
    assert _apply(course)["items"] == []
    assert _calls(zoom, sent) == [], "a rerun asks nothing of Zoom and adds nobody"
    assert len(zoom.panelists[webinar["id"]]) == 2


def test_a_trainer_who_leaves_is_removed_and_one_who_comes_is_added_once(
    zoom: FakeZoom, tmp_path: Path
) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE, encoding="utf-8")
    seen: set[Path] = set()
    _apply(course)
    _invites(tmp_path, seen)
    (webinar,) = zoom.live()
    kim = next(p for p in zoom.panelists[webinar["id"]] if p["email"] == "kb@example.org")

    course.write_text(COURSE.replace('trainers = ["rf", "kb"]', 'trainers = ["rf"]'), encoding="utf-8")
    sent = len(zoom.requests)
    _apply(course)
    assert _calls(zoom, sent) == [("DELETE", f"/v2/webinars/{webinar['id']}/panelists/{kim['id']}")]
    assert [p["email"] for p in zoom.panelists[webinar["id"]]] == ["rf@example.org"]
    assert {k: v["METHOD"] for k, v in _invites(tmp_path, seen).items()} == {"kb@example.org": "CANCEL"}

    course.write_text(COURSE, encoding="utf-8")
    sent = len(zoom.requests)
    _apply(course)
    assert [m for m, _p in _calls(zoom, sent)] == ["GET", "POST", "GET"], "read, add the one missing, read"
    assert sorted(p["email"] for p in zoom.panelists[webinar["id"]]) == ["kb@example.org", "rf@example.org"]
    invites = _invites(tmp_path, seen)
    assert set(invites) == {"kb@example.org"}
    assert invites["kb@example.org"]["METHOD"] == "REQUEST"
    assert zoom.can_join(invites["kb@example.org"]["URL"]) == "panelist"


def test_a_lost_panelist_answer_never_duplicates_a_panelist(zoom: FakeZoom, tmp_path: Path) -> None:
    """The POST acted but its answer was lost: the run looks the panelists up and adds nobody twice."""
    course = tmp_path / "course.toml"
    course.write_text(COURSE.replace('trainers = ["rf", "kb"]', 'trainers = ["rf"]'), encoding="utf-8")
    _apply(course)
    (webinar,) = zoom.live()

    course.write_text(COURSE, encoding="utf-8")
    zoom.faults.append(Fault("POST", "/panelists", lose_response=True))
    seen: set[Path] = set(tmp_path.glob(".ta-delivery/outbox/*.eml"))
    recovered = _apply(course)
    assert all(item["ok"] for item in recovered["items"])
    assert sorted(p["email"] for p in zoom.panelists[webinar["id"]]) == ["kb@example.org", "rf@example.org"]
    invites = _invites(tmp_path, seen)
    _apply(course)
    assert sorted(p["email"] for p in zoom.panelists[webinar["id"]]) == ["kb@example.org", "rf@example.org"]
    assert zoom.can_join(invites["kb@example.org"]["URL"]) == "panelist"


def test_a_meeting_keeps_trainers_as_alternative_hosts(zoom: FakeZoom, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text(COURSE.replace("webinar = true", "webinar = false"), encoding="utf-8")
    _apply(course)
    (meeting,) = zoom.live()
    assert meeting["kind"] == "meeting"
    assert meeting["settings"]["alternative_hosts"] == "kb@example.org;rf@example.org"
    assert zoom.panelists == {}
    assert not any("/panelists" in r.url.path for r in zoom.requests)


# --- the provider ---------------------------------------------------------------------------------


WEBINAR = {"webinar": True}
TWO = (
    Trainer(id="rf", name="Roberto F.", email="rf@example.org", timezone="Europe/Zurich"),
    Trainer(id="kb", name="Kim B.", email="KB@example.org", timezone="UTC"),
)


def test_the_host_is_no_panelist_and_find_reads_the_panelists(provider: ZoomProvider, fake: FakeZoom) -> None:
    host = Trainer(id="h", name="The Host", email="Host@Example.org", timezone="UTC")
    request = make_request(options=WEBINAR, hosts=(*TWO, host))
    room = provider.create(request)
    listed = fake.panelists[room.external_id]
    assert sorted(p["email"].lower() for p in listed) == ["kb@example.org", "rf@example.org"]
    assert "h" not in room.personal_links, "the host starts the webinar; no panelist link"
    assert room.personal_links["kb"] == next(p["join_url"] for p in listed if p["email"] == "KB@example.org")
    found = provider.find(request)
    assert found is not None
    assert found.personal_links == room.personal_links
    sent = len(fake.requests)
    provider.update(found, request)
    assert not any(r.method in ("POST", "DELETE") for r in fake.requests[sent:]), "nobody added twice"
    assert len(fake.panelists[room.external_id]) == 2


def test_a_trainer_whose_email_changed_is_replaced_as_panelist(
    provider: ZoomProvider, fake: FakeZoom
) -> None:
    room = provider.create(make_request(options=WEBINAR, hosts=TWO))
    moved = (TWO[0], Trainer(id="kb", name="Kim B.", email="kim@example.org", timezone="UTC"))
    updated = provider.update(room, make_request(options=WEBINAR, hosts=moved))
    emails = sorted(p["email"] for p in fake.panelists[room.external_id])
    assert emails == ["kim@example.org", "rf@example.org"]
    assert updated.personal_links["kb"] != room.personal_links["kb"]
    assert fake.can_join(updated.personal_links["kb"]) == "panelist"


def test_more_than_thirty_trainers_are_added_thirty_at_a_time(provider: ZoomProvider, fake: FakeZoom) -> None:
    many = tuple(
        Trainer(id=f"t{i}", name=f"Trainer {i}", email=f"t{i}@example.org", timezone="UTC") for i in range(31)
    )
    room = provider.create(make_request(options=WEBINAR, hosts=many, participants=()))
    posts = [r for r in fake.requests if r.method == "POST" and r.url.path.endswith("/panelists")]
    assert [len(json.loads(r.content)["panelists"]) for r in posts] == [30, 1]
    assert len(fake.panelists[room.external_id]) == 31
    assert {f"t{i}" for i in range(31)} <= set(room.personal_links)


# --- a registrant cancelled, then added back --------------------------------------------------------


@pytest.mark.parametrize("readd", ["old", "error", "new"])
@pytest.mark.parametrize("options", [{}, WEBINAR], ids=["meeting", "webinar"])
def test_a_registrant_added_back_can_join_again(
    provider: ZoomProvider, fake: FakeZoom, readd: str, options: dict[str, Any]
) -> None:
    """Zoom keeps a cancelled registrant (listed as denied): adding them back must leave a working link."""
    fake.readd = readd
    request = make_request(options=options, participants=people(2))
    room = provider.create(request)
    without = provider.update(room, make_request(options=options, participants=people(1)))
    regs = fake.registrants[room.external_id]
    assert regs["p2@example.org"]["status"] != "approved"
    back = provider.update(without, request)
    link = back.personal_links["p2"]
    assert fake.can_join(link) == "attendee", f"{readd}: the link of the person added back works"
    assert "cancelled" not in back.data
    sent = len(fake.requests)
    provider.update(back, request)
    assert fake.requests[sent:] == [], "then nothing more to do"


@pytest.mark.parametrize("readd", ["old", "error"])
def test_a_registrant_added_back_after_a_lost_record_is_approved(
    provider: ZoomProvider, fake: FakeZoom, readd: str
) -> None:
    """The classroom is found again (an interrupted run): the denied registrant is approved, not left out."""
    fake.readd = readd
    request = make_request(participants=people(2))
    room = provider.create(request)
    provider.update(room, make_request(participants=people(1)))
    found = provider.find(request)
    assert found is not None
    assert set(found.personal_links) == {"p1"}
    back = provider.update(found, request)
    assert fake.can_join(back.personal_links["p2"]) == "attendee"


def test_the_fake_lists_a_cancelled_registrant_as_denied(provider: ZoomProvider, fake: FakeZoom) -> None:
    room = provider.create(make_request(participants=people(2)))
    provider.update(room, make_request(participants=people(1)))
    denied = provider._registrants_of("meeting", room.external_id, "denied")
    assert [r["email"] for r in denied] == ["p2@example.org"]


# --- the spec -------------------------------------------------------------------------------------


def test_panelist_and_approval_calls_are_paced_by_their_spec_labels(
    provider: ZoomProvider, fake: FakeZoom, paced: list[tuple[str, str, str]]
) -> None:
    """Add (Medium), list (Medium), remove one (Light) panelists; list denied (Medium), approve (Medium)."""
    request = make_request(options=WEBINAR, hosts=TWO, participants=people(2))
    room = provider.create(request)
    fewer = provider.update(room, make_request(options=WEBINAR, hosts=TWO[:1], participants=people(1)))
    provider.update(fewer, request)
    provider.find(request)
    seen = paced_endpoints(paced, validators())
    assert {
        ("POST", "/webinars/{webinarId}/panelists"),
        ("GET", "/webinars/{webinarId}/panelists"),
        ("DELETE", "/webinars/{webinarId}/panelists/{panelistId}"),
        ("PUT", "/webinars/{webinarId}/registrants/status"),
    } <= seen
    approvals = [
        json.loads(r.content) for r in fake.requests if r.method == "PUT" and r.url.path.endswith("/status")
    ]
    assert [a["action"] for a in approvals] == ["cancel", "approve"]
    assert any(r.url.params.get("status") == "denied" for r in fake.requests)


def test_zoom_sends_panelists_no_invitation_of_its_own(provider: ZoomProvider, fake: FakeZoom) -> None:
    """Our invitations carry the panelist links; Zoom's own only with ``registrant_emails = true``."""
    provider.create(make_request(options=WEBINAR, hosts=TWO))
    provider.create(make_request(key="c/s02", options={**WEBINAR, "registrant_emails": True}, hosts=TWO))
    first, second = fake.live()
    assert first["settings"]["panelists_invitation_email_notification"] is False
    assert second["settings"]["panelists_invitation_email_notification"] is True


def test_two_trainers_sharing_an_address_share_one_panelist(provider: ZoomProvider, fake: FakeZoom) -> None:
    """Zoom knows a panelist by email: one panelist, both links; one trainer leaving keeps the other's."""
    pair = (TWO[0], Trainer(id="rf2", name="Roberto F. (office)", email="RF@example.org", timezone="UTC"))
    room = provider.create(make_request(options=WEBINAR, hosts=pair))
    assert len(fake.panelists[room.external_id]) == 1
    assert room.personal_links["rf"] == room.personal_links["rf2"]
    alone = provider.update(room, make_request(options=WEBINAR, hosts=pair[:1]))
    assert len(fake.panelists[room.external_id]) == 1, "the remaining trainer is still a panelist"
    assert fake.can_join(alone.personal_links["rf"]) == "panelist"
