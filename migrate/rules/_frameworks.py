"""What the framework rules share (azure, openai_v0, anthropic_sdk, langchain, llama_index,
litellm, agents_sdk, instructor): the model map, Fireworks key and URL values, model ids
rewritten with their notes, and swapping one imported class for another.

Each rule owns a block of ten note codes, FW7N0 to FW7N9; the last two are given to
`map_model`: FW7N8 (what the new model changes, info) and FW7N9 (a model left as is).
"""

from __future__ import annotations

import ast
from collections import Counter

from migrate.facts import dotted_name
from migrate.model_map import Mapping, ModelMap, claude_lookup
from migrate.rules._base import Rule
from migrate.rules._calls import model_map
from migrate.rules._config_values import FireworksValues
from migrate.rules._lazy import cst, transformer
from migrate.rules._names import (
    OPENAI_URL_VARS,
    dotted,
    env_read,
    make_string,
    rebuild_args,
    renamed_env_read,
    string_value,
    url_kind,
)
from migrate.settings import BASE_URL_ENV, FIREWORKS_BASE_URL


class FrameworkRule(FireworksValues, Rule):
    """A framework rule: writes Fireworks URLs and keys as the client rule does
    (`FireworksValues`), and does its end-of-file work (imports) in `finish`."""

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return self.finish(original, updated)

    def finish(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def quote_in(call: cst.Call) -> str:
    """The quote character the call's own string arguments use (double by default)."""
    for arg in call.args:
        if isinstance(arg.value, cst.SimpleString):
            return arg.value.quote[-1]
    return '"'


def quote_of_expr(node: cst.CSTNode, default: str = '"') -> str:
    """The quote character of the first string literal inside `node` (an env read's name, ...)."""
    if isinstance(node, cst.SimpleString):
        return node.quote[-1]
    for child in node.children:
        found = quote_of_expr(child, "")
        if found:
            return found
    return default


def retype_string(node: cst.SimpleString, value: str) -> cst.SimpleString:
    """The same literal (prefix and quotes kept) holding another value."""
    return node.with_changes(value=f"{node.prefix}{node.quote}{value}{node.quote}")


# --- Fireworks key and URL values ----------------------------------------------------------------


def key_read(rule, quote: str = '"', read=None, original: cst.BaseExpression | None = None) -> cst.BaseExpression:
    """`os.environ["FIREWORKS_API_KEY"]`; with api-key-read = "soft", the user's own read form."""
    if read is not None and original is not None and rule.settings.api_key_read == "soft":
        return renamed_env_read(original, read, rule.settings.api_key_env)
    return rule.fireworks_key(read, quote)


def url_value(rule, quote: str = '"', url: str | None = None) -> cst.BaseExpression:
    """The Fireworks base URL as configured (a literal, or read from FIREWORKS_BASE_URL with
    base-url-style = "env"); `url`: another Fireworks URL, always a literal."""
    return make_string(url, quote) if url is not None else rule.fireworks_url(quote)


def migrate_key(rule, node: cst.CSTNode, value: cst.BaseExpression, foreign: frozenset[str], codes: tuple[str, str],
                quote: str = '"', any_env: bool = False) -> cst.BaseExpression | None:
    """A new api_key value, or None to keep it. `foreign`: env vars that hold another vendor's
    key (`any_env`: every variable but the Fireworks one). codes: (hard-coded key, kept value)."""
    target = rule.settings.api_key_env
    read = env_read(value, rule.imports)
    if read is not None:
        if read.var == target:
            return None
        if read.var in foreign or any_env:
            return key_read(rule, quote, read, value)
        rule.note(node, codes[1], "info", f"api_key reads {read.var}: make sure it holds a Fireworks API key")
        return None
    if repr(target)[1:-1] in code_of(value):
        return None  # already reads the Fireworks key (through an `os` this file did not import itself)
    literal = string_value(value)
    if literal is not None:
        return rule.replaced_literal_key(node, value, literal, codes[0])
    rule.note(node, codes[1], "info", f"api_key comes from `{code_of(value)}`: make sure it holds a Fireworks API key ({target})")
    return None


def edit_args(call: cst.Call, prepend=(), remove=frozenset(), replace=None, rename=None) -> cst.Call:
    """`rebuild_args` after renaming keywords (`rename`: old -> new; `remove`/`replace` use new names)."""
    rename = rename or {}
    args = [a.with_changes(keyword=cst.Name(rename[a.keyword.value])) if a.keyword is not None and a.keyword.value in rename
            else a for a in call.args]
    return rebuild_args(call.with_changes(args=args), prepend=list(prepend), remove=set(remove), replace=replace or {})


def migrate_url(rule, node: cst.CSTNode, value: cst.BaseExpression, code: str, quote: str = '"'):
    """A new OpenAI-style base URL value, None to keep it, False when it points elsewhere (noted)."""
    read = env_read(value, rule.imports)
    url = string_value(value)
    if read is not None and read.var in OPENAI_URL_VARS:
        return url_value(rule, quote)
    kind = url_kind(url, rule.settings.base_url) if url is not None else None
    if kind == "openai":
        return url_value(rule, quote)
    if kind == "fireworks-malformed":
        return make_string(FIREWORKS_BASE_URL, quote)
    if kind in ("fireworks", "configured") or (read is not None and read.var == BASE_URL_ENV):
        return None
    shown = repr(url) if url is not None else f"`{code_of(value)}`"
    rule.note(node, code, "warning", f"base URL {shown} is not OpenAI's: left as is (a gateway or server you chose); "
              f"point it at {rule.settings.base_url} yourself if it should move")
    return False


def receivers(facts, classes, keyword: str) -> dict[str, str | None]:
    """Names (`client`, `self.client`) assigned an instance of `classes` in this file, each with
    the literal value of its `keyword=` argument (None when absent or not a literal)."""
    found: dict[str, str | None] = {}
    for node in ast.walk(facts.tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            name = dotted_name(node.value.func)
            if name and facts.imports.resolve_dotted(name) in classes:
                given = next((k.value for k in node.value.keywords if k.arg == keyword), None)
                value = given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if dotted_name(target):
                        found[dotted_name(target)] = value
    return found


def forget_notes(rule, node: cst.CSTNode, other: str, code: str | None = None) -> None:
    """Drop the notes rule `other` made on `node`'s lines (or, with `code`, anywhere): an earlier
    pass's note on code this rule has just rewritten no longer holds."""
    first, last, _ = rule._lines(node)
    rule.ctx.notes = [n for n in rule.ctx.notes if n.rule != other or not (
        first <= n.line <= last if code is None else n.code == code)]


def azure_data_sources(call: cst.Call) -> cst.CSTNode | None:
    """`data_sources=[...]` (Azure "On Your Data"), as an argument or an `extra_body` key."""
    for arg in call.args:
        name = arg.keyword.value if arg.keyword is not None else None
        if name == "data_sources":
            return arg
        if name == "extra_body" and isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement) and string_value(element.key) == "data_sources":
                    return element
    return None


AZURE_DATA_SOURCES = ("data_sources (Azure OpenAI On Your Data: Azure AI Search, Cosmos DB...) is not served by "
                      "Fireworks: retrieve the documents yourself and put them in the messages")


# --- model ids -----------------------------------------------------------------------------------


def suggestion(models: ModelMap, name: str) -> str:
    """What the model map would pick for a deployment or alias name, as advice."""
    for candidate in (name, name.replace("gpt-35", "gpt-3.5")):  # Azure spells gpt-3.5 without the dot
        found = models.lookup(candidate)
        if found is not None:
            served = candidate if "*" in found.openai_id else found.openai_id  # the family its name points to
            return f"if it serves {served}, the model map suggests {found.target!r}"
    return "pick one with `fw-migrate --list-models`"


class ModelNotes:
    """Rewrites model-id literals through the map (once-per-model notes for one file)."""

    def __init__(self, rule, base: str):
        self.rule = rule
        self.models = model_map(rule.settings)
        self.base = base  # "FW73": notes FW738 and FW739
        self.explained: set[str] = set()

    def lookup(self, value: str, claude: bool = False) -> Mapping | None:
        return claude_lookup(value, self.models) if claude else self.models.lookup(value)

    def target(self, node: cst.CSTNode, value: str, claude: bool = False, where: str = "") -> str | None:
        """The Fireworks id for `value`, or None (with a note saying why when it matters)."""
        rule, left = self.rule, f"{self.base}9"
        if value.startswith("accounts/"):
            gone = self.models.retired(value)
            if gone is not None:
                instead = f": use {gone.replacement!r}" if gone.replacement else ""
                rule.note(node, left, "error", f"Fireworks retired {value!r}{instead}. {gone.note or ''}".strip())
            return None
        feature = None if claude else self.models.unsupported(value)
        if feature is not None:
            rule.note(node, left, "error", f"{value!r} has no Fireworks counterpart ({feature}): left as is")
            return None
        found = self.lookup(value, claude)
        if found is None:
            if claude or self.models.looks_like_openai_model(value):
                rule.note(node, left, "warning", f"unknown model {value!r}{where}: left as is; map it with "
                          f"--model {value}=accounts/fireworks/models/<model> or in [tool.fw-migrate.models]")
            return None
        if found.note and found.openai_id not in self.explained:
            self.explained.add(found.openai_id)
            rule.note(node, f"{self.base}8", "warning" if found.kind == "embedding" else "info",
                      f"{value!r} -> {found.target!r}: {found.note}")
        return found.target

    def rewrite(self, arg: cst.Arg, anchor: cst.CSTNode | None = None, prefix: str = "", claude: bool = False,
                strip: str = "") -> cst.Arg | None:
        """The argument with its model literal mapped (`strip`: a routing prefix to drop first).
        `anchor`: the node of the file as read that notes point at (the argument's own value)."""
        value = string_value(arg.value)
        if value is None or not value.startswith(strip):
            return None
        anchor = anchor if anchor is not None else arg.value
        target = self.target(anchor, value[len(strip):], claude)
        if target is None:
            return None
        self.rule.changed(anchor, f"model {value!r} -> {prefix + target!r}")
        return arg.with_changes(value=retype_string(arg.value, prefix + target))


# --- swapping a class for another, imports included ------------------------------------------------


def _name_counts(tree: ast.AST) -> Counter:
    return Counter(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


def _defined(tree: ast.AST) -> set[str]:
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}


class ClassSwap:
    """`ChatOpenAI(...)` -> `ChatFireworks(...)`: the callee, then (at the end of the file) the
    import that bound the old name when nothing else uses it, and the import of the new one."""

    def __init__(self, rule):
        self.rule = rule
        self.facts = rule.ctx.facts
        self.swapped: Counter = Counter()  # old local name -> constructions rewritten
        # old local name -> (new module, new name); no new name: the callee went `module.Name` (taken)
        self.wanted: dict[str, tuple[str, str | None]] = {}
        self.needed: set[tuple[str, str]] = set()
        self.defined: set[str] | None = None

    def callee(self, func: cst.BaseExpression, new_module: str, new_name: str) -> cst.BaseExpression | None:
        """The new callee, or None when the new name is taken by something else."""
        imports = self.rule.imports
        if isinstance(func, cst.Attribute):
            owner = dotted(func.value)
            if owner is not None and imports.resolve_dotted(owner) == new_module:
                return func.with_changes(attr=cst.Name(new_name))
        bound = imports.names.get(new_name)
        if self.defined is None:
            self.defined = _defined(self.facts.tree)
        if bound not in (None, f"{new_module}.{new_name}") or (bound is None and new_name in self.defined):
            # the name is taken: `module.Name(...)` through a plain `import module`, when that is free
            if "." in new_module or imports.names.get(new_module) not in (None, new_module) or new_module in self.defined:
                return None
            if isinstance(func, cst.Name):
                self.swapped[func.value] += 1
                self.wanted[func.value] = (new_module, None)
            self.rule.need_import(new_module)
            return cst.Attribute(cst.Name(new_module), cst.Name(new_name))
        if isinstance(func, cst.Name):
            self.swapped[func.value] += 1
            self.wanted[func.value] = (new_module, new_name)
        if bound is None:
            self.needed.add((new_module, new_name))
        return cst.Name(new_name)

    def finish(self, module: cst.Module) -> cst.Module:
        counts = _name_counts(self.facts.tree)
        done = {name: target for name, target in self.wanted.items() if counts[name] == self.swapped[name]}
        if done:
            fixer = transformer(_ImportFixer)(done, self.rule.imports)
            module = module.visit(fixer)
            self.needed -= fixer.satisfied
        if self.needed:
            joiner = transformer(_ImportJoiner)(self.needed)
            module = module.visit(joiner)
            self.needed -= joiner.joined
        for new_module, new_name in sorted(self.needed):
            self.rule.need_import(new_module, new_name)
        return module


class _ImportFixer:  # a CSTTransformer through _lazy.transformer
    """Rename, move or drop the `from M import Old` aliases whose names are no longer used."""

    def __init__(self, done: dict[str, tuple[str, str | None]], imports):
        super().__init__()
        self.done = done
        self.imports = imports
        self.satisfied: set[tuple[str, str]] = set()

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        if updated.relative or isinstance(updated.names, cst.ImportStar) or updated.module is None:
            return updated
        module = code_of(updated.module)
        aliases, kept, renamed, moved = list(updated.names), [], set(), set()
        for alias in aliases:
            local = alias.asname.name.value if alias.asname else code_of(alias.name)
            target = self.done.get(local)
            if target is None or self.imports.names.get(local) != f"{module}.{code_of(alias.name)}":
                kept.append(alias)
                continue
            new_module, new_name = target
            if new_name is None or (self.imports.names.get(new_name) == f"{new_module}.{new_name}" or (new_module, new_name) in renamed
                    or (new_module, new_name) in self.satisfied):
                continue  # already imported: drop the old alias
            renamed.add((new_module, new_name))
            moved.add(new_module)
            kept.append(alias.with_changes(name=cst.Name(new_name), asname=None))
        if not renamed and len(kept) == len(aliases):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        others = {code_of(a.name) for a in kept} - {name for _, name in renamed}
        if moved == {module} or (len(moved) == 1 and not others):
            self.satisfied |= renamed
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT) if updated.rpar is None else kept[-1]
            new_module = cst.parse_expression(next(iter(moved)))
            return updated.with_changes(module=new_module, names=kept)
        # the old module keeps other names: drop the retargeted aliases, import the new ones apart
        kept = [a for a in kept if (self._target(a), code_of(a.name)) not in renamed]
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT) if updated.rpar is None else kept[-1]
        return updated.with_changes(names=kept)

    def _target(self, alias: cst.ImportAlias) -> str | None:
        for new_module, new_name in self.done.values():
            if code_of(alias.name) == new_name:
                return new_module
        return None


