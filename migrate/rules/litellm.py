"""Route LiteLLM calls that go to OpenAI to Fireworks' `fireworks_ai/` provider instead.

`litellm.completion`, `acompletion`, `embedding`, `aembedding`, `text_completion`,
`responses`, `transcription` (and their async twins), and the `litellm_params` of a
`litellm.Router(model_list=[...])`: an OpenAI model string, bare (`"gpt-4o"`) or routed
(`"openai/gpt-4o"`, `"text-completion-openai/..."`), becomes `"fireworks_ai/<Fireworks id>"`
through the model map. LiteLLM reads the key from FIREWORKS_API_KEY (also FIREWORKS_AI_API_KEY)
and knows Fireworks' base URL.

Before:
    os.environ["OPENAI_API_KEY"] = getpass()
    response = litellm.completion(model="openai/gpt-4o-mini", messages=messages)
After:
    os.environ["FIREWORKS_API_KEY"] = getpass()
    response = litellm.completion(model="fireworks_ai/accounts/fireworks/models/gpt-oss-120b", messages=messages)

- `api_key=` reading OPENAI_API_KEY (or hard-coded: FW750) reads FIREWORKS_API_KEY (your own
  expression: FW754); an `api_base=` / `base_url=` that is OpenAI's becomes the Fireworks one,
  one pointing elsewhere is left (FW751).
- `os.environ["OPENAI_API_KEY"] = ...` in these files sets FIREWORKS_API_KEY instead (your
  --api-key-env when it is one of the names LiteLLM reads for fireworks_ai/); a real looking
  key there is reported, masked (FW750): an OpenAI key does not work on Fireworks.
- `azure/<deployment>` strings are reported with the model map's suggestion (FW752); a model
  from a variable gets a note on the string it needs (FW753). Other providers are left alone.
Model ids: FW758 says what the Fireworks model changes, FW759 why an id was left as is.
Docs: https://docs.litellm.ai/docs/providers/fireworks_ai
"""

from __future__ import annotations

from migrate.results import mask
from migrate.rules._frameworks import (
    FrameworkRule,
    ModelNotes,
    code_of,
    edit_args,
    migrate_key,
    migrate_url,
    model_map,
    quote_in,
    suggestion,
)
from migrate.rules._lazy import cst
from migrate.rules._names import (
    OPENAI_KEY_VARS,
    env_read,
    make_string,
    qualname,
    string_value,
)

FUNCTIONS = ("completion", "acompletion", "embedding", "aembedding", "text_completion", "atext_completion", "responses",
             "aresponses", "completion_with_retries", "acompletion_with_retries", "batch_completion", "transcription",
             "atranscription")
CALLS = frozenset(f"litellm.{f}" for f in FUNCTIONS)
POSITIONAL_MODEL = frozenset(f"litellm.{f}" for f in ("completion", "acompletion", "embedding", "aembedding",
                                                      "batch_completion", "transcription", "atranscription"))
ROUTERS = frozenset({"litellm.Router", "litellm.router.Router"})
OPENAI_ROUTES = ("openai/", "text-completion-openai/")
PREFIX = "fireworks_ai/"
LITELLM_KEY_VARS = frozenset({"FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY", "FIREWORKS_AI_TOKEN", "FIREWORKSAI_API_KEY"})
PLACEHOLDER_HINTS = ("your", "<", "xxx", "...", "here", "***")


