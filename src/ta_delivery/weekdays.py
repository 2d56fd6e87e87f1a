"""Days of the week: the ``working_days`` grammar of PRODUCT.md section 1 and weekday sets.

``mon,wed,fri`` lists days; ``sun-thu`` is a range that runs forward through the week and may wrap past
Sunday (``fri-mon`` is Friday to Monday, ``mon-sun`` every day). Day names are the three-letter English
ones, in any case. Weekdays are numbered as :meth:`datetime.date.weekday` does: Monday 0, Sunday 6.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from .values import Value

__all__ = ["DAY_NAMES", "WorkingDays", "day_number"]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def day_number(name: str) -> int:
    """The weekday number of a three-letter day name (any case); ``ValueError`` naming it otherwise."""
    key = name.strip().lower() if isinstance(name, str) else ""
    if key in DAY_NAMES:
        return DAY_NAMES.index(key)
    if key in _FULL:
        hint = f" (write {key[:3]!r})"
    else:
        close = _close(key, DAY_NAMES, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"{name!r} is not a day: use mon, tue, wed, thu, fri, sat or sun{hint}")


def _check_days(_inst: object, _attribute: object, value: frozenset[int]) -> None:
    if not value or not value <= frozenset(range(7)):
        raise ValueError("working days must name at least one day of the week")


@attrs.frozen(repr=False, eq=False)
class WorkingDays(Value):
    """The local weekdays on which someone can attend live sessions."""

    days: frozenset[int] = attrs.field(validator=_check_days)

    @classmethod
    def parse(cls, text: str) -> WorkingDays:
        """Read ``mon,wed,fri`` or a range such as ``sun-thu``; ``ValueError`` with the reason."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("working days must not be empty (for example mon-fri or mon,wed,fri)")
        days: set[int] = set()
        for part in text.split(","):
            if not part.strip():
                raise ValueError(f"{text!r} has an empty day between commas")
            first, dash, last = part.partition("-")
            if dash:
                days.update(_forward(day_number(first), day_number(last)))
            else:
                days.add(day_number(first))
        return cls(frozenset(days))

    @classmethod
    def of(cls, days: Iterable[int]) -> WorkingDays:
        """The set of ``days`` (weekday numbers)."""
        return cls(frozenset(days))

    def allows(self, day: date) -> bool:
        """Whether ``day`` (a local date) falls on one of these weekdays."""
        return day.weekday() in self.days

    def __contains__(self, weekday: object) -> bool:
        return weekday in self.days

    def __str__(self) -> str:
        if len(self.days) == 7:
            return "mon-sun"
        for start in range(7):  # one forward run, wrapping or not, of three days or more
            run = _forward(start, (start + len(self.days) - 1) % 7)
            if len(self.days) >= 3 and set(run) == self.days and (start - 1) % 7 not in self.days:
                return f"{DAY_NAMES[start]}-{DAY_NAMES[run[-1]]}"
        return ",".join(DAY_NAMES[d] for d in sorted(self.days))


def _forward(first: int, last: int) -> list[int]:
    """The days from ``first`` to ``last`` going forward through the week (wrapping past Sunday)."""
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


#: Monday to Friday, the default of ``rules.working_days``.
MON_FRI = WorkingDays(frozenset(range(5)))


def _close(word: str, choices: list[str] | tuple[str, ...], *, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """``difflib.get_close_matches``, imported only when a suggestion is needed (startup stays light)."""
    import difflib

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)
