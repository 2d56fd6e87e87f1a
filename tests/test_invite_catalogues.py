"""The message catalogues: every sentence in code is in the template, translated in fr and es, with the
same placeholders, and the catalogues are what the running code reads."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from ta_delivery.invites import i18n
from ta_delivery.invites.i18n import LOCALE_DIR, po_path, translations

SOURCES = [
    Path(i18n.__file__).with_name(name) for name in ("content.py", "i18n.py", "recording.py", "welcome.py")
]
#: The public catalogue's words live in the same catalogues: its Python labels and its Jinja2 templates.
CATALOGUE = Path(i18n.__file__).parents[1] / "catalogue"
SOURCES.append(CATALOGUE / "site.py")
TEMPLATES = sorted((CATALOGUE / "templates").iterdir())


def code_msgids() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        for _lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords={"_": None}
        ):
            assert isinstance(message, str)
            found.add(message)
    for path in TEMPLATES:
        for _lineno, message, _comments, _context in extract_from_file(
            "jinja2.ext:babel_extract", str(path), keywords={"_": None}
        ):
            assert isinstance(message, str)
            found.add(message)
    return found


def template_msgids() -> set[str]:
    with (LOCALE_DIR / "ta_delivery.pot").open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id and isinstance(m.id, str)}


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_template_matches_the_code() -> None:
    assert code_msgids() == template_msgids()


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_catalogue_is_complete_with_matching_placeholders(language: str) -> None:
    with po_path(language).open("rb") as fh:
        catalog = read_po(fh, locale=language)
    ids = {m.id: m.string for m in catalog if m.id}
    assert set(ids) == template_msgids()
    for msgid, msgstr in ids.items():
        assert isinstance(msgid, str)
        assert isinstance(msgstr, str)
        if language == "en":
            assert msgstr in ("", msgid)  # English falls back to the msgid
            continue
        assert msgstr, f"{language}: {msgid!r} is untranslated"
        assert fields(msgstr) == fields(msgid), (language, msgid)
        assert not catalog[msgid].fuzzy


def test_running_code_reads_the_po_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A translator's edit in a copy of the catalogues shows up without any build step.
    edited = tmp_path / "locale"
    for src in LOCALE_DIR.rglob("*.po"):
        dst = edited / src.relative_to(LOCALE_DIR)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(
            re.sub(
                r'msgstr "Rejoindre\u00a0: \{url\}"',
                'msgstr "Se connecter\u00a0: {url}"',
                src.read_text("utf-8"),
            ),
            encoding="utf-8",
        )
    monkeypatch.setattr(i18n, "LOCALE_DIR", edited)
    translations.cache_clear()
    try:
        assert translations("fr").gettext("Join: {url}") == "Se connecter\u00a0: {url}"
    finally:
        monkeypatch.undo()
        translations.cache_clear()
    assert translations("fr").gettext("Join: {url}") == "Rejoindre\u00a0: {url}"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no catalogue"):
        translations("de")