class LiteLLMRule(FrameworkRule):
    # every statement it acts on: the calls (also `from litellm import completion` forms) and env keys
    TRIGGER = r"litellm|\b(?:" + "|".join(FUNCTIONS) + r"|Router)\s*\(|OPENAI_API_KEY"

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return facts.calls_any(CALLS | ROUTERS)

    @classmethod
    def lines(cls, facts) -> set[int]:
        return facts.lines_of(facts.call_lines, CALLS | ROUTERS) | facts.lines_of(facts.env_lines, OPENAI_KEY_VARS)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.models = ModelNotes(self, "FW75")
        self.routers = 0  # depth inside Router(...) constructions

    def visit_Call(self, node: cst.Call) -> None:
        if qualname(node.func, self.imports) in ROUTERS:
            self.routers += 1

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qual = qualname(original.func, self.imports)
        if qual in ROUTERS:
            self.routers -= 1
        if qual not in CALLS or not self.allowed(original):
            return updated
        quote, replace, remove, edits = quote_in(updated), {}, set(), []
        for index, (before, arg) in enumerate(zip(original.args, updated.args)):
            positional = index == 0 and not arg.star and qual in POSITIONAL_MODEL
            name = arg.keyword.value if arg.keyword is not None else ("model" if positional else None)
            if name == "model":
                new = self.model(before, arg)
                if new is not None:
                    replace[id(arg)] = new
            elif name == "api_key":
                new_key = migrate_key(self, original, arg.value, OPENAI_KEY_VARS, ("FW750", "FW754"), quote)
                if new_key is not None:
                    replace[id(arg)] = arg.with_changes(value=new_key)
                    edits.append(f"api_key reads {self.settings.api_key_env}")
            elif name in ("api_base", "base_url"):
                new_base = migrate_url(self, original, arg.value, "FW751", quote)
                if new_base:
                    replace[id(arg)] = arg.with_changes(value=new_base)
                    edits.append(f"{name} now Fireworks")
            elif name == "organization":
                remove.add(name)
                edits.append("organization removed")
        if edits:
            self.changed(original, f"{qual}(...): " + ", ".join(edits))
        if not replace and not remove:
            return updated
        call = updated.with_changes(args=[replace.get(id(a), a) for a in updated.args])
        return edit_args(call, remove=remove) if remove else call

    def model(self, before: cst.Arg, arg: cst.Arg) -> cst.Arg | None:
        value = string_value(arg.value)
        if value is None:
            self.note(before.value, "FW753", "info", f"the model comes from `{code_of(arg.value)}`: for Fireworks it must "
                      f"be 'fireworks_ai/accounts/fireworks/models/<model>'")
            return None
        if value.startswith("azure/"):
            deployment = value[len("azure/"):]
            self.note(before.value, "FW752", "warning", f"{value!r} names an Azure deployment, not a model: use "
                      f"'fireworks_ai/<Fireworks id>' ({suggestion(model_map(self.settings), deployment)})")
            return None
        route = next((r for r in OPENAI_ROUTES if value.startswith(r)), "")
        if "/" in value[len(route):]:
            return None  # another provider, or already fireworks_ai/...
        return self.models.rewrite(arg, before.value, prefix=PREFIX, strip=route)

    def leave_DictElement(self, original: cst.DictElement, updated: cst.DictElement) -> cst.DictElement:
        """`{"model": "gpt-4o", "api_key": ...}` in a Router's model_list (litellm_params)."""
        key = string_value(original.key)
        if not self.routers or key not in ("model", "api_key") or not self.allowed(original):
            return updated
        if key == "api_key":
            new_key = migrate_key(self, original, updated.value, OPENAI_KEY_VARS, ("FW750", "FW754"))
            return updated if new_key is None else updated.with_changes(value=new_key)
        arg = self.model(cst.Arg(original.value), cst.Arg(updated.value))
        return updated if arg is None else updated.with_changes(value=arg.value)

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        """`os.environ["OPENAI_API_KEY"] = ...`: LiteLLM reads the Fireworks key from its own variable."""
        if len(updated.targets) != 1:
            return updated
        read = env_read(updated.targets[0].target, self.imports)
        if read is None or read.var not in OPENAI_KEY_VARS or not self.allowed(original):
            return updated
        target = self.settings.api_key_env if self.settings.api_key_env in LITELLM_KEY_VARS else "FIREWORKS_API_KEY"
        new_target = updated.targets[0].target.deep_replace(read.name_node, make_string(target, read.name_node.quote[-1]))
        literal = string_value(updated.value)
        if literal is not None and len(literal) >= 8 and not any(h in literal.lower() for h in PLACEHOLDER_HINTS):
            self.secret(literal)
            self.note(original, "FW750", "warning", f"hard-coded API key {mask(literal)} set in the environment: an "
                      f"OpenAI key does not work on Fireworks; read a Fireworks key (getpass, a secrets manager) into {target}")
        self.changed(original, f"{read.var} -> {target} (the variable LiteLLM reads for fireworks_ai/)")
        return updated.with_changes(targets=[cst.AssignTarget(new_target)])


RULE = LiteLLMRule
