"""Flag code that reasoning models on Fireworks will trip over (notes only).

The target model is the call's `model=` (a literal, or a name assigned one literal in the file),
taken through the model map when it is an OpenAI id; it is judged by its Fireworks name
(gpt-oss, deepseek-r1, kimi-k2-thinking, kimi-k2p5, glm-4p5 and later, qwq, *-thinking reason;
llama, mixtral, qwen2.5, *-instruct do not).

- `reasoning_effort` on a target that does not reason: Fireworks answers 400/422
  (what-breaks D11). [FW631] A value Fireworks does not know ("minimal", "xhigh"; it takes
  "low", "medium", "high", "none"): [FW632]
- `max_tokens` below 1024 on a reasoning target: the reasoning tokens count against it, so the
  answer can come back empty with finish_reason "length" (G4). [FW633]
- `message.reasoning_content` / `delta.reasoning_content` read as an attribute: it is not a
  field of the OpenAI SDK's types and exists only when the model sends it, so the read raises
  AttributeError otherwise; use `getattr(message, "reasoning_content", None)` (G2). [FW634]
- A literal assistant message that echoes `tool_calls` without `reasoning_content`: models that
  think between tool calls (kimi-k2-thinking, DeepSeek V3.1+) need it sent back or the next turn
  fails; DeepSeek R1 rejects it (G3; Fireworks' reasoning guide). [FW635]

Before:
    reply = response.choices[0].message.reasoning_content
After: unchanged, with the note FW634: ... use getattr(message, "reasoning_content", None)
Docs: https://docs.fireworks.ai/guides/reasoning
"""

from __future__ import annotations

import re

from migrate.rules._args import code_of, int_value, is_name
from migrate.rules._calls import ApiRule, api_call, model_map, openai_context
from migrate.rules._lazy import cst
from migrate.rules._names import string_value
from migrate.rules._scan import scan

REASONS = re.compile(r"gpt-oss|deepseek-r1|thinking|qwq|kimi-k2p[5-9]|kimi-k[3-9]|glm-4p[5-9]|glm-[5-9]|minimax-m2")
HYBRID = re.compile(r"deepseek-v3p[1-9]|deepseek-v[4-9]|qwen3-(?!.*(?:instruct|coder|embed|rerank))")
PLAIN = re.compile(r"llama|mixtral|mistral|qwen2|gemma|phi-|firefunction|deepseek-v3(?:-|$)|instruct|coder")
EFFORTS = frozenset({"low", "medium", "high", "none"})
SMALL = 1024
RECEIVERS = ("message", "delta", "msg")


def thinks(fireworks_id: str) -> str | None:
    """'reasoning', 'hybrid' (reasons when asked), 'plain' or None (unknown) for a Fireworks id."""
    name = fireworks_id.rsplit("/", 1)[-1].lower()
    for kind, pattern in (("reasoning", REASONS), ("hybrid", HYBRID), ("plain", PLAIN)):
        if pattern.search(name):
            return kind
    return None


class ReasoningRule(ApiRule):
    TRIGGER = r"reasoning_|ompletion"

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return openai_context(facts) and bool(cls.lines(facts))

    @classmethod
    def lines(cls, facts) -> set[int]:
        found = scan(facts)
        echoes = {line for line, role in found.role_dicts if role == "assistant"} if found.lines("chat") else set()
        tuned = found.passing(("chat",), {"reasoning_effort", "max_tokens", "max_completion_tokens"})
        return tuned | set(found.reasoning_reads) | echoes

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self.targets = 0  # inside an assignment target or `del`
        self.loops = bool(scan(self.ctx.facts).lines("chat"))

    def target(self, model: cst.BaseExpression | None) -> tuple[str, str | None] | None:
        value = string_value(model) if model is not None else None
        if value is None and isinstance(model, cst.Name):
            found = scan(self.ctx.facts).constants.get(model.value)
            value = found if isinstance(found, str) else None
        if value is None:
            return None
        mapping = None if value.startswith("accounts/") else model_map(self.settings).lookup(value)
        fireworks = value if mapping is None else mapping.target
        return (fireworks, thinks(fireworks)) if fireworks.startswith("accounts/") else None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        call = api_call(original, self.imports)
        if call is None or call.kind != "chat" or not self.allowed(original):
            return updated
        given = {k: v for k, v in self.params(original).items() if not is_name(v, "None")}
        found = self.target(given.get("model"))
        model, kind = found if found else (None, None)
        effort = given.get("reasoning_effort")
        if effort is not None and kind == "plain":
            self.note(original, "FW631", "error", f"reasoning_effort on {model}, which does not reason: Fireworks answers "
                      "400; remove reasoning_effort, or map this model to a reasoning one (e.g. accounts/fireworks/models/gpt-oss-120b)")
        elif string_value(effort) not in EFFORTS | {None}:
            self.note(original, "FW632", "warning", f"reasoning_effort={code_of(effort)}: Fireworks takes \"low\", \"medium\", "
                      "\"high\" or \"none\"; pick the nearest (\"minimal\" -> \"low\")")
        name = next((n for n in ("max_tokens", "max_completion_tokens") if n in given), "max_tokens")
        limit = int_value(given.get(name))
        if limit is not None and limit < SMALL and kind == "reasoning":
            self.note(original, "FW633", "warning", f"{name}={limit} on {model}, a reasoning model: its reasoning tokens "
                      f"count against the limit, so the answer can come back empty (finish_reason \"length\"); allow a few "
                      "thousand tokens, or lower reasoning_effort")
        return updated

    def visit_AssignTarget(self, node) -> None:
        self.targets += 1

    def leave_AssignTarget(self, original, updated):
        self.targets -= 1
        return updated

    def visit_Del(self, node) -> None:
        self.targets += 1

    def leave_Del(self, original, updated):
        self.targets -= 1
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if original.attr.value != "reasoning_content" or self.targets or not self.allowed(original):
            return updated
        receiver = original.value
        last = receiver.attr.value if isinstance(receiver, cst.Attribute) else getattr(receiver, "value", "")
        if not (isinstance(last, str) and last.lower().endswith(RECEIVERS)):
            return updated
        if code_of(receiver).replace(" ", "") in scan(self.ctx.facts).reasoning_guards:
            return updated
        self.note(original, "FW634", "warning", f"{code_of(original)} is not a field of the OpenAI SDK's types: it exists only "
                  "when the model sends reasoning, and raises AttributeError otherwise; read it with "
                  f"getattr({code_of(receiver)}, \"reasoning_content\", None)")
        return updated

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        if not self.loops:
            return updated  # only where the file makes chat requests: the turns are echoed to them
        keys = {string_value(e.key) for e in original.elements if isinstance(e, cst.DictElement)}
        role = next((e.value for e in original.elements if isinstance(e, cst.DictElement) and string_value(e.key) == "role"), None)
        if (string_value(role) != "assistant" or "tool_calls" not in keys or "reasoning_content" in keys
                or any(isinstance(e, cst.StarredDictElement) for e in original.elements) or not self.allowed(original)):
            return updated
        self.note(original, "FW635", "warning", "this assistant turn echoes tool_calls without reasoning_content: models that "
                  "think between tool calls (kimi-k2-thinking, DeepSeek V3.1 and later) need it sent back, or the next turn "
                  "fails; add \"reasoning_content\": getattr(message, \"reasoning_content\", None) (not for deepseek-r1, "
                  "which rejects it), or append the response's message object itself")
        return updated


RULE = ReasoningRule
