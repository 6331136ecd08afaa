"""The Rule base class: a LibCST transformer that knows its file, its name and its notes.

A rule module holds one `Rule` subclass; the module's file name is the rule's name. The
class docstring is the user documentation that `fw-migrate --explain RULE` prints.

Positions: every pass gets fresh `PositionProvider` metadata (cheap next to scope analysis)
and `FileContext.original_line` maps a line of the tree this pass sees back to the file as
it was read, so notes and changes always name the user's own lines.

Suppression: `# fw-migrate: ignore` (all rules) or `# fw-migrate: ignore[client, FW103]`
on the first or last line of a node stops the rule there; `# fw-migrate: skip-file`
anywhere leaves the whole file alone (handled by the engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, ClassVar

import libcst as cst
from libcst.metadata import PositionProvider

from migrate.facts import Facts, Links
from migrate.results import Change, Note
from migrate.settings import Settings

SUPPRESS_RE = re.compile(r"#\s*fw-migrate:\s*ignore(?:\[([^\]]*)\])?")


def suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """line -> the rule names/codes suppressed there (None: every rule)."""
    if "fw-migrate:" not in text:
        return {}
    found: dict[int, frozenset[str] | None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = SUPPRESS_RE.search(line)
        if match:
            listed = match.group(1)
            found[number] = None if listed is None else frozenset(p.strip() for p in listed.split(",") if p.strip())
    return found


@dataclass
class FileContext:
    """Everything one file's passes share; rules write their findings here."""

    path: str
    text: str
    settings: Settings
    facts: Facts
    suppressed: dict[int, frozenset[str] | None]
    links: Links = Links()
    original_line: Callable[[int], int] = lambda line: line
    changes: list[Change] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    imports_needed: set[tuple[str, str | None]] = field(default_factory=set)  # (module, obj)


class Rule(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)
    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.name = cls.__module__.rsplit(".", 1)[-1]

    def __init__(self, ctx: FileContext):
        super().__init__()
        self.ctx = ctx
        self.settings = ctx.settings
        self.imports = ctx.facts.imports

    @classmethod
    def triage(cls, facts: Facts, settings: Settings) -> bool:
        """Whether this file can need the rule at all (cheap, on the `ast` facts)."""
        return True

    # --- positions and suppression ---------------------------------------------------------

    def _lines(self, node: cst.CSTNode) -> tuple[int, int, int]:
        pos = self.get_metadata(PositionProvider, node, None)
        if pos is None:
            return 0, 0, 0
        return self.ctx.original_line(pos.start.line), self.ctx.original_line(pos.end.line), pos.start.column + 1

    def allowed(self, node: cst.CSTNode, code: str | None = None) -> bool:
        """False when a suppression comment on the node's first or last line covers us."""
        if not self.ctx.suppressed:
            return True
        first, last, _ = self._lines(node)
        for line in {first, last}:
            if line in self.ctx.suppressed:
                listed = self.ctx.suppressed[line]
                if listed is None or self.name in listed or (code is not None and code in listed):
                    return False
        return True

    # --- findings --------------------------------------------------------------------------

    def changed(self, node: cst.CSTNode, message: str) -> None:
        line, _, _ = self._lines(node)
        self.ctx.changes.append(Change(self.name, line, message))

    def note(self, node: cst.CSTNode, code: str, severity: str, message: str) -> None:
        if not self.allowed(node, code):
            return
        line, _, col = self._lines(node)
        self.ctx.notes.append(Note(self.name, code, line, col, severity, message))

    def need_import(self, module: str, obj: str | None = None) -> None:
        self.ctx.imports_needed.add((module, obj))

    def secret(self, value: str) -> None:
        self.ctx.secrets.add(value)
