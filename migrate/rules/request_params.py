"""Fix request parameters that fail, or mean something else, on Fireworks.

On `.chat.completions.create/parse/stream(...)`, `.completions.create(...)` and, for
`service_tier` and `tools=None`, `.responses.create(...)`, on any client:

Before:
    client.chat.completions.create(model=m, messages=msgs, top_k=40, service_tier="flex",
                                   max_tokens=500, max_completion_tokens=500, top_logprobs=10, tools=None)
    messages = [{"role": "developer", "content": "Be brief."}]
After:
    client.chat.completions.create(model=m, messages=msgs, max_tokens=500, top_logprobs=5,
                                   extra_body={"top_k": 40})
    messages = [{"role": "system", "content": "Be brief."}]

- Fireworks-only parameters (`top_k`, `min_p`, `typical_p`, `repetition_penalty`,
  `prompt_truncate_len`, `context_length_exceeded_behavior`, `mirostat_*`, `ignore_eos`,
  `raw_output`, `echo` on chat, ...) raise TypeError in the OpenAI SDK 1.x, whose `create()` has
  fixed keywords: they move into `extra_body`, merged into a dict literal already there
  (what-breaks D1; fireworks-and-openai 1.3, 1.4). [FW501]
- Role `developer` in a literal message dict (one with "content") becomes `system`: Fireworks'
  chat schema has no developer role (D10; Responses API K1). [FW502]
- `prompt_cache_key` becomes `extra_body={"prompt_cache_isolation_key": ...}` (D2). [FW503]
- `service_tier` other than "priority" is removed: Fireworks sells standard and priority only
  and answers 400 to "flex" (D3). A tier from an expression gets a note. [FW504]
- `max_completion_tokens` next to `max_tokens`: Fireworks treats them as one parameter and
  rejects both; `max_tokens` stays (D4). [FW505]
- `top_logprobs` literals above 5 become 5, Fireworks' maximum (D7). [FW506]
- `tools=None` / `tool_choice=None` are removed: a null is sent, which some servers reject
  (E1). [FW507]

Not rewritten: values hidden in `**kwargs` (the call gets a note when `extra_body` cannot be
added safely), and SDK 0.x calls (`openai.ChatCompletion.create`), which send any keyword.
Docs: https://docs.fireworks.ai/api-reference/post-chatcompletions
"""

from __future__ import annotations

from migrate.rules._args import (
    code_of,
    extra_body_edit,
    int_value,
    is_name,
    remove_args,
)
from migrate.rules._calls import ApiRule, api_call, call_name, openai_context
from migrate.rules._lazy import cst
from migrate.rules._names import make_string, quote_of, string_value
from migrate.rules._scan import scan

FIREWORKS_ONLY = ("context_length_exceeded_behavior", "prompt_truncate_len", "top_k", "min_p", "typical_p",
                  "repetition_penalty", "mirostat_lr", "mirostat_target", "echo", "echo_last", "ignore_eos",
                  "raw_output", "return_token_ids", "perf_metrics_in_response", "speculation",
                  "prompt_cache_isolation_key", "prompt_cache_max_len")
MAX_TOP_LOGPROBS = 5
PARAMS = frozenset({*FIREWORKS_ONLY, "prompt_cache_key", "service_tier", "max_completion_tokens", "top_logprobs",
                    "tools", "tool_choice", "extra_body"})


