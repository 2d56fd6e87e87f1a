"""The core's LMS contract kit, run against the moodle LMS on the fake Moodle site over loopback."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from fake_moodle import FakeMoodle, Running, serve
from moodle_course import NOW, make_course

from ta_delivery.models import Course
from ta_delivery.testing.contract import LmsContract


class TestMoodleContract(LmsContract):
    lms_name = "moodle"
    now = NOW

    def backend(self) -> httpx.BaseTransport | None:
        self.running: Running = serve(FakeMoodle(now=int(NOW.timestamp())))
        return None  # real HTTP to the loopback site

    def close_backend(self) -> None:
        self.running.stop()

    def settings(self) -> Mapping[str, str]:
        return {
            "TA_DELIVERY_MOODLE_URL": self.running.url + "/",
            "TA_DELIVERY_MOODLE_TOKEN": self.running.site.token,
            "TA_DELIVERY_MOODLE_CATEGORY_ID": "7",
        }

    def course(self) -> Course:
        return make_course()
