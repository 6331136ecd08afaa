"""Migrate code written for the openai<1.0 SDK in place, for that SDK.

`openai.ChatCompletion.create(...)`, `openai.Completion.create`, `openai.Embedding.create`,
their `acreate` twins and dict-style responses (`resp["choices"][0]["message"]["content"]`)
still work against Fireworks on openai 0.28, once `openai.api_base` is the Fireworks URL and
the models are Fireworks ids. This rule keeps the 0.x shapes (no upgrade to the 1.x client);
each file that uses them gets one note saying so (FW710): pin `openai<1` for it.

Before:
    openai.ChatCompletion.create(engine="text-davinci-003", api_key=os.getenv("OPENAI_API_KEY"),
                                 organization="org-1", messages=messages)
After:
    openai.ChatCompletion.create(model="accounts/fireworks/models/llama-v3p1-8b-instruct",
                                 api_key=os.environ["FIREWORKS_API_KEY"], messages=messages)

- `engine=` / `deployment_id=` become `model=`: 0.x sends `engine` in the URL
  (`/engines/<engine>/...`), which Fireworks does not serve. In a file set up for Azure
  (`openai.api_type = "azure"`, `api_type="azure"`, `deployment_id=`) the value is a deployment
  name, reported with the model map's suggestion (FW711): kept, unless it is named like a model
  the map knows (`"gpt-4o"`), which is then mapped like any `model=` literal; its `data_sources` (Azure
  "On Your Data") is an error note (FW712). Elsewhere `engine=` is an OpenAI model id and
  follows the map.
- Per-call `api_key=` (OPENAI_API_KEY / Azure reads, hard-coded keys) reads FIREWORKS_API_KEY;
  `api_base=` (OpenAI's or Azure's URL, OPENAI_API_BASE reads) becomes the Fireworks URL; a URL
  pointing elsewhere is left, with a note (FW714). `api_type=`, `api_version=` and
  `organization=` are removed.

Done by other rules: `openai.api_key` / `openai.api_base` (module_config), `model=` literals
and the constants feeding them (model_names), Azure module setups (azure), 0.x surfaces
Fireworks does not serve (unsupported_surfaces).
Model ids: FW718 says what the Fireworks model changes, FW719 why an id was left as is.
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

import ast
from collections import Counter

from migrate.rules._frameworks import (
    AZURE_DATA_SOURCES,
    FrameworkRule,
    ModelNotes,
    azure_data_sources,
    code_of,
    migrate_key,
    model_map,
    quote_in,
    suggestion,
    url_value,
)
from migrate.rules._lazy import cst
from migrate.rules._names import (
    OPENAI_KEY_VARS,
    OPENAI_URL_VARS,
    env_read,
    find_arg,
    make_string,
    qualname,
    rebuild_args,
    string_value,
    url_kind,
)
from migrate.settings import FIREWORKS_BASE_URL

RESOURCES = frozenset({"ChatCompletion", "Completion", "Embedding", "Edit", "Image", "Moderation", "Audio", "File",
                       "FineTune", "FineTuningJob", "Model", "Engine", "Deployment", "Customer"})
ENGINE_RESOURCES = frozenset({"ChatCompletion", "Completion", "Embedding", "Edit"})
AZURE_TYPES = frozenset({"azure", "azure_ad", "azuread"})
AZURE_KEY_VARS = frozenset({"AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY", "AZURE_API_KEY", "OPENAI_API_KEY"})


def v0_resource(qual: str | None) -> str | None:
    parts = (qual or "").split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "openai" and parts[1] in RESOURCES else None


def engine_constants(facts) -> dict[str, int]:
    """`NAME = "literal"` at module level, bound once in the file, handed to `engine=` /
    `deployment_id=` of a 0.x call: name -> line. Once the argument is `model=NAME`, model_names
    maps such constants; mapping them here too keeps a second run from finding more to do."""
    fed = {k.value.id for q, calls in facts.call_nodes.items() if v0_resource(q) for call in calls
           for k in call.keywords if k.arg in ("engine", "deployment_id") and isinstance(k.value, ast.Name)}
    if not fed:
        return {}
    stores = Counter(n.id for n in ast.walk(facts.tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load))
    return {stmt.targets[0].id: stmt.lineno for stmt in facts.tree.body
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id in fed and stores[stmt.targets[0].id] == 1
            and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)}


class OpenAIV0Rule(FrameworkRule):
    TRIGGER = r"\b(?:" + "|".join(sorted(RESOURCES)) + r")\.\w+\s*\(|api_type"

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return any(v0_resource(q) for q in facts.called)

    @classmethod
    def lines(cls, facts) -> set[int]:
        calls = facts.lines_of(facts.call_lines, [q for q in facts.called if v0_resource(q)])
        return calls | set(engine_constants(facts).values())

    def __init__(self, ctx):
        super().__init__(ctx)
        facts = ctx.facts
        self.azure_file = "openai.api_type" in facts.assigned_attrs and bool(facts.strings & AZURE_TYPES)
        self.models = ModelNotes(self, "FW71")
        self.constants = engine_constants(facts)
        self.mapped_constants: set[str] = set()
        self.announced = False

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        """`DEPLOYMENT = "gpt-4o"` feeding `engine=DEPLOYMENT`: mapped when the map knows the name."""
        target = original.targets[0].target if len(original.targets) == 1 else None
        value = string_value(updated.value)
        if not isinstance(target, cst.Name) or target.value not in self.constants or value is None:
            return updated
        known = model_map(self.settings).lookup(value)
        if known is None or self._lines(original)[0] != self.constants[target.value] or not self.allowed(original):
            return updated
        mapped = self.models.rewrite(cst.Arg(updated.value), original.value)
        if mapped is None:
            return updated
        self.mapped_constants.add(target.value)
        if self.azure_file:
            self.note(original.value, "FW711", "warning", f"{value!r} names an Azure deployment: mapped by that name, "
                      f"as if the deployment serves {known.openai_id}; check that it did")
        return updated.with_changes(value=mapped.value)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qual = qualname(original.func, self.imports)
        resource = v0_resource(qual)
        if resource is None or not self.allowed(original):
            return updated
        if not self.announced:
            self.announced = True
            self.note(original, "FW710", "info", f"this file uses the openai<1.0 SDK ({qual}): it runs on Fireworks with "
                      "openai==0.28 (pin it: openai>=1 removed these classes) once openai.api_base is the Fireworks URL "
                      "and models are Fireworks ids; fw-migrate migrates it in place and does not upgrade it to 1.x")
        quote = quote_in(updated)
        api_type = find_arg(updated, "api_type")
        azure = self.azure_file or find_arg(updated, "deployment_id") is not None or (
            api_type is not None and string_value(api_type.value) in AZURE_TYPES)
        if azure and azure_data_sources(original) is not None:
            self.note(azure_data_sources(original), "FW712", "error", AZURE_DATA_SOURCES)
        args, edits, removed, replace = [], [], set(), {}
        for before, arg in zip(original.args, updated.args):
            name = arg.keyword.value if arg.keyword is not None else None
            if name in ("engine", "deployment_id") and resource in ENGINE_RESOURCES:
                new_arg = self.engine(before, arg, azure, find_arg(updated, "model") is not None)
                edits.append(f"{name}= {'removed' if new_arg is None else 'is now model='}")
                arg = new_arg or arg
                if new_arg is None:
                    removed.add(name)
            elif name in ("api_type", "api_version", "organization"):
                edits.append(f"{name}= removed")
                removed.add(name)
            elif name == "api_key":
                new = migrate_key(self, original, arg.value, AZURE_KEY_VARS if azure else OPENAI_KEY_VARS,
                                  ("FW716", "FW715"), quote)
                if new is not None:
                    replace[name] = new
                    edits.append(f"api_key reads {self.settings.api_key_env}")
            elif name == "api_base":
                new = self.api_base(original, arg.value, azure, quote)
                if new is not None:
                    replace[name] = new
                    edits.append("api_base now Fireworks")
            args.append(arg)
        if not edits:
            return updated
        if "organization" in removed:
            self.note(original, "FW717", "info", "removed organization=: it only sends an OpenAI header")
        self.changed(original, f"{qual}(...): " + ", ".join(edits))
        return rebuild_args(updated.with_changes(args=args), remove=removed, replace=replace)

    def engine(self, before: cst.Arg, arg: cst.Arg, azure: bool, has_model: bool) -> cst.Arg | None:
        """`engine=X` as `model=X` (None when model= is there already); `before`: the arg as read."""
        value = string_value(arg.value)
        shown = repr(value) if value is not None else f"`{code_of(arg.value)}`"
        if has_model:
            return None
        arg = arg.with_changes(keyword=cst.Name("model"))
        if isinstance(arg.value, cst.Name) and arg.value.value in self.mapped_constants:
            return arg  # its constant was mapped above
        if azure:
            advice = suggestion(model_map(self.settings), value) if value else "pick one with `fw-migrate --list-models`"
            # a deployment named like a model is mapped by that name, as model= literals are (and stay) everywhere
            known = model_map(self.settings).lookup(value) if value else None
            mapped = self.models.rewrite(arg, before.value) if known else None
            if mapped is not None:
                self.note(before.value, "FW711", "warning", f"{shown} names an Azure deployment: mapped by that name, as "
                          f"if the deployment serves {known.openai_id}; check that it did")
                return mapped
            self.note(before.value, "FW711", "warning", f"{shown} names an Azure deployment, not a model: Fireworks needs "
                      f"a model id in model= ({advice})")
            return arg
        if value is None:
            self.note(before, "FW711", "info", f"engine={shown} is now model=: make sure it holds a Fireworks model id")
            return arg
        mapped = self.models.rewrite(arg, before.value)
        models = self.models.models
        if mapped is None and not value.startswith("accounts/") and not (models.looks_like_openai_model(value) or models.unsupported(value)):
            self.note(before, "FW711", "info", f"engine={shown} is now model=: make sure it is a Fireworks model id")
        return mapped or arg

    def api_base(self, call: cst.Call, value: cst.BaseExpression, azure: bool, quote: str) -> cst.BaseExpression | None:
        read = env_read(value, self.imports)
        if read is not None:
            if read.var in OPENAI_URL_VARS or (azure and read.var.startswith("AZURE")):
                return url_value(self, quote)
            return None
        url = string_value(value)
        kind = url_kind(url, self.settings.base_url) if url is not None else None
        if kind == "openai" or (url is not None and azure and ".azure.com" in url):
            return url_value(self, quote)
        if kind == "fireworks-malformed":
            return make_string(FIREWORKS_BASE_URL, quote)
        if kind in ("other", None):
            where = f"points to {url!r}, not OpenAI" if url is not None else f"comes from `{code_of(value)}`"
            self.note(call, "FW714", "warning", f"api_base {where}: left as is; make sure it is "
                      f"{self.settings.base_url} if this call should reach Fireworks")
        return None


RULE = OpenAIV0Rule
