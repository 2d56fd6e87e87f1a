"""Feeds instead of invitations (``[invitations] delivery = "feed"``): one welcome message per person and
feed address, in their language, small; classrooms still made; invitations sent before the switch
withdrawn once the welcome is delivered; idempotent; a failed send retried as the same message."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.world import World, make_course
from ta_delivery.errors import InputError
from ta_delivery.invites import lifecycle
from ta_delivery.invites.lifecycle import SEND, WELCOME, WELCOME_SESSION, Message, Wanted
from ta_delivery.invites.welcome import build_welcome_message, webcal_url, welcome_fingerprint
from ta_delivery.models import Course, InvitationPolicy, Participant
from ta_delivery.settings import Settings
from ta_delivery.sync import Syncer, preflight

SERVE = "https://ta.example.org"
STAMP = datetime(2027, 6, 1, 12, tzinfo=UTC)

# --- the rule -----------------------------------------------------------------------------------------


def _w(fp: str | None = "f1", email: str = "a@example.org", person: str = "a") -> Wanted:
    return Wanted(WELCOME_SESSION, person, email, fp, kind=WELCOME)


def _m(fp: str = "f1", state: str = "sent", seq: int = 0, email: str = "a@example.org") -> Message:
    return Message(WELCOME_SESSION, "a", email, SEND, seq, fp, state, WELCOME)


@pytest.mark.parametrize(
    ("wanted", "history", "expected"),
    [
        pytest.param(_w(), [], (0, "new subscription"), id="new"),
        pytest.param(_w(), [_m()], None, id="delivered"),
        pytest.param(_w(email="A@Example.org"), [_m()], None, id="same-mailbox-other-case"),
        pytest.param(_w(), [_m(state="pending")], (0, "retry of an unsent message"), id="retry"),
        pytest.param(
            _w(), [_m(state="failed", seq=2)], (2, "retry of an unsent message"), id="retry-keeps-number"
        ),
        pytest.param(_w(fp="f2"), [_m()], (1, "subscription address changed"), id="token-revoked"),
        pytest.param(_w(fp="f2"), [_m(), _m(fp="f2", seq=1)], None, id="new-token-delivered"),
        pytest.param(_w(email="new@example.org"), [_m()], (1, "address changed"), id="email-changed"),
        pytest.param(
            _w(fp="f2"),
            [_m(), _m(fp="f2", seq=1, state="pending")],
            (1, "retry of an unsent message"),
            id="new-token-retry",
        ),
        pytest.param(_w(fp=None), [], None, id="unknown-content"),
        pytest.param(
            _w(fp="f1"), [_m(), _m(fp="f2", seq=1)], (2, "subscription address changed"), id="back-to-old"
        ),
    ],
)
def test_welcome_rule(wanted: Wanted, history: list[Message], expected: tuple[int, str] | None) -> None:
    owed = lifecycle.owed([wanted], history)
    if expected is None:
        assert owed == []
        return
    assert len(owed) == 1
    (message,) = owed
    assert (message.kind, message.method, message.session_id) == (WELCOME, SEND, WELCOME_SESSION)
    assert (message.sequence, message.reason) == expected
    assert (message.email, message.fingerprint) == (wanted.email, wanted.fingerprint)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["f1", "f2", "f3"]),
            st.sampled_from(["a@x.org", "A@X.org", "b@x.org"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_welcome_runs_settle_and_never_reuse_a_number(runs: list[tuple[str, str, bool]]) -> None:
    """Whatever the addresses and however sends fail: at most one message a run, nothing owed after a
    delivered one, and a (mailbox, number) always says the same thing, so the log's key never clashes."""
    log: dict[tuple[str, int], Message] = {}  # keyed as the store keys its rows
    for fp, address, delivered in runs:
        history = sorted(log.values(), key=lambda m: m.sequence)
        owed = lifecycle.owed([_w(fp=fp, email=address)], history)
        assert len(owed) <= 1
        for message in owed:
            key = (lifecycle.mailbox(message.email), message.sequence)
            if key in log:
                assert log[key].fingerprint == message.fingerprint
            log[key] = attrs.evolve(message.recorded("sent" if delivered else "failed"), kind=WELCOME)
        if delivered:
            history = sorted(log.values(), key=lambda m: m.sequence)
            assert lifecycle.owed([_w(fp=fp, email=address)], history) == []


