"""Point Anthropic SDK clients at Fireworks' Anthropic-compatible Messages API.

Fireworks serves `POST /v1/messages` under `https://api.fireworks.ai/inference` (no `/v1`:
the SDK appends it). `anthropic.Anthropic(...)` / `AsyncAnthropic(...)` (and the
`anthropic.Client` / `AsyncClient` aliases) get that base URL and the FIREWORKS_API_KEY read;
Claude model ids in `messages.create` / `messages.stream` / `messages.count_tokens` (also
under `beta.`) follow the Claude -> Fireworks map (`data/claude_models.toml`; override with
`--model claude-sonnet-4=accounts/fireworks/models/<id>`).

Before:
    client = anthropic.Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])
    client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=messages)
After:
    client = anthropic.Anthropic(base_url="https://api.fireworks.ai/inference", api_key=os.environ["FIREWORKS_API_KEY"])
    client.messages.create(model="accounts/fireworks/models/kimi-k2p5", max_tokens=1024, messages=messages)

- base_url: added when absent; Anthropic's URL or an ANTHROPIC_BASE_URL read is replaced; a
  Fireworks URL ending in `/v1` (the OpenAI-style one) loses the `/v1`. A base_url pointing
  anywhere else leaves the construction alone, with a note (FW721).
- api_key: an ANTHROPIC_API_KEY read or a hard-coded key (FW720) becomes the Fireworks read;
  your own variable is kept, with a note (FW727).
- Notes for what Fireworks does not support (FW723-FW725): server tools (web search, bash,
  text editor, code execution, memory, web fetch, ...: tools with a `type` other than
  "custom"), `cache_control` or `eager_input_streaming` on a tool, `thinking={"type": "adaptive"}`.

Not rewritten (FW726): Bedrock and Vertex clients, and the clients of a file that uses Anthropic
surfaces Fireworks does not serve (`beta.agents`, `beta.sessions`, `beta.files`,
`messages.batches`, ...). `auth_token=` (an Anthropic credential) is removed. Model names that
are not literals are left alone.
Model ids: FW728 says what the Fireworks model changes, FW729 why an id was left as is.
Docs: https://docs.fireworks.ai/tools-sdks/anthropic-compatibility
"""

from __future__ import annotations

from migrate.rules._frameworks import (
    FrameworkRule,
    ModelNotes,
    code_of,
    key_read,
    migrate_key,
    quote_in,
)
from migrate.rules._lazy import cst
from migrate.rules._names import (
    dotted,
    env_read,
    find_arg,
    has_star_args,
    keyword_arg,
    make_string,
    qualname,
    rebuild_args,
    string_value,
)

CLIENTS = frozenset(f"anthropic.{c}" for c in ("Anthropic", "AsyncAnthropic", "Client", "AsyncClient"))
CLOUD_CLIENTS = frozenset(f"anthropic.{c}" for c in ("AnthropicBedrock", "AsyncAnthropicBedrock", "AnthropicVertex", "AsyncAnthropicVertex"))
REQUESTS = ("messages.create", "messages.stream", "messages.count_tokens")
ANTHROPIC_HOSTS = ("https://api.anthropic.com",)


def fireworks_messages_url(base_url: str) -> str:
    """The Anthropic SDK base URL for a Fireworks OpenAI base URL: the same without `/v1`."""
    return base_url.removesuffix("/v1")


def anthropic_only(chain: str) -> str | None:
    """The Anthropic API surface Fireworks does not serve that a call chain uses, if any:
    `client.beta.agents.create` -> "beta.agents"; `client.messages.batches.create` -> "messages.batches"."""
    parts = chain.split(".")
    for index, part in enumerate(parts[:-1]):
        following = parts[index + 1]
        if part == "beta" and following != "messages" and index + 2 < len(parts):
            return f"beta.{following}"
        if part == "messages" and following == "batches":
            return "messages.batches"
    return None


