"""Look before creating: what a remote system already holds is found before a create is sent again.

Two places of a provider need it (decisions 0090, 0091, 0144): a create whose answer was lost or a 5xx
(:func:`send_checked` looks the result up before sending again), and a store that has never seen a
classroom (:func:`first_marked` finds the remote items carrying our marks in one listing). Providers
import both through :mod:`ta_delivery.plugin`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from .clock import Clock
from .errors import Unavailable
from .http import HttpApi

__all__ = ["CHECKED_ATTEMPTS", "first_marked", "send_checked"]

log = logging.getLogger(__name__)

#: How often a non-idempotent call is sent when its answer is lost or a 5xx (looking it up in between).
CHECKED_ATTEMPTS = 3

T = TypeVar("T")
Item = TypeVar("Item", bound=Mapping[str, object])


def send_checked(
    send: Callable[[], T],
    look: Callable[[], T | None],
    *,
    what: str,
    api: HttpApi,
    clock: Clock,
    attempts: int = CHECKED_ATTEMPTS,
) -> T:
    """Send a non-idempotent request; after a 5xx or a lost answer, look the result up first.

    The remote system may have acted on a request whose answer never came: what ``look`` finds is the
    result (no duplicate); when it finds nothing the request is sent again, at most ``attempts`` times in
    all, waiting ``api``'s backoff in between. A failing ``look`` raises: never send again without looking.
    """
    for attempt in range(1, attempts + 1):
        try:
            return send()
        except Unavailable as exc:
            if attempt == attempts:
                raise
            log.info("%s: %s failed (%s); checking whether it took effect", api.provider, what, exc.message)
            found = look()
            if found is not None:
                return found
            clock.sleep(api.policy.backoff(attempt, api.rng))
    raise AssertionError("unreachable")  # pragma: no cover


def first_marked(
    listing: Iterable[Item],
    keys: Iterable[str],
    marked: Callable[[Item, str], bool],
    *,
    expand: Callable[[Item], Item | None] | None = None,
    stop_early: bool = True,
) -> dict[str, Item]:
    """Key -> the first listed item carrying its mark, reading ``listing`` once.

    ``expand`` fetches the whole item when a listing may shorten the field that holds the mark (Zoom
    truncates agendas); it is asked only for items no key matched, and ``None`` means the item is gone.
    With ``stop_early`` the listing is left as soon as every key is found.
    """
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Item] = {}

    def match(item: Item) -> str | None:
        return next((k for k in wanted if k not in found and marked(item, k)), None)

    for item in listing:
        key = match(item)
        if key is None and expand is not None:
            full = expand(item)
            if full is not None:
                key = match(full)
                item = full if key is not None else item
        if key is not None:
            found[key] = item
            if stop_early and len(found) == len(wanted):
                break
    return found
