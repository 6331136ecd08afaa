"""What the API rules share: OpenAI API calls on any receiver, and the parameters a call sets.

A call is recognised by the attribute chain it ends in, whatever the receiver (a client in
`self.client`, a parameter, a module-level name, the openai module): `.chat.completions.create`,
`.chat.completions.parse`, `.completions.create`, `.responses.create`, `.embeddings.create`,
through `.with_raw_response` too; and the SDK 0.x classmethods (`openai.ChatCompletion.create`).
A file that imports another LLM SDK (anthropic, groq, google...) but not openai is not ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.facts import Facts, unknown_client
from migrate.model_map import ModelMap, ModelMapError
from migrate.rules._args import is_name
from migrate.rules._base import Rule
from migrate.rules._lazy import cst
from migrate.rules._names import dotted, string_value

WRAPPERS = frozenset({"with_raw_response", "with_streaming_response"})
V0_CALLS = {f"openai.{c}.{m}": k for c, k in (("ChatCompletion", "chat"), ("Completion", "completions")) for m in ("create", "acreate")}
OTHER_SDKS = ("anthropic", "google", "mistralai", "groq", "together", "fireworks", "cohere", "vertexai", "ollama",
              "litellm", "cerebras", "zhipuai", "dashscope")


@dataclass(frozen=True)
class ApiCall:
    kind: str  # chat | completions | responses | embeddings
    method: str  # create | parse | stream
    wrapped: bool = False  # through .with_raw_response / .with_streaming_response
    v0: bool = False  # openai.ChatCompletion.create and friends (SDK 0.x)


def classify(names: tuple[str, ...], qualified: str | None = None) -> ApiCall | None:
    if qualified in V0_CALLS:
        return ApiCall(V0_CALLS[qualified], "create", v0=True)
    wrapped = any(n in WRAPPERS for n in names)
    names = tuple(n for n in names if n not in WRAPPERS)
    if len(names) < 2 or names[-1] not in ("create", "parse", "stream"):
        return None
    owner, method = names[-2], names[-1]
    if owner == "completions" and len(names) >= 3 and names[-3] == "chat":
        return ApiCall("chat", method, wrapped)
    if owner == "completions" and method == "create":
        return ApiCall("completions", method, wrapped)
    if owner == "responses" or (owner == "embeddings" and method == "create"):
        return ApiCall(owner, method, wrapped)
    return None


def chain(node: cst.BaseExpression) -> tuple[tuple[str, ...], bool]:
    """The attribute names of `a.b.c`, and whether it starts at a plain name (`f().b.c`: no)."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    plain = isinstance(node, cst.Name)
    if plain:
        parts.append(node.value)
    return tuple(reversed(parts)), plain


def api_call(call: cst.Call, imports) -> ApiCall | None:
    names, plain = chain(call.func)
    if not plain and _unmigrated_client(call.func, imports):
        return None  # `__import__("openai").Client().chat...`: still OpenAI's, no rule moved it
    return classify(names, imports.resolve_dotted(".".join(names)) if plain and names else None)


def _unmigrated_client(func: cst.BaseExpression, imports) -> bool:
    """The chain starts at a client built right there that the client rule does not migrate."""
    node = func
    while isinstance(node, cst.Attribute):
        node = node.value
    if not isinstance(node, cst.Call) or not isinstance(node.func, (cst.Attribute, cst.Name)):
        return False
    last = node.func.attr.value if isinstance(node.func, cst.Attribute) else node.func.value
    return last.endswith(("OpenAI", "Client")) and unknown_client(dotted(node.func), imports)


def call_name(call: cst.Call) -> str:
    """`chat.completions.create` for `self.client.chat.completions.with_raw_response.create`."""
    names = tuple(n for n in chain(call.func)[0] if n not in WRAPPERS)
    for start in ("chat", "completions", "responses", "embeddings", "ChatCompletion", "Completion"):
        if start in names:
            return ".".join(names[names.index(start):])
    return ".".join(names[-2:])


_MAPS: dict[str, ModelMap] = {}


def model_map(settings) -> ModelMap:
    """The model map for these settings, once per process (the CLI reports bad entries)."""
    key = repr((settings.models, settings.model_flags))
    if key not in _MAPS:
        try:
            _MAPS[key] = ModelMap.load(dict(settings.models), settings.model_flags)
        except (ModelMapError, TypeError, ValueError):
            _MAPS[key] = ModelMap.load()
    return _MAPS[key]


def openai_context(facts: Facts) -> bool:
    imports = facts.imports
    return imports.imports_module("openai") or not any(imports.imports_module(m) for m in OTHER_SDKS)


# --- the parameters a call sets, through `**name` built in the same function -----------------


class ApiRule(Rule):
    """A rule that looks at API calls: knows the function each call is in, and its parameters."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.scopes: list[cst.CSTNode] = []
        self.built: dict[tuple[int, str], dict[str, cst.BaseExpression] | None] = {}

    def visit_Module(self, node: cst.Module) -> None:
        self.scopes = [node]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append(node)

    def leave_FunctionDef(self, original, updated):
        self.scopes.pop()
        return updated

    def params(self, call: cst.Call) -> dict[str, cst.BaseExpression]:
        """keyword -> value: the call's own keywords, and the keys of dicts it spreads with
        `**name` when the same function builds `name` from literal keys."""
        found: dict[str, cst.BaseExpression] = {}
        for arg in call.args:
            if arg.keyword is not None:
                found[arg.keyword.value] = arg.value
            elif arg.star == "**" and isinstance(arg.value, cst.Name) and self.scopes:
                key = (id(self.scopes[-1]), arg.value.value)
                if key not in self.built:
                    self.built[key] = _dict_builds(self.scopes[-1], arg.value.value)
                found.update(self.built[key] or {})
        return found


def _dict_builds(scope: cst.CSTNode, name: str) -> dict[str, cst.BaseExpression]:
    found: dict[str, cst.BaseExpression] = {}

    def entries(value) -> None:
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement) and string_value(element.key) is not None:
                    found[string_value(element.key)] = element.value
        elif isinstance(value, cst.Call) and is_name(value.func, "dict"):
            found.update((a.keyword.value, a.value) for a in value.args if a.keyword is not None)

    class Builds(cst.CSTVisitor):
        def visit_FunctionDef(self, node) -> bool:
            return node is scope

        def visit_ClassDef(self, node) -> bool:
            return False

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if is_name(node.target, name) and node.value is not None:
                entries(node.value)

        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                t = target.target
                if is_name(t, name):
                    entries(node.value)
                elif isinstance(t, cst.Subscript) and is_name(t.value, name) and len(t.slice) == 1:
                    index = t.slice[0].slice
                    if isinstance(index, cst.Index) and string_value(index.value) is not None:
                        found[string_value(index.value)] = node.value

        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Attribute) and is_name(node.func.value, name) and node.func.attr.value == "update":
                for arg in node.args:
                    if arg.keyword is not None:
                        found[arg.keyword.value] = arg.value
                    elif not arg.star:
                        entries(arg.value)

    scope.visit(Builds())
    return found


