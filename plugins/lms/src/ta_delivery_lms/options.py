"""The Moodle plugin's settings (``TA_DELIVERY_MOODLE_*``) and its extra ``[lms]`` keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ta_delivery.errors import InputError
from ta_delivery.settings import Secret, Settings, positive_number
from ta_delivery.settings import url as checked_url

__all__ = [
    "ACRONYMS",
    "DEFAULT_STUDENT_ROLE",
    "DEFAULT_TEACHER_ROLE",
    "LmsOptions",
    "MoodleSettings",
    "parse_options",
]

NAME = "moodle"
#: Moodle's default role ids on a fresh site (used only when the site does not tell us).
DEFAULT_TEACHER_ROLE = 3  # editingteacher
DEFAULT_STUDENT_ROLE = 5  # student
#: The acronyms of mod_attendance's default status set.
ACRONYMS = ("P", "L", "E", "A")


def _positive_int(settings: Settings, key: str) -> int | None:
    return positive_number(settings.get(NAME, key), source=Settings.variable(NAME, key), whole=True)


@attrs.frozen
class MoodleSettings:
    """Where the Moodle site is and how to reach it. The token is a :class:`Secret`."""

    url: str
    token: Secret
    category_id: int | None = None
    teacher_role_id: int | None = None
    student_role_id: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> MoodleSettings:
        """Read and check ``TA_DELIVERY_MOODLE_URL``, ``_TOKEN``, ``_CATEGORY_ID`` and the role ids."""
        url = settings.get(NAME, "url")
        if url is None:
            raise InputError("is not set: the Moodle site's root URL", source=Settings.variable(NAME, "url"))
        site = checked_url(url, source=Settings.variable(NAME, "url"), site=True)
        token = settings.secret(NAME, "token")
        if token is None:
            raise InputError(
                "is not set: a web-service token of the Moodle site", source=Settings.variable(NAME, "token")
            )
        return cls(
            url=site,
            token=token,
            category_id=_positive_int(settings, "category_id"),
            teacher_role_id=_positive_int(settings, "teacher_role_id"),
            student_role_id=_positive_int(settings, "student_role_id"),
        )


@attrs.frozen
class LmsOptions:
    """Moodle's own keys of the ``[lms]`` table.

    ``partial``: the register acronym a ``partial`` attendance is pushed as (``A`` by default).
    ``register``: the name of the attendance activity created in the course.
    """

    partial: str = "A"
    register: str = "Attendance (live sessions)"


def parse_options(options: Mapping[str, Any]) -> LmsOptions:
    """Validate the extra ``[lms]`` keys; an unknown key or bad value is an :class:`InputError`."""
    values: dict[str, str] = {}
    for key, value in options.items():
        if key == "partial":
            if not isinstance(value, str) or value.strip().upper() not in ACRONYMS:
                raise InputError(f"must be one of {', '.join(ACRONYMS)}", key="lms.partial")
            values["partial"] = value.strip().upper()
        elif key == "register":
            if not isinstance(value, str) or not value.strip() or len(value) > 255:
                raise InputError("must be a name of 1-255 characters", key="lms.register")
            values["register"] = value.strip()
        else:
            raise InputError("unknown key for the moodle LMS", key=f"lms.{key}")
    return LmsOptions(**values)
