"""Turn one cell of an evaluation file into an answer, or say why it is not one. Pure."""

from __future__ import annotations

import re

from .model import Question

__all__ = ["parse_answer"]

# "5", "5.0", "(5) Very good", "5 - Very good", "5 = agree", "5. Excellent": survey tools write the
# scale point first, then maybe its label.
_SCALE = re.compile(r"^\(?\s*(\d+)(?:[.,]0+)?\s*\)?(?:\s*[-\u2013:=.)]\s*[^\d\s].*|\s+[^\d\s].*)?$", re.S)


def parse_answer(question: Question, raw: str) -> int | str:
    """The answer ``raw`` gives to ``question``: an int 1-5, one of the options, or the text.

    ``ValueError`` (with a message for the user) when the value is outside the scale or the options.
    """
    value = raw.strip()
    if question.type == "scale":
        m = _SCALE.match(value)
        number = int(m.group(1)) if m else None
        if number is None or not 1 <= number <= 5:
            raise ValueError(f"{value!r} is not on the scale 1 to 5")
        return number
    if question.type == "choice":
        if value in question.options:
            return value
        folded = {o.casefold(): o for o in question.options}
        if value.casefold() in folded:
            return folded[value.casefold()]
        raise ValueError(f"{value!r} is not one of the options ({', '.join(question.options)})")
    return value
