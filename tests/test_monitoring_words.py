"""The monitoring reports' words: every word in every working language, read from the shipped table."""

from __future__ import annotations

from ta_delivery.models import LANGUAGES
from ta_delivery.monitoring.words import word, words


def test_every_word_is_in_every_working_language() -> None:
    table = words()
    assert table, "words.toml is shipped and read"
    for key, entry in table.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(text.strip() for text in entry.values()), key


def test_a_word_in_each_language_and_english_for_any_other() -> None:
    assert word("activity_report", "en") == "Activity report"
    assert word("activity_report", "fr") == "Rapport d'activité"
    assert word("ldc", "es") == "Países menos adelantados"
    assert word("yes", "de") == "yes"
