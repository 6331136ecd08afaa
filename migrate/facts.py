"""What one cheap `ast` walk tells the engine about a file, before any LibCST parse.

`ImportMap` resolves local names to qualified names through the file's imports (module and
function level, aliases included) without scope analysis: `import openai as oa` makes
`oa.OpenAI` resolve to `openai.OpenAI`; a name bound to two different things, or also
defined locally (`class OpenAI: ...`), resolves to nothing. Rules use it on both trees.

`Facts` is collected in the same single walk; each rule's `triage` looks at it to say
whether the file can need that rule at all. Files no rule wants never meet LibCST.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field
from typing import Iterable

from migrate.textscan import LineFinder

ENV_READERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})


class ImportMap:
    def __init__(self, names: dict[str, str], star_modules: frozenset[str] = frozenset()):
        self.names = names
        self.star_modules = star_modules

    def resolve_name(self, name: str) -> str | None:
        found = self.names.get(name)
        if found is None and "openai" in self.star_modules and name[:1].isupper():
            return f"openai.{name}"
        if found is None and name == "os":
            return "os"  # `os.getenv(...)` reads the environment even where `import os` comes later
        return found or None  # "" marks an ambiguous name

    def resolve_dotted(self, dotted: str) -> str | None:
        head, _, rest = dotted.partition(".")
        base = self.resolve_name(head)
        if base is None:
            return None
        return f"{base}.{rest}" if rest else base

    def imports_module(self, module: str) -> bool:
        return any(q == module or q.startswith(module + ".") for q in self.names.values() if q)

    @classmethod
    def from_ast(cls, tree: ast.AST) -> ImportMap:
        return cls.from_nodes(ast.walk(tree))

    @classmethod
    def from_nodes(cls, nodes: Iterable[ast.AST]) -> ImportMap:
        bound: dict[str, set[str]] = {}
        defined: set[str] = set()
        stars: set[str] = set()
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bound.setdefault(alias.asname, set()).add(alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        bound.setdefault(top, set()).add(top)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name == "*":
                        stars.add(node.module)
                    else:
                        local = alias.asname or alias.name
                        bound.setdefault(local, set()).add(f"{node.module}.{alias.name}")
            elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                defined.add(node.name)
        names = {}
        for local, targets in bound.items():
            names[local] = "" if (len(targets) > 1 or local in defined) else next(iter(targets))
        return cls(names, frozenset(stars))


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


CLIENT_CLASSES = frozenset({"openai.OpenAI", "openai.AsyncOpenAI", "openai.Client", "openai.AsyncClient"})


def unknown_client(callee: str | None, imports: ImportMap) -> bool:
    """A client class called by this dotted name (None: not a plain name chain, as in
    `__import__("openai").Client`) is not one the client rule migrates."""
    return callee is None or imports.resolve_dotted(callee) not in CLIENT_CLASSES


def unmigrated_client_root(func: ast.AST, imports: ImportMap) -> bool:
    """`__import__("openai").Client().chat...`: the chain starts at a client built right there
    that the client rule does not migrate (`unknown_client`)."""
    node = func
    while isinstance(node, ast.Attribute):
        node = node.value
    if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Attribute, ast.Name)):
        return False
    last = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
    return last.endswith(("OpenAI", "Client")) and unknown_client(dotted_name(node.func), imports)


def _attribute_tail(node: ast.AST, imports: ImportMap) -> list[str]:
    """The attribute names of `get_client().a.b.c` after the call the chain starts at (none
    for an unmigrated client built right there)."""
    if unmigrated_client_root(node, imports):
        return []
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return parts[::-1]


def env_var_read(node: ast.AST, imports: ImportMap) -> str | None:
    """The variable name when `node` reads an environment variable with a literal name."""
    if isinstance(node, ast.Call) and node.args:
        func = dotted_name(node.func)
        if func and imports.resolve_dotted(func) in ENV_READERS:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
    if isinstance(node, ast.Subscript):
        target = dotted_name(node.value)
        key = node.slice
        if target and imports.resolve_dotted(target) == "os.environ":
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
    return None


_NEWLINE_RE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as Python counts them (str.splitlines also splits at form feeds, U+2028, ...)."""
    lines = _NEWLINE_RE.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def _nodes(tree: ast.Module, text: str | None, wanted: LineFinder | None) -> list[ast.AST]:
    if text is None or wanted is None:
        return list(ast.walk(tree))

    def holds(stmt: ast.stmt, lines: list[int]) -> bool:
        first, last = _first_line(stmt), stmt.end_lineno or stmt.lineno
        index = bisect.bisect_left(lines, first)
        return index < len(lines) and lines[index] <= last

    hits = wanted.lines(text)  # one scan of the text, not one per statement
    nodes: list[ast.AST] = [tree]
    skipped: list[ast.stmt] = []
    aliases: set[str] = set()
    for stmt in tree.body:
        if holds(stmt, hits):
            walked = list(ast.walk(stmt))
            nodes.extend(walked)
            aliases.update(a.asname for n in walked if isinstance(n, (ast.Import, ast.ImportFrom))
                           for a in n.names if a.asname)
        else:
            skipped.append(stmt)
    # `from openai import OpenAI as C` makes `C(...)` interesting although no trigger names it
    # (Python's `re`: an alias may be a non-ASCII name, which RE2's ASCII `\b` would not bound)
    alias_pattern = r"\b(?:%s)\b" % "|".join(map(re.escape, sorted(aliases)))
    alias_hits = LineFinder(alias_pattern, engine="re").lines(text) if aliases else []
    for stmt in skipped:
        nodes.extend(ast.walk(stmt) if holds(stmt, alias_hits) else (stmt,))
    return nodes


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno, *(d.lineno for d in decorators)]) if decorators else node.lineno


