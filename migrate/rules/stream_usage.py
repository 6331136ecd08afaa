"""Make streaming loops survive Fireworks' usage chunk, and keep the streamed token usage.

Fireworks returns token usage in streaming responses too, but where and when depends on
the model. There are three shapes:

1. On the last chunk that has choices, the one whose `finish_reason` is set. This is what
   Fireworks documents: https://docs.fireworks.ai/tools-sdks/openai-compatibility
2. On one extra final chunk whose `choices` is an empty list and which carries only `usage`.
   This is OpenAI's shape for `stream_options={"include_usage": True}`:
   https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options and
   https://github.com/openai/openai-python/blob/main/src/openai/types/chat/chat_completion_stream_options_param.py
   Code written for OpenAI that indexes `chunk.choices[0]` raises
   `IndexError: list index out of range` on that chunk; see for example
   https://github.com/pixeltable/pixeltable/pull/1234,
   https://github.com/langchain-ai/langchain/pull/38050 and
   https://github.com/gradio-app/gradio/issues/11729
3. As in shape 2, but only when the request asks for it with `stream_options`. Without
   it, no chunk carries usage: https://github.com/langchain-ai/langchain/pull/36977,
   https://github.com/vercel/ai/pull/16087

Before:
    stream = client.chat.completions.create(model=MODEL, messages=messages, stream=True)
    for chunk in stream:
        print(chunk.choices[0].delta.content or "", end="")
After:
    stream = client.chat.completions.create(model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True})
    _fw_usage = None
    for chunk in stream:
        _fw_usage = getattr(chunk, "usage", None) or _fw_usage
        if not chunk.choices:
            continue
        print(chunk.choices[0].delta.content or "", end="")

Streams are calls ending in `.chat.completions.create(...)` or `.completions.create(...)`
with `stream=True`, sync or async, on any client (files that import another LLM SDK and not
openai are left alone). The rule follows them when you iterate them directly, store them
in a name first, return them from a function in the same file, or open them with `with` /
`async with`. In each loop over such a stream:
- `_fw_usage` (or `_fw_usage_2`, ..., a name the function does not use yet) is set to None
  before the loop and, in the loop, to the chunk's usage whenever that is not None. After
  the loop it holds the usage, or None if the server sent none. `getattr` also works with
  openai SDKs older than 1.26, whose chunk type does not declare `usage`. While nothing
  reads the variable, a note (FW401) on the loop says where the usage is.
- `chunk.choices[0]` (any index) not already guarded by `if chunk.choices:`,
  `if not chunk.choices: continue`, `len(chunk.choices) > 0`, `chunk.choices and ...` or
  `try/except IndexError` gets `if not chunk.choices: continue` right before its statement:
  a chunk without choices is skipped, after its usage has been read.
- The call gets `stream_options={"include_usage": True}`; an existing `stream_options`
  dict literal gets the key. Fireworks accepts it, although its typed API schema does not
  list it; a server that answers 400 "Extra inputs are not permitted" wants it removed.
  Whether Fireworks needs or accepts it is not confirmed in its docs, so it is a setting:
  `stream-options = "leave"` (or `--stream-options leave`) keeps calls as they are, and the
  loops still get their guard and usage capture (shape 1 and 2 usage is then kept).

Left alone:
- A loop that reads `chunk.usage` on every chunk before any guard keeps its own usage
  handling: no `_fw_usage` is added.
- A stream whose chunks leave the loop whole (yielded, returned, collected in a list,
  printed as JSON) or that only a comprehension reads keeps its call as it is (FW405):
  asking for usage there would send a chunk without choices to code the rule cannot see.
  A comprehension that indexes `choices` gets an `if chunk.choices` filter.
- `stream_options` that is not a dict literal (FW402), asks for no usage (FW403), or may be
  in `**kwargs` (FW404).
- `break` or `return` inside the loop (FW406): the loop may stop before a last usage chunk.
- A loop that indexes `x.choices[0].delta` over something not traced to a `stream=True`
  call (a parameter, `stream=flag`, `**params`) gets a note (FW407), not a guard.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from migrate.rules._base import Rule
from migrate.rules._calls import openai_context
from migrate.rules._lazy import cst
from migrate.rules._names import find_arg, has_star_args, keyword_arg, string_value

USAGE_VAR = "_fw_usage"
HARMLESS_USES = frozenset({"getattr", "hasattr", "isinstance", "print", "repr", "str", "type", "id"})
CATCHES_INDEX = frozenset({"IndexError", "LookupError", "Exception", "BaseException"})
NONEMPTY_COMPARE = {(ast.Gt, 0), (ast.GtE, 1), (ast.NotEq, 0)}
EMPTY_COMPARE = {(ast.Eq, 0), (ast.Lt, 1), (ast.LtE, 0)}
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
TRY = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))

# The whole-file analysis runs on the `ast` the engine already has (a LibCST walk of the file
# would cost more than its parse); LibCST then only visits the statements that change.


def is_stream_call(node: ast.AST) -> bool:
    """`<anything>.completions.create(..., stream=True, ...)` (chat or legacy completions)."""
    func = getattr(node, "func", None)
    return (isinstance(node, ast.Call) and isinstance(func, ast.Attribute) and func.attr == "create"
            and isinstance(func.value, ast.Attribute) and func.value.attr == "completions"
            and any(k.arg == "stream" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords))


def key(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.end_lineno or node.lineno


def loop_parts(target: ast.AST, iterable: ast.AST) -> tuple[str, ast.AST] | None:
    """(chunk variable, stream expression) of `for chunk in S` and `for i, chunk in enumerate(S)`."""
    if isinstance(target, ast.Name):
        return target.id, iterable
    if (isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name)
            and isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "enumerate"
            and iterable.args):
        return target.elts[1].id, iterable.args[0]
    return None


class Flow:
    """Where the results of `stream=True` calls go: names, `with ... as`, returns, loops."""

    def __init__(self, tree: ast.Module):
        self.assigned: dict[tuple[ast.AST, str], list[ast.AST]] = {}
        self.returns: dict[str, list[tuple[ast.AST, ast.AST]]] = {}  # function name -> (its scope, value)
        self.loops: list[tuple[ast.For | ast.AsyncFor, ast.AST]] = []
        self.comps: list[tuple[ast.AST, ast.AST]] = []
        self.calls: list[ast.Call] = []
        self.walk(tree)

    def bind(self, target: ast.AST, value: ast.AST, scope: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.assigned.setdefault((scope, target.id), []).append(value)

    def walk(self, tree: ast.Module) -> None:
        todo: list[tuple[ast.AST, ast.AST]] = [(tree, tree)]  # (node, its scope); no recursion on deep trees
        while todo:
            node, scope = todo.pop()
            for child in ast.iter_child_nodes(node):
                todo.append((child, child if isinstance(child, SCOPES) else scope))
                if isinstance(child, ast.Assign):
                    for target in child.targets:
                        self.bind(target, child.value, scope)
                elif isinstance(child, (ast.AnnAssign, ast.NamedExpr)) and child.value is not None:
                    self.bind(child.target, child.value, scope)
                elif isinstance(child, ast.withitem) and child.optional_vars is not None:
                    self.bind(child.optional_vars, child.context_expr, scope)
                elif isinstance(child, ast.Return) and child.value is not None and isinstance(scope, SCOPES[:2]):
                    self.returns.setdefault(scope.name, []).append((scope, child.value))
                elif isinstance(child, (ast.For, ast.AsyncFor)):
                    self.loops.append((child, scope))
                elif isinstance(child, COMPREHENSIONS):
                    self.comps.append((child, scope))
                elif is_stream_call(child):
                    self.calls.append(child)
        self.loops.sort(key=lambda item: (item[0].lineno, item[0].col_offset))  # source order names the variables
        self.comps.sort(key=lambda item: (item[0].lineno, item[0].col_offset))

    def streams(self, expr: ast.AST, scope: ast.AST, seen: frozenset = frozenset()) -> frozenset:
        """The `stream=True` calls (by `key`) whose result `expr` can be."""
        while isinstance(expr, ast.Await):
            expr = expr.value
        found: frozenset = frozenset()
        if isinstance(expr, ast.Call):
            if is_stream_call(expr):
                return frozenset({key(expr)})
            func = expr.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"):
                name = func.attr
            else:
                name = func.id if isinstance(func, ast.Name) else None
            if name is not None and name not in seen:
                for where, value in self.returns.get(name, ()):
                    found |= self.streams(value, where, seen | {name})
        elif isinstance(expr, ast.Name) and (scope, expr.id) not in seen:
            for value in self.assigned.get((scope, expr.id), ()):
                found |= self.streams(value, scope, seen | {(scope, expr.id)})
        return found


# --- what a loop body does with its chunk --------------------------------------------------


def _is_choices(node: ast.AST, var: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "choices" and isinstance(node.value, ast.Name) and node.value.id == var


def _len_of_choices(node: ast.AST, var: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("len", "bool")
            and len(node.args) == 1 and not node.keywords and _is_choices(node.args[0], var))


def _compare(node: ast.AST, var: str, table: set) -> bool:
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and _len_of_choices(node.left, var)):
        return False
    right = node.comparators[0]
    return isinstance(right, ast.Constant) and (type(node.ops[0]), right.value) in table


def req_nonempty(node: ast.AST, var: str) -> bool:
    """True only when `var.choices` is not empty."""
    if _is_choices(node, var) or _len_of_choices(node, var) or _compare(node, var, NONEMPTY_COMPARE):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return covers_empty(node.operand, var)
    if isinstance(node, ast.BoolOp):
        found = [req_nonempty(value, var) for value in node.values]
        return any(found) if isinstance(node.op, ast.And) else all(found)
    return False


def covers_empty(node: ast.AST, var: str) -> bool:
    """True whenever `var.choices` is empty."""
    if _compare(node, var, EMPTY_COMPARE):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return req_nonempty(node.operand, var)
    if isinstance(node, ast.BoolOp):
        found = [covers_empty(value, var) for value in node.values]
        return any(found) if isinstance(node.op, ast.Or) else all(found)
    return False


def _catches_index_error(node: ast.AST) -> bool:
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for kind in kinds:
            if kind is None or (kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", "")) in CATCHES_INDEX:
                return True
    return False


def _ends_in_jump(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Continue, ast.Break, ast.Return, ast.Raise))


class LoopBody:
    """What the body of a loop over a stream does with its chunk variable `var`."""

    def __init__(self, var: str, body: list[ast.stmt]):
        self.var = var
        self.unguarded: list[tuple[int, ast.Subscript]] = []  # (top statement, `var.choices[i]` not guarded)
        self.usage_reads: list[int] = []  # top statements that read `var.usage` on every chunk
        self.reads_usage = False  # `var.usage` is read somewhere, maybe not on every chunk
        self.reads_choices = False
        self.escapes = False  # the chunk itself is handed on (yield chunk, f(chunk), chunks.append(chunk))
        self.exits = False  # a break or return can leave the loop early
        self.capture: str | None = None  # the variable of a capture line already there
        self.top = 0
        self.block(body, False, False, 0, top=True)

    @property
    def guard_at(self) -> int | None:
        return min((index for index, _ in self.unguarded), default=None)

    def capture_name(self, stmt: ast.stmt) -> str | None:
        """`NAME = getattr(var, "usage", None) or NAME` -> NAME."""
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            return None
        name, value = stmt.targets[0].id, stmt.value
        if (isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2
                and self.usage_getattr(value.values[0]) and isinstance(value.values[1], ast.Name) and value.values[1].id == name):
            return name
        return None

    def usage_getattr(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) and node.args[0].id == self.var
                and isinstance(node.args[1], ast.Constant) and node.args[1].value == "usage")

    def block(self, body: list, guarded: bool, cond: bool, depth: int, top: bool = False) -> None:
        for index, stmt in enumerate(body):
            if top:
                self.top = index
                if self.capture is None and self.capture_name(stmt):
                    self.capture = self.capture_name(stmt)
                    continue
            self.visit(stmt, guarded, cond, depth)
            if (isinstance(stmt, ast.If) and not stmt.orelse and _ends_in_jump(stmt.body)
                    and covers_empty(stmt.test, self.var)):
                guarded = cond = True  # `if not chunk.choices: continue` guards what follows

    def read_usage(self, cond: bool) -> None:
        self.reads_usage = True
        if not cond:
            self.usage_reads.append(self.top)

    def visit(self, node: ast.AST, guarded: bool, cond: bool, depth: int) -> None:
        var = self.var
        if isinstance(node, (*SCOPES, ast.Lambda)):
            return
        if isinstance(node, (ast.If, ast.IfExp)):
            self.visit(node.test, guarded, cond, depth)
            on_choices = req_nonempty(node.test, var) or covers_empty(node.test, var)
            for part, guard in ((node.body, req_nonempty(node.test, var) or covers_empty(node.test, var)),
                                (node.orelse, covers_empty(node.test, var))):
                if isinstance(part, list):
                    self.block(part, guarded or guard, cond or on_choices, depth)
                else:
                    self.visit(part, guarded or guard, cond or on_choices, depth)
            return
        if isinstance(node, ast.BoolOp):  # `a and b`: b runs only when a holds
            stop = covers_empty if isinstance(node.op, ast.Or) else req_nonempty
            for value in node.values:
                self.visit(value, guarded, cond, depth)
                guarded = cond = guarded or stop(value, var)
            return
        if isinstance(node, TRY) and _catches_index_error(node):
            self.block(node.body, True, cond, depth)
            for handler in node.handlers:
                self.block(handler.body, guarded, cond, depth)
            self.block(node.orelse, guarded, cond, depth)
            self.block(node.finalbody, guarded, cond, depth)
            return
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            depth += 1
        elif isinstance(node, ast.Break) and depth == 0 or isinstance(node, ast.Return):
            self.exits = True
        elif isinstance(node, ast.Subscript) and _is_choices(node.value, var):
            if not guarded and not isinstance(node.slice, ast.Slice):
                self.unguarded.append((self.top, node))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == var:
            if node.attr == "usage":
                self.read_usage(cond)
            self.reads_choices |= node.attr == "choices"
            return
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HARMLESS_USES:
            if self.usage_getattr(node):
                self.read_usage(cond)
            first = node.args[:1]
            rest = node.args[1:] if first and isinstance(first[0], ast.Name) and first[0].id == var else node.args
            for child in (*rest, *node.keywords):
                self.visit(child, guarded, cond, depth)
            return
        elif isinstance(node, ast.Name) and node.id == var and isinstance(node.ctx, ast.Load):
            self.escapes = True
        for _, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                self.block(value, guarded, cond, depth)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item, guarded, cond, depth)
            elif isinstance(value, ast.AST):
                self.visit(value, guarded, cond, depth)


def names_in(scope: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (*SCOPES, ast.alias, ast.Global, ast.Nonlocal)):
            found.update(getattr(node, "names", None) or [getattr(node, "asname", None) or getattr(node, "name", "")])
    return found


# --- layout-keeping edits ------------------------------------------------------------------


def _plain(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break and indent, without the comment."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return ws


def _separator(items: list, fallback: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    for item in items:
        if isinstance(item.comma, cst.Comma) and isinstance(item.comma.whitespace_after, cst.ParenthesizedWhitespace):
            return _plain(item.comma.whitespace_after)
    return _plain(fallback) if isinstance(fallback, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")


def insert_after(args: list[cst.Arg], index: int, new: cst.Arg, fallback) -> list[cst.Arg]:
    """The call's `args` with `new` after `args[index]`, in the call's own layout."""
    args = list(args)
    anchor = args[index]
    sep = _separator(args, fallback)
    if index < len(args) - 1:
        args.insert(index + 1, new.with_changes(comma=cst.Comma(whitespace_after=_plain(anchor.comma.whitespace_after))))
    elif isinstance(anchor.comma, cst.Comma):  # a trailing comma: one argument a line
        closing = anchor.comma.whitespace_after
        kept = closing.with_changes(indent=sep.indent, last_line=sep.last_line) if (
            isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(sep, cst.ParenthesizedWhitespace)) else sep
        args[index] = anchor.with_changes(comma=cst.Comma(whitespace_after=kept))  # keeps its comment
        args.append(new.with_changes(comma=cst.Comma(whitespace_after=_plain(closing))))
    else:
        args[index] = anchor.with_changes(comma=cst.Comma(whitespace_after=sep), whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new.with_changes(whitespace_after_arg=anchor.whitespace_after_arg))
    return args


def add_to_dict(value: cst.Dict, element: cst.DictElement) -> cst.Dict:
    """The dict literal with `element` last, in the dict's own layout."""
    items = list(value.elements)
    if not items:
        return value.with_changes(elements=[element])
    last, opening, closing = items[-1], value.lbrace.whitespace_after, value.rbrace.whitespace_before
    if isinstance(last.comma, cst.Comma) and isinstance(closing, cst.ParenthesizedWhitespace):  # one item a line
        indent = opening.last_line if isinstance(opening, cst.ParenthesizedWhitespace) else closing.last_line
        items[-1] = last.with_changes(comma=cst.Comma(whitespace_after=closing.with_changes(last_line=indent)))
        items.append(element.with_changes(comma=cst.Comma()))
        return value.with_changes(elements=items, rbrace=value.rbrace.with_changes(whitespace_before=_plain(closing)))
    items[-1] = last.with_changes(comma=cst.Comma(whitespace_after=_separator(items, opening)))
    items.append(element.with_changes(comma=last.comma))
    return value.with_changes(elements=items)


