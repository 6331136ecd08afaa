"""The engine: (text, path, settings) -> Outcome. Pure: no I/O, no printing, no rich.

1. `# fw-migrate: skip-file` anywhere: the file is left alone.
2. The rules' text triggers (`Triggers`, one RE2 pass): a file none matches is returned
   unchanged without even an `ast` parse.
3. One `ast.parse` and one walk collect the facts each rule's `triage` needs; a file that
   no enabled rule wants is returned unchanged without LibCST (the common case).
4. Otherwise the file is parsed once with LibCST and every wanted rule runs over the tree in
   `ALL_RULES` order. Imports the rules asked for are added once, at the end, so no pass
   shifts the lines of the next. Code is generated only for the top-level statements a rule
   changed; the others keep the file's own text (`migrate.codegen`).
5. The output is checked with `ast.parse` (a sixth of a LibCST parse): a rule that built
   broken code raises `EngineError` instead of handing it on.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
import sys
import time
from typing import Callable, Collection

from migrate import rules
from migrate.codegen import OriginalText, SpliceMismatch, carry_clean
from migrate.facts import Facts, Links, split_lines
from migrate.results import Outcome
from migrate.settings import Settings
from migrate.textscan import LineFinder, TriggerSet

SKIP_FILE_RE = re.compile(r"#\s*fw-migrate:\s*skip-file\b")


class EngineError(Exception):
    """The file cannot be migrated; the message is one line."""


def line_mapper(before: str, after: str) -> Callable[[int], int]:
    """Map a 1-based line of `before` to the matching line of `after`."""
    if before == after:
        return lambda line: line
    a, b = split_lines(before), split_lines(after)
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()

    def map_line(line: int) -> int:
        index = line - 1
        for tag, i1, i2, j1, j2 in opcodes:
            if i1 <= index < i2:
                return j1 + (index - i1) + 1 if tag == "equal" else min(j1 + 1, max(len(b), 1))
        return min(line, max(len(b), 1))

    return map_line


def parse_error(exc: SyntaxError) -> str:
    where = f"line {exc.lineno}" + (f":{exc.offset}" if exc.offset else "") if exc.lineno else "somewhere"
    return f"cannot parse: {exc.msg} at {where}"


class Triggers:
    """The text tests of one selection of rules (see `migrate.textscan`).

    `matching(text)`: the selected rules whose `TRIGGER` occurs in the text, plus those that
    have none; empty means no rule can act (not even the `ast` parse is paid). `walk`: the
    lines worth an `ast` walk (a trigger or an import), None when a rule has no trigger.
    """

    def __init__(self, selected: tuple[str, ...]):
        patterns = {name: rules.load(name).TRIGGER for name in selected}
        self.gated = tuple(name for name in selected if patterns[name] is not None)
        self.ungated = frozenset(name for name in selected if patterns[name] is None)
        self.set = TriggerSet([patterns[name] for name in self.gated])
        union = "|".join(f"(?:{patterns[name]})" for name in self.gated)
        self.walk = None if self.ungated or not union else LineFinder(f"{union}|\\bimport\\b")

    def matching(self, text: str) -> frozenset[str]:
        return self.ungated | {self.gated[i] for i in self.set.matching(text)}


@functools.lru_cache(maxsize=8)
def triggers(selected: tuple[str, ...]) -> Triggers:
    return Triggers(selected)


def enabled_rules(facts: Facts, settings: Settings, triggered: Collection[str] | None = None) -> list:
    """The rules that want this file: their trigger matched (when `triggered` is given), then their triage."""
    wanted = []
    for name in rules.ALL_RULES:
        if settings.rule_enabled(name) and (triggered is None or name in triggered):
            rule = rules.load(name)
            if rule.triage(facts, settings):
                wanted.append(rule)
    return wanted


def migrate_text(text: str, path: str, settings: Settings, links: Links = Links()) -> Outcome:
    if SKIP_FILE_RE.search(text):
        return Outcome(text, skipped="skip-file comment")
    selection = triggers(tuple(name for name in rules.ALL_RULES if settings.rule_enabled(name)))
    triggered = selection.matching(text)
    if not triggered:
        return Outcome(text)  # no rule can act here: not even the `ast` parse is paid
    started = time.perf_counter()
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise EngineError(parse_error(exc)) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise EngineError(f"cannot parse: {exc.__class__.__name__}: {exc}") from None
    facts = Facts.collect(tree, text, selection.walk)
    wanted = enabled_rules(facts, settings, triggered)
    triaged = time.perf_counter()
    if not wanted:
        return Outcome(text, timings={"ast triage": triaged - started})
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # LibCST recurses once per part of a "a" "b" ... string
    try:
        outcome = _run_rules(text, path, settings, facts, wanted, links)
    except RecursionError:
        raise EngineError("too deeply nested for LibCST (a very long implicit string concatenation?); left unchanged") from None
    finally:
        sys.setrecursionlimit(limit)
    outcome.timings["ast triage"] = triaged - started
    outcome.timings["libcst parse+rules"] = time.perf_counter() - triaged
    return outcome


def _run_rules(text: str, path: str, settings: Settings, facts: Facts, wanted: list, links: Links) -> Outcome:
    import libcst as cst

    from migrate.rules._base import (
        FileContext,
        align_statements,
        carry_spans,
        suppressions,
    )

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise EngineError(f"cannot parse: {exc.message} at line {exc.raw_line}:{exc.raw_column}") from None
    ctx = FileContext(path, text, settings, facts, suppressions(text), links)
    ctx.current_lines = split_lines(text)
    align_statements(module.body, facts.tree.body, ctx.spans)
    original = OriginalText.of(module, text, ctx.spans)
    clean = original.start() if original is not None else {}
    for rule in wanted:
        before = len(ctx.changes)
        ctx.top_level, ctx.unchanged = {id(stmt) for stmt in module.body}, {}
        rewritten = module.visit(rule.transformer()(ctx))
        if len(ctx.changes) == before:
            continue  # a pass rebuilds every node it visits: keep the tree the spans know
        clean = carry_clean(clean, rewritten.body, ctx.unchanged)
        if rule is not wanted[-1]:
            spans: dict = {}
            if carry_spans(module.body, rewritten.body, ctx.spans, spans):
                ctx.spans = spans
            else:  # statements were added or removed: pair the new tree with its own `ast`
                current = original.code(rewritten, clean) if original is not None else rewritten.code
                ctx.original_line = line_mapper(current, text)
                ctx.current_lines = split_lines(current)
                ctx.spans = {}
                align_statements(rewritten.body, ast.parse(current).body, ctx.spans)
        module = rewritten
    if not ctx.changes:
        return Outcome(text, notes=_sorted(ctx.notes), secrets=ctx.secrets)
    missing = {(m, o) for m, o in ctx.imports_needed if o is not None or m not in facts.module_imports}
    if missing:
        imported = _add_imports(module, sorted(missing, key=str))
        clean = carry_clean(clean, imported.body, {})  # while the old tree lives (ids)
        module = imported
    try:
        code = original.code(module, clean) if original is not None else module.code
    except SpliceMismatch as exc:
        raise EngineError(f"internal error: {exc}") from None
    try:
        ast.parse(code)
    except SyntaxError as exc:  # a rule bug: never hand on code that does not parse
        raise EngineError(f"internal error: the rewritten file would not parse ({exc.msg}); left unchanged") from None
    return Outcome(code, sorted(ctx.changes, key=lambda c: c.line), _sorted(ctx.notes), ctx.secrets)


def _add_imports(module, needed):
    """LibCST's AddImportsVisitor, run on the file's leading statements only.

    The visitor walks every node it is given with matchers, which on a large file costs more
    than the parse; new imports only ever go into the leading docstring-and-imports block,
    so that block is all it needs to see (imports further down were checked on the `ast`).
    """
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, ImportItem

    head = 0
    for index, stmt in enumerate(module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            break
        small = stmt.body
        is_doc = index == 0 and len(small) == 1 and isinstance(small[0], cst.Expr) and isinstance(small[0].value, cst.SimpleString)
        if not (is_doc or all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in small)):
            break
        head = index + 1
    items = [ImportItem(module_name, obj) for module_name, obj in needed]
    top = module.with_changes(body=module.body[:head], footer=()).visit(AddImportsVisitor(CodemodContext(), items))
    return module.with_changes(header=top.header, body=[*top.body, *module.body[head:]])


def _sorted(notes):
    unique = {(n.line, n.col, n.rule, n.code, n.message): n for n in notes}
    return [unique[key] for key in sorted(unique)]
