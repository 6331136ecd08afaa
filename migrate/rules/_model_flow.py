"""How model ids flow to requests in one file, for the model_names rule (on the `ast` only).

Which string literals are models: a request's `model=`, and the constants, attributes,
defaults, dict entries and environment defaults that reach one (`analyse` -> `Plan`).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field

from migrate.facts import dotted_name, env_var_read, unmigrated_client_root
from migrate.model_map import ModelMap
from migrate.rules._calls import openai_context

REQUESTS = tuple(tuple(path.split(".")) for path in (
    "chat.completions.create", "chat.completions.parse", "chat.completions.stream", "completions.create",
    "chat.completions.create_with_completion", "chat.completions.create_partial", "chat.completions.create_iterable",
    "embeddings.create", "responses.create", "responses.parse", "responses.stream",
    "audio.transcriptions.create", "audio.translations.create"))
# Calls the unsupported_surfaces and tiktoken_models rules report: their model literals get no note here.
ELSEWHERE = tuple(tuple(path.split(".")) for path in (
    "images.generate", "images.edit", "images.create_variation", "audio.speech.create", "moderations.create",
    "encoding_for_model", "encoding_name_for_model"))
V0_REQUESTS = frozenset(f"openai.{r}.{m}" for r in ("ChatCompletion", "Completion", "Embedding") for m in ("create", "acreate"))
WRAPPERS = frozenset({"with_raw_response", "with_streaming_response"})
DEFAULT_HOLDERS = frozenset({"Field", "field"})  # pydantic / dataclasses: `Field(default=...)`
FIREWORKS_IDS = ("accounts/", "fireworks/", "routers/")
OPENAI_FAMILY = re.compile(r"(?:chatgpt|gpt|o[1-9]|dall-e|tts|whisper|text|omni|computer-use|sora|codex)-|ft:[^:]+:")


def notable(value: str, models: ModelMap) -> bool:
    """Whether a string is a model id this rule has something to say about."""
    if not value or len(value) > 100 or any(c.isspace() for c in value):
        return False
    if value.startswith(FIREWORKS_IDS):
        return models.retired(value) is not None
    return bool(models.lookup(value) or models.unsupported(value) or models.looks_like_openai_model(value))


def mentionable(value: str, models: ModelMap) -> bool:
    """A model id worth a note wherever it is: known to the map, unsupported and in an OpenAI
    family's shape (not just any name ending in `-tts`), or a retired Fireworks id."""
    if not notable(value, models) or models.looks_like_openai_model(value):
        return False
    return not models.unsupported(value) or OPENAI_FAMILY.match(value) is not None


