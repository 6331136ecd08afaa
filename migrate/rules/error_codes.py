"""Flag error handling that compares error codes with OpenAI's code strings (notes only).

Fireworks' errors carry other codes: a missing model is a 404 with code "NOT_FOUND", bad
requests say "BAD_REQUEST", and a 429 body can hold a plain string, so the SDK's `e.code` is
None (what-breaks J1). A branch testing `e.code == "model_not_found"` then never runs. Each
comparison of `X.code`, `X["code"]` or `X.get("code")` with one of OpenAI's codes gets a
warning naming what to test instead: the SDK's exception classes, which follow the HTTP status
and so work on both. [FW641]

Before:
    except openai.APIError as e:
        if e.code == "model_not_found": ...
After: unchanged, with the note
    FW641 warning: Fireworks reports a missing model as HTTP 404 with code "NOT_FOUND": catch
    openai.NotFoundError instead of comparing e.code with "model_not_found"
Docs: https://docs.fireworks.ai/guides/inference-error-codes
"""

from __future__ import annotations

from migrate.rules._args import code_of
from migrate.rules._base import Rule
from migrate.rules._calls import openai_context
from migrate.rules._lazy import cst
from migrate.rules._names import string_value
from migrate.rules._scan import scan

INSTEAD = {
    "model_not_found": 'Fireworks reports a missing model as HTTP 404 with code "NOT_FOUND": catch openai.NotFoundError',
    "context_length_exceeded": "by default Fireworks lowers max_tokens instead of failing (see FW511); with "
                               'context_length_exceeded_behavior="error" it answers HTTP 400: catch openai.BadRequestError '
                               "and read its message",
    "rate_limit_exceeded": "a Fireworks 429 can carry no code at all (e.code is None): catch openai.RateLimitError",
    "insufficient_quota": "a Fireworks 429 can carry no code at all (e.code is None): catch openai.RateLimitError",
    "invalid_api_key": "Fireworks answers a bad key with HTTP 401 and its own code: catch openai.AuthenticationError",
}


def is_code(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Attribute):
        return node.attr.value == "code"
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return string_value(node.slice[0].slice.value) == "code"
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"
            and bool(node.args) and string_value(node.args[0].value) == "code")


def codes(node: cst.BaseExpression) -> list[str]:
    items = [e.value for e in node.elements] if isinstance(node, (cst.Tuple, cst.List, cst.Set)) else [node]
    return [string_value(i) for i in items if string_value(i) in INSTEAD]


class ErrorCodesRule(Rule):
    TRIGGER = "|".join(INSTEAD)

    @classmethod
    def triage(cls, facts, settings) -> bool:
        return openai_context(facts) and bool(scan(facts).code_compares)

    @classmethod
    def lines(cls, facts) -> set[int]:
        return set(scan(facts).code_compares)

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        operands = [original.left, *(c.comparator for c in original.comparisons)]
        subject = next((o for o in operands if is_code(o)), None)
        found = [c for o in operands if o is not subject for c in codes(o)]
        if subject is None or not found or not self.allowed(original):
            return updated
        for value in dict.fromkeys(found):
            self.note(original, "FW641", "warning", f"{INSTEAD[value]} instead of comparing {code_of(subject)} with {value!r}")
        return updated


RULE = ErrorCodesRule
