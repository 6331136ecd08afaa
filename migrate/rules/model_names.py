"""Swap the OpenAI model ids your requests name for Fireworks ones, through the model map.

A request is a call ending in `.chat.completions.create/parse/stream`, `.completions.create`,
`.embeddings.create`, `.responses.create/parse/stream` or
`.audio.transcriptions/translations.create` (also under `beta.`, `with_raw_response.`, and
instructor's `create_with_completion`), on any client (`client`, `self.client`, a parameter,
`openai` itself), sync or async. Its `model=` is rewritten where it is a string literal, and
so are the literals that flow into it within the file: constants, class attributes,
dataclass and pydantic fields, `self.model = ...`, default parameter values and keyword
arguments to your own functions and classes, `"model"` entries of a dict passed as
`**params`, `os.environ.get("MODEL", "gpt-4o")` defaults, argparse defaults, lists looped
over. A module- or class-level constant that another file of the same run hands to a
request (`model=settings.CHAT_MODEL`, `model=CHAT_MODEL`) is rewritten too.

Before:
    MODEL = os.getenv("CHAT_MODEL", 'gpt-4o-mini-2024-07-18')
    client.chat.completions.create(model=MODEL, messages=messages)
After:
    MODEL = os.getenv("CHAT_MODEL", 'accounts/fireworks/models/gpt-oss-120b')
    client.chat.completions.create(model=MODEL, messages=messages)

Dated snapshots resolve to their family (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`); your
quote style is kept. See the map with `fw-migrate --list-models`; override it in
pyproject.toml (`[tool.fw-migrate.models]` `"gpt-4o" = "accounts/fireworks/models/x"`) or
with `--model gpt-4o=accounts/fireworks/models/x`.

Notes:
- FW301: what the new model changes for the caller (reasoning, image input), once a model.
- FW302: an unknown `gpt-*` / `o*` id: left, with how to add it to the map.
- FW303: a model Fireworks has no counterpart for (speech, realtime, web search...): left;
  an error in a request, a note on each other occurrence.
- FW304: an embedding model: re-embed stored vectors (the size may differ; `dimensions=`).
- FW305: a speech-to-text model: it is served on a separate audio URL, so a second client.
- FW306: a retired Fireworks id, with its replacement.
- FW307: an OpenAI id anywhere else in a file that uses openai (a price table, a list of
  choices, `ChatOpenAI(model=...)`, an Agents SDK `Agent(model=...)`): left, noted once an id.
- FW309: the model is read from an environment variable: set it to a Fireworks id there.
- FW310: `model == "gpt-4o"` / `model.startswith("o")` on a rewritten name is now false.

Never rewritten: docstrings, comments, prompts, log messages, f-strings, concatenated
strings, Fireworks ids (`accounts/...`) and `org/name` ids, names the file cannot trace to
a literal, positional arguments, `model=` of calls on other SDKs (a file that imports
anthropic, groq, ... and not openai). `tiktoken.encoding_for_model` is the tiktoken_models
rule's; images, speech and moderation calls are the unsupported_surfaces rule's.
Docs: https://docs.fireworks.ai/models/overview and
https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field

from migrate.facts import dotted_name, env_var_read, unmigrated_client_root
from migrate.model_map import Mapping, ModelMap
from migrate.rules._base import Rule
from migrate.rules._calls import model_map, openai_context
from migrate.rules._lazy import cst
from migrate.rules._names import string_value

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


class ModelNamesRule(Rule):
    TRIGGER = (r"(?i:openai)|[\"'](?:gpt-|chatgpt-|o[1-9][-\"']|text-embedding-|text-davinci|davinci|babbage|whisper-|dall-e|tts-"
               r"|accounts/fireworks/)|\.(?:completions|embeddings|responses|transcriptions|translations)\.(?:create|parse|stream)\b")

    @classmethod
    def triage(cls, facts, settings) -> bool:
        """A file that uses openai or makes requests, and names a model or reads one from the
        environment; or one that sets a module/class constant to a model id (for other files)."""
        models = model_map(settings)
        named = any(notable(value, models) for value in facts.strings)
        requests = facts.imports.imports_module("openai") or any(".".join(p[-2:]) in facts.method_calls for p in REQUESTS)
        if requests:  # your own map's keys need not look like OpenAI ids, nor reach facts.strings
            return named or bool(settings.models or settings.model_flags) or any("MODEL" in v.upper() for v in facts.env_reads)
        return named and any(notable(value, models) for value in top_level_strings(facts.tree))

    def __init__(self, ctx):
        super().__init__(ctx)
        self.models = model_map(self.settings)
        self.plan = analyse(ctx.facts, self.models, ctx.links.model_feeds)
        self.values = {value for _, value in self.plan.roles}
        self._interest = self.plan.lines  # only statements on these lines are visited
        self.seen: Counter = Counter()
        self.explained: set[str] = set()  # map entries whose note was given
        self.mentioned: set[str] = set()
        self.parts: set[int] = set()  # pieces of "implicitly" "concatenated" strings: never a model

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self.parts.update(id(part) for part in (node.left, node.right) if isinstance(part, cst.SimpleString))

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.BaseExpression:
        value = string_value(original)
        if value is None or value not in self.values or id(original) in self.parts:
            return updated
        if value in self.plan.uniform:  # no need to know where it is (positions cost a code generation)
            role = self.plan.uniform[value]
        else:
            line = self._lines(original)[0]
            index = self.seen[line, value]
            self.seen[line, value] += 1
            found = self.plan.roles.get((line, value), ())
            role = found[index] if index < len(found) else None
        if role is None or (role.kind == "mention" and value in self.mentioned and not self.models.unsupported(value)):
            return updated
        if not self.allowed(original):
            return updated
        if role.kind == "envvar":
            self.note(original, "FW309", "info", f"the model is read from {value}: wherever it is set (.env files, "
                      "deployment settings), set it to a Fireworks model id")
        elif role.kind == "compare":
            self.note(original, "FW310", "warning", f"{role.detail} now holds a Fireworks model id, so comparing it with "
                      f"{value!r} no longer matches: compare with the Fireworks id, or branch on a setting of your own")
        elif self.retired(original, value):
            pass
        elif role.kind == "mention":
            self.mention(original, value)
        elif mapping := self.request(original, value, role):
            self.changed(original, f"model {value!r} -> {mapping.target!r}")
            return updated.with_changes(value=f"{updated.prefix}{updated.quote}{mapping.target}{updated.quote}")
        return updated

    def retired(self, node: cst.SimpleString, value: str) -> bool:
        """True for any Fireworks or `org/name` id (never rewritten), with a note when retired."""
        gone = self.models.retired(value) if value.startswith(FIREWORKS_IDS) else None
        if gone is not None:
            when = f" on {gone.retired_on}" if gone.retired_on else ""
            instead = f": use {gone.replacement!r}" if gone.replacement else ""
            self.note(node, "FW306", "error", f"Fireworks retired {value!r}{when}{instead}. {gone.note or ''}".strip())
        return "/" in value

    def mention(self, node: cst.SimpleString, value: str) -> None:
        """A model id outside any request: a note for each unsupported one, one per other id."""
        feature = self.models.unsupported(value)
        if feature is not None:
            self.note(node, "FW303", "info", f"{value!r} names an OpenAI model Fireworks has no counterpart for "
                      f"({feature}): left as is")
        if feature is not None or value in self.mentioned:
            return
        self.mentioned.add(value)
        more = self.plan.mentions[value] - 1
        where = f" ({more} more in this file)" if more > 0 else ""
        mapping = self.models.lookup(value)
        if mapping is not None:
            self.note(node, "FW307", "info", f"{value!r} names an OpenAI model outside a request's model={where}: left "
                      f"as is; if it stands for your requests' model (a table key, a list of choices, a setting of "
                      f"another SDK), its Fireworks counterpart is {mapping.target!r}")

    def request(self, node: cst.SimpleString, value: str, role: Role) -> Mapping | None:
        """Notes about the model of a request; the mapping when it is to be rewritten."""
        feature = self.models.unsupported(value)
        if feature is not None:
            self.note(node, "FW303", "error", f"{value!r} has no Fireworks counterpart ({feature}): left as is; keep "
                      f"this call on an OpenAI client, or map it yourself (--model {value}=<fireworks-id>) if you have one")
            return None
        mapping = self.models.lookup(value)
        if mapping is None:
            if self.models.looks_like_openai_model(value):
                self.note(node, "FW302", "warning", f"unknown OpenAI model {value!r}: left as is; map it in pyproject.toml "
                          f"([tool.fw-migrate.models] \"{value}\" = \"accounts/fireworks/models/<model>\") or with "
                          f"--model {value}=accounts/fireworks/models/<model>")
            return None
        if mapping.kind == "embedding":
            advice = mapping.note if mapping.note and "re-embed" in mapping.note.lower() else (
                "Re-embed stored data: vectors from different models are not comparable, and the size may differ. "
                + (mapping.note or "")).strip()
            if role.detail:
                advice += f" {role.detail} passes dimensions=: check the new model accepts that size and that it matches your index."
            self.note(node, "FW304", "warning", f"embeddings {value!r} -> {mapping.target!r}: {advice}")
        elif mapping.kind == "audio" and mapping.base_url:
            advice = mapping.note if mapping.note and mapping.base_url in mapping.note else (
                f"Call it on a second client with base_url={mapping.base_url!r}. {mapping.note or ''}".strip())
            self.note(node, "FW305", "warning", f"speech-to-text {value!r} -> {mapping.target!r} is served at "
                      f"{mapping.base_url}, not at the main Fireworks URL. {advice}")
        elif mapping.note and mapping.openai_id not in self.explained:
            self.explained.add(mapping.openai_id)
            self.note(node, "FW301", "info", f"{value!r} -> {mapping.target!r}: {mapping.note}")
        return mapping


RULE = ModelNamesRule
