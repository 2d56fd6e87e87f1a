"""The few words of the monitoring reports in the three working languages.

They live in ``words.toml`` beside this module (a table per word, a line per language), so that a translator
edits data, not code.
"""

from __future__ import annotations

import functools
import importlib.resources
import tomllib

__all__ = ["word", "words"]


@functools.cache
def words() -> dict[str, dict[str, str]]:
    """Every word: {key: {language: text}}, read once from the shipped ``words.toml``."""
    text = importlib.resources.files(__package__).joinpath("words.toml").read_text(encoding="utf-8")
    table: dict[str, dict[str, str]] = tomllib.loads(text)
    return table


def word(key: str, language: str) -> str:
    """``key`` in ``language`` (English where a word is missing)."""
    entry = words()[key]
    return entry.get(language) or entry["en"]
