"""Count tokens with a fixed tiktoken encoding where the model is now a Fireworks one.

`tiktoken.encoding_for_model()` knows only OpenAI model names: given a Fireworks id it raises
`KeyError: Could not automatically map ... to a tokeniser` (what-breaks I1). Where its
argument is a Fireworks id (`accounts/...`), or an OpenAI id the model map moves to Fireworks
(a literal, or a name assigned that literal once in the file), the call becomes
`get_encoding("cl100k_base")`, with a comment: Fireworks models use their own tokenizers, so
the counts are estimates (I2: tiktoken under-counts Llama-style tokenizers by up to ~30%).

Before:
    enc = tiktoken.encoding_for_model("gpt-4o-mini")
After:
    # Token counts are estimates: Fireworks models use their own tokenizers (fw-migrate)
    enc = tiktoken.get_encoding("cl100k_base")

`tiktoken.encoding_name_for_model(...)` becomes `"cl100k_base"` the same way. [FW521]

Not rewritten: a model from a parameter, an attribute or another file: a warning says how to
fall back (`except KeyError: tiktoken.get_encoding("cl100k_base")`) [FW522], unless the call
already sits in a `try` that catches KeyError. For exact counts read `usage` from the response,
and leave a margin (or `prompt_truncate_len`) when trimming prompts to fit a context window.
Docs: https://github.com/openai/tiktoken
"""

from __future__ import annotations

from migrate.rules._args import code_of
from migrate.rules._base import Rule
from migrate.rules._calls import model_map
from migrate.rules._lazy import cst
from migrate.rules._names import dotted, make_string, qualname, string_value
from migrate.rules._scan import scan

FUNCS = {f"tiktoken{m}.{f}": f for m in ("", ".model") for f in ("encoding_for_model", "encoding_name_for_model")}
ENCODING = "cl100k_base"
CATCHES = frozenset({"KeyError", "LookupError", "Exception", "BaseException"})
COMMENT = "# Token counts are estimates: Fireworks models use their own tokenizers (fw-migrate)"


class TiktokenModelsRule(Rule):
    TRIGGER = r"encoding_(?:name_)?for_model"

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return facts.calls_any(FUNCS.keys())

    @classmethod
    def lines(cls, facts) -> set[int]:
        return facts.lines_of(facts.call_lines, FUNCS)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.protected: list[bool] = []  # one entry per enclosing try: does it catch KeyError here
        self.saved: list[bool] = []
        self.commented: set[int] = set()  # ids of statements that need the comment
        self.statements_seen: list[cst.CSTNode] = []

    # --- where the call sits -------------------------------------------------------------------

    def visit_Try(self, node: cst.Try) -> None:
        names = set()
        for handler in node.handlers:
            kinds = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
            for kind in kinds:
                kind = kind.value if isinstance(kind, cst.Element) else kind
                names.add("BaseException" if kind is None else (dotted(kind) or "").rsplit(".", 1)[-1])
        self.protected.append(bool(names & CATCHES))

    def leave_Try(self, original, updated):
        self.protected.pop()
        return updated

    def visit_ExceptHandler(self, node) -> None:
        self.saved.append(self.protected[-1])
        self.protected[-1] = False  # a handler is not covered by its own try (outer ones still count)

    def leave_ExceptHandler(self, original, updated):
        self.protected[-1] = self.saved.pop()
        return updated

    def on_visit(self, node: cst.CSTNode) -> bool:
        descend = super().on_visit(node)
        if descend and isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.statements_seen.append(node)
        return descend

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if self.statements_seen and self.statements_seen[-1] is original:
            self.statements_seen.pop()
            if id(original) in self.commented and isinstance(result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                comment = cst.EmptyLine(comment=cst.Comment(COMMENT))
                if not any(line.comment is not None and line.comment.value == COMMENT for line in result.leading_lines):
                    result = result.with_changes(leading_lines=[*result.leading_lines, comment])
        return result

    # --- the calls -----------------------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = qualname(original.func, self.imports)
        if func not in FUNCS or not self.allowed(original, "FW521"):
            return updated
        arg = original.args[0] if original.args and original.args[0].keyword is None else next(
            (a for a in original.args if a.keyword is not None and a.keyword.value == "model_name"), None)
        if arg is None:
            return updated
        model = self.model_value(arg.value)
        if model is None:
            if not any(self.protected):
                self.note(original, "FW522", "warning", f"tiktoken.{FUNCS[func]}(`{code_of(arg.value)}`) raises KeyError when "
                          f"the model is a Fireworks id: catch KeyError and fall back to tiktoken.get_encoding(\"{ENCODING}\") "
                          "(counts are then estimates)")
            return updated
        if not (model.startswith("accounts/") or model_map(self.settings).lookup(model) is not None):
            return updated
        if self.statements_seen:
            self.commented.add(id(self.statements_seen[-1]))
        self.changed(original, f"tiktoken.{FUNCS[func]}({model!r}) -> {ENCODING} (an estimate for a Fireworks model)")
        if FUNCS[func] == "encoding_name_for_model":
            return make_string(ENCODING)
        new_func: cst.BaseExpression
        if isinstance(original.func, cst.Attribute) and qualname(original.func.value, self.imports) == "tiktoken":
            new_func = original.func.with_changes(attr=cst.Name("get_encoding"))
        elif isinstance(original.func, cst.Name):
            self.need_import("tiktoken", "get_encoding")
            new_func = cst.Name("get_encoding")
        else:
            self.need_import("tiktoken")
            new_func = cst.parse_expression("tiktoken.get_encoding")
        return updated.with_changes(func=new_func, args=[cst.Arg(make_string(ENCODING))])

    def model_value(self, node: cst.BaseExpression) -> str | None:
        value = string_value(node)
        if value is None and isinstance(node, cst.Name):
            found = scan(self.ctx.facts).constants.get(node.value)
            value = found if isinstance(found, str) else None
        return value


RULE = TiktokenModelsRule