def _cst_index(statements: list, ast_index: int) -> int:
    """The LibCST statement holding the `ast_index`-th `ast` statement (`a; b` is one line)."""
    seen = 0
    for index, stmt in enumerate(statements):
        seen += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        if seen > ast_index:
            return index
    return len(statements)


# --- the rule ------------------------------------------------------------------------------


@dataclass
class LoopPlan:
    var: str
    name: str | None  # the new usage variable, or None
    guard_at: int | None  # the `ast` index of the first body statement to guard, or None
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (code, severity, message)
    exits: bool = False


class StreamUsageRule(Rule):
    TRIGGER = r"\bstream\s*=\s*True\b|\.choices\s*\[[^\]\n]*\]\s*\.\s*delta\b"

    @classmethod
    def triage(cls, facts, settings) -> bool:
        """A `stream=True` completions call, or `x.choices[i].delta` (a loop FW407 may flag)."""
        if facts.tree is None:
            return True
        if not openai_context(facts):
            return False
        for node in ast.walk(facts.tree):
            if is_stream_call(node) or (isinstance(node, ast.Attribute) and node.attr == "delta"
                                        and isinstance(node.value, ast.Subscript) and isinstance(node.value.value, ast.Attribute)
                                        and node.value.value.attr == "choices"):
                return True
        return False

    def lines(self, facts) -> set[int]:  # an instance method here: it plans the whole file on the `ast`
        self.loops: dict[int, LoopPlan] = {}  # `for` line -> what to do
        self.comps: set[tuple[int, str]] = set()  # (line of the iterable, variable) of comprehensions to guard
        self.kept: set[tuple[int, int]] = set()  # streams some loop keeps the usage of
        self.left: set[tuple[int, int]] = set()  # streams read by a loop the user told us to leave alone
        self.quote = "'" if self.ctx.text.count("'") > self.ctx.text.count('"') else '"'
        flow = Flow(facts.tree)
        taken: dict[ast.AST, set[str]] = {}
        for loop, scope in flow.loops:
            parts = loop_parts(loop.target, loop.iter)
            if parts is None:
                continue
            streams = flow.streams(parts[1], scope)
            if not streams:
                self.untraced(loop, parts[0])
            elif self.quiet(loop):
                self.left |= streams
            else:
                self.plan(loop, parts[0], streams, scope, taken)
        for comp, scope in flow.comps:
            first = comp.generators[0]
            parts = loop_parts(first.target, first.iter)
            if parts and flow.streams(parts[1], scope) and not self.quiet(comp):
                elements = [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
                if LoopBody(parts[0], [ast.Expr(ast.BoolOp(ast.And(), [*first.ifs, *elements]))]).unguarded:
                    self.comps.add((first.iter.lineno, parts[0]))
        return {call.lineno for call in flow.calls} | set(self.loops) | {line for line, _ in self.comps}

    def quiet(self, node: ast.AST) -> bool:
        """A suppression comment for this rule on the node's first or last line."""
        for line in {node.lineno, node.end_lineno}:
            if line in self.ctx.suppressed and (self.ctx.suppressed[line] is None or self.name in self.ctx.suppressed[line]):
                return True
        return False

    def plan(self, loop, var: str, streams: frozenset, scope: ast.AST, taken: dict) -> None:
        body = LoopBody(var, loop.body)
        guard = body.guard_at
        # chunks handed on whole (`yield chunk`, `chunks.append(chunk)`, `chunk.to_json()`): their reader keeps usage
        if guard is None and not body.reads_usage and (body.escapes or not body.reads_choices):
            return
        self.kept |= streams
        name = None
        if body.capture is None and not any(guard is None or index < guard for index in body.usage_reads):
            names = taken.setdefault(scope, names_in(scope))
            name = next(n for n in (USAGE_VAR, *(f"{USAGE_VAR}_{i}" for i in range(2, 1000))) if n not in names)
            names.add(name)
        plan = LoopPlan(var, name, guard, exits=body.exits)
        keeper = name or body.capture
        reads = sum(isinstance(n, ast.Name) and n.id == keeper for n in ast.walk(scope)) if keeper else 0
        if keeper and reads <= (0 if name else 3):  # the capture and its initialisation only
            own = f"; your own read of `{var}.usage` here misses some chunks that carry it" if body.reads_usage else ""
            message = (f"the usage of the stream this loop reads is kept in `{keeper}` (None if the server sent none), "
                       f"which nothing reads yet{own}: log or return `{keeper}` after the loop")
            plan.notes.append(("FW401", "info", message))
        self.loops[loop.lineno] = plan

    def untraced(self, loop, var: str) -> None:
        """FW407 for a loop that indexes `var.choices[i].delta` unguarded, over a stream we cannot trace."""
        if not any(isinstance(n, ast.Attribute) and n.attr == "delta" and isinstance(n.value, ast.Subscript)
                   and _is_choices(n.value.value, var) for n in ast.walk(loop)):
            return
        subscripts = {id(node) for _, node in LoopBody(var, loop.body).unguarded}
        if any(isinstance(n, ast.Attribute) and n.attr == "delta" and id(n.value) in subscripts for n in ast.walk(loop)):
            message = (f"`{var}.choices[...]` in a loop that looks like it reads a stream fw-migrate cannot trace to a "
                       "`stream=True` call: on Fireworks the last chunk can have no choices (IndexError); add "
                       f"`if not {var}.choices: continue` first, and keep `{var}.usage` when it is not None")
            self.loops[loop.lineno] = LoopPlan(var, None, None, [("FW407", "warning", message)])

    # --- rewriting ---------------------------------------------------------------------------

    def include_usage(self) -> cst.DictElement:
        q = self.quote
        return cst.DictElement(cst.SimpleString(f"{q}include_usage{q}"), cst.Name("True"),
                               whitespace_before_colon=cst.SimpleWhitespace(""),
                               whitespace_after_colon=cst.SimpleWhitespace(" "))

    def visit_For(self, node: cst.For) -> None:
        plan = self.loops.get(self._lines(node)[0])
        if plan is None:
            return
        for code, severity, message in plan.notes:
            self.note(node, code, severity, message)
        if plan.exits and (plan.name or plan.guard_at is not None):
            for stop in _exits(node.body):
                self.note(stop, "FW406", "warning", "this leaves the stream loop early: a model that sends usage in a last "
                          "chunk without choices has not sent it yet; let the loop run to the end to keep the usage")

    def leave_For(self, original: cst.For, updated: cst.For):
        plan = self.loops.get(self._lines(original)[0])
        if plan is None or (plan.name is None and plan.guard_at is None):
            return updated
        var, name, q = plan.var, plan.name, self.quote
        body = updated.body
        if isinstance(body, cst.SimpleStatementSuite):
            body = cst.IndentedBlock([cst.SimpleStatementLine(body.body, trailing_whitespace=body.trailing_whitespace)])
        lines = list(body.body)
        edits = []
        if plan.guard_at is not None:
            lines.insert(_cst_index(lines, plan.guard_at), cst.parse_statement(f"if not {var}.choices:\n    continue\n"))
            edits.append("chunks without choices skipped")
        if name:
            lines.insert(0, cst.parse_statement(f"{name} = getattr({var}, {q}usage{q}, None) or {name}\n"))
            edits.insert(0, f"usage kept in {name}")
        self.changed(original, "stream loop: " + ", ".join(edits))
        loop = updated.with_changes(body=body.with_changes(body=lines))
        if not name:
            return loop
        init = cst.parse_statement(f"{name} = None\n").with_changes(leading_lines=updated.leading_lines)
        return cst.FlattenSentinel([init, loop.with_changes(leading_lines=())])

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        if not isinstance(original.target, cst.Name) or (self._lines(original.iter)[0], original.target.value) not in self.comps:
            return updated
        var = original.target.value
        self.changed(original, f"comprehension over a stream: items without choices skipped (`if {var}.choices`)")
        return updated.with_changes(ifs=[cst.CompIf(cst.Attribute(cst.Name(var), cst.Name("choices"))), *updated.ifs])

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "create" and isinstance(func.value, cst.Attribute)
                and func.value.attr.value == "completions") or not self.allowed(original):
            return updated
        first, last, _ = self._lines(original)
        arg = find_arg(updated, "stream_options")
        if (first, last) not in self.kept:
            if arg is None and (first, last) not in self.left and self.is_stream(original):
                self.note(original, "FW405", "info", "stream_options not added: no loop in this file keeps this stream's "
                          "usage (its chunks are returned, passed on whole, or read by a comprehension). Where they are "
                          "read, skip chunks with empty `choices` before indexing and keep the last `usage` that is not "
                          'None, then ask for stream_options={"include_usage": True}')
            return updated
        if self.settings.stream_options == "leave":
            return updated  # the loops still skip chunks without choices and keep usage
        if arg is None:
            if has_star_args(updated):
                self.note(original, "FW404", "warning", "stream_options not added to a call with **kwargs: unless they carry "
                          'it, pass stream_options={"include_usage": True} so that every model sends usage')
                return updated
            index = next(i for i, a in enumerate(updated.args) if a.keyword is not None and a.keyword.value == "stream")
            new = keyword_arg("stream_options", cst.Dict([self.include_usage()]))
            self.changed(original, 'stream_options={"include_usage": True} added: every model then sends usage')
            return updated.with_changes(args=insert_after(updated.args, index, new, updated.whitespace_before_args))
        value = arg.value
        if not isinstance(value, cst.Dict) or any(not isinstance(e, cst.DictElement) for e in value.elements):
            self.note(original, "FW402", "warning", 'stream_options is not a dict literal: make sure it holds "include_usage": '
                      "True, or some Fireworks models send no usage")
            return updated
        for element in value.elements:
            if string_value(element.key) == "include_usage":
                if not (isinstance(element.value, cst.Name) and element.value.value == "True"):
                    self.note(original, "FW403", "info", "stream_options asks for no usage (include_usage is not True): some "
                              "Fireworks models then send none, and the loops here keep None")
                return updated
        self.changed(original, '"include_usage": True added to stream_options: every model then sends usage')
        new_args = [a.with_changes(value=add_to_dict(value, self.include_usage())) if a is arg else a for a in updated.args]
        return updated.with_changes(args=new_args)

    @staticmethod
    def is_stream(call: cst.Call) -> bool:
        arg = find_arg(call, "stream")
        return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True"


def _exits(body: cst.BaseSuite) -> list[cst.CSTNode]:
    """The `break`s (not of an inner loop) and `return`s in a loop body."""
    found: list[cst.CSTNode] = []

    class Exits(cst.CSTVisitor):
        depth = 0

        def visit_For(self, node) -> None:
            self.depth += 1

        def leave_For(self, node) -> None:
            self.depth -= 1

        visit_While, leave_While = visit_For, leave_For

        def visit_FunctionDef(self, node) -> bool:
            return False

        def visit_Lambda(self, node) -> bool:
            return False

        def visit_ClassDef(self, node) -> bool:
            return False

        def visit_Break(self, node) -> None:
            if self.depth == 0:
                found.append(node)

        def visit_Return(self, node) -> None:
            found.append(node)

    body.visit(Exits())
    return found


RULE = StreamUsageRule
