"""Column headings of attendance exports, in the languages the providers' portals write them.

A heading is classified by the words it contains (``Join Time``, ``Heure d'arrivée``, ``Hora de entrada``,
``Beitrittszeit``, ``参加時刻``, ...), never by its exact spelling, because portals change their wording more
often than their layout. Where a heading repeats (Zoom's usage report has ``User Email`` for the host and
then for the participant), :func:`section_columns` maps it by position within the participant's section.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["classify", "normalize", "section_columns"]

#: kind -> words (after :func:`normalize`) that make a heading that kind, checked in this order (leave before
#: join: "Heure de déconnexion" contains "connexion").
_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("waiting", ("waiting room", "salle d'attente", "sala de espera", "warteraum", "待機室")),
    (
        "leave",
        (
            "leave",
            "left",
            "exited",
            "last seen",
            "heure de depart",
            "deconnexion",
            "hora de salir",
            "ora di uscita",
            "uscita",
            "離開",
            "离开",
            "heure de sortie",
            "hora de salida",
            "hora de saida",
            "horario de saida",
            "verlass",
            "austritt",
            "退出",
            "退室",
            "나간 시간",
        ),
    ),
    (
        "join",
        (
            "join",
            "first seen",
            "arrivee",
            "heure d'entree",
            "connexion",
            "hora de entrada",
            "hora de ingreso",
            "hora de union",
            "unirse",
            "ora di ingresso",
            "ingresso",
            "加入",
            "horario de entrada",
            "beitritt",
            "eintritt",
            "参加時刻",
            "参加時間",
            "入室",
            "참가 시간",
        ),
    ),
    (
        "duration",
        ("duration", "duree", "duracion", "duracao", "dauer", "所要時間", "時間（分）", "기간", "minutes"),
    ),
    ("email", ("email", "e-mail", "mail", "correo", "メール", "이메일")),
    (
        "name",
        ("name", "nom", "nombre", "nome", "participant", "attendee", "名前", "氏名", "이름", "teilnehmer"),
    ),
    ("session", ("session",)),
)


def normalize(cell: str) -> str:
    """A heading for comparison: no BOM, quotes or accents, spaces collapsed, lower case."""
    text = cell.replace("\ufeff", "").strip().strip('"').lower()
    text = text.replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    # keep CJK as is (NFKD would split some kana), drop only combining accents of Latin letters
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", plain).split())


def classify(cell: str) -> str | None:
    """The kind of a heading: ``join``, ``leave``, ``duration``, ``email``, ``name``, ``waiting``,
    ``session`` or None."""
    label = normalize(cell)
    if not label:
        return None
    if label in ("session", "ta-delivery session"):
        return "session"
    for kind, words in _WORDS:
        if kind == "session":
            continue
        if any(word in label for word in words):
            return kind
    return None


def section_columns(heading: Sequence[str]) -> dict[str, int] | None:
    """Kind -> column of the participant section of ``heading``, or None without join and leave columns.

    The section starts at the last name column before the first join column (Zoom's usage report puts the
    meeting's host, with its own ``User Email``, before it); an email column counts only inside it.
    """
    kinds = [classify(c) for c in heading]
    if "join" not in kinds:
        return None
    join = kinds.index("join")
    leave = next((i for i in range(join + 1, len(kinds)) if kinds[i] == "leave"), None)
    if leave is None:
        return None
    names = [i for i in range(join) if kinds[i] == "name"]
    start = names[-1] if names else 0
    found: dict[str, int] = {"join": join, "leave": leave}
    if names:
        found["name"] = start
    email = next((i for i in range(start, join) if kinds[i] == "email"), None)
    if email is None:
        email = next((i for i in range(leave + 1, len(kinds)) if kinds[i] == "email"), None)
    if email is not None:
        found["email"] = email
    duration = next((i for i in range(leave + 1, len(kinds)) if kinds[i] == "duration"), None)
    if duration is None:
        duration = next((i for i in range(start, join) if kinds[i] == "duration"), None)
    if duration is not None:
        found["duration"] = duration
    for kind in ("waiting", "session"):
        if kind in kinds:
            found[kind] = kinds.index(kind)
    if "name" not in found:
        after = next((i for i in range(leave + 1, len(kinds)) if kinds[i] == "name"), None)
        if after is not None:
            found["name"] = after
    return found
