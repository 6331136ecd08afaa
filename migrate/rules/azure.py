"""Move Azure OpenAI clients and `openai.api_type = "azure"` setups to Fireworks.

`AzureOpenAI(...)` / `AsyncAzureOpenAI(...)` (from `openai` or `openai.lib.azure`, any
import form) become `OpenAI(...)` / `AsyncOpenAI(...)` with the Fireworks base URL and key:

Before:
    client = AzureOpenAI(api_key=os.getenv("AZURE_OPENAI_API_KEY"), api_version="2024-02-01",
                         azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"])
    client.chat.completions.create(model="my-gpt4o", messages=messages)
After:
    client = OpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])
    client.chat.completions.create(model="my-gpt4o", messages=messages)   # noted: a deployment name

- `azure_endpoint`, `api_version`, `azure_deployment`, `azure_ad_token`,
  `azure_ad_token_provider`, `base_url` (an Azure URL), `organization` and `project` go.
- The key: any environment read (AZURE_OPENAI_API_KEY, ...) or a hard-coded key (FW706) becomes
  `os.environ["FIREWORKS_API_KEY"]`; a key from your own expression is kept, with a note (FW705).
  Entra ID token auth (`azure_ad_token*`) goes, with a note (FW709).
- The import follows: `from openai import AzureOpenAI` becomes `from openai import OpenAI` when
  nothing else uses the Azure name; an annotation or isinstance that still does is noted (FW708).
- On Azure, `model=` names a deployment, and `azure_deployment=` fixes one for every call (Azure
  then ignores `model=`). A deployment name says nothing reliable about the model behind it,
  so it is reported, never rewritten, with the model map's suggestion (FW702, FW703).
  `data_sources` (Azure "On Your Data") on those calls is an error note (FW707).

Module-level setups (`openai.api_type = "azure"` with `openai.api_base` / `azure_endpoint`,
`api_version`, `api_key`), in the block that sets the type: the type becomes "openai", the URL
the Fireworks one, the key the Fireworks read; `api_version` and `azure_ad_token*` lines go; a
missing key or URL line is added. Conditional setups keep their shape: an Azure branch is
migrated, the OpenAI branch next to it is left to the other rules, no branch is removed.

Not rewritten: constructions with `**kwargs` (noted, FW704). Where `OpenAI` names something else in
the file (LangChain's class), the construction becomes `openai.OpenAI(...)` with `import openai`.
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

from migrate.rules._frameworks import (
    AZURE_DATA_SOURCES,
    ClassSwap,
    FrameworkRule,
    azure_data_sources,
    code_of,
    forget_notes,
    key_read,
    migrate_key,
    model_map,
    quote_in,
    quote_of_expr,
    receivers,
    suggestion,
    url_value,
)
from migrate.rules._lazy import cst
from migrate.rules._names import (
    dotted,
    find_arg,
    has_star_args,
    keyword_arg,
    make_string,
    qualname,
    rebuild_args,
    string_value,
)
from migrate.rules.module_config import uses_v0

AZURE_CLASSES = {f"{m}.{c}": c.replace("Azure", "") for m in ("openai", "openai.lib.azure") for c in ("AzureOpenAI", "AsyncAzureOpenAI")}
AZURE_ONLY = ("azure_endpoint", "api_version", "azure_deployment", "azure_ad_token", "azure_ad_token_provider",
              "base_url", "organization", "project", "websocket_base_url")
AZURE_TYPES = frozenset({"azure", "azure_ad", "azuread"})
URL_ATTRS = ("api_base", "base_url", "azure_endpoint")
DROPPED_ATTRS = frozenset({"api_version", "azure_ad_token", "azure_ad_token_provider", "organization"})


class AzureRule(FrameworkRule):
    TRIGGER = r"Azure|api_type|api_base|\b(?:ChatCompletion|Completion|Embedding)\."

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return facts.calls_any(AZURE_CLASSES.keys()) or "openai.api_type" in facts.assigned_attrs

    def __init__(self, ctx):
        super().__init__(ctx)
        self.swap = ClassSwap(self)
        self.models = model_map(self.settings)
        self.v0 = uses_v0(ctx.facts.called) or "openai.api_base" in ctx.facts.assigned_attrs
        self.callees: set[int] = set()  # ids of callees and attribute names: not references
        self.receivers = receivers(ctx.facts, AZURE_CLASSES.keys(), "azure_deployment")  # `client` -> its deployment

    def visit_Call(self, node: cst.Call) -> None:
        self.callees.add(id(node.func))

    def visit_ImportFrom(self, node) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.reference(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.callees.add(id(node.attr))
        self.reference(node)

    def reference(self, node) -> None:
        """`isinstance(c, AzureOpenAI)`, `client: AzureOpenAI`: still the Azure class."""
        if id(node) not in self.callees and qualname(node, self.imports) in AZURE_CLASSES:
            new_name = AZURE_CLASSES[qualname(node, self.imports)]
            self.note(node, "FW708", "info", f"still refers to {dotted(node)}: the clients this file builds are now "
                      f"{new_name}, so isinstance checks against it fail and type hints are stale; use openai.{new_name}")

    def finish(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return self.swap.finish(self.azure_block(original, updated))

    def leave_IndentedBlock(self, original, updated):
        return self.azure_block(original, updated)

    # --- constructions ---------------------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qual = qualname(original.func, self.imports)
        if qual not in AZURE_CLASSES:
            self.deployment_note(original)
            return updated
        if not self.allowed(original):
            return updated
        new_name = AZURE_CLASSES[qual]
        if has_star_args(updated):
            self.note(original, "FW704", "warning", f"{dotted(original.func)} built with **kwargs: left as is; build "
                      f"{new_name}(base_url={self.settings.base_url!r}, api_key=os.environ[{self.settings.api_key_env!r}]) instead")
            return updated
        func = self.swap.callee(updated.func, "openai", new_name)
        if func is None:
            self.note(original, "FW704", "warning", f"{new_name} names something else in this file: "
                      f"{dotted(original.func)}(...) left as is; build an openai.{new_name} pointed at Fireworks yourself")
            return updated
        quote = quote_in(updated)
        removed = {name for name in AZURE_ONLY if find_arg(updated, name) is not None}
        deployment = find_arg(updated, "azure_deployment")
        if deployment is not None:
            value = string_value(deployment.value)
            shown = repr(value) if value is not None else f"`{code_of(deployment.value)}`"
            self.note(original, "FW703", "warning", f"azure_deployment={shown} removed: Fireworks takes the model from each "
                      f"request's model=, which Azure ignored on this client; set it to a Fireworks model id "
                      f"({suggestion(self.models, value) if value else 'pick one with `fw-migrate --list-models`'})")
        if removed & {"azure_ad_token", "azure_ad_token_provider"}:
            self.note(original, "FW709", "info", "Microsoft Entra ID token auth removed: Fireworks authenticates with an API key")
        prepend = [keyword_arg("base_url", url_value(self, quote))]
        replace = {}
        key = find_arg(updated, "api_key")
        if key is None:
            prepend.append(keyword_arg("api_key", key_read(self, quote)))
        else:
            new_key = migrate_key(self, original, key.value, frozenset(), ("FW706", "FW705"), quote, any_env=True)
            if new_key is not None:
                replace["api_key"] = new_key
        self.forget(original)
        self.changed(original, f"{dotted(original.func)}(...) -> {new_name}(...) on Fireworks"
                     + (f"; removed {', '.join(sorted(removed - {'base_url'}))}" if removed - {"base_url"} else ""))
        return rebuild_args(updated.with_changes(func=func), prepend=prepend, remove=removed, replace=replace)

    def forget(self, node: cst.CSTNode, code: str | None = None) -> None:
        """module_config ran first, on the Azure code: its notes on what this rule rewrote are void
        ("this URL is not OpenAI's", "reads OPENAI_API_KEY", "the module client is not configured")."""
        forget_notes(self, node, "module_config", code)

    def deployment_note(self, call: cst.Call) -> None:
        name = dotted(call.func) or ""
        receiver = next((r for r in self.receivers if name.startswith(r + ".")), None)
        model = find_arg(call, "model")
        if receiver is not None and azure_data_sources(call) is not None:
            self.note(azure_data_sources(call), "FW707", "error", AZURE_DATA_SOURCES)
        if receiver is None or model is None or not self.allowed(call, "FW702"):
            return
        value = string_value(model.value)
        shown = repr(value) if value is not None else f"`{code_of(model.value)}`"
        fixed = self.receivers[receiver]
        if fixed is not None:
            why = f"Azure ignored it on this client (azure_deployment={fixed!r}); Fireworks uses it: {suggestion(self.models, fixed)}"
        else:
            why = "Fireworks needs a model id here: " + (suggestion(self.models, value) if value else "pick one with `fw-migrate --list-models`")
        self.note(model.value, "FW702", "warning", f"model={shown} names an Azure deployment, not a model; {why}")

    # --- module-level `openai.api_type = "azure"` setups ----------------------------------------------

    def azure_block(self, original, updated):
        """The statements of one block that sets `openai.api_type = "azure"`, migrated."""
        found = {self.config_attr(s): s for s in original.body}
        typed = found.get("api_type")
        if typed is None or string_value(typed.body[0].value) not in AZURE_TYPES or not self.allowed(typed):
            return updated
        body, has_key, has_url = [], "api_key" in found, any(a in found for a in ("api_base", "base_url"))
        for old, new in zip(original.body, updated.body):
            attr = self.config_attr(old)
            if attr is None or not self.allowed(old):
                body.append(new)
                continue
            assign = new.body[0]
            value = self.attr_value(old, attr, assign.value, has_url)
            if value is None:
                self.changed(old, f"openai.{attr} removed (Azure only)")
                continue
            if value is not assign.value:
                self.changed(old, "openai.azure_endpoint -> openai.base_url, the Fireworks URL" if attr == "azure_endpoint"
                             else f"openai.{attr} now for Fireworks")
                self.forget(old)
            target = assign.targets[0].target
            if attr == "azure_endpoint":
                target = target.with_changes(attr=cst.Name("base_url"))
            body.append(new.with_changes(body=[assign.with_changes(targets=[cst.AssignTarget(target)], value=value)]))
            if attr == "api_type":
                body.extend(self.missing_lines(old, target, has_key, has_url or "azure_endpoint" in found))
        return updated.with_changes(body=body)

    def config_attr(self, stmt) -> str | None:
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)):
            return None
        assign = stmt.body[0]
        qual = qualname(assign.targets[0].target, self.imports) if len(assign.targets) == 1 else None
        attr = qual[7:] if qual and qual.startswith("openai.") else None
        return attr if attr in {"api_type", "api_key", *URL_ATTRS, *DROPPED_ATTRS} else None

    def attr_value(self, stmt, attr: str, value, has_url: bool):
        """The new value; the same node to keep it; None to drop the line."""
        quote = quote_of_expr(value)
        if attr == "api_type":
            return make_string("openai", quote)
        if attr in DROPPED_ATTRS or (attr == "azure_endpoint" and has_url):
            return None
        if attr in URL_ATTRS:
            return url_value(self, quote)
        new_key = migrate_key(self, stmt, value, frozenset(), ("FW706", "FW705"), quote, any_env=True)
        return value if new_key is None else new_key

    def missing_lines(self, stmt, target, has_key: bool, has_url: bool) -> list[cst.SimpleStatementLine]:
        lines = []
        for attr, wanted, value in (("api_key", not has_key, lambda: key_read(self)),
                                    ("api_base" if self.v0 else "base_url", not has_url, lambda: url_value(self))):
            if wanted:
                self.forget(stmt, "FW205")
                self.changed(stmt, f"openai.{attr} set for Fireworks")
                line = cst.Assign([cst.AssignTarget(target.with_changes(attr=cst.Name(attr)))], value())
                lines.append(cst.SimpleStatementLine([line]))
        return lines


RULE = AzureRule