def test_the_welcome_log_never_touches_invitations() -> None:
    """A welcome in the log is no invitation: the invite rule neither cancels nor counts it."""
    invite = Wanted("s01", "a", "a@example.org", "fp")
    owed = lifecycle.owed([invite], [_m()])
    assert [(o.kind, o.method, o.sequence) for o in owed] == [("invite", "REQUEST", 0)]


# --- the message --------------------------------------------------------------------------------------


def _course() -> Course:
    return make_course(
        participants=(
            Participant("ana", "Ana Pérez", "ana@example.org", "America/Jamaica", language="es"),
            Participant("jo", "Jo Martin", "jo@example.org", "Europe/Paris", language="fr"),
            Participant("li", "Li <x>", "li@example.org", "Asia/Shanghai"),
        ),
        sessions=(),
    )


def _parsed(person: str, address: str) -> email.message.EmailMessage:
    course = _course()
    data = bytes(build_welcome_message(course, course.person(person), feed_address=address, dtstamp=STAMP))
    assert len(data) < 30 * 1024
    out = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(out, email.message.EmailMessage)
    return out


def _text(msg: email.message.EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


@pytest.mark.parametrize(
    ("person", "language", "subject"),
    [
        ("li", "en", "Your calendar for Trade policy course"),
        ("jo", "fr", "Votre agenda pour Trade policy course"),
        ("ana", "es", "Su calendario para Trade policy course"),
    ],
)
def test_welcome_message_in_each_language(person: str, language: str, subject: str) -> None:
    address = f"{SERVE}/feeds/tok-{person}.ics"
    msg = _parsed(person, address)
    assert msg["Subject"] == subject
    assert msg["Content-Language"] == language
    assert not any(p.get_content_type() == "text/calendar" for p in msg.walk())
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]  # plain text first
    plain, page = _text(msg, "plain"), _text(msg, "html")
    for text in (plain, page):
        assert address in text
        assert f"webcal://ta.example.org/feeds/tok-{person}.ics" in text
        for app in ("Outlook", "Google", "Apple", "Thunderbird"):
            assert app in text
    assert f'href="webcal://ta.example.org/feeds/tok-{person}.ics"' in page
    assert "<x>" not in page  # names are escaped in HTML
    # the only address in it is the person's own feed (and the organizer's mailbox)
    urls = set(re.findall(r"(?:https?|webcal)://[^\s<>\"]+", plain))
    assert urls == {address, webcal_url(address)}


def test_message_id_is_stable_per_person_and_address() -> None:
    one = _parsed("li", f"{SERVE}/feeds/a.ics")["Message-ID"]
    assert one == _parsed("li", f"{SERVE}/feeds/a.ics")["Message-ID"]
    assert one != _parsed("li", f"{SERVE}/feeds/b.ics")["Message-ID"]


def test_webcal_form() -> None:
    assert webcal_url("https://h.example/feeds/t.ics") == "webcal://h.example/feeds/t.ics"
    assert webcal_url("http://h.example:8080/x/feeds/t.ics") == "webcal://h.example:8080/x/feeds/t.ics"
    assert welcome_fingerprint("https://a") != welcome_fingerprint("https://b")
    assert "https" not in welcome_fingerprint("https://a")


# --- the run --------------------------------------------------------------------------------------------


def _feed(course: Course) -> Course:
    return attrs.evolve(course, invitations=InvitationPolicy("feed"))


def _syncer(world: World, course: Course, serve: str | None = SERVE) -> Syncer:
    env = dict(world.context.settings.env)
    if serve is not None:
        env["TA_DELIVERY_SERVE_URL"] = serve
    context = attrs.evolve(world.context, settings=Settings(env))
    return Syncer(course, world.store, world.plugins, context, workers=1)


def _welcomes(world: World) -> list[str]:
    return sorted(s.to for s in world.transport.sent if s.method == "SEND")


def _address(message: email.message.EmailMessage) -> str:
    found = re.search(r"https://ta\.example\.org/feeds/[^\s]+\.ics", _text(message, "plain"))
    assert found is not None
    return found.group(0)