def top_level_strings(tree: ast.Module):
    """String literals assigned by module- and class-level statements (candidates for a link)."""
    body = list(tree.body)
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            body.extend(stmt.body)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            yield from (n.value for n in ast.walk(stmt.value) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def ends_in(call: ast.Call, paths: tuple[tuple[str, ...], ...]) -> bool:
    parts, node = [], call.func
    while isinstance(node, (ast.Attribute, ast.Name)):
        if isinstance(node, ast.Name) or node.attr not in WRAPPERS:
            parts.append(node.id if isinstance(node, ast.Name) else node.attr)
        node = getattr(node, "value", None)
    chain = tuple(reversed(parts))
    return any(chain[-len(path):] == path for path in paths)


def is_request(call: ast.Call, imports) -> bool:
    if unmigrated_client_root(call.func, imports):
        return False  # its requests still go to OpenAI: keep OpenAI's model
    name = dotted_name(call.func)
    return ends_in(call, REQUESTS) or (name is not None and imports.resolve_dotted(name) in V0_REQUESTS)


@dataclass(frozen=True)
class Role:
    kind: str  # "request" (a request's model), "mention", "envvar" (a read's name), "compare"
    detail: str = ""  # request: where dimensions= is passed; compare: the name compared


@dataclass
class Plan:
    """What the `ast` says about each string literal: (line, value) -> role of each occurrence."""

    roles: dict[tuple[int, str], list[Role | None]] = field(default_factory=dict)
    uniform: dict[str, Role | None] = field(default_factory=dict)  # a value with one role everywhere
    lines: set[int] = field(default_factory=set)
    mentions: Counter = field(default_factory=Counter)  # value -> literals that only mention it


class Scope:
    """A module, class or function body. A binding place is a key: (scope, name) for a
    variable, ("attr", name) for an attribute, a class-level name or a dataclass field."""

    def __init__(self, kind: str, parent: Scope | None = None):
        self.kind, self.parent = kind, parent
        self.bound: set[str] = set()
        self.init: Scope | None = None  # a class's __init__

    def key(self, name: str) -> tuple:
        return ("attr", name) if self.kind == "class" else (self, name)

    def lookup(self, name: str) -> tuple:
        """The key a name read here refers to (class bodies are skipped, as in Python)."""
        scope = self
        while scope.parent is not None and (scope.kind == "class" or name not in scope.bound):
            scope = scope.parent
        return (scope, name)


def key_of(node: ast.AST, scope: Scope) -> tuple | None:
    if isinstance(node, ast.Attribute):
        return ("attr", node.attr)
    return scope.lookup(node.id) if isinstance(node, ast.Name) else None


class Scan(ast.NodeVisitor):
    """One walk: requests, string literals, and bindings (key, need, value, give, scope).

    A shape says what part of a value is the model: "value" itself, "items" (a list looped
    over) or "dict:KEY" (an entry). A binding means: when (key, need) feeds a request, so does
    `value`, read in `scope`, with shape `give` (need and give None: any shape, kept).
    """

    def __init__(self, imports):
        self.imports = imports
        self.scope = Scope("module")
        self.requests: list[tuple[ast.Call, Scope]] = []
        self.calls: list[tuple[ast.Call, Scope]] = []
        self.callables: dict[str, list[Scope | None]] = {}  # None: a class without __init__ (fields)
        self.bindings: list[tuple[tuple, str | None, ast.AST, str | None, Scope]] = []
        self.stores: list[tuple[ast.AST, str, ast.AST, Scope]] = []  # config["model"] = value
        self.top_level: list[tuple[str, tuple, ast.AST, Scope]] = []
        self.strings: list[ast.Constant] = []
        self.quiet: set[int] = set()  # docstrings, literals other rules report: never mentioned
        self.compares: list[tuple[list[ast.AST], Scope]] = []  # `model == "gpt-4o"`, `model.startswith("o")`

    def visit_FunctionDef(self, node):
        inner = Scope("function", self.scope)
        args = node.args
        inner.bound.update(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a)
        positional = [*args.posonlyargs, *args.args]
        for arg, default in [*zip(positional[len(positional) - len(args.defaults):], args.defaults),
                             *zip(args.kwonlyargs, args.kw_defaults)]:
            if default is not None:  # evaluated where the function is defined
                self.bindings.append(((inner, arg.arg), None, default, None, self.scope))
        self.callables.setdefault(node.name, []).append(inner)
        if self.scope.kind == "class" and node.name == "__init__":
            self.scope.init = inner
        for child in [*node.decorator_list, args, node.returns, *getattr(node, "type_params", ())]:
            if child is not None:  # annotations and defaults are evaluated outside the function
                self.visit(child)
        self.scope, outer = inner, self.scope
        for stmt in node.body:
            self.visit(stmt)
        self.scope = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.scope, outer = Scope("class", self.scope), self.scope
        self.generic_visit(node)
        self.scope, inner = outer, self.scope
        self.callables.setdefault(node.name, []).append(inner.init)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.scope.bound.add(node.id)

    def visit_Assign(self, node):
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if isinstance(target, (ast.Name, ast.Attribute)):
                key = self.scope.key(target.id) if isinstance(target, ast.Name) else ("attr", target.attr)
                self.bindings.append((key, None, node.value, None, self.scope))
                if isinstance(target, ast.Name) and self.scope.kind != "function":
                    self.top_level.append((target.id, key, node.value, self.scope))
            elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                self.stores.append((target.value, f"dict:{target.slice.value}", node.value, self.scope))
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit_Assign(node)
        else:
            self.generic_visit(node)

    def visit_For(self, node):
        if isinstance(node.target, ast.Name):
            self.bindings.append((self.scope.key(node.target.id), "value", node.iter, "items", self.scope))
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_Call(self, node):
        func = dotted_name(node.func) or ""
        if is_request(node, self.imports):
            self.requests.append((node, self.scope))
        elif ends_in(node, ELSEWHERE):
            self.quiet.update(id(a.value) for a in node.keywords if a.arg == "model")
            self.quiet.update(id(a) for a in node.args[:1])
        elif func.endswith("add_argument") or self.imports.resolve_dotted(func) == "click.option":
            self.option(node)
        else:
            self.calls.append((node, self.scope))
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("startswith", "endswith"):
                self.compares.append(([node.func.value, *node.args], self.scope))
        self.generic_visit(node)

    def visit_Compare(self, node):
        self.compares.append(([node.left, *node.comparators], self.scope))
        self.generic_visit(node)

    def option(self, node: ast.Call) -> None:
        """argparse / click: `add_argument("--model", default="gpt-4o", choices=[...])` feeds `args.model`."""
        flags = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        dest = next((k.value.value for k in node.keywords if k.arg == "dest" and isinstance(k.value, ast.Constant)), None)
        long = next((f for f in flags if f.startswith("--")), None)
        name = dest or (long[2:].replace("-", "_") if long else None)
        for keyword in node.keywords:
            if name and keyword.arg in ("default", "choices"):
                items = keyword.arg == "choices"
                self.bindings.append((("attr", name), "value" if items else None, keyword.value, "items" if items else None, self.scope))

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant):
            self.quiet.add(id(node.value))
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            self.strings.append(node)

    def visit_JoinedStr(self, node):  # an f-string's text is never a model; its expressions may hold one
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value.value)


