"""A file as the engine sees it: bytes in, text for the rules, the same bytes layout out.

Python files keep their encoding (PEP 263 cookie or BOM) and their newline style: the text
handed to the engine is the decoded file with its newlines untouched, and `encode` writes
the result back with the same codec and BOM. Notebooks and env files come in later kinds.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """The file cannot be decoded; the message is one line naming the cause."""


@dataclass(frozen=True)
class PythonSource:
    text: str
    encoding: str  # a codec name; "utf-8-sig" means the file starts with a BOM

    @classmethod
    def decode(cls, data: bytes) -> PythonSource:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:  # unknown codec in the cookie, or BOM + a different cookie
            raise SourceError(f"bad encoding declaration: {exc.msg if hasattr(exc, 'msg') else exc}") from None
        if b"\x00" in data:
            raise SourceError("file contains a NUL byte")
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SourceError(f"cannot decode as {encoding}: byte {exc.start} {exc.reason}") from None
        except LookupError:
            raise SourceError(f"unknown encoding {encoding!r}") from None
        if encoding == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8"
        return cls(text, encoding)

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)
