"""Paths as text formats print them: quoted the way git quotes unusual names.

`quote_path` follows git's `core.quotePath`: a name made only of printable characters is
printed as it is; any other name is put in double quotes, with `"` and `\\` escaped and
control characters (and bytes that are not valid UTF-8, which Python carries as lone
surrogates) written as C escapes. So no printed line can begin with a name's own content,
and a name never sends a terminal escape sequence. Structured formats (JSON, SARIF) keep
the exact name.

Issue #19 ("safety") quotes the text and github formats; this module is the one function
the markdown format uses, to be shared with it.
"""

from __future__ import annotations

_NAMED = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r",
          '"': '\\"', "\\": "\\\\"}


def _unusual(char: str) -> bool:
    return char in _NAMED or not char.isprintable() or "\udc80" <= char <= "\udcff"


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (surrogateescape)
        return f"\\{ord(char) - 0xDC00:03o}"
    return "".join(f"\\{byte:03o}" for byte in char.encode("utf-8", "surrogatepass"))


def quote_path(path: str) -> str:
    """`path` as is when every character is printable, else in double quotes with C escapes."""
    if not any(_unusual(char) for char in path):
        return path
    return '"' + "".join(_escape(char) if _unusual(char) else char for char in path) + '"'
