"""Where each key of a TOML document is written: the line to put in an error message.

``tomllib`` gives values, not positions, so this scans the text once, following table headers
(``[rules]``, ``[[sessions]]``) and ``key =`` lines, and maps key paths such as ``sessions[2].start`` to
the line they are on. It is a best effort for messages only: it never decides whether a file is valid.
"""

from __future__ import annotations

import re

__all__ = ["KeyLines"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_INDEX = re.compile(r"\[\d+\]$")


def _parts(dotted: str) -> list[str]:
    return [
        part.strip().strip("\"'") for part in re.split(r"\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)", dotted)
    ]


class KeyLines:
    """Key path -> 1-based line number, for the keys and tables written in ``text``."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        self.repeated: list[tuple[str, int]] = []  # (key path, line) written a second time
        counts: dict[str, int] = {}
        prefix = ""
        depth = 0  # open brackets/braces of a value that spans lines
        quote: str | None = None  # an open multi-line string's delimiter
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw
            if quote is not None:
                if quote in line:
                    line = line.split(quote, 1)[1]
                    quote = None
                else:
                    continue
            if depth == 0:
                header = _HEADER.match(line)
                if header and not _KEY.match(line):
                    names = _parts(header.group(2))
                    if header.group(1) == "[[":
                        path = self._path(names[:-1], counts)
                        array = ".".join(filter(None, [path, names[-1]]))
                        index = counts.get(array, 0)
                        counts[array] = index + 1
                        prefix = f"{array}[{index}]"
                    else:
                        prefix = self._path(names, counts)
                    self._note(prefix, number)
                    continue
                key = _KEY.match(line)
                if key:
                    path = ".".join(filter(None, [prefix, *_parts(key.group(1))]))
                    self._note(path, number)
                    line = line[key.end() :]
            depth, quote = self._scan(line, depth)

    @staticmethod
    def _path(names: list[str], counts: dict[str, int]) -> str:
        """A header's path, with the current element of any array of tables it passes through."""
        out: list[str] = []
        for name in names:
            here = ".".join([*out, name]) if out else name
            out.append(f"{name}[{counts[here] - 1}]" if counts.get(here) else name)
        return ".".join(out)

    def _note(self, path: str, number: int) -> None:
        if path in self.lines:
            self.repeated.append((path, number))
        else:
            self.lines[path] = number

    @staticmethod
    def _scan(line: str, depth: int) -> tuple[int, str | None]:
        """Bracket depth after ``line``, and the delimiter of a multi-line string left open."""
        i = 0
        while i < len(line):
            char = line[i]
            if char == "#":
                break
            if line.startswith(('"""', "'''"), i):
                delim = line[i : i + 3]
                end = line.find(delim, i + 3)
                if end < 0:
                    return depth, delim
                i = end + 3
                continue
            if char in "\"'":
                end = i + 1
                while end < len(line) and line[end] != char:
                    end += 2 if char == '"' and line[end] == "\\" else 1
                i = end + 1
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth = max(0, depth - 1)
            i += 1
        return depth, None

    def find(self, key: str | None) -> int | None:
        """The line of ``key``, else of the nearest enclosing key or table written in the file."""
        path = key or ""
        while path:
            if path in self.lines:
                return self.lines[path]
            if _INDEX.search(path):
                path = _INDEX.sub("", path)
                if path in self.lines:  # ``trainers[1]`` inside ``trainers = [...]``
                    return self.lines[path]
                continue
            path = path.rpartition(".")[0]
        return None
