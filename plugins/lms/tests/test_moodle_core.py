"""The Moodle LMS through the core's plan/apply (sync.Syncer), with the state store and the outbox."""

from __future__ import annotations

from pathlib import Path

from fake_moodle import Running
from moodle_course import NOW, make_course

from ta_delivery.clock import FakeClock
from ta_delivery.context import RunContext
from ta_delivery.models import LmsSettings
from ta_delivery.plugins import make_plugin_manager
from ta_delivery.settings import Settings
from ta_delivery.store import Store
from ta_delivery.sync import Syncer


def test_plan_apply_with_prerequisites_required(
    moodle: Running, env: dict, tmp_path: Path, ta_delivery_state_store: Store
) -> None:
    site = moodle.site
    elearning = site.add_course("mta-elearning")
    ana = site.add_user("ana", "ana@example.org")
    site.enrol_user(elearning, ana)
    site.completions[(elearning, ana)] = True
    course = make_course(
        prerequisites=("mta-elearning",),
        lms=LmsSettings("moodle", "rtpc-2020", require_prerequisites=True),
    )
    context = RunContext(
        settings=Settings({**env, "TA_DELIVERY_OUTBOX": str(tmp_path / "outbox")}),
        clock=FakeClock(NOW),
        base_dir=tmp_path,
        state_factory=ta_delivery_state_store.namespace,
    )
    syncer = Syncer(course, ta_delivery_state_store, make_plugin_manager(), context, workers=1)
    plan = syncer.plan().to_json()
    assert plan["prerequisites"] == {"jm-01": True, "tt-02": False, "bb-03": False}
    assert "tt-02 has not completed the prerequisites and is not invited" in plan["notes"]
    assert {
        "kind": "lms",
        "action": "create",
        "target": "course rtpc-2020",
        "detail": "in category 7",
    } in plan["lms"]
    assert site.writes == []

    result = syncer.apply()
    lms = [i for i in result.items if i.kind == "lms"]
    assert lms and all(i.ok for i in lms)
    invited = {i.target.split("/")[1] for i in result.items if i.kind == "invite"}
    assert "jm-01" in invited and not invited & {"tt-02", "bb-03"}

    again = Syncer(course, ta_delivery_state_store, make_plugin_manager(), context, workers=1)
    assert again.plan().to_json()["lms"] == []
    assert [i for i in again.apply().items if i.kind == "lms"] == []
