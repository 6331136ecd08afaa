"""Move LlamaIndex's OpenAI LLM and embedding classes to classes that accept Fireworks models.

`llama_index.llms.openai.OpenAI` looks every model name up in OpenAI's own table and raises
"Unknown model" for a Fireworks id, so pointing its base URL at Fireworks is not enough.
By default it becomes `llama_index.llms.openai_like.OpenAILike` (`pip install
llama-index-llms-openai-like`), which takes any model:

Before:
    from llama_index.llms.openai import OpenAI
    llm = OpenAI(model="gpt-4o", temperature=0.1)
After:
    from llama_index.llms.openai_like import OpenAILike
    llm = OpenAILike(api_base="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"],
                     is_chat_model=True, is_function_calling_model=True, context_window=131072,
                     model="accounts/fireworks/models/kimi-k2p5", temperature=0.1)

- `is_chat_model=True` (else OpenAILike sends prompts to /completions), an explicit
  `context_window` (else it assumes 3900 tokens and trims history to that; 131072 fits the
  default targets, set your model's own) and `is_function_calling_model=True` (agents and
  structured output need it; the default targets call tools). Each is noted (FW742).
- `llama_index.embeddings.openai.OpenAIEmbedding` (which rejects unknown models too) becomes
  `llama_index.embeddings.openai_like.OpenAILikeEmbedding` with `model_name=`
  (`pip install llama-index-embeddings-openai-like`).
- Models follow the map; no model given means LlamaIndex's OpenAI default, written out mapped.
  `api_key` / `api_base` as for the OpenAI client (a hard-coded key: FW740; your own expression:
  FW747); an `api_base` pointing elsewhere leaves the construction alone (FW741). Each switch
  names the package the new import needs (FW746).
- With `framework-native`, the LLM gets `is_function_calling=True` and `context_window`: the
  Fireworks class looks both up in its own table, which misses newer models.

`framework-native = true` (`--framework-native`) switches to `llama_index.llms.fireworks.Fireworks`
and `llama_index.embeddings.fireworks.FireworksEmbedding` instead (packages
`llama-index-llms-fireworks`, `llama-index-embeddings-fireworks`).
Not rewritten: the pre-0.10 `llama_index.embeddings.OpenAIEmbedding` and the Azure classes
(notes, FW745).
Model ids: FW748 says what the Fireworks model changes, FW749 why an id was left as is.
Docs: https://docs.llamaindex.ai/en/stable/api_reference/llms/openai_like/
"""

from __future__ import annotations

from migrate.rules._frameworks import (
    SwapRule,
    code_of,
    edit_args,
    key_read,
    migrate_key,
    migrate_url,
    quote_in,
    url_value,
)
from migrate.rules._lazy import cst
from migrate.rules._names import (
    OPENAI_KEY_VARS,
    dotted,
    find_arg,
    has_star_args,
    keyword_arg,
    make_string,
    qualname,
    string_value,
)
from migrate.settings import FIREWORKS_BASE_URL

LLMS = {"llama_index.llms.openai.OpenAI": "llama_index.llms.openai_like", "llama_index.llms.openai.base.OpenAI": "llama_index.llms.openai_like",
        "llama_index.llms.OpenAI": "llama_index.llms"}  # the last: llama-index 0.9, which had OpenAILike there
EMBEDDINGS = frozenset({"llama_index.embeddings.openai.OpenAIEmbedding", "llama_index.embeddings.openai.base.OpenAIEmbedding"})
NOTED = frozenset({"llama_index.embeddings.OpenAIEmbedding", "llama_index.llms.azure_openai.AzureOpenAI",
                   "llama_index.embeddings.azure_openai.AzureOpenAIEmbedding"})
TARGETS = {  # kind -> (default mode: module, class, package), (native: module, class, package)
    "llm": (("llama_index.llms.openai_like", "OpenAILike", "llama-index-llms-openai-like"),
            ("llama_index.llms.fireworks", "Fireworks", "llama-index-llms-fireworks")),
    "embedding": (("llama_index.embeddings.openai_like", "OpenAILikeEmbedding", "llama-index-embeddings-openai-like"),
                  ("llama_index.embeddings.fireworks", "FireworksEmbedding", "llama-index-embeddings-fireworks")),
}
DEFAULT_MODEL = {"llm": "gpt-3.5-turbo", "embedding": "text-embedding-ada-002"}
CONTEXT_WINDOW = 131072


