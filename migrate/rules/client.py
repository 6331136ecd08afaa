"""Point OpenAI client constructions at Fireworks.

Every `OpenAI(...)`, `AsyncOpenAI(...)`, `openai.Client(...)` and `openai.AsyncClient(...)`,
whatever the import form (`from openai import OpenAI as C`, `import openai as oa`, imports
inside functions), wherever it is built (assignments, arguments, dict values, returns,
class attributes, default arguments). A class named `OpenAI` that does not come from the
`openai` package (LlamaIndex's, LangChain's, your own) is never touched.

Before:
    client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"), organization="org-123")
After:
    client = OpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])

- `base_url` is added when absent, replaced when it is OpenAI's URL or a read of
  OPENAI_BASE_URL / OPENAI_API_BASE, normalised when it is a malformed Fireworks URL
  (missing `/v1`, or ending in `/chat/completions`). A base_url that points anywhere else (a
  gateway or local server you chose) or that comes from your own expression leaves the whole
  construction as it is, with a note: its key belongs to that endpoint, not to Fireworks.
- `api_key` is added as `os.environ["FIREWORKS_API_KEY"]` when absent. A read of
  OPENAI_API_KEY becomes a read of FIREWORKS_API_KEY that fails fast when it is unset: the
  OpenAI SDK treats `api_key=None` as "read OPENAI_API_KEY", so `os.getenv(...)` coming back
  None would send your OpenAI key to Fireworks (`api-key-read = "soft"` keeps your read form).
  A hard-coded key is replaced by the environment read and reported (masked). Your own
  variable or settings object is left, with a note.
- `organization=` and `project=` only send OpenAI headers: removed, with a note.
- A construction with `**kwargs` is left alone, with a note (base_url may hide in them).

Options: `--base-url URL`, `--api-key-env NAME`, `base-url-style = "env"` for
`os.environ.get("FIREWORKS_BASE_URL", "<url>")`.
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

import ast

from migrate.facts import env_var_read
from migrate.rules._base import Rule
from migrate.rules._config_values import FireworksValues
from migrate.rules._lazy import cst
from migrate.rules._names import (
    CLIENT_CLASSES,
    OPENAI_KEY_VARS,
    OPENAI_URL_VARS,
    dotted,
    env_read,
    find_arg,
    has_star_args,
    keyword_arg,
    make_string,
    qualname,
    quote_of,
    rebuild_args,
    string_value,
    url_kind,
)
from migrate.settings import BASE_URL_ENV, FIREWORKS_BASE_URL

OPENAI_ONLY_ARGS = ("organization", "project")


def call_quote(call: cst.Call) -> str:
    """The quote character the user's own string arguments use (double by default)."""
    for arg in call.args:
        if isinstance(arg.value, cst.SimpleString):
            return quote_of(arg.value)
    return '"'


def _already_migrated(call: ast.Call, facts, settings) -> bool:
    """base_url is Fireworks' (or the configured one), api_key a fail-fast read, nothing else to do."""
    keywords = {k.arg: k.value for k in call.keywords}
    if None in keywords or "base_url" not in keywords or "api_key" not in keywords:
        return False
    if any(name in keywords for name in OPENAI_ONLY_ARGS):
        return False
    base = keywords["base_url"]
    if isinstance(base, ast.Constant) and isinstance(base.value, str):
        if url_kind(base.value, settings.base_url) not in ("fireworks", "configured"):
            return False
    elif env_var_read(base, facts.imports) != BASE_URL_ENV:
        return False
    key = keywords["api_key"]
    if env_var_read(key, facts.imports) != settings.api_key_env:
        return False
    return isinstance(key, ast.Subscript) or settings.api_key_read == "soft"


