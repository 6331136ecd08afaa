"""`max_tokens` on Fireworks: lowered past the context window; above 4096 only when streaming.

1. When prompt + `max_tokens` exceed the context window, OpenAI fails the request; Fireworks
   lowers `max_tokens` and answers, shorter, without an error (what-breaks D6;
   fireworks-and-openai 1.2.1). Each chat or completions call that sets `max_tokens` (or
   `max_completion_tokens`) gets an info note [FW511]. With `--context-overflow error`
   (`context-overflow = "error"` in pyproject) the call asks for OpenAI's behaviour instead,
   `extra_body={"context_length_exceeded_behavior": "error"}` (merged into an extra_body dict
   literal); `context-overflow = "truncate"` accepts Fireworks' behaviour silently.
2. Fireworks answers 400 "Requests with max_tokens > 4096 must have stream=true" to
   non-streaming calls above 4096 (D5): an error note for a literal [FW512], a warning for a
   value from an expression [FW513]. `--fix-large-max-tokens cap` makes the literal 4096.
   `--fix-large-max-tokens stream` streams a chat call that is a statement of its own, and the
   SDK's own accumulator (openai>=1.56) rebuilds the same ChatCompletion:
       response = client.chat.completions.create(model=m, messages=msgs, max_tokens=8000)
   becomes
       _fw_state = ChatCompletionStreamState()
       for _fw_chunk in client.chat.completions.create(model=m, messages=msgs, max_tokens=8000, stream=True, ...):
           _fw_state.handle_chunk(_fw_chunk)
       response = _fw_state.current_completion_snapshot
   and `x = client.chat.completions.parse(...)` becomes
   `with client.chat.completions.stream(...) as s: x = s.get_final_completion()`.

Not rewritten (a note says what to do): values from names or `**kwargs`, `.with_raw_response`
calls, calls inside larger expressions, legacy `completions.create` and SDK 0.x calls.
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

from migrate.rules._args import (
    append_args,
    call_quote,
    code_of,
    extra_body_edit,
    fresh,
    int_value,
    is_name,
    names_in,
    remove_args,
)
from migrate.rules._calls import ApiRule, api_call, openai_context
from migrate.rules._lazy import cst
from migrate.rules._names import keyword_arg, make_string, string_value
from migrate.rules._scan import scan

LIMIT = 4096
SHORT = "lower it to 4096 or stream the response"
HOW = f"{SHORT} (--fix-large-max-tokens cap|stream does it)"


class MaxTokensRule(ApiRule):
    TRIGGER = r"max_(?:completion_)?tokens"

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return openai_context(facts) and bool(scan(facts).lines("chat", "completions"))

    @classmethod
    def lines(cls, facts) -> set[int]:
        found = scan(facts)
        return found.lines("chat", "completions")

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self.statement = None  # (call, awaited) when the current simple statement is that call
        self.pending, self.taken = None, None  # the call being streamed; the names the file uses

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statement, small = None, node.body[0] if len(node.body) == 1 else None
        ok = isinstance(small, (cst.Return, cst.Expr, cst.AnnAssign)) or (isinstance(small, cst.Assign) and len(small.targets) == 1)
        value = small.value if ok else None
        awaited = isinstance(value, cst.Await)
        value = value.expression if awaited else value
        if isinstance(value, cst.Call):
            self.statement = (value, awaited)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        call = api_call(original, self.imports)
        if call is None or call.kind not in ("chat", "completions") or not self.allowed(original):
            return updated
        params = self.params(original)
        name = next((n for n in ("max_tokens", "max_completion_tokens") if n in params and not is_name(params[n], "None")), None)
        if name is None:
            return updated
        value, result = params[name], updated
        if self.settings.context_overflow == "note":
            self.note(original, "FW511", "info", f"{name} is set: when prompt + {name} exceed the context window, Fireworks "
                      "lowers it and answers (OpenAI fails); to keep OpenAI's error pass extra_body="
                      '{"context_length_exceeded_behavior": "error"} (or run with --context-overflow error)')
        elif self.settings.context_overflow == "error" and self.allowed(original, "FW511"):
            result = self.ask_error(original, result, call.v0)
        stream = params.get("stream")
        if call.method == "stream" or is_name(stream, "True"):
            return result
        limit = int_value(value)
        if limit is None and isinstance(value, cst.Name):
            limit = scan(self.ctx.facts).constants.get(value.value)
        limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
        if limit is None:
            when = "on a call that does not stream" if stream is None or is_name(stream, "False") else \
                f"with stream=`{code_of(stream)}`: when that is false"
            self.note(original, "FW513", "warning", f"{name} comes from `{code_of(value)}` {when}, Fireworks rejects it above "
                      f"{LIMIT} (400 \"must have stream=true\"); keep it at most {LIMIT} or stream")
        elif limit > LIMIT and stream is not None and not is_name(stream, "False"):
            self.note(original, "FW512", "warning", f"{name}={limit} with stream=`{code_of(stream)}`: when that is false, "
                      f"Fireworks answers 400 \"Requests with max_tokens > {LIMIT} must have stream=true\"; {HOW}")
        elif limit > LIMIT and self.allowed(original, "FW512"):
            return self.large(original, result, call, name, limit, value)
        return result

    def ask_error(self, original: cst.Call, call: cst.Call, v0: bool) -> cst.Call:
        body = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "extra_body"), None)
        if isinstance(body, cst.Dict) and any(isinstance(e, cst.DictElement) and string_value(e.key) == "context_length_exceeded_behavior"
                                              for e in body.elements):
            return call
        entry = ("context_length_exceeded_behavior", make_string("error", call_quote(call)))
        if v0:  # SDK 0.x sends every keyword as it is
            if any(a.keyword is not None and a.keyword.value == entry[0] for a in call.args):
                return call
            merged, why = append_args(call, [keyword_arg(*entry)]), ""
        else:
            merged, why = extra_body_edit(call, [entry])
        if merged is None:
            self.note(original, "FW511", "warning", f"cannot add context_length_exceeded_behavior=\"error\" ({why}): add it to "
                      "the extra_body this call sends, or Fireworks lowers max_tokens instead of failing like OpenAI")
            return call
        self.changed(original, 'context_length_exceeded_behavior="error" added: fail like OpenAI when the context is exceeded')
        return merged

    def large(self, original: cst.Call, call: cst.Call, api, name: str, limit: int, value) -> cst.Call:
        mode, direct = self.settings.fix_large_max_tokens, any(a.keyword is not None and a.keyword.value == name for a in call.args)
        why = "the value is not written in the call"
        if mode == "cap" and direct and isinstance(value, cst.Integer):
            self.changed(original, f"{name} {limit} -> {LIMIT}, Fireworks' limit without stream=True")
            self.note(original, "FW512", "info", f"{name} capped from {limit} to {LIMIT}: longer answers now stop with "
                      'finish_reason "length"; use --fix-large-max-tokens stream to keep them')
            return call.with_changes(args=[a.with_changes(value=a.value.with_changes(value=str(LIMIT)))
                                           if a.keyword is not None and a.keyword.value == name else a for a in call.args])
        if mode == "stream":
            why = self.why_not_stream(original, call, api)
            if why is None:
                self.pending = (original, api.method)
                if api.method == "parse":
                    call = call.with_changes(func=call.func.with_changes(attr=cst.Name("stream")))
                    return append_args(call, [keyword_arg("stream_options", cst.parse_expression('{"include_usage": True}'))])
                extra = [keyword_arg("stream", cst.Name("True")), keyword_arg("stream_options", cst.parse_expression('{"include_usage": True}'))]
                return append_args(remove_args(call, {"stream"}), extra)
        self.note(original, "FW512", "error", f"{name}={limit} without stream=True: Fireworks answers 400 \"Requests with "
                  f"max_tokens > {LIMIT} must have stream=true\"; " + (HOW if mode == "off" else f"{SHORT} (not rewritten: {why})"))
        return call

    def why_not_stream(self, original: cst.Call, call: cst.Call, api) -> str | None:
        if api.kind != "chat" or api.v0 or api.wrapped or api.method not in ("create", "parse"):
            return "only chat.completions.create/parse calls can be streamed this way"
        if any(a.star for a in call.args) or "stream_options" in self.params(original):
            return "the call has **kwargs or its own stream_options"
        if self.statement is None or self.statement[0] is not original:
            return "the call is part of a larger expression; assign its result to a name first"
        return None

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        statement, self.statement = self.statement, None
        if self.pending is None or statement is None or statement[0] is not self.pending[0]:
            return updated
        (call_node, method), awaited, self.pending = self.pending, statement[1], None
        small = updated.body[0]
        value = small.value.expression if awaited else small.value
        if self.taken is None:
            self.taken = names_in(self.scopes[0])
        names = {key: fresh(f"_fw_{key}", self.taken) for key in ("state", "chunk", "stream")}
        comment = cst.EmptyLine(comment=cst.Comment(f"# Fireworks needs stream=True above max_tokens {LIMIT}: streamed, "
                                                    "then accumulated into one response (fw-migrate)"))
        if method == "parse":
            result = f"{'await ' if awaited else ''}{names['stream']}.get_final_completion()"
            body = self.finish(small, result)
            stmt = cst.With([cst.WithItem(value, cst.AsName(cst.Name(names["stream"])))],
                            cst.IndentedBlock([updated.with_changes(body=[body], leading_lines=[])]),
                            asynchronous=cst.Asynchronous() if awaited else None, leading_lines=[*updated.leading_lines, comment])
            self.changed(call_node, "parse(...) with max_tokens above 4096 now streams (chat.completions.stream)")
            return stmt
        self.need_import("openai.lib.streaming.chat", "ChatCompletionStreamState")
        state, chunk = names["state"], names["chunk"]
        init = cst.parse_statement(f"{state} = ChatCompletionStreamState()\n").with_changes(leading_lines=[*updated.leading_lines, comment])
        loop = cst.parse_statement(f"for {chunk} in _:\n    {state}.handle_chunk({chunk})\n")
        loop = loop.with_changes(iter=cst.Await(value) if awaited else value, asynchronous=cst.Asynchronous() if awaited else None)
        self.changed(call_node, "create(...) with max_tokens above 4096 now streams; the chunks are accumulated into the same response")
        if isinstance(small, cst.Expr):
            return cst.FlattenSentinel([init, loop])
        last = updated.with_changes(body=[self.finish(small, f"{state}.current_completion_snapshot")], leading_lines=[])
        return cst.FlattenSentinel([init, loop, last])

    @staticmethod
    def finish(small, code: str):
        value = cst.parse_expression(code)
        return cst.Expr(value) if isinstance(small, cst.Expr) else small.with_changes(value=value)


RULE = MaxTokensRule
