"""The code of a rewritten module: the file's own text for every top-level statement no rule
changed, LibCST's code generation for the rest.

LibCST generates code token by token, about 10 ms for a 4 kB file, and a full `Module.code`
pays that for every statement although a migration changes a few. Trees are immutable, so a
top-level statement that is still the very object the parse produced (no rule visited it),
or one that a pass visited without recording a change (`FileContext.unchanged`, kept by
`Rule.on_leave`), has the text it had in the file.

That text is cut from the file along LibCST's own statement boundaries: a top-level
statement owns whole lines, from its `leading_lines` (blank and comment lines above it) down
to the line before the next statement's leading lines; the module's header and footer own
the rest. Where the boundaries cannot be worked out with confidence (no `ast` span for a
statement, a file without a final newline, ...), `OriginalText.of` returns None and the whole
module is generated as before.

`FW_MIGRATE_CHECK_SPLICE=1` (set by the test suite and the corpus harness) checks every
splice (`OriginalText.check`) and fails loudly on a difference.

A side effect worth having: LibCST does not reproduce every file byte for byte (its code
generation drops the space in `except OSError :`), so before this, rewriting one call in a
file also "fixed" such spots elsewhere in it; now only changed statements are regenerated.
"""

from __future__ import annotations

import os
import re

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class SpliceMismatch(Exception):
    """A splice failed its check (only raised with FW_MIGRATE_CHECK_SPLICE=1)."""


class OriginalText:
    """The text of each top-level statement of the module as parsed from `text`."""

    def __init__(self, pieces: dict[int, str], keep: list):
        self.pieces = pieces  # id(original statement) -> its text
        self._keep = keep  # the original statements: their ids stay theirs

    @classmethod
    def of(cls, module, text: str, spans: dict[int, tuple[int, int, int]]) -> OriginalText | None:
        if not module.has_trailing_newline or not module.body:
            return None
        lines = _LINE_RE.findall(text)
        starts = []
        for stmt in module.body:
            span = spans.get(id(stmt))
            if span is None:
                return None
            start = span[0] - len(stmt.leading_lines)  # 1-based
            if starts and start <= starts[-1]:
                return None
            starts.append(start)
        end = len(lines) - len(module.footer)  # last line of the last statement
        if starts[0] != len(module.header) + 1 or end < starts[-1]:
            return None
        bounds = [*starts, end + 1]
        pieces = {id(stmt): "".join(lines[bounds[i] - 1:bounds[i + 1] - 1]) for i, stmt in enumerate(module.body)}
        return cls(pieces, list(module.body))

    def code(self, module, clean: dict[int, int]) -> str:
        """`module.code`, with the original text for statements in `clean` (id -> original id)."""
        parts = [module.code_for_node(line) for line in module.header]
        for stmt in module.body:
            original = clean.get(id(stmt))
            parts.append(self.pieces[original] if original is not None else module.code_for_node(stmt))
        parts.extend(module.code_for_node(line) for line in module.footer)
        code = "".join(parts)
        if os.environ.get("FW_MIGRATE_CHECK_SPLICE"):
            self.check(module, clean)
        return code

    def check(self, module, clean: dict[int, int]) -> None:
        """Every statement taken as clean generates the same code as its original, and (where
        LibCST reproduces the file exactly) every cut piece is what LibCST generates for it.

        Not `code == module.code`: LibCST does not reproduce every file (it drops the space of
        `except OSError :`), and there the splice keeps the user's bytes where a full code
        generation would not.
        """
        nodes = {id(stmt): stmt for stmt in self._keep}
        for stmt in module.body:
            original = clean.get(id(stmt))
            if original is not None and module.code_for_node(stmt) != module.code_for_node(nodes[original]):
                raise SpliceMismatch("a statement taken as unchanged was changed")
        exact = [module.code_for_node(stmt) for stmt in self._keep]
        if "".join(exact) == "".join(self.pieces[id(stmt)] for stmt in self._keep):
            return  # (LibCST reproduces the statements: each piece must then be its own)
        for stmt, generated in zip(self._keep, exact):
            piece = self.pieces[id(stmt)]
            if piece != generated and piece.count("\n") != generated.count("\n"):
                raise SpliceMismatch("a statement's text was cut at the wrong lines")

    def start(self) -> dict[int, int]:
        """The `clean` map of the tree as parsed: every statement is its own original."""
        return {id(stmt): id(stmt) for stmt in self._keep}


def carry_clean(clean: dict[int, int], new_body, unchanged: dict[int, tuple]) -> dict[int, int]:
    """`clean` for the tree a pass returned: statements it left alone (the same objects) and
    statements it visited without a change (`unchanged`: id(new) -> (new, id(old))).

    Call it while the old tree is still alive: ids are only unique among living objects.
    `unchanged` holds the new statements themselves for the same reason (a pass's `finish`
    may have replaced them, and a new object must not inherit a freed one's id).
    """
    carried = {}
    for stmt in new_body:
        entry = unchanged.get(id(stmt))
        before = entry[1] if entry is not None and entry[0] is stmt else id(stmt)
        original = clean.get(before)
        if original is not None:
            carried[id(stmt)] = original
    return carried
