"""The engine's text tests (rule triggers), one DFA pass each with RE2, Python's `re` without it.

Two questions are asked of every file that passes the prefilter, before and beside its `ast`
parse:

- which rules' `TRIGGER` patterns occur in it (`TriggerSet.matching`): an RE2 set matches all
  of them in one pass, about 0.01 ms on a 4 kB file where nineteen `re` searches take 1.1 ms;
- on which lines the union of those patterns (or an import) occurs (`LineFinder.lines`), so
  that only those top-level statements are walked: `re.finditer` with a long alternation
  tries every alternative at every position, 1.5 ms on the same file.

RE2's `\\b`, `\\w` and `\\s` are ASCII-only where Python's are Unicode-aware. For triggers that
only widens `\\b` (a boundary next to a non-ASCII letter) and narrows `\\w`/`\\s` to what
Python code uses around API names anyway; tests/test_textscan.py runs both engines side by
side. Without google-re2 (no wheel for the platform) everything here runs on `re`.
"""

from __future__ import annotations

import bisect
import re
from typing import Sequence

try:
    import re2
except ImportError:  # pragma: no cover - google-re2 has wheels for the usual platforms
    re2 = None

_NEWLINE_BYTES = re.compile(rb"\r\n|\r|\n")
_NEWLINE_TEXT = re.compile(r"\r\n|\r|\n")


class TriggerSet:
    """Which of `patterns` occur somewhere in a text."""

    def __init__(self, patterns: Sequence[str], engine: str | None = None):
        self.patterns = tuple(patterns)
        self.engine = engine or ("re2" if re2 is not None else "re")
        if self.engine == "re2":
            self._set = re2.Set.SearchSet()
            for pattern in self.patterns:
                self._set.Add(pattern)
            self._set.Compile()
        else:
            self._compiled = [re.compile(p) for p in self.patterns]

    def matching(self, text: str) -> frozenset[int]:
        """Indexes (into `patterns`) of the patterns found in `text`."""
        if self.engine == "re2":
            return frozenset(self._set.Match(text) or ())  # None when nothing matches
        return frozenset(i for i, pattern in enumerate(self._compiled) if pattern.search(text))


class LineFinder:
    """The lines (1-based, ascending, each once per match) where a match of `pattern` starts."""

    def __init__(self, pattern: str, engine: str | None = None):
        self.pattern = pattern
        self.engine = engine or ("re2" if re2 is not None else "re")
        if self.engine == "re2":
            self._compiled = re2.compile(pattern.encode("utf-8"))
        else:
            self._compiled = re.compile(pattern)

    def lines(self, text: str) -> list[int]:
        if self.engine == "re2":  # byte offsets of the UTF-8 text: lines are the same
            data = text.encode("utf-8", "surrogatepass")
            newline = _NEWLINE_BYTES
        else:
            data = text
            newline = _NEWLINE_TEXT
        starts = [0, *(match.end() for match in newline.finditer(data))]
        return [bisect.bisect_right(starts, match.start()) for match in self._compiled.finditer(data)]