class Flow:
    """The binding places, literals and environment reads an expression takes its value from."""

    def __init__(self, imports, scope: Scope):
        self.imports, self.scope = imports, scope
        self.keys: set[tuple[tuple, str]] = set()
        self.literals: list[ast.Constant] = []
        self.env_names: list[ast.Constant] = []

    def take(self, node: ast.AST, shape: str) -> Flow:
        key = key_of(node, self.scope)
        if key is not None:
            self.keys.add((key, shape))
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.take(value, shape)
        elif isinstance(node, ast.IfExp):
            self.take(node.body, shape).take(node.orelse, shape)
        elif shape == "value":
            self.value(node)
        elif shape == "items" and isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for element in node.elts:
                self.take(element, "value")
        elif shape.startswith("dict:") and isinstance(node, ast.Dict):
            for key_node, value in zip(node.keys, node.values):
                if key_node is None or (isinstance(key_node, ast.Constant) and key_node.value == shape[5:]):
                    self.take(value, shape if key_node is None else "value")
        elif shape.startswith("dict:") and isinstance(node, ast.Call) and dotted_name(node.func) == "dict":
            for keyword in node.keywords:
                if keyword.arg in (None, shape[5:]):
                    self.take(keyword.value, shape if keyword.arg is None else "value")
        return self

    def value(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.literals.append(node)
        elif env_var_read(node, self.imports):  # os.getenv("MODEL", "gpt-4o"), os.environ["MODEL"]
            self.env_names.append(node.args[0] if isinstance(node, ast.Call) else node.slice)  # type: ignore[attr-defined]
            if isinstance(node, ast.Call) and len(node.args) > 1:
                self.take(node.args[1], "value")
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            self.entry(node.value, node.slice.value)  # config["model"], MODELS[0]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if node.args and isinstance(node.args[0], ast.Constant):  # config.get("model", "gpt-4o")
                self.entry(node.func.value, node.args[0].value)
                if len(node.args) > 1:
                    self.take(node.args[1], "value")
        elif isinstance(node, ast.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] in DEFAULT_HOLDERS:
            default = next((k.value for k in node.keywords if k.arg == "default"), node.args[0] if node.args else None)
            if default is not None:
                self.take(default, "value")

    def entry(self, owner: ast.AST, key: object) -> None:
        self.take(owner, f"dict:{key}" if isinstance(key, str) else "items")


def analyse(facts, models: ModelMap, model_feeds: frozenset[str]) -> Plan:
    """Which literals feed a request's model= (following bindings back to a fixed point), which
    only mention a model, and which name the environment variable a model is read from."""
    scan = Scan(facts.imports)
    scan.visit(facts.tree)
    if not openai_context(facts):  # another SDK's client (groq, together...) makes these calls
        scan.requests = []
    bindings = scan.bindings + [(key_of(owner, scope), need, value, "value", scope) for owner, need, value, scope in scan.stores]
    for call, scope in scan.calls:  # keyword arguments to this file's own functions and classes
        for target in scan.callables.get((dotted_name(call.func) or "").rsplit(".", 1)[-1], ()):
            bindings += [(target.key(k.arg) if target else ("attr", k.arg), None, k.value, None, scope) for k in call.keywords if k.arg]
    roles: dict[int, Role] = {}
    feeders: dict[tuple, set[str]] = {}
    mapped: set[tuple] = set()  # keys now bound to a Fireworks id
    sources: dict[tuple, set[tuple]] = {}  # key -> the keys its value comes from
    in_file = "A request in this file" if any(k.arg == "dimensions" for c, _ in scan.requests for k in c.keywords) else ""

    def feed(node: ast.AST, shape: str, scope: Scope, target: tuple | None = None, dims: str = in_file) -> bool:
        flow = Flow(facts.imports, scope).take(node, shape)
        for literal in flow.literals:
            roles[id(literal)] = Role("request", dims)
            if target is not None and shape == "value" and models.lookup(literal.value):
                mapped.add(target)
        if target is not None and shape == "value":
            sources.setdefault(target, set()).update(key for key, part in flow.keys if part == "value")
        roles.update((id(name), Role("envvar")) for name in flow.env_names)
        grew = False
        for key, part in flow.keys:
            if part not in feeders.setdefault(key, set()):
                feeders[key].add(part)
                grew = True
        return grew

    for call, scope in scan.requests:
        dims = "This request" if any(k.arg == "dimensions" for k in call.keywords) else ""
        for keyword in call.keywords:
            if keyword.arg in ("model", None):  # model=..., **params
                feed(keyword.value, "value" if keyword.arg else "dict:model", scope, dims=dims)
    for name, key, value, scope in scan.top_level:  # another file of the run hands it to model=
        if name in model_feeds:
            feed(value, "value", scope, key)
    for _ in range(10):  # each round follows the bindings one step further back
        grew = False
        for key, need, value, give, scope in bindings:
            for shape in [need] if need is not None else list(feeders.get(key, ())):
                if shape in feeders.get(key, ()):
                    grew |= feed(value, give or shape, scope, key)
        if not grew:
            break

    while grown := {key for key, found in sources.items() if key not in mapped and found & mapped}:
        mapped |= grown
    for operands, scope in scan.compares:  # comparisons with a name that now holds a Fireworks id
        subject = next((o for o in operands if key_of(o, scope) in mapped), None)
        for operand in operands if subject is not None else ():
            for item in operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]:
                if isinstance(item, ast.Constant) and isinstance(item.value, str) and not item.value.startswith(FIREWORKS_IDS):
                    roles.setdefault(id(item), Role("compare", dotted_name(subject) or "the model"))

    uses_openai = bool(scan.requests or roles) or facts.imports.imports_module("openai")
    plan = Plan()
    occurrences: dict[tuple[int, str], list[ast.Constant]] = {}
    for node in scan.strings:
        occurrences.setdefault((node.lineno, node.value), []).append(node)
    kinds: dict[str, set[Role | None]] = {}
    for (line, value), nodes in occurrences.items():
        mention = Role("mention") if mentionable(value, models) and (uses_openai or value.startswith(FIREWORKS_IDS)) else None
        found = [roles.get(id(node)) or (None if id(node) in scan.quiet else mention)
                 for node in sorted(nodes, key=lambda n: n.col_offset)]
        plan.mentions[value] += found.count(mention) if mention else 0
        kinds.setdefault(value, set()).update(found)
        if any(found):
            plan.roles[line, value] = found
            plan.lines.add(line)
    plan.uniform = {value: found.pop() for value, found in kinds.items() if len(found) == 1 and any(found)}
    return plan
