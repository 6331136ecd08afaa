"""The engine: (text, path, settings) -> Outcome. Pure: no I/O, no printing, no rich.

1. `# fw-migrate: skip-file` anywhere: the file is left alone.
2. One `ast.parse` and one walk collect the facts each rule's `triage` needs; a file that
   no enabled rule wants is returned unchanged without LibCST (the common case).
3. Otherwise the file is parsed once with LibCST and every wanted rule runs over the tree in
   `ALL_RULES` order. Imports the rules asked for are added once, at the end, so no pass
   shifts the lines of the next.
4. The output is checked with `ast.parse` (a sixth of a LibCST parse): a rule that built
   broken code raises `EngineError` instead of handing it on.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import Callable

from migrate import rules
from migrate.facts import Facts, Links
from migrate.results import Outcome
from migrate.settings import Settings

SKIP_FILE_RE = re.compile(r"#\s*fw-migrate:\s*skip-file\b")


class EngineError(Exception):
    """The file cannot be migrated; the message is one line."""


def line_mapper(before: str, after: str) -> Callable[[int], int]:
    """Map a 1-based line of `before` to the matching line of `after`."""
    if before == after:
        return lambda line: line
    a, b = before.splitlines(), after.splitlines()
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


def enabled_rules(facts: Facts, settings: Settings) -> list:
    wanted = []
    for name in rules.ALL_RULES:
        if settings.rule_enabled(name):
            rule = rules.load(name)
            if rule.triage(facts, settings):
                wanted.append(rule)
    return wanted


def migrate_text(text: str, path: str, settings: Settings, links: Links = Links()) -> Outcome:
    if SKIP_FILE_RE.search(text):
        return Outcome(text, skipped="skip-file comment")
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise EngineError(parse_error(exc)) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise EngineError(f"cannot parse: {exc.__class__.__name__}: {exc}") from None
    facts = Facts.collect(tree)
    wanted = enabled_rules(facts, settings)
    if not wanted:
        return Outcome(text)
    return _run_rules(text, path, settings, facts, wanted, links)


def _run_rules(text: str, path: str, settings: Settings, facts: Facts, wanted: list, links: Links) -> Outcome:
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, ImportItem
    from libcst.metadata import MetadataWrapper

    from migrate.rules._base import FileContext, suppressions

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise EngineError(f"cannot parse: {exc.message} at line {exc.raw_line}:{exc.raw_column}") from None
    ctx = FileContext(path, text, settings, facts, suppressions(text), links)
    current = text
    for rule in wanted:
        before = len(ctx.changes)
        module = MetadataWrapper(module, unsafe_skip_copy=True).visit(rule(ctx))
        if len(ctx.changes) > before and rule is not wanted[-1]:
            current = module.code
            ctx.original_line = line_mapper(current, text)
    if not ctx.changes:
        return Outcome(text, notes=_sorted(ctx.notes), secrets=ctx.secrets)
    if ctx.imports_needed:
        items = [ImportItem(module_name, obj) for module_name, obj in sorted(ctx.imports_needed, key=str)]
        module = module.visit(AddImportsVisitor(CodemodContext(), items))
    code = module.code
    try:
        ast.parse(code)
    except SyntaxError as exc:  # a rule bug: never hand on code that does not parse
        raise EngineError(f"internal error: the rewritten file would not parse ({exc.msg}); left unchanged") from None
    return Outcome(code, sorted(ctx.changes, key=lambda c: c.line), _sorted(ctx.notes), ctx.secrets)


def _sorted(notes):
    unique = {(n.line, n.col, n.rule, n.code, n.message): n for n in notes}
    return [unique[key] for key in sorted(unique)]
