"""The checks on the domain records' fields (attrs validators), and :func:`is_email`.

Each raises ``ValueError`` saying what is wrong, which the course-file reader turns into an error
naming the file and key.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import attrs

from .zones import zone

__all__ = [
    "check_course_id",
    "check_email",
    "check_id",
    "check_text",
    "check_utc",
    "check_zone",
    "is_email",
]

_ID = re.compile(r"^[a-z0-9-]{1,64}$")
# RFC 5322 dot-atom local part (atext and dots; non-ASCII letters allowed, RFC 6531) and a DNS host name.
# The local part's class is written as what it excludes (ASCII controls, space, DEL and ``"(),:;<>@[\]``):
# the same characters as ``[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\u0080-\U0010ffff-]`` (checked over every code
# point in tests/test_cli_startup.py), but compiled in well under a millisecond instead of ~10 ms at start.
_EMAIL = re.compile(
    r"^[^\x00-\x20\"(),:;<>@\[\\\]\x7f]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def check_zone(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    zone(value)


def is_email(value: object) -> bool:
    """Whether ``value`` is an email address we can write into an invitation (``o'brien@example.org``
    yes; quoted local parts, spaces, commas, angle brackets no)."""
    if not isinstance(value, str) or len(value) > 254 or not _EMAIL.match(value):
        return False
    local = value.rpartition("@")[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


def check_email(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not is_email(value):
        raise ValueError(f"{value!r} is not an email address")


def check_utc(_inst: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{attribute.name} must be a UTC datetime, got {value!r}")


def check_text(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty string")


def check_id(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 64 or any(c.isspace() for c in value):
        raise ValueError(f"{attribute.name} must be 1-64 characters without spaces, got {value!r}")


def check_course_id(value: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError("course id must be 1-64 characters of a-z, 0-9 and '-'")
