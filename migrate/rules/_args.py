"""Literal values and keyword-argument edits for the API rules, keeping the user's layout
(one line, one argument a line, hanging indents, trailing commas, comments)."""

from __future__ import annotations

from migrate.rules._lazy import cst
from migrate.rules._names import keyword_arg, make_string, quote_of, string_value

# --- literal values ---------------------------------------------------------------------------


def int_value(node) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    return None


def is_name(node, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def names_in(node: cst.CSTNode) -> set[str]:
    """Every name used anywhere under `node`."""
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Names())
    return found


def fresh(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`, ... : the first not in `taken`."""
    return next(n for n in (base, *(f"{base}_{i}" for i in range(2, 10_000))) if n not in taken)


def call_quote(call: cst.Call) -> str:
    for arg in call.args:
        if isinstance(arg.value, cst.SimpleString):
            return quote_of(arg.value)
    return '"'


# --- argument and dict edits ------------------------------------------------------------------


def _separator(before, commas) -> cst.BaseParenthesizableWhitespace:
    """The whitespace between two items, as the user laid them out (comments dropped)."""
    for ws in (before, *commas):
        if isinstance(ws, cst.ParenthesizedWhitespace):
            return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return cst.SimpleWhitespace(" ")


def _join(end, sep):
    """What follows the old last item's comma: `sep`, keeping a comment the old end carried."""
    if isinstance(end, cst.ParenthesizedWhitespace) and (end.first_line.comment or end.empty_lines):
        return end.with_changes(indent=sep.indent, last_line=sep.last_line) if isinstance(sep, cst.ParenthesizedWhitespace) else end
    return sep


def _plain(end):
    return end.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=()) if isinstance(end, cst.ParenthesizedWhitespace) else end


def _append(items: list, new: list, sep, end, with_end):
    """`items` then `new`, laid out like `items`. `end` is the whitespace after the last item
    (before the closing bracket) when it has no trailing comma; `with_end(item, ws)` sets it."""
    items, last = list(items), items[-1]
    trailing = isinstance(last.comma, cst.Comma)
    if trailing:
        end = last.comma.whitespace_after
        items[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=_join(end, sep)))
        tail = new[-1].with_changes(comma=cst.Comma(whitespace_after=_plain(end)))
    else:
        items[-1] = with_end(last.with_changes(comma=cst.Comma(whitespace_after=_join(end, sep))), cst.SimpleWhitespace(""))
        tail = with_end(new[-1], _plain(end))
    middle = [item.with_changes(comma=cst.Comma(whitespace_after=sep)) for item in new[:-1]]
    return [*items, *middle, tail]


def _spaced(items: list) -> list:
    return [*(i.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for i in items[:-1]), items[-1]]


def append_args(call: cst.Call, new: list[cst.Arg]) -> cst.Call:
    if not call.args:
        return call.with_changes(args=_spaced(new))
    commas = [a.comma.whitespace_after for a in call.args[:-1] if isinstance(a.comma, cst.Comma)]
    sep = _separator(call.whitespace_before_args, commas)
    args = _append(call.args, new, sep, call.args[-1].whitespace_after_arg,
                   lambda arg, ws: arg.with_changes(whitespace_after_arg=ws))
    return call.with_changes(args=args)


def dict_element(key: str, value: cst.BaseExpression, quote: str) -> cst.DictElement:
    return cst.DictElement(make_string(key, quote), value, whitespace_before_colon=cst.SimpleWhitespace(""),
                           whitespace_after_colon=cst.SimpleWhitespace(" "))


def add_to_dict(value: cst.Dict, new: list[cst.DictElement]) -> cst.Dict:
    if not value.elements:
        return value.with_changes(elements=_spaced(new))
    commas = [e.comma.whitespace_after for e in value.elements[:-1] if isinstance(e.comma, cst.Comma)]
    sep = _separator(value.lbrace.whitespace_after, commas)
    # without a trailing comma the whitespace before `}` belongs to the brace and stays there
    return value.with_changes(elements=_append(value.elements, new, sep, cst.SimpleWhitespace(""), lambda e, ws: e))


def extra_body_edit(call: cst.Call, entries: list[tuple[str, cst.BaseExpression]],
                    moving: set[str] = frozenset()) -> tuple[cst.Call | None, str]:  # type: ignore[assignment]
    """The call with `entries` merged into its `extra_body`, and the keyword arguments `moving`
    removed; or (None, why it cannot be done). Without an `extra_body`, the first argument that
    moves becomes it, so its place and comment stay."""
    quote = call_quote(call)
    elements = [dict_element(key, value, quote) for key, value in entries]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "extra_body":
            if not isinstance(arg.value, cst.Dict) or any(not isinstance(e, cst.DictElement) for e in arg.value.elements):
                return None, f"extra_body is `{code_of(arg.value)}`, not a dict literal"
            present = {string_value(e.key) for e in arg.value.elements}
            clash = sorted(present & {key for key, _ in entries})
            if clash:
                return None, f"extra_body already sets {', '.join(clash)}"
            merged = call.with_changes(args=[a.with_changes(value=add_to_dict(arg.value, elements)) if a is arg else a
                                             for a in call.args])
            return remove_args(merged, set(moving)), ""
    if any(arg.star == "**" for arg in call.args):
        return None, "the call's **kwargs may already hold an extra_body"
    first = next((a for a in call.args if a.keyword is not None and a.keyword.value in moving), None)
    if first is None:
        return append_args(call, [keyword_arg("extra_body", cst.Dict(elements))]), ""
    body = first.with_changes(keyword=cst.Name("extra_body"), value=cst.Dict(elements))
    replaced = call.with_changes(args=[body if a is first else a for a in call.args])
    return remove_args(replaced, set(moving) - {first.keyword.value}), ""


def remove_args(call: cst.Call, names: set[str]) -> cst.Call:
    """The call without the keyword arguments `names`, the new last argument ending as the old one did."""
    kept = [a for a in call.args if a.keyword is None or a.keyword.value not in names]
    if not kept or kept[-1] is call.args[-1]:
        return call.with_changes(args=kept)
    old = call.args[-1]
    kept[-1] = kept[-1].with_changes(comma=old.comma, whitespace_after_arg=old.whitespace_after_arg)
    return call.with_changes(args=kept)
