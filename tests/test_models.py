"""Model validation that the course reader and plugins rely on."""

from __future__ import annotations

import importlib.resources
from datetime import UTC, datetime

import pytest
import tzdata

from ta_delivery.models import Participant, WorkingHours, is_email, known_zones, zone


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.org",
        "o'brien@example.org",
        "first.last+tag@sub.example.org",
        "josé@example.org",
        "a_b@x.io",
    ],
)
def test_addresses_we_accept(address: str) -> None:
    assert is_email(address)
    Participant(id="p", name="P", email=address, timezone="UTC")


@pytest.mark.parametrize(
    "address",
    [
        "ana",
        "ana@localhost",
        "a b@example.org",
        "a,b@example.org",
        '"quoted"@example.org',
        "<ana@example.org>",
        ".ana@example.org",
        "ana.@example.org",
        "an..a@example.org",
        "ana@example.org\r\nBcc: x@example.org",
        "ana@-example.org",
        "x" * 250 + "@example.org",
    ],
)
def test_addresses_we_refuse(address: str) -> None:
    assert not is_email(address)
    with pytest.raises(ValueError, match="email"):
        Participant(id="p", name="P", email=address, timezone="UTC")


def test_working_hours_to_midnight() -> None:
    hours = WorkingHours.parse("08:00-24:00")
    assert str(hours) == "08:00-24:00"
    with pytest.raises(ValueError, match="HH:MM"):
        WorkingHours.parse("24:00-24:30")
    with pytest.raises(ValueError, match="start before"):
        WorkingHours.parse("18:00-08:00")


@pytest.mark.parametrize(
    "name", ["localtime", "posixrules", "posix/UTC", "right/UTC", "Factory", "Etc/../UTC", ""]
)
def test_machine_files_that_are_not_iana_zones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="is not an IANA time zone"):
        zone(name)


def test_zones_come_from_the_pinned_tzdata_release() -> None:
    listed = importlib.resources.files("tzdata").joinpath("zones").read_text().split()
    assert known_zones() == set(listed) - {"Factory"}
    assert {"America/St_Johns", "Pacific/Chatham", "US/Eastern", "UTC"} <= known_zones()
    berlin = zone("Europe/Berlin")
    assert berlin.key == "Europe/Berlin" and zone("Europe/Berlin") is berlin
    assert datetime(2027, 3, 28, 1, 0, tzinfo=UTC).astimezone(berlin).hour == 3  # DST starts at 01:00 UTC
    assert tzdata.IANA_VERSION  # the release the results depend on, whatever the machine has
