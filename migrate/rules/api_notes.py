"""Flag chat request parameters that fail or behave differently on Fireworks (notes only).

On `.chat.completions.create/parse/stream(...)` (and, for `n` and `logit_bias`, legacy
`.completions.create(...)`), on any client, with the parameters written in the call or in a
dict the same function builds and passes as `**params`:

- `response_format` together with `tools`, `.parse(response_format=..., tools=...)` included:
  Fireworks answers 400 "You cannot specify response format and function call at the same
  time" (what-breaks F1). Error when both are literals, warning when either may be unset. [FW621]
- JSON mode (`{"type": "json_object"}`) whose prompt never says "JSON": Fireworks may emit
  whitespace until max_tokens (F3). [FW622]
- `logit_bias`: its keys are token ids of OpenAI's tokenizer; Fireworks models number their
  tokens differently (D9). [FW623]
- `store`, `modalities`, `audio`, `web_search_options`, `verbosity`, `prompt_cache_retention`,
  `prompt_cache_options`, `safety_identifier`: OpenAI-only, absent from Fireworks' chat schema,
  which rejects unknown fields (D1; fireworks-and-openai 1.3). [FW624]
- `n` above 128: Fireworks accepts 1 to 128 (fireworks-and-openai 1.3). [FW625]

Before:
    client.chat.completions.parse(model=m, messages=msgs, response_format=Answer, tools=tools)
After: unchanged, with the note
    FW621 error: response_format and tools in one call: Fireworks answers 400 ...; split it ...

Nothing here is rewritten: each fix depends on what the code means.
Docs: https://docs.fireworks.ai/structured-responses/structured-response-formatting
"""

from __future__ import annotations

from migrate.rules._args import code_of, int_value, is_name
from migrate.rules._calls import ApiRule, api_call, openai_context
from migrate.rules._lazy import cst
from migrate.rules._names import string_value
from migrate.rules._scan import scan

MAX_N = 128
OPENAI_ONLY = {
    "store": "store= keeps the completion at OpenAI; Fireworks' chat API has no such field: remove it "
             "(Fireworks' Responses API has store)",
    "modalities": "modalities= asks for OpenAI audio output; Fireworks chat answers in text only: remove it",
    "audio": "audio= (spoken replies) is OpenAI-only: remove it and synthesise speech elsewhere",
    "web_search_options": "Fireworks has no built-in web search: remove web_search_options and search through a tool "
                          "you provide",
    "verbosity": "verbosity is an OpenAI gpt-5 control Fireworks does not have: remove it and ask for the length in the prompt",
    "prompt_cache_retention": "Fireworks caches prompts without being asked: remove prompt_cache_retention "
                              "(its own controls go in extra_body: prompt_cache_isolation_key, prompt_cache_max_len)",
    "prompt_cache_options": "Fireworks caches prompts without being asked: remove prompt_cache_options "
                            "(its own controls go in extra_body: prompt_cache_isolation_key, prompt_cache_max_len)",
    "safety_identifier": "safety_identifier is OpenAI's abuse-monitoring id, absent from Fireworks' schema: remove it "
                         "(user= is accepted)",
}


PARAMS = frozenset({*OPENAI_ONLY, "response_format", "tools", "logit_bias", "n"})


def surely_set(value: cst.BaseExpression, kind: str) -> bool:
    """True for a literal that cannot be None or NOT_GIVEN at run time."""
    if kind == "tools":
        return isinstance(value, (cst.List, cst.Tuple, cst.ListComp)) and bool(getattr(value, "elements", True))
    return isinstance(value, cst.Dict) or (kind == "parse" and isinstance(value, (cst.Name, cst.Attribute)))


def texts(node: cst.CSTNode) -> list[str]:
    """Every piece of literal text inside `node` (strings, f-string text)."""
    found: list[str] = []

    class Texts(cst.CSTVisitor):
        def visit_SimpleString(self, n: cst.SimpleString) -> None:
            found.append(str(n.evaluated_value))

        def visit_FormattedStringText(self, n: cst.FormattedStringText) -> None:
            found.append(n.value)

    node.visit(Texts())
    return found


class ApiNotesRule(ApiRule):
    TRIGGER = r"ompletion"  # completions, ChatCompletion, Completion

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return openai_context(facts) and bool(cls.lines(facts))

    @classmethod
    def lines(cls, facts) -> set[int]:
        """Calls that pass a parameter this rule looks at, or **kwargs."""
        return scan(facts).passing(("chat", "completions"), PARAMS)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        call = api_call(original, self.imports)
        if call is None or call.kind not in ("chat", "completions") or not self.allowed(original):
            return updated
        given = {k: v for k, v in self.params(original).items() if not is_name(v, "None")}
        if call.kind == "chat":
            self.structured(original, given, call.method)
            for name, advice in OPENAI_ONLY.items():
                if name in given:
                    literal = isinstance(given[name], (cst.BaseString, cst.Integer, cst.Name, cst.Dict, cst.List))
                    where = "" if literal else f" (here it comes from `{code_of(given[name])}`: leave it unset)"
                    self.note(original, "FW624", "warning", advice + where)
        bias = given.get("logit_bias")
        if bias is not None and not (isinstance(bias, cst.Dict) and not bias.elements):
            self.note(original, "FW623", "warning", "logit_bias keys are token ids of OpenAI's tokenizer; Fireworks models "
                      "number their tokens differently, so the bias lands on other tokens: rebuild the table with the "
                      "target model's own tokenizer (its Hugging Face tokenizer), or remove it")
        count = int_value(given.get("n"))
        if count is not None and count > MAX_N:
            self.note(original, "FW625", "error", f"n={count}: Fireworks accepts 1 to {MAX_N} choices per request; "
                      f"split it into several requests of at most {MAX_N}")
        return updated

    def structured(self, node: cst.Call, given: dict, method: str) -> None:
        response_format, tools = given.get("response_format"), given.get("tools")
        if response_format is not None and tools is not None:
            sure = surely_set(tools, "tools") and surely_set(response_format, method)
            when = "" if sure else " when both are set at run time"
            self.note(node, "FW621", "error" if sure else "warning", f"response_format and tools in one call{when}: "
                      "Fireworks answers 400 \"You cannot specify response format and function call at the same time\"; "
                      "split it (a call with tools, then one with response_format and no tools), or describe the answer "
                      "as a tool and force it with tool_choice")
        kind = next((string_value(e.value) for e in getattr(response_format, "elements", ())
                     if isinstance(e, cst.DictElement) and string_value(e.key) == "type"), None)
        if kind != "json_object":
            return
        messages = given.get("messages")
        if messages is not None and any("json" in t.lower() for t in texts(messages)):
            return
        literal = isinstance(messages, cst.List) and all(
            isinstance(e.value, cst.Dict) and all(isinstance(v.value, (cst.SimpleString, cst.ConcatenatedString))
                                                 for v in e.value.elements if string_value(getattr(v, "key", None)) == "content")
            for e in messages.elements)
        if literal or not scan(self.ctx.facts).mentions_json:
            where = "these messages never mention" if literal else "no text in this file mentions"
            self.note(node, "FW622", "warning", f"JSON mode, but {where} JSON: on Fireworks the model may answer with "
                      "whitespace until max_tokens; say \"Respond in JSON\" (and give the schema) in the system message")


RULE = ApiNotesRule
