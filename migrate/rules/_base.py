"""The Rule base class: a LibCST transformer that knows its file, its name and its notes.

A rule module holds one `Rule` subclass; the module's file name is the rule's name. The
class docstring is the user documentation that `fw-migrate --explain RULE` prints.

Positions: a finding's line and column are worked out from the enclosing statement alone
(see `_lines`), and `FileContext.original_line` maps a line of the tree this pass sees back
to the file as it was read, so notes and changes always name the user's own lines.

Suppression: `# fw-migrate: ignore` (all rules) or `# fw-migrate: ignore[client, FW103]`
on the first or last line of a node stops the rule there; `# fw-migrate: skip-file`
anywhere leaves the whole file alone (handled by the engine).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Callable, ClassVar

from migrate.facts import Facts, Links, split_lines, statement_spans
from migrate.results import Change, Note
from migrate.rules._lazy import cst, transformer
from migrate.settings import Settings

SUPPRESS_RE = re.compile(r"#\s*fw-migrate:\s*ignore(?:\[([^\]]*)\])?")


def suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """line -> the rule names/codes suppressed there (None: every rule)."""
    if "fw-migrate:" not in text:
        return {}
    found: dict[int, frozenset[str] | None] = {}
    for number, line in enumerate(split_lines(text), start=1):
        match = SUPPRESS_RE.search(line)
        if match:
            listed = match.group(1)
            found[number] = None if listed is None else frozenset(p.strip() for p in listed.split(",") if p.strip())
    return found


# LibCST compound statement (its class name) -> the ast classes it can stand for, and the
# bodies to pair up.
_PAIRS: dict[str, tuple[tuple[type, ...], str]] = {
    "FunctionDef": ((ast.FunctionDef, ast.AsyncFunctionDef), "body"),
    "ClassDef": ((ast.ClassDef,), "body"),
    "For": ((ast.For, ast.AsyncFor), "body"),
    "While": ((ast.While,), "body"),
    "With": ((ast.With, ast.AsyncWith), "body"),
    "If": ((ast.If,), "body"),
    "Try": ((ast.Try,), "body"),
}


def align_statements(cst_body, ast_body: list[ast.stmt], spans: dict[int, tuple[int, int, int]]) -> None:
    """Record the line span of each LibCST statement by pairing it with its `ast` twin.

    Statement lists line up one to one, except that a LibCST line holds every `;`-separated
    statement of a line. On any surprise the pairing of that block stops: an unpaired
    statement is simply visited in full.
    """
    lines = statement_spans(ast_body)
    index = 0
    for stmt in cst_body:
        if isinstance(stmt, cst.SimpleStatementLine):
            count = len(stmt.body)
            if index + count > len(lines):
                return
            spans[id(stmt)] = (lines[index][0], lines[index + count - 1][1], lines[index][2])
            index += count
            continue
        if index >= len(lines):
            return
        twin = ast_body[index]
        pair = _PAIRS.get(type(stmt).__name__)
        if pair is not None and not isinstance(twin, pair[0]):
            return
        spans[id(stmt)] = lines[index]
        index += 1
        body = getattr(stmt, "body", None)
        if pair is not None and isinstance(body, cst.IndentedBlock):
            align_statements(body.body, getattr(twin, pair[1]), spans)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def carry_spans(old_body, new_body, spans: dict, out: dict) -> bool:
    """Give the statements of a rewritten tree the spans of the statements they replace.

    A pass rebuilds every node it visits, so spans keyed by node cannot be reused as they
    are; but a pass rarely adds or removes statements, so the two statement lists pair up
    one to one. That saves generating and re-parsing the code between passes. Spans stay
    in the coordinates of the file as read. False when some block gained or lost statements:
    pairing by position would then give statements their neighbours' spans.
    """
    n, m = len(old_body), len(new_body)
    if n != m:
        return False
    ok = True
    for old, new in zip(old_body, new_body):
        if type(old) is not type(new):
            return False
        ok = _carry_pair(old, new, spans, out) and ok
    return ok


def _carry_pair(old, new, spans: dict, out: dict) -> bool:
    span = spans.get(id(old))
    if span is None:
        return True
    out[id(new)] = span
    old_block, new_block = getattr(old, "body", None), getattr(new, "body", None)
    if isinstance(old_block, cst.IndentedBlock) and isinstance(new_block, cst.IndentedBlock):
        return carry_spans(old_block.body, new_block.body, spans, out)
    return True


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
    # id(statement node) -> (first, last, keyword line) in the tree this pass sees
    spans: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    # the text this pass sees, as lines (the file as read, or the code after earlier passes)
    current_lines: list[str] = field(default_factory=list)
    # ids of this pass's top-level statements, and id(statement a pass returned) -> (it, id(the
    # statement it visited)) where the pass recorded no change inside it (see migrate.codegen)
    top_level: set[int] = field(default_factory=set)
    unchanged: dict[int, tuple] = field(default_factory=dict)


class Rule:
    """A rule's LibCST-free part (TRIGGER, triage, lines) plus the visit_/leave_ methods that
    `transformer()` turns into a `cst.CSTTransformer` once a file needs the rule to run."""

    name: ClassVar[str] = ""
    # A regular expression (text) that every file this rule can act on matches; the engine
    # tries it before the `ast` parse. None: no cheap test, always parse.
    TRIGGER: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.name = cls.__module__.rsplit(".", 1)[-1]

    def __init__(self, ctx: FileContext):
        super().__init__()
        self.ctx = ctx
        self.settings = ctx.settings
        self.imports = ctx.facts.imports
        self._interest = self.lines(ctx.facts)
        self._skipped: set[int] = set()
        self._statements: list[cst.CSTNode] = []  # enclosing statements with a known span
        self._positions: dict[int, tuple] = {}
        self._marks: dict[int, int] = {}  # id(top-level statement) -> len(changes) on entering it

    @classmethod
    def transformer(cls) -> type:
        """This rule as a LibCST transformer class (built once; this imports LibCST)."""
        return transformer(cls)

    @classmethod
    def triage(cls, facts: Facts, settings: Settings) -> bool:
        """Whether this file can need the rule at all (cheap, on the `ast` facts)."""
        return True

    @classmethod
    def lines(cls, facts: Facts) -> set[int] | None:
        """The lines where this rule can act, or None for "anywhere".

        Statements that hold none of them are not visited: on a large file most of the
        LibCST traversal is skipped. Rules that look at whole-file context return None.
        """
        return None

    def on_visit(self, node: cst.CSTNode) -> bool:
        span = self.ctx.spans.get(id(node))
        if span is not None:
            if self._interest is not None:
                first, last = self.ctx.original_line(span[0]), self.ctx.original_line(span[1])
                if not any(first <= line <= last for line in self._interest):
                    self._skipped.add(id(node))
                    return False
            self._statements.append(node)
            if id(node) in self.ctx.top_level:
                self._marks[id(node)] = len(self.ctx.changes)
        return super().on_visit(node)

    def on_leave(self, original_node, updated_node):
        if id(original_node) in self._skipped:
            return updated_node
        result = super().on_leave(original_node, updated_node)
        if self._statements and self._statements[-1] is original_node:
            self._statements.pop()
        mark = self._marks.pop(id(original_node), None)
        if mark is not None and mark == len(self.ctx.changes):
            # a top-level statement this pass visited without a finding: equal to the original
            self.ctx.unchanged[id(result)] = (result, id(original_node))  # kept alive: see codegen.carry_clean
        return result

    # --- positions and suppression ---------------------------------------------------------
    #
    # LibCST's PositionProvider generates the code of the whole module, which costs twice a
    # parse, on every pass. Findings are few, so positions are worked out only when one is
    # reported, from the code of the innermost enclosing statement alone: its lines are
    # offset by where `ast` says the statement starts, and columns by the indentation the
    # statement has in the file but not on its own.

    def _statement_positions(self, stmt: cst.CSTNode):
        cached = self._positions.get(id(stmt))
        if cached is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            mini = cst.Module(body=[stmt])  # type: ignore[list-item]
            table = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
            cached = (table, split_lines(mini.code), table[stmt].start.line)
            self._positions[id(stmt)] = cached
        return cached

    def _lines(self, node: cst.CSTNode) -> tuple[int, int, int]:
        """(first line, last line, column) of `node` in the file as read; zeros if unknown."""
        candidates = list(reversed(self._statements))
        if id(node) in self.ctx.spans:
            candidates.insert(0, node)
        for stmt in candidates:
            table, mini_lines, anchor = self._statement_positions(stmt)
            pos = table.get(node)
            if pos is None:
                continue
            first, last, keyword_line = self.ctx.spans[id(stmt)]
            offset = keyword_line - anchor
            # clamp: an earlier pass may have made this statement longer than it was
            start = min(max(pos.start.line + offset, first), last)
            end = min(max(pos.end.line + offset, first), last)
            column = pos.start.column
            if 0 < start <= len(self.ctx.current_lines) and pos.start.line <= len(mini_lines):
                # the statement alone lacks the indentation it has in the file
                column += _indent(self.ctx.current_lines[start - 1]) - _indent(mini_lines[pos.start.line - 1])
            return self.ctx.original_line(start), self.ctx.original_line(end), column + 1
        return 0, 0, 0

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