class AnthropicRule(FrameworkRule):
    TRIGGER = r"anthropic|Anthropic|\.messages\.(?:create|stream|count_tokens|batches)\b|\.beta\."

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return facts.calls_any(CLIENTS | CLOUD_CLIENTS) or (
            facts.imports.imports_module("anthropic") and any(r in facts.method_calls for r in REQUESTS))

    def __init__(self, ctx):
        super().__init__(ctx)
        self.models = ModelNotes(self, "FW72")
        self.url = fireworks_messages_url(self.settings.base_url)
        self.foreign = sorted(set(filter(None, map(anthropic_only, ctx.facts.method_calls))))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self.allowed(original):
            return updated
        qual = qualname(original.func, self.imports)
        if qual in CLOUD_CLIENTS:
            cloud = "AWS Bedrock" if "Bedrock" in qual else "Google Vertex AI"
            self.note(original, "FW726", "info", f"{qual} talks to {cloud}: to use Fireworks, build "
                      f"anthropic.Anthropic(base_url={self.url!r}, api_key=os.environ[{self.settings.api_key_env!r}])")
        if qual in CLIENTS:
            return self.client(original, updated, qual)
        name = dotted(original.func) or ""
        if any(name.endswith("." + r) for r in REQUESTS) and ".threads." not in name and not self.foreign:
            return self.request(original, updated)
        return updated

    def client(self, original: cst.Call, updated: cst.Call, qual: str) -> cst.BaseExpression:
        if self.foreign:
            self.note(original, "FW726", "warning", f"{dotted(original.func)}(...) left as is: this file uses "
                      f"{', '.join(self.foreign)}, which Fireworks does not serve (only the Messages API)")
            return updated
        if has_star_args(updated):
            self.note(original, "FW721", "warning", f"{qual} built with **kwargs: left as is; pass base_url={self.url!r} "
                      f"and api_key=os.environ[{self.settings.api_key_env!r}] explicitly")
            return updated
        quote, prepend, replace, edits = quote_in(updated), [], {}, []
        base = find_arg(updated, "base_url")
        if base is None:
            prepend.append(keyword_arg("base_url", make_string(self.url, quote)))
            edits.append("base_url set to Fireworks")
        else:
            read, url = env_read(base.value, self.imports), string_value(base.value)
            if (read is not None and read.var == "ANTHROPIC_BASE_URL") or (url or "").rstrip("/") in ANTHROPIC_HOSTS:
                replace["base_url"] = make_string(self.url, quote)
            elif url is not None and url.rstrip("/") == self.url + "/v1":
                self.note(original, "FW722", "info", f"base_url {url!r} had /v1: the Anthropic SDK adds it itself")
                replace["base_url"] = make_string(self.url, quote)
            elif url is None or url.rstrip("/") != self.url:
                shown = repr(url) if url is not None else f"`{code_of(base.value)}`"
                self.note(original, "FW721", "warning", f"base_url {shown} is not Anthropic's: left as is; Fireworks' "
                          f"Messages API is at {self.url}")
                return updated
            if "base_url" in replace:
                edits.append("base_url now Fireworks")
        key = find_arg(updated, "api_key")
        if key is None:
            prepend.append(keyword_arg("api_key", key_read(self, quote)))
            edits.append(f"api_key reads {self.settings.api_key_env}")
        else:
            new_key = migrate_key(self, original, key.value, frozenset({"ANTHROPIC_API_KEY"}), ("FW720", "FW727"), quote)
            if new_key is not None:
                replace["api_key"] = new_key
                edits.append(f"api_key reads {self.settings.api_key_env}")
        remove = {"auth_token"} if find_arg(updated, "auth_token") is not None else set()
        if remove:
            edits.append("auth_token removed (an Anthropic credential)")
        if not edits:
            return updated
        self.changed(original, f"{dotted(original.func)}(...): " + ", ".join(edits))
        return rebuild_args(updated, prepend=prepend, replace=replace, remove=remove)

    def request(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        self.unsupported(original)
        model, before = find_arg(updated, "model"), find_arg(original, "model")
        value = string_value(model.value) if model is not None else None
        if value is None or not value.startswith("claude"):
            return updated
        new = self.models.rewrite(model, before.value, claude=True)
        return updated if new is None else updated.with_changes(args=[new if a is model else a for a in updated.args])

    def unsupported(self, call: cst.Call) -> None:
        tools = find_arg(call, "tools")
        for element in tools.value.elements if tools is not None and isinstance(tools.value, cst.List) else ():
            entries = {string_value(e.key): e.value for e in getattr(element.value, "elements", ()) if isinstance(e, cst.DictElement)}
            kind = string_value(entries.get("type"))
            if kind is not None and kind != "custom":
                self.note(element, "FW723", "error", f"server tool {kind!r}: Fireworks runs no server tools (web search, "
                          "bash, text editor, code execution, memory, web fetch...); implement it as a client tool")
            for field in ("cache_control", "eager_input_streaming"):
                if field in entries:
                    self.note(element, "FW724", "warning", f"{field} on a tool is not supported by Fireworks: remove it")
        thinking = find_arg(call, "thinking")
        if thinking is not None and isinstance(thinking.value, cst.Dict):
            kinds = [string_value(e.value) for e in thinking.value.elements if isinstance(e, cst.DictElement) and string_value(e.key) == "type"]
            if "adaptive" in kinds:
                self.note(thinking, "FW725", "error", 'thinking type "adaptive" is not supported by Fireworks: use '
                          '{"type": "enabled", "budget_tokens": N} (output_config.effort maps to reasoning_effort)')


RULE = AnthropicRule
