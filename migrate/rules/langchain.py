"""Point LangChain's OpenAI classes at Fireworks, or switch them to langchain-fireworks.

`ChatOpenAI`, `OpenAI` and `OpenAIEmbeddings`, imported from `langchain_openai` or from the
older `langchain.chat_models` / `langchain.llms` / `langchain.embeddings` /
`langchain_community` paths (matched by import, never by bare name), get the Fireworks base
URL, the FIREWORKS_API_KEY read and a mapped model. The keywords follow your code:
`base_url`/`api_key` where it uses them or imports `langchain_openai`, else the
`openai_api_base`/`openai_api_key` spellings older releases know.

Before:
    llm = ChatOpenAI(model="gpt-4o", temperature=0)
    embeddings = OpenAIEmbeddings()
After:
    llm = ChatOpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"],
                     model="accounts/fireworks/models/kimi-k2p5", temperature=0)
    embeddings = OpenAIEmbeddings(base_url=..., api_key=..., model="nomic-ai/nomic-embed-text-v1.5",
                                  check_embedding_ctx_length=False)

- No model given: LangChain's default is an OpenAI model, so the map's pick for it is written
  out (FW733). `OpenAIEmbeddings` gets `check_embedding_ctx_length=False`: by default it sends
  OpenAI token ids, not text, which only OpenAI's tokenizer-matched models understand (FW734).
- Keys: an OPENAI_API_KEY read or a hard-coded key (FW730) becomes the FIREWORKS_API_KEY read;
  your own expression is kept, with a note (FW737). `organization` / `openai_organization` go (FW732). A base URL pointing elsewhere (a gateway)
  or `**kwargs` leave the construction alone, with a note (FW731).
- `AzureChatOpenAI`, `AzureOpenAIEmbeddings`: a note with the construction to write (FW735).

`framework-native = true` (`--framework-native`) switches to `langchain_fireworks`
(`pip install langchain-fireworks`, FW736) instead: `ChatFireworks`, `Fireworks`,
`FireworksEmbeddings`, with `model=` and `api_key=`; the OpenAI base URL goes.
Model ids: FW738 says what the Fireworks model changes, FW739 why an id was left as is.
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility and
https://python.langchain.com/docs/integrations/providers/fireworks/
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

_CHAT = ("langchain_openai", "langchain_openai.chat_models", "langchain_openai.chat_models.base", "langchain.chat_models",
         "langchain.chat_models.openai", "langchain_community.chat_models", "langchain_community.chat_models.openai")
_LLM = ("langchain_openai", "langchain_openai.llms", "langchain_openai.llms.base", "langchain", "langchain.llms",
        "langchain.llms.openai", "langchain_community.llms", "langchain_community.llms.openai")
_EMBED = ("langchain_openai", "langchain_openai.embeddings", "langchain_openai.embeddings.base", "langchain.embeddings",
          "langchain.embeddings.openai", "langchain_community.embeddings", "langchain_community.embeddings.openai")
CLASSES = {**{f"{m}.ChatOpenAI": "chat" for m in _CHAT}, **{f"{m}.OpenAI": "llm" for m in _LLM},
           **{f"{m}.OpenAIEmbeddings": "embeddings" for m in _EMBED}}
AZURE = frozenset({*(f"{m}.AzureChatOpenAI" for m in _CHAT), *(f"{m}.AzureOpenAI" for m in _LLM),
                   *(f"{m}.AzureOpenAIEmbeddings" for m in _EMBED)})
NATIVE = {"chat": "ChatFireworks", "llm": "Fireworks", "embeddings": "FireworksEmbeddings"}
DEFAULT_MODEL = {"chat": "gpt-3.5-turbo", "llm": "gpt-3.5-turbo-instruct", "embeddings": "text-embedding-ada-002"}


class LangChainRule(SwapRule):
    TRIGGER = r"OpenAI"
    CALLS = frozenset(CLASSES.keys() | AZURE)
    MODEL_CODES = "FW73"

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qual = qualname(original.func, self.imports)
        if qual not in CLASSES and qual not in AZURE or not self.allowed(original):
            return updated
        name = dotted(original.func)
        if qual in AZURE:
            target = name.replace("Azure", "").replace("OpenAIOpenAI", "OpenAI")
            self.note(original, "FW735", "warning", f"{name} talks to Azure: write {target}(model=<Fireworks id>, "
                      f"base_url={self.settings.base_url!r}, api_key=os.environ[{self.settings.api_key_env!r}]) instead "
                      "(the deployment name says nothing reliable about the model behind it)")
            return updated
        if has_star_args(updated):
            self.note(original, "FW731", "warning", f"{name} built with **kwargs: left as is; pass base_url and api_key explicitly")
            return updated
        kind, quote = CLASSES[qual], quote_in(updated)
        present = {a.keyword.value: a for a in updated.args if a.keyword is not None}
        legacy = "openai_api_key" in present or "openai_api_base" in present or (
            not {"api_key", "base_url"} & present.keys() and not qual.startswith("langchain_openai"))
        base_kw, key_kw = ("openai_api_base", "openai_api_key") if legacy else ("base_url", "api_key")
        prepend, remove, replace, rename, edits = [], set(), {}, {}, []

        base = present.get("base_url") or present.get("openai_api_base")
        new_base = None if base is None else migrate_url(self, original, base.value, "FW731", quote)
        if new_base is False:
            return updated
        native = self.settings.framework_native and self.swap.callee(updated.func, "langchain_fireworks", NATIVE[kind])
        if native:
            edits.append(f"now langchain_fireworks.{NATIVE[kind]}")
            if base is not None:
                remove.add(base.keyword.value)
            if kind == "chat" and self.settings.base_url != FIREWORKS_BASE_URL:
                prepend.append(keyword_arg("base_url", make_string(self.settings.base_url, quote)))
            key_kw, rename = "api_key", {"openai_api_key": "api_key", "model_name": "model"}
        elif base is None:
            prepend.append(keyword_arg(base_kw, url_value(self, quote)))
            edits.append(f"{base_kw} set to Fireworks")
        elif new_base is not None:
            replace[base.keyword.value] = new_base
            edits.append(f"{base.keyword.value} now Fireworks")

        key = present.get("api_key") or present.get("openai_api_key")
        if key is None:
            prepend.append(keyword_arg(key_kw, key_read(self, quote)))
            edits.append(f"{key_kw} reads {self.settings.api_key_env}")
        else:
            new_key = migrate_key(self, original, key.value, OPENAI_KEY_VARS, ("FW730", "FW737"), quote)
            if new_key is not None:
                replace[rename.get(key.keyword.value, key.keyword.value)] = new_key
                edits.append(f"{key.keyword.value} reads {self.settings.api_key_env}")

        for header in ("organization", "openai_organization"):
            if header in present:
                remove.add(header)
                self.note(original, "FW732", "info", f"removed {header}=: it only sends an OpenAI header")
                edits.append(f"{header} removed")

        self.model(original, updated, kind, legacy and not native, prepend, replace, rename, edits)
        if kind == "embeddings" and not native:
            check = present.get("check_embedding_ctx_length")
            if check is None:
                prepend.append(keyword_arg("check_embedding_ctx_length", cst.Name("False")))
            elif code_of(check.value) != "False":
                self.note(find_arg(original, "check_embedding_ctx_length"), "FW734", "warning", "check_embedding_ctx_length "
                          "is not False: OpenAIEmbeddings then sends OpenAI token ids, not text; set it to False")
            if check is None:
                self.note(original, "FW734", "info", "check_embedding_ctx_length=False: otherwise OpenAIEmbeddings sends "
                          "OpenAI token ids instead of text, which Fireworks' embedding models do not read")
        if native:
            self.note(original, "FW736", "info", f"{name} -> {NATIVE[kind]} from langchain_fireworks: `pip install "
                      "langchain-fireworks`; arguments it does not know go to model_kwargs or are ignored")
        if not edits:
            return updated
        self.changed(original, f"{name}(...): " + ", ".join(edits))
        call = updated.with_changes(func=native) if native else updated
        return edit_args(call, prepend, remove, replace, rename)

    def model(self, original, updated, kind: str, legacy: bool, prepend, replace, rename, edits) -> None:
        found = find_arg(updated, "model") or find_arg(updated, "model_name")
        if found is None:
            default = DEFAULT_MODEL[kind]
            target = self.models.target(original, default) or default
            keyword = "model_name" if legacy and kind != "embeddings" else "model"
            prepend.append(keyword_arg(keyword, make_string(target, quote_in(updated))))
            self.note(original, "FW733", "info", f"no model given: LangChain's default ({default}) is an OpenAI model; "
                      f"{keyword}={target!r} written out, change it to the Fireworks model you want")
            edits.append(f"{keyword} set")
            return
        before = find_arg(original, found.keyword.value)
        if string_value(found.value) is None:
            self.note(before, "FW733", "info", f"model comes from `{code_of(found.value)}`: make sure it is a Fireworks model id")
            return
        new = self.models.rewrite(found, before.value)
        if new is not None:
            replace[rename.get(found.keyword.value, found.keyword.value)] = new.value
            edits.append("model mapped")


RULE = LangChainRule