class LlamaIndexRule(SwapRule):
    TRIGGER = r"OpenAI"
    CALLS = frozenset(LLMS.keys() | EMBEDDINGS | NOTED)
    MODEL_CODES = "FW74"

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qual = qualname(original.func, self.imports)
        if qual not in LLMS and qual not in EMBEDDINGS and qual not in NOTED or not self.allowed(original):
            return updated
        name = dotted(original.func)
        if qual in NOTED:
            self.note(original, "FW745", "warning", f"{name} cannot take a Fireworks model: use OpenAILike / "
                      "OpenAILikeEmbedding (llama-index>=0.10) with api_base and api_key pointed at Fireworks")
            return updated
        if has_star_args(updated):
            self.note(original, "FW741", "warning", f"{name} built with **kwargs: left as is; build it pointed at Fireworks yourself")
            return updated
        kind, quote = ("llm" if qual in LLMS else "embedding"), quote_in(updated)
        base = find_arg(updated, "api_base")
        new_base = None if base is None else migrate_url(self, original, base.value, "FW741", quote)
        if new_base is False:
            return updated
        native = self.settings.framework_native
        module, new_name, package = TARGETS[kind][native]
        if qual == "llama_index.llms.OpenAI" and not native:
            module = LLMS[qual]
        func = self.swap.callee(updated.func, module, new_name)
        if func is None:
            self.note(original, "FW741", "warning", f"{new_name} names something else in this file: {name} left as is")
            return updated
        prepend, remove, replace, rename = [], set(), {}, {}
        if native:
            if base is not None:
                remove.add("api_base")
            if self.settings.base_url != FIREWORKS_BASE_URL:
                prepend.append(keyword_arg("api_base", make_string(self.settings.base_url, quote)))
        elif base is None:
            prepend.append(keyword_arg("api_base", url_value(self, quote)))
        elif new_base is not None:
            replace["api_base"] = new_base
        key = find_arg(updated, "api_key")
        if key is None:
            prepend.append(keyword_arg("api_key", key_read(self, quote)))
        else:
            new_key = migrate_key(self, original, key.value, OPENAI_KEY_VARS, ("FW740", "FW747"), quote)
            if new_key is not None:
                replace["api_key"] = new_key
        remove |= {"api_version"} & {a.keyword.value for a in updated.args if a.keyword}
        if kind == "llm":
            self.llm_flags(original, updated, native, prepend)
        else:
            rename["model"] = "model_name"
        self.model(original, updated, kind, prepend, replace, rename)
        self.note(original, "FW746", "info", f"{name} -> {new_name}: `pip install {package}`")
        self.changed(original, f"{name}(...) -> {new_name}(...) on Fireworks")
        return edit_args(updated.with_changes(func=func), prepend, remove, replace, rename)

    def llm_flags(self, original, updated, native: bool, prepend) -> None:
        added = []
        flags = (("is_function_calling", "True"), ("context_window", str(CONTEXT_WINDOW))) if native else (
            ("is_chat_model", "True"), ("is_function_calling_model", "True"), ("context_window", str(CONTEXT_WINDOW)))
        for flag, value in flags:  # the Fireworks class is always a chat model; its own table may miss the model
            if find_arg(updated, flag) is None:
                prepend.append(keyword_arg(flag, cst.Name(value) if value == "True" else cst.Integer(value)))
                added.append(f"{flag}={value}")
        if added:
            self.note(original, "FW742", "info", f"{', '.join(added)} added: " + (
                "set context_window to your model's real window (the class otherwise assumes a small one)"
                if added[-1].startswith("context_window") else "the class cannot look these up for a Fireworks model"))

    def model(self, original, updated, kind: str, prepend, replace, rename) -> None:
        found = find_arg(updated, "model") or find_arg(updated, "model_name")
        keyword = "model_name" if kind == "embedding" else "model"
        if found is None:
            default = DEFAULT_MODEL[kind]
            target = self.models.target(original, default) or default
            prepend.append(keyword_arg(keyword, make_string(target, quote_in(updated))))
            self.note(original, "FW743", "info", f"no model given: LlamaIndex's default ({default}) is an OpenAI model; "
                      f"{keyword}={target!r} written out, change it to the Fireworks model you want")
            return
        before = find_arg(original, found.keyword.value)
        if string_value(found.value) is None:
            self.note(before, "FW743", "info", f"model comes from `{code_of(found.value)}`: make sure it is a Fireworks model id")
            return
        new = self.models.rewrite(found, before.value)
        if new is not None:
            replace[rename.get(found.keyword.value, found.keyword.value)] = new.value


RULE = LlamaIndexRule