class ClientRule(FireworksValues, Rule):
    TRIGGER = r"\b(?:Async)?(?:OpenAI|Client)\b\s*(?:\(|as\b)"

    @classmethod
    def triage(cls, facts, settings) -> bool:
        """A construction that is not already in its migrated form (checked on the `ast`)."""
        return any(
            not _already_migrated(call, facts, settings)
            for name in CLIENT_CLASSES
            for call in facts.call_nodes.get(name, ())
        )

    @classmethod
    def lines(cls, facts) -> set[int]:
        return facts.lines_of(facts.call_lines, CLIENT_CLASSES)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if qualname(original.func, self.imports) not in CLIENT_CLASSES or not self.allowed(original):
            return updated
        if has_star_args(updated):
            self.note(original, "FW104", "warning", "client built with **kwargs: cannot see base_url or api_key in them; "
                      f"pass base_url={self.settings.base_url!r} and api_key=os.environ[{self.settings.api_key_env!r}] explicitly")
            return updated
        quote = call_quote(updated)
        edits: list[str] = []
        prepend: list[cst.Arg] = []
        replace: dict[str, cst.BaseExpression] = {}

        base_arg = find_arg(updated, "base_url")
        if base_arg is None:
            prepend.append(keyword_arg("base_url", self.fireworks_url(quote)))
            edits.append("base_url set to Fireworks")
        else:
            new_base = self.migrate_base_url(original, base_arg.value, quote)
            if new_base is False:
                return updated  # a foreign endpoint: leave the whole construction
            if new_base is not None:
                replace["base_url"] = new_base
                edits.append("base_url now Fireworks")

        key_arg = find_arg(updated, "api_key")
        if key_arg is None:
            prepend.append(keyword_arg("api_key", self.fireworks_key(None, quote)))
            edits.append(f"api_key reads {self.settings.api_key_env}")
        else:
            new_key = self.migrate_api_key(original, key_arg.value)
            if new_key is not None:
                replace["api_key"] = new_key
                edits.append(f"api_key reads {self.settings.api_key_env}")

        removed = {name for name in OPENAI_ONLY_ARGS if find_arg(updated, name) is not None}
        for name in sorted(removed):
            self.note(original, "FW106", "info", f"removed {name}=: it only sends an OpenAI header that Fireworks does not use")
            edits.append(f"{name} removed")
        if not edits:
            return updated
        self.changed(original, f"{dotted(original.func)}(...): " + ", ".join(edits))
        return rebuild_args(updated, prepend=prepend, remove=removed, replace=replace)

    # --- values ------------------------------------------------------------------------------

    def migrate_base_url(self, original: cst.Call, value: cst.BaseExpression, quote: str):
        """New value, None to keep it, or False when the construction is not ours to touch."""
        read = env_read(value, self.imports)
        if read is not None:
            if read.var in OPENAI_URL_VARS:
                return self.fireworks_url(quote_of(read.name_node))
            if read.var == BASE_URL_ENV:
                return None
            self.note(original, "FW109", "warning", f"base_url reads {read.var}: left as is; make sure it is "
                      f"{self.settings.base_url} (or pass --base-url) before this client talks to Fireworks")
            return False
        url = string_value(value)
        if url is None:
            code = cst.Module([]).code_for_node(value)
            self.note(original, "FW109", "warning", f"base_url comes from `{code}`: left as is; make sure it is "
                      f"{self.settings.base_url}, and that api_key holds a Fireworks key")
            return False
        kind = url_kind(url, self.settings.base_url)
        if kind == "openai":
            return self.fireworks_url(quote_of(value))
        if kind == "fireworks-malformed":
            self.note(original, "FW102", "info", f"base_url {url!r} normalised to {FIREWORKS_BASE_URL!r}")
            return make_string(FIREWORKS_BASE_URL, quote_of(value))
        if kind == "other":
            self.note(original, "FW101", "warning", f"base_url points to {url!r}, not OpenAI: this client is left as is "
                      "(a gateway or server you chose); point it at Fireworks yourself if it should move")
            return False
        return None

    def migrate_api_key(self, original: cst.Call, value: cst.BaseExpression) -> cst.BaseExpression | None:
        target = self.settings.api_key_env
        read = env_read(value, self.imports)
        if read is not None:
            if read.var in OPENAI_KEY_VARS:
                return self.migrated_key_read(original, value, read, "FW107")
            if read.var == target:
                if read.form == "call" and read.default is None and self.settings.api_key_read == "strict":
                    self.note(original, "FW108", "warning", f"a soft read of {target} returns None when it is unset, and the "
                              f"SDK then sends OPENAI_API_KEY to Fireworks: use os.environ[{target!r}]")
                return None
            self.note(original, "FW105", "info", f"api_key reads {read.var}: make sure it holds a Fireworks API key")
            return None
        literal = string_value(value)
        if literal is not None:
            return self.replaced_literal_key(original, value, literal, "FW103")  # type: ignore[arg-type]
        name = dotted(value)
        if name is not None and name.rsplit(".", 1)[-1] in self.ctx.facts.env_assigned.keys() | self.ctx.links.env_names:
            return None  # an env read in this file feeds it: the module_config rule handles that
        code = cst.Module([]).code_for_node(value)
        self.note(original, "FW105", "info", f"api_key comes from `{code}`: make sure it holds a Fireworks API key ({target})")
        return None


RULE = ClientRule