PEOPLE = ["rf", "ms", "jm-01", "tt-01", "bb-01"]


def test_feed_course_sends_one_welcome_each_and_makes_classrooms(world: World) -> None:
    course = _feed(make_course())
    result = _syncer(world, course).apply()
    assert all(i.ok for i in result.items)
    assert [s.method for s in world.transport.sent] == ["SEND"] * 5  # no REQUEST at all
    assert len(world.server.rooms) == 3  # classrooms are still made
    for sent in world.transport.sent:
        token = _address(sent.message).rsplit("/", 1)[1].removesuffix(".ics")
        owner = world.store.feed_owner(token)
        assert owner is not None and owner[0] == course.id
        assert course.person(owner[1]).email.lower() in sent.to.lower()
    assert sorted(i.target for i in result.items if i.kind == "welcome") == sorted(PEOPLE)
    # idempotent: the second run sends nothing and plans nothing
    world.transport.sent.clear()
    _syncer(world, course).apply()
    assert world.transport.sent == []
    assert _syncer(world, course).plan().invites == ()


def test_plan_shows_the_welcomes_and_changes_nothing(world: World) -> None:
    course = _feed(make_course())
    plan = _syncer(world, course).plan()
    welcomes = [i for i in plan.invites if i.kind == WELCOME]
    assert sorted(i.person_id for i in welcomes) == sorted(PEOPLE)
    assert all(i.method == SEND for i in plan.invites)
    assert all(world.store.active_feed_token(course.id, p) is None for p in PEOPLE)


def test_a_failed_welcome_is_sent_next_run_as_the_same_message(world: World) -> None:
    course = _feed(make_course())
    world.transport.fail = 1
    result = _syncer(world, course).apply()
    failed = [i for i in result.items if not i.ok]
    assert len(failed) == 1 and failed[0].kind == "welcome"
    assert len(_welcomes(world)) == 4
    world.transport.sent.clear()
    _syncer(world, course).apply()
    assert len(_welcomes(world)) == 1
    rows = [m for m in world.store.messages(course.id) if m.person_id == failed[0].target]
    assert [(r.sequence, r.state) for r in rows] == [(0, "sent")]  # the same message, now sent


def test_a_revoked_address_or_a_new_email_sends_it_again(world: World) -> None:
    course = _feed(make_course())
    _syncer(world, course).apply()
    first = {s.to: _address(s.message) for s in world.transport.sent}
    world.transport.sent.clear()
    world.store.revoke_feed_tokens(course.id, "rf")
    _syncer(world, course).apply()
    assert len(world.transport.sent) == 1
    again = world.transport.sent[0]
    assert "rf@example.org" in again.to and _address(again.message) != first[again.to]
    world.transport.sent.clear()
    moved = attrs.evolve(
        course,
        participants=tuple(
            attrs.evolve(p, email="ana.new@example.org") if p.id == "jm-01" else p
            for p in course.participants
        ),
    )
    _syncer(world, moved).apply()
    assert _welcomes(world) == ["Ana Pérez <ana.new@example.org>"]


def test_switching_to_feeds_withdraws_the_invitations_once_welcomed(world: World) -> None:
    course = make_course()
    _syncer(world, course).apply()
    requests = [s for s in world.transport.sent if s.method == "REQUEST"]
    assert requests and not _welcomes(world)
    world.transport.sent.clear()
    world.transport.fail = 1  # the first welcome (rf's) fails: rf keeps their invitations for now
    _syncer(world, _feed(course)).apply()
    cancels = [s for s in world.transport.sent if s.method == "CANCEL"]
    assert len(_welcomes(world)) == 4
    assert len(cancels) == len([r for r in requests if "rf@" not in r.to])
    assert {c.uid for c in cancels} <= {r.uid for r in requests}
    assert all("calendar subscription" in _text(c.message, "plain") for c in cancels)
    world.transport.sent.clear()
    _syncer(world, _feed(course)).apply()
    assert len(_welcomes(world)) == 1
    assert len([s for s in world.transport.sent if s.method == "CANCEL"]) == len(
        [r for r in requests if "rf@" in r.to]
    )
    world.transport.sent.clear()
    _syncer(world, _feed(course)).apply()
    assert world.transport.sent == []
    # and back: invitations again, the feeds stay
    _syncer(world, course).apply()
    assert {s.method for s in world.transport.sent} == {"REQUEST"}
    assert len(world.transport.sent) == len(requests)


