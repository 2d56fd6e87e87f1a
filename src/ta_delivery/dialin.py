"""Dial-in details for people joining by phone: which numbers to show whom, and one-tap ``tel:`` links.

Pure functions over :class:`~ta_delivery.records.DialIn`: no I/O. Invitations show the numbers of the
recipient's own country first (a local call is what a participant on a poor connection can afford), then a
short list of others, so that a message stays small even when a provider lists a hundred numbers.
"""

from __future__ import annotations

import re
from functools import cache

from .records import DialIn, PhoneNumber

__all__ = ["OTHERS", "country_from_label", "dial_string", "numbers_for", "tel_uri"]

#: How many numbers of other countries an invitation lists after the recipient's own.
OTHERS = 3
#: How many numbers of the recipient's own country are listed at most.
OWN = 3

_NOT_DIAL = re.compile(r"[^0-9+]")


def numbers_for(dial_in: DialIn, country: str | None) -> tuple[PhoneNumber, ...]:
    """The numbers to show someone in ``country``: theirs first (toll-free before toll), then up to
    :data:`OTHERS` numbers of other countries in the provider's order, one per country."""
    own: list[PhoneNumber] = []
    others: list[PhoneNumber] = []
    seen: set[str | None] = set()
    wanted = country.upper() if country else None
    for number in dial_in.numbers:
        if wanted is not None and number.country == wanted:
            own.append(number)
        elif number.country not in seen and len(others) < OTHERS:
            seen.add(number.country)
            others.append(number)
    own.sort(key=lambda n: not n.toll_free)
    return (*own[:OWN], *others)


def dial_string(number: PhoneNumber, dial_in: DialIn) -> str:
    """What a phone dials for one-tap joining: the number's digits, then the provider's suffix."""
    digits = _NOT_DIAL.sub("", number.number)
    return digits + (dial_in.one_tap or "")


def tel_uri(number: PhoneNumber, dial_in: DialIn) -> str:
    """An RFC 3966 ``tel:`` URI that dials ``number`` and, where the provider allows, the meeting number
    and passcode too (``#`` written ``%23``, as the URI syntax requires)."""
    return "tel:" + dial_string(number, dial_in).replace("#", "%23")


@cache
def _territories() -> dict[str, str]:
    from babel import Locale

    names: dict[str, str] = {}
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha():
            names[name.casefold()] = code
    # the short forms providers write in labels
    names.update({"us": "US", "usa": "US", "uk": "GB", "united states of america": "US"})
    return names


def country_from_label(label: str | None) -> str | None:
    """The ISO country a provider's label names (``"United States Toll"`` → ``US``), or ``None``."""
    if not label:
        return None
    words = re.sub(r"[^\w\s]", " ", label).casefold().split()
    names = _territories()
    # the longest run of leading words that is a country name wins ("United Kingdom Toll Free")
    for end in range(len(words), 0, -1):
        code = names.get(" ".join(words[:end]))
        if code:
            return code
    return None