class _ImportJoiner:  # a CSTTransformer through _lazy.transformer
    """`from agents import Agent` -> `from agents import set_tracing_disabled, Agent`, wherever that
    import is (in a try block, a function): the new name stays under the same guard."""

    def __init__(self, needed: set[tuple[str, str]]):
        super().__init__()
        self.needed = needed
        self.joined: set[tuple[str, str]] = set()

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        if updated.relative or updated.module is None or isinstance(updated.names, cst.ImportStar):
            return updated
        module = code_of(updated.module)
        names = list(updated.names)
        first = names[0]
        if len(names) == 1 and isinstance(first.comma, cst.Comma) and isinstance(first.comma.whitespace_after, cst.ParenthesizedWhitespace):
            return updated  # a one-name import spread over lines: let the engine add a new one
        present = {code_of(a.name) for a in names}
        comma = first.comma if isinstance(first.comma, cst.Comma) and len(names) > 1 else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        for wanted_module, name in sorted(self.needed - self.joined, reverse=True):  # each goes first
            if wanted_module == module and name not in present and (wanted_module, name) not in self.joined:
                names.insert(0, cst.ImportAlias(cst.Name(name), comma=comma))
                self.joined.add((wanted_module, name))
        return updated.with_changes(names=names) if len(names) > len(updated.names) else updated


class SwapRule(FrameworkRule):
    """A framework rule over the constructions of known classes (`CALLS`, qualified names),
    which it may swap for other classes (`self.swap`) and whose models it notes (`self.models`,
    note codes `MODEL_CODES` + digit)."""

    CALLS: frozenset[str] = frozenset()
    MODEL_CODES = ""

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return facts.calls_any(cls.CALLS)

    @classmethod
    def lines(cls, facts) -> set[int]:
        return facts.lines_of(facts.call_lines, cls.CALLS)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.swap = ClassSwap(self)
        self.models = ModelNotes(self, self.MODEL_CODES)

    def finish(self, original, updated):
        return self.swap.finish(updated)