def test_someone_who_left_while_on_feeds_is_told_they_are_no_longer_expected(world: World) -> None:
    course = make_course()
    _syncer(world, course).apply()
    world.transport.sent.clear()
    without = attrs.evolve(course, participants=tuple(p for p in course.participants if p.id != "tt-01"))
    _syncer(world, _feed(without)).apply()
    theirs = [s for s in world.transport.sent if "kiran@" in s.to]
    assert theirs and all(s.method == "CANCEL" for s in theirs)
    assert all("no longer expected" in _text(s.message, "plain") for s in theirs)


def test_a_cancelled_session_is_cancelled_for_those_invited_before_the_switch(world: World) -> None:
    course = make_course()
    _syncer(world, course).apply()
    world.transport.sent.clear()
    fewer = _feed(attrs.evolve(course, sessions=course.sessions[:2]))
    _syncer(world, fewer).apply()
    gone = [s for s in world.transport.sent if s.method == "CANCEL" and "Session 3" in s.session]
    assert len(gone) == 4
    assert all("has been cancelled" in _text(s.message, "plain") for s in gone)


def test_a_feed_course_without_the_serve_address_stops_before_anything(world: World) -> None:
    course = _feed(make_course())
    context = attrs.evolve(world.context, settings=Settings({"TA_DELIVERY_MEMORY_TOKEN": "x"}))
    with pytest.raises(InputError, match="TA_DELIVERY_SERVE_URL"):
        preflight(course, world.plugins, context)
    preflight(make_course(), world.plugins, context)  # invitations need no serve address
    bad = attrs.evolve(context, settings=Settings({"TA_DELIVERY_SERVE_URL": "ta.example.org"}))
    with pytest.raises(InputError, match="TA_DELIVERY_SERVE_URL"):
        preflight(course, world.plugins, bad)


# --- the course file and the command line ------------------------------------------------------------


def test_the_course_file_key_and_its_mistakes() -> None:
    from ta_delivery.coursefile import parse_course
    from test_coursefile_connectivity import HEAD, SESSION, person

    text = HEAD + person("jm-01") + SESSION
    assert parse_course(text, source="c.toml").invitations.delivery == "invites"  # the default
    feed = parse_course(text + '\n[invitations]\ndelivery = "feed"\n', source="c.toml")
    assert feed.invitations.delivery == "feed"
    with pytest.raises(InputError) as caught:
        parse_course(text + '\n[invitations]\ndelivery = "feeds"\nsend = 1\n', source="c.toml")
    message = str(caught.value)
    assert "invitations.delivery" in message and "'feed'" in message  # did you mean
    assert "invitations.send" in message  # every mistake at once


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "rtpc-caribbean-2027"