def _truth_tested(tree: ast.AST) -> frozenset[str]:
    found: set[str] = set()

    def add(node: ast.AST) -> None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node.operand)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                add(value)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            other = node.comparators[0]
            if isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)) and isinstance(other, ast.Constant) \
                    and other.value in (None, ""):
                add(node.left)

    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            add(node.test)
        elif isinstance(node, ast.comprehension):
            for condition in node.ifs:
                add(condition)
        elif isinstance(node, ast.BoolOp):
            add(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "bool" and node.args:
            add(node.args[0])
    return frozenset(found)


def statement_spans(body: list[ast.stmt]) -> list[tuple[int, int, int]]:
    """(first line with decorators, last line, the line of the statement's keyword) each."""
    return [(_first_line(stmt), stmt.end_lineno or stmt.lineno, stmt.lineno) for stmt in body]


@dataclass
class Facts:
    imports: ImportMap
    tree: ast.Module | None = None
    # qualified names of everything called (`openai.OpenAI`, `openai.chat.completions.create`)
    called: set[str] = field(default_factory=set)
    call_lines: dict[str, list[int]] = field(default_factory=dict)
    # qualified names assigned to (`openai.api_key`), with their lines
    assigned_attrs: set[str] = field(default_factory=set)
    assign_lines: dict[str, list[int]] = field(default_factory=dict)
    # environment variables read with a literal name, with their lines
    env_reads: set[str] = field(default_factory=set)
    env_lines: dict[str, list[int]] = field(default_factory=dict)
    # simple names and attribute names assigned from an environment read -> the variable
    env_assigned: dict[str, str] = field(default_factory=dict)
    # last name part of values handed to `api_key=`/`base_url=` or `*.api_key = ...`
    fed_names: set[str] = field(default_factory=set)
    # names bound by `import X` at module level (no alias)
    module_imports: set[str] = field(default_factory=set)
    # every string constant in the file (model names, URLs, variable names)
    strings: set[str] = field(default_factory=set)
    # calls by qualified name, and method calls on any receiver by their dotted tail:
    # `self.client.chat.completions.create(...)` is under "completions.create",
    # "chat.completions.create" and "client.chat.completions.create"
    call_nodes: dict[str, list[ast.Call]] = field(default_factory=dict)
    method_calls: dict[str, list[ast.Call]] = field(default_factory=dict)
    _tested: frozenset[str] | None = field(default=None, repr=False)

    def truth_tested(self) -> frozenset[str]:
        """Names (and attribute names) whose value the file tests for being set: `if key:`,
        `if not key`, `key is None`, `key or default`, `assert key`, ... Walks the whole tree
        the first time it is asked (only a key read's rewrite asks)."""
        if self._tested is None:
            self._tested = frozenset() if self.tree is None else _truth_tested(self.tree)
        return self._tested

    @classmethod
    def collect(cls, tree: ast.Module, text: str | None = None, wanted: LineFinder | None = None) -> Facts:
        """Facts from one walk; with `text` and `wanted`, top-level statements whose text
        `wanted` does not match are not walked (their names still count as definitions)."""
        nodes = _nodes(tree, text, wanted)
        imports = ImportMap.from_nodes(nodes)
        facts = cls(imports, tree)
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                facts.module_imports.update(a.name for a in stmt.names if not a.asname and "." not in a.name)
        for node in nodes:
            if isinstance(node, ast.Call):
                func = dotted_name(node.func)
                if func:
                    qual = imports.resolve_dotted(func)
                    if qual:
                        facts.called.add(qual)
                        facts.call_lines.setdefault(qual, []).append(node.lineno)
                        facts.call_nodes.setdefault(qual, []).append(node)
                    parts = func.split(".")
                    for size in range(2, min(4, len(parts) - 1) + 1):
                        facts.method_calls.setdefault(".".join(parts[-size:]), []).append(node)
                else:  # `get_client().chat.completions.create(...)`: the attributes after the call
                    attrs = _attribute_tail(node.func, imports)
                    for size in range(2, min(4, len(attrs)) + 1):
                        facts.method_calls.setdefault(".".join(attrs[-size:]), []).append(node)
                for keyword in node.keywords:
                    if keyword.arg in ("api_key", "base_url"):
                        facts._feed(keyword.value)
                facts._env(node)
            elif isinstance(node, ast.Subscript):
                facts._env(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                facts.strings.add(node.value)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                facts._assignment(node)
        return facts

    def _env(self, node: ast.AST) -> None:
        var = env_var_read(node, self.imports)
        if var:
            self.env_reads.add(var)
            self.env_lines.setdefault(var, []).append(node.lineno)  # type: ignore[attr-defined]

    def _feed(self, value: ast.AST) -> None:
        name = dotted_name(value)
        if name:
            self.fed_names.add(name.rsplit(".", 1)[-1])

    def _assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        var = env_var_read(node.value, self.imports)  # type: ignore[arg-type]
        for target in targets:
            if isinstance(target, ast.Attribute):
                dotted = dotted_name(target)
                qual = self.imports.resolve_dotted(dotted) if dotted else None
                if qual:
                    self.assigned_attrs.add(qual)
                    self.assign_lines.setdefault(qual, []).append(node.lineno)
                if target.attr in ("api_key", "base_url", "api_base"):
                    self._feed(node.value)  # type: ignore[arg-type]
                if var:
                    self.env_assigned[target.attr] = var
            elif isinstance(target, ast.Name) and var:
                self.env_assigned[target.id] = var

    def calls_any(self, names: frozenset[str] | set[str]) -> bool:
        return not self.called.isdisjoint(names)

    def lines_of(self, table: dict[str, list[int]], keys) -> set[int]:
        return {line for key in keys for line in table.get(key, ())}


# --- across the files of one run ------------------------------------------------------------

_FEED_RE = re.compile(rb"\b(?:api_key|base_url)\s*=\s*([A-Za-z_][\w.]*)\s*[,)\n]")
_ENV_NAME_RE = re.compile(
    rb"^[ \t]*(?:self\.)?([A-Za-z_]\w*)\s*(?::[^=\n]*)?=\s*(?:os\.)?(?:getenv|environ\.get|environ\[)\s*\(?\s*"
    rb"[\"'](?:OPENAI_API_KEY|OPENAI_BASE_URL|OPENAI_API_BASE)[\"']",
    re.MULTILINE,
)
# `model=NAME` among the arguments of a `.create(` / `.parse(` / `.stream(` call (up to two
# levels of nested parentheses). NAME counts when dotted or a CONSTANT: plain names are locals.
_MODEL_FEED_RE = re.compile(
    rb"\.(?:create|acreate|parse|stream)\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*?"
    rb"\bmodel\s*=\s*(?!self\.|cls\.)([A-Za-z_][\w.]*)"
)
_CONSTANT_RE = re.compile(rb"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class Links:
    """What one file may need to know of the others in the same run, found by a byte scan.

    `feeds`: names handed to a client as `api_key=NAME`/`base_url=NAME` (last dotted part);
    `env_names`: names assigned from an OPENAI_* environment read. A settings module whose
    `OPENAI_API_KEY = os.getenv("OPENAI_API_KEY")` feeds `OpenAI(api_key=settings.OPENAI_API_KEY)`
    in another file is then migrated, not only reported.
    """

    feeds: frozenset[str] = frozenset()
    env_names: frozenset[str] = frozenset()
    # `model_feeds`: last part of names handed to a request's `model=` (`settings.CHAT_MODEL`,
    # `MODEL`): a settings module's `CHAT_MODEL = "gpt-4o"` is then rewritten too
    model_feeds: frozenset[str] = frozenset()

    @classmethod
    def scan(cls, contents: Iterable[bytes]) -> Links:
        feeds: set[str] = set()
        env_names: set[str] = set()
        model_feeds: set[str] = set()
        for data in contents:  # plain substring tests first: the regexes are the slow part
            if b"api_key" in data or b"base_url" in data:
                for match in _FEED_RE.finditer(data):
                    feeds.add(match.group(1).rsplit(b".", 1)[-1].decode("ascii", "replace"))
            if b"OPENAI_" in data:
                for match in _ENV_NAME_RE.finditer(data):
                    env_names.add(match.group(1).decode("ascii", "replace"))
            if b"model" in data:
                for match in _MODEL_FEED_RE.finditer(data):
                    name = match.group(1).rstrip(b".")
                    if b"." in name or _CONSTANT_RE.fullmatch(name):
                        model_feeds.add(name.rsplit(b".", 1)[-1].decode("ascii", "replace"))
        return cls(frozenset(feeds), frozenset(env_names), frozenset(model_feeds))