class RequestParamsRule(ApiRule):
    TRIGGER = r"ompletion|responses|developer"  # completions, ChatCompletion

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return openai_context(facts) and bool(cls.lines(facts))

    @classmethod
    def lines(cls, facts) -> set[int]:
        """Calls that pass a parameter this rule fixes (or **kwargs), and developer-role dicts."""
        return scan(facts).passing(("chat", "completions", "responses"), PARAMS) | cls._roles(facts)

    @staticmethod
    def _roles(facts) -> set[int]:
        found = scan(facts)
        if not (found.api or facts.imports.imports_module("openai")):
            return set()  # message dicts in a file that neither calls nor imports openai: not ours to judge
        return {line for line, role in found.role_dicts if role == "developer"}

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        # messages built where requests are made are rewritten; elsewhere (converters, tests) noted
        self.sends = bool(scan(self.ctx.facts).lines("chat", "responses"))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        call = api_call(original, self.imports)
        if call is None or call.kind == "embeddings" or not self.allowed(original):
            return updated
        args = {a.keyword.value: a.value for a in updated.args if a.keyword is not None}
        edits: list[str] = []
        remove: set[str] = set()
        replace: dict[str, cst.BaseExpression] = {}

        def ok(code: str) -> bool:  # `# fw-migrate: ignore[FW50x]` skips one fix
            return self.allowed(original, code)

        moved = [] if call.v0 or call.kind == "responses" or not ok("FW501") else [
            (n, n) for n in FIREWORKS_ONLY if n in args and not (n == "echo" and call.kind == "completions")]
        if call.kind == "chat" and not call.v0 and "prompt_cache_key" in args and ok("FW503"):
            moved.append(("prompt_cache_key", "prompt_cache_isolation_key"))
        tier = args.get("service_tier")
        if tier is not None and string_value(tier) != "priority" and ok("FW504"):
            if string_value(tier) is not None or is_name(tier, "None"):
                remove.add("service_tier")
                edits.append(f"service_tier={code_of(tier)} removed")
            else:
                self.note(original, "FW504", "warning", f"service_tier comes from `{code_of(tier)}`: Fireworks accepts only "
                          '"priority" (answers 400 to "flex"); drop the parameter unless it is "priority"')
        if call.kind != "responses" and "max_tokens" in args and "max_completion_tokens" in args and ok("FW505"):
            remove.add("max_completion_tokens")
            edits.append("max_completion_tokens removed (max_tokens kept)")
            if code_of(args["max_tokens"]) != code_of(args["max_completion_tokens"]):
                self.note(original, "FW505", "info", f"max_completion_tokens={code_of(args['max_completion_tokens'])} removed, "
                          f"max_tokens={code_of(args['max_tokens'])} kept: Fireworks rejects both together; check which limit you meant")
        top = args.get("top_logprobs")
        if call.kind == "chat" and top is not None and not is_name(top, "None") and ok("FW506"):
            count = int_value(top)
            if count is not None and count > MAX_TOP_LOGPROBS:
                replace["top_logprobs"] = top.with_changes(value=str(MAX_TOP_LOGPROBS))
                edits.append(f"top_logprobs {count} -> {MAX_TOP_LOGPROBS}")
                self.note(original, "FW506", "info", f"top_logprobs lowered from {count} to {MAX_TOP_LOGPROBS}, Fireworks' maximum: "
                          "code that expects more alternatives per token gets at most 5")
            elif count is None:
                self.note(original, "FW506", "warning", f"top_logprobs comes from `{code_of(top)}`: Fireworks accepts 0 to 5 "
                          "(OpenAI 20); keep it at most 5")
        for name in ("tools", "tool_choice"):
            if name in args and is_name(args[name], "None") and ok("FW507"):
                remove.add(name)
                edits.append(f"{name}=None removed")
        result = remove_args(updated, remove) if remove else updated
        if replace:
            result = result.with_changes(args=[a.with_changes(value=replace[a.keyword.value])
                                               if a.keyword is not None and a.keyword.value in replace else a for a in result.args])
        if moved:
            merged, why = extra_body_edit(result, [(new, args[old]) for old, new in moved], {old for old, _ in moved})
            if merged is not None:
                result = merged
                edits.append(", ".join(old if old == new else f"{old} (as {new})" for old, new in moved) + " moved into extra_body")
            else:
                self._not_moved(original, moved, why)
        if edits:
            self.changed(original, f"{call_name(original)}(...): " + "; ".join(edits))
        return result

    def _not_moved(self, node: cst.Call, moved: list[tuple[str, str]], why: str) -> None:
        own = [old for old, new in moved if old == new]
        if own:
            these = f"{own[0]} is a Fireworks-only parameter" if len(own) == 1 else f"{', '.join(own)} are Fireworks-only parameters"
            self.note(node, "FW501", "error", f"{these}, which the OpenAI SDK rejects as keywords (TypeError); not moved "
                      f"because {why}: put {'it' if len(own) == 1 else 'them'} into the dict passed as extra_body")
        if any(old != new for old, new in moved):
            self.note(node, "FW503", "warning", f"prompt_cache_key is OpenAI's; Fireworks' equivalent is "
                      f'extra_body={{"prompt_cache_isolation_key": ...}}; not moved because {why}: move it there yourself')

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        keys = {string_value(e.key): e for e in updated.elements if isinstance(e, cst.DictElement)}
        role = keys.get("role")
        if role is None or string_value(role.value) != "developer" or "content" not in keys or not self.allowed(original, "FW502"):
            return updated
        if not self.sends:
            self.note(original, "FW502", "warning", 'role "developer": Fireworks rejects it (400); where this message is '
                      'sent to a Fireworks model, make it "system"')
            return updated
        system = make_string("system", quote_of(role.value))  # type: ignore[arg-type]
        self.changed(original, 'message role "developer" is now "system" (Fireworks has no developer role)')
        return updated.deep_replace(role.value, system)  # type: ignore[return-value]


RULE = RequestParamsRule
