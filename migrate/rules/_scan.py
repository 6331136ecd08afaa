"""One `ast` walk per file that the API rules share for their triage and `lines`.

The engine triages every rule on the same `Facts`; the walk is done for the first API rule and
kept for the others (one file at a time per process).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from migrate.facts import Facts
from migrate.rules._calls import ApiCall, classify


@dataclass
class Scan:
    """One `ast` walk per file, shared by every API rule's triage and `lines`."""

    api: list[tuple[ApiCall, int]] = field(default_factory=list)
    api_keywords: list[frozenset[str]] = field(default_factory=list)  # per api call; "**" for **kwargs
    chains: list[tuple[tuple[str, ...], int]] = field(default_factory=list)  # every call on a.b.c(...)
    reasoning_reads: list[int] = field(default_factory=list)
    role_dicts: list[tuple[int, str]] = field(default_factory=list)
    code_compares: list[int] = field(default_factory=list)
    constants: dict[str, object] = field(default_factory=dict)  # NAME = literal, its only binding
    audio_host: bool = False  # a string names a Fireworks audio host (a second client exists)
    mentions_json: bool = False  # some string in the file says "json"
    reasoning_guards: set[str] = field(default_factory=set)  # X of hasattr(X, "reasoning_content"), no spaces

    def lines(self, *kinds: str) -> set[int]:
        return {line for call, line in self.api if call.kind in kinds}

    def passing(self, kinds: tuple[str, ...], names: frozenset[str] | set[str]) -> set[int]:
        """Lines of calls of these kinds that pass one of `names`, or `**kwargs` (which may)."""
        return {line for (call, line), given in zip(self.api, self.api_keywords)
                if call.kind in kinds and ("**" in given or not given.isdisjoint(names))}


_JSON = re.compile("json", re.IGNORECASE)
_last: list = [None, None]


def scan(facts: Facts) -> Scan:
    if _last[0] is not facts.tree:
        _last[:] = [facts.tree, _scan(facts)]
    return _last[1]


def _scan(facts: Facts) -> Scan:
    found = Scan()
    bindings: dict[str, int] = {}
    literals: dict[str, object] = {}
    resolve, load = facts.imports.resolve_dotted, ast.Load
    for node in ast.walk(facts.tree) if facts.tree is not None else ():
        kind = type(node)  # dispatch on the commonest node types first: this walk sees every node
        if kind is ast.Name:
            if type(node.ctx) is not load:
                bindings[node.id] = bindings.get(node.id, 0) + 1
        elif kind is ast.Constant:
            value = node.value
            if type(value) is str and value:
                found.audio_host = found.audio_host or ("fireworks.ai" in value and "audio" in value)
                if not found.mentions_json and _JSON.search(value) and value not in ("json_object", "json_schema"):
                    found.mentions_json = True
        elif kind is ast.Attribute:
            if node.attr == "reasoning_content" and type(node.ctx) is load:
                found.reasoning_reads.append(node.lineno)
        elif kind is ast.Call:
            _call(node, found, resolve)
        elif kind is ast.arg:
            bindings[node.arg] = bindings.get(node.arg, 0) + 2
        elif kind is ast.Dict:
            for key, value in zip(node.keys, node.values):
                if _const(key) == "role" and isinstance(_const(value), str):
                    found.role_dicts.append((node.lineno, value.value))
        elif kind is ast.Compare:
            if any(_is_code(n) for n in (node.left, *node.comparators)):
                found.code_compares.append(node.lineno)
        elif kind is ast.Assign:
            for target in node.targets:
                if type(target) is ast.Name and type(node.value) is ast.Constant:
                    literals[target.id] = node.value.value
    found.constants = {name: value for name, value in literals.items() if bindings.get(name) == 1}
    return found


def _call(node: ast.Call, found: Scan, resolve) -> None:
    parts, func = [], node.func
    while type(func) is ast.Attribute:
        parts.append(func.attr)
        func = func.value
    plain = type(func) is ast.Name
    if plain:
        if not parts:
            if func.id == "hasattr" and len(node.args) == 2 and _const(node.args[1]) == "reasoning_content":
                found.reasoning_guards.add(ast.unparse(node.args[0]).replace(" ", ""))
            return
        parts.append(func.id)
    if not parts:
        return
    names = tuple(reversed(parts))
    found.chains.append((names, node.lineno))
    call = classify(names, resolve(".".join(names)) if plain else None)
    if call is not None:
        found.api.append((call, node.lineno))
        found.api_keywords.append(frozenset(k.arg or "**" for k in node.keywords))


def _const(node) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _is_code(node) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "code"
    if isinstance(node, ast.Subscript):
        return _const(node.slice) == "code"
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and \
        bool(node.args) and _const(node.args[0]) == "code"