def test_apply_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from ta_delivery.cli import main

    for name in ("course.toml", "participants.csv"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    course = tmp_path / "course.toml"
    course.write_text(
        course.read_text(encoding="utf-8") + '\n[invitations]\ndelivery = "feed"\n', encoding="utf-8"
    )
    monkeypatch.setenv("TA_DELIVERY_NOW", "2027-07-01T12:00:00Z")
    for var in ("TA_DELIVERY_STATE", "TA_DELIVERY_OUTBOX", "TA_DELIVERY_TRANSPORT", "TA_DELIVERY_SERVE_URL"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.stdout, result.stderr

    for command in ("plan", "apply"):
        code, _out, err = run(command, str(course))
        assert code == 2 and "TA_DELIVERY_SERVE_URL" in err
        assert not (tmp_path / ".ta-delivery").exists()  # nothing changed
    monkeypatch.setenv("TA_DELIVERY_SERVE_URL", SERVE)
    code, out, err = run("plan", str(course), "--json")
    assert code == 0, err
    planned = json.loads(out)["invites"]
    assert planned and {(i["session"], i["method"]) for i in planned} == {(WELCOME_SESSION, SEND)}
    code, out, err = run("plan", str(course))
    assert code == 0, err
    assert f"0 invitations, {len(planned)} welcome messages" in out
    code, out, err = run("apply", str(course), "--json", "--yes")
    assert code == 0, err
    sent = sorted((tmp_path / ".ta-delivery" / "outbox").glob("*.eml"))
    assert len(sent) == len(planned)
    first = email.message_from_bytes(sent[0].read_bytes(), policy=email.policy.default)
    assert isinstance(first, email.message.EmailMessage)
    address = re.search(r"https://ta\.example\.org/feeds/\S+\.ics", _text(first, "plain"))
    assert address is not None
    # `calendar --person --link` prints the very address the welcome gave
    person = next(i["person"] for i in planned if i["email"].lower() in str(first["To"]).lower())
    code, out, err = run("calendar", str(course), "--person", person, "--link")
    assert code == 0, err
    assert out.strip() == address.group(0)
    code, out, _ = run("apply", str(course), "--json", "--yes")
    assert code == 0 and json.loads(out)["items"] == []


def test_doctor_checks_the_serve_address_of_a_feed_course(world: World, tmp_path: Path) -> None:
    from ta_delivery.doctor import run_doctor

    url = f"sqlite:///{tmp_path / 'doctor.db'}"
    bare = attrs.evolve(world.context, settings=Settings({"TA_DELIVERY_TRANSPORT": "capture"}))
    named = {(c.area, c.name): c for c in run_doctor(_feed(make_course()), world.plugins, bare, url)}
    missing = named[("settings", "serve address")]
    assert not missing.ok and "TA_DELIVERY_SERVE_URL" in missing.detail
    env = {"TA_DELIVERY_TRANSPORT": "capture", "TA_DELIVERY_SERVE_URL": SERVE}
    good = attrs.evolve(world.context, settings=Settings(env))
    named = {(c.area, c.name): c for c in run_doctor(_feed(make_course()), world.plugins, good, url)}
    assert named[("settings", "serve address")].ok
    plain = run_doctor(make_course(), world.plugins, bare, url)
    assert ("settings", "serve address") not in {(c.area, c.name) for c in plain}


def test_the_closing_line_counts_welcomes() -> None:
    from ta_delivery.cli.gate import where_invites_went
    from ta_delivery.planning import ApplyResult, ItemResult

    items = (
        ItemResult("welcome", "rf", SEND, True),
        ItemResult("welcome", "ms", SEND, True),
        ItemResult("welcome", "ana", SEND, False, error="TransportError: down"),
    )
    line = where_invites_went(ApplyResult("c", items, ()), "outbox", None)
    assert (
        line
        == "0 invitation messages and 2 welcome messages written to the outbox (1 failed: run apply again)"
    )


def test_the_address_in_the_welcome_serves_the_persons_feed(world: World, tmp_path: Path) -> None:
    """End to end: the welcome's address, asked of the serve application, answers with that person's
    sessions and join links; once revoked it answers 404, and the next apply mails the new one."""
    import asyncio

    import httpx
    import icalendar

    pytest.importorskip("uvicorn")
    from ta_delivery.serve import Served, make_app

    course = _feed(make_course())
    _syncer(world, course).apply()
    mine = next(s for s in world.transport.sent if "ms@example.org" in s.to)
    served = Served(
        paths=(tmp_path / "course.toml",), loader=lambda: [course], store=world.store, context=world.context
    )
    app = make_app(served, world.plugins)

    def get(address: str) -> httpx.Response:
        async def ask() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SERVE) as client:
                return await client.get(address.removeprefix(SERVE))

        return asyncio.run(ask())

    first = _address(mine.message)
    answer = get(first)
    assert answer.status_code == 200
    events = list(icalendar.Calendar.from_ical(answer.content).walk("VEVENT"))
    rooms = world.store.classrooms(course.id)
    assert [str(e["SUMMARY"]) for e in events] == ["Session 2 (Trade policy course)"]  # ms trains only s02
    assert rooms["s02"].classroom.join_url_for("ms") in answer.text.replace("\r\n ", "")
    world.store.revoke_feed_tokens(course.id, "ms")
    assert get(first).status_code == 404
    world.transport.sent.clear()
    _syncer(world, course).apply()
    (again,) = world.transport.sent
    assert get(_address(again.message)).status_code == 200
