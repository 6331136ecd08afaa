"""Names and small CST helpers shared by the rules: qualified names, env reads, URLs, args."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from migrate.facts import CLIENT_CLASSES, ENV_READERS, ImportMap  # noqa: F401 (CLIENT_CLASSES: re-exported)
from migrate.rules._lazy import cst

OPENAI_KEY_VARS = frozenset({"OPENAI_API_KEY"})
OPENAI_URL_VARS = frozenset({"OPENAI_BASE_URL", "OPENAI_API_BASE"})
OPENAI_HOSTS = frozenset({"api.openai.com"})
FIREWORKS_INFERENCE_HOST = "api.fireworks.ai"
FIREWORKS_PATH = "/inference/v1"


def dotted(node: cst.BaseExpression) -> str | None:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def qualname(node: cst.BaseExpression, imports: ImportMap) -> str | None:
    name = dotted(node)
    return imports.resolve_dotted(name) if name else None


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain (non-f, non-concatenated) string literal, else None."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def quote_of(node: cst.SimpleString) -> str:
    return node.quote[-1] if node.quote else '"'


def make_string(value: str, quote: str = '"') -> cst.SimpleString:
    return cst.SimpleString(f"{quote}{value}{quote}")


@dataclass(frozen=True)
class EnvRead:
    """`os.environ["X"]`, `os.environ.get("X", d)`, `os.getenv("X", d)` (any import form)."""

    var: str
    form: str  # "subscript" | "call"
    name_node: cst.SimpleString
    base: cst.BaseExpression  # `os.environ` expression for subscript / `.get` forms, else func
    default: cst.Arg | None = None
    environ: cst.BaseExpression | None = None  # the user's own `os.environ` spelling, if any


def env_read(node: cst.BaseExpression, imports: ImportMap) -> EnvRead | None:
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and qualname(node.value, imports) == "os.environ":
            var = string_value(index.value)
            if var is not None and isinstance(index.value, cst.SimpleString):
                return EnvRead(var, "subscript", index.value, node.value, environ=node.value)
    if isinstance(node, cst.Call) and node.args and node.args[0].keyword is None:
        func = qualname(node.func, imports)
        first = node.args[0].value
        var = string_value(first)
        if func in ENV_READERS and var is not None and isinstance(first, cst.SimpleString):
            environ = node.func.value if func == "os.environ.get" and isinstance(node.func, cst.Attribute) else None
            default = node.args[1] if len(node.args) > 1 else None
            return EnvRead(var, "call", first, node.func, default, environ)
    return None


def strict_env_read(read: EnvRead | None, var: str, quote: str = '"') -> tuple[cst.BaseExpression, bool]:
    """`os.environ["VAR"]` (or the user's own `environ["VAR"]`); True when it needs `import os`."""
    if read is not None:
        quote = quote_of(read.name_node)
    environ = read.environ if read is not None and read.environ is not None else None
    needs_os = environ is None
    base = environ if environ is not None else cst.Attribute(cst.Name("os"), cst.Name("environ"))
    return cst.Subscript(base, [cst.SubscriptElement(cst.Index(make_string(var, quote)))]), needs_os


def renamed_env_read(node: cst.BaseExpression, read: EnvRead, var: str) -> cst.BaseExpression:
    """The same read, same form and default, of another variable."""
    new_name = make_string(var, quote_of(read.name_node))
    return node.deep_replace(read.name_node, new_name)  # type: ignore[return-value]


# --- URLs -----------------------------------------------------------------------------------


def url_kind(url: str, fireworks_base: str) -> str:
    """'openai', 'fireworks' (well formed), 'fireworks-malformed', 'configured' or 'other'."""
    stripped = url.strip().rstrip("/")
    if stripped == fireworks_base.rstrip("/"):
        return "configured"
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return "other"
    host = (parts.hostname or "").lower()
    if host in OPENAI_HOSTS:
        return "openai"
    if host == FIREWORKS_INFERENCE_HOST:
        return "fireworks" if parts.path.rstrip("/") == FIREWORKS_PATH else "fireworks-malformed"
    if host == "fireworks.ai" or host.endswith(".fireworks.ai"):
        return "fireworks"  # audio hosts, direct routes: the user chose them
    return "other"


# --- call arguments ---------------------------------------------------------------------------


def find_arg(call: cst.Call, keyword: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    return cst.Arg(value=value, keyword=cst.Name(name), equal=equal)


def _closing(arg: cst.Arg) -> cst.BaseParenthesizableWhitespace:
    if isinstance(arg.comma, cst.Comma):
        return arg.comma.whitespace_after
    return arg.whitespace_after_arg


def _retarget(ws: cst.BaseParenthesizableWhitespace, target: cst.BaseParenthesizableWhitespace):
    """Whitespace `ws` ending where `target` ends, keeping any comment that `ws` carries."""
    if isinstance(ws, cst.ParenthesizedWhitespace) and isinstance(target, cst.ParenthesizedWhitespace):
        return ws.with_changes(indent=target.indent, last_line=target.last_line)
    if isinstance(ws, cst.ParenthesizedWhitespace) and ws.first_line.comment is not None:
        return ws  # never drop a comment, even if the layout is then a little off
    return target


def _separator(call: cst.Call) -> cst.BaseParenthesizableWhitespace:
    """The whitespace between two arguments of this call, as the user laid them out."""
    before = call.whitespace_before_args
    if isinstance(before, cst.ParenthesizedWhitespace):
        return before.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    for arg in call.args[:-1]:
        if isinstance(arg.comma, cst.Comma) and isinstance(arg.comma.whitespace_after, cst.ParenthesizedWhitespace):
            return arg.comma.whitespace_after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return cst.SimpleWhitespace(" ")


def rebuild_args(
    call: cst.Call,
    *,
    prepend: list[cst.Arg] = (),  # type: ignore[assignment]
    remove: set[str] = frozenset(),  # type: ignore[assignment]
    replace: dict[str, cst.BaseExpression] | None = None,
) -> cst.Call:
    """The call with keyword args replaced, removed and prepended, keeping the user's layout.

    New arguments go first (keyword-only constructors accept any order), so the user's last
    argument keeps its trailing comma and comment; commas and indentation follow the call's
    own layout (one line, or one argument a line). A removed argument's comment is removed
    with it: moved onto a neighbour it would describe the wrong argument.
    """
    replace = replace or {}
    original = list(call.args)
    sep = _separator(call)
    closing = _closing(original[-1]) if original else cst.SimpleWhitespace("")
    last = original[-1].keyword if original else None
    if last is not None and last.value in remove and isinstance(closing, cst.ParenthesizedWhitespace):
        # the removed last argument's comment goes with it, as every removed argument's does
        closing = closing.with_changes(first_line=cst.TrailingWhitespace())
    trailing_comma = bool(original) and isinstance(original[-1].comma, cst.Comma)
    entries: list[tuple[cst.Arg, str]] = [(arg, "new") for arg in prepend]
    for index, arg in enumerate(original):
        name = arg.keyword.value if arg.keyword is not None else None
        if name in remove:
            continue
        if name in replace:
            arg = arg.with_changes(value=replace[name])
        entries.append((arg, "last" if index == len(original) - 1 else "kept"))
    result = []
    for index, (arg, origin) in enumerate(entries):
        own = arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else arg.whitespace_after_arg
        if index == len(entries) - 1:
            if origin == "last":
                result.append(arg)
            elif trailing_comma:
                comma = cst.Comma(whitespace_after=_retarget(own, closing))
                result.append(arg.with_changes(comma=comma, whitespace_after_arg=cst.SimpleWhitespace("")))
            else:
                result.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=_retarget(own, closing)))
        elif origin == "kept":
            result.append(arg)  # an argument that is not last already has its comma
        else:
            ws = sep if origin == "new" else _retarget(own, sep)
            result.append(arg.with_changes(comma=cst.Comma(whitespace_after=ws), whitespace_after_arg=cst.SimpleWhitespace("")))
    return call.with_changes(args=result)
