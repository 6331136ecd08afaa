"""A file as the engine sees it: bytes in, text for the rules, the same bytes layout out.

Python files keep their encoding (PEP 263 cookie or BOM) and their newline style: the text
handed to the engine is the decoded file with its newlines untouched, and `encode` writes
the result back with the same codec and BOM.

Every kind of file comes out of its migration as a `Migration`: the new bytes, the findings,
and the `Piece`s of text that changed (the whole file for Python and env files, one piece
per changed cell for a notebook), from which the runner makes diffs and maps note lines.
Notebooks live in `migrate.notebooks`, env files in `migrate.envfiles`.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from migrate.results import Change, Note, Outcome


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


@dataclass(frozen=True)
class Piece:
    """One text that changed: a whole file (`cell` None) or one notebook cell's source."""

    cell: int | None
    before: str
    after: str

    def label(self, path: str) -> str:
        """What a diff header calls it: `nb.ipynb:cell 7`, or just the path."""
        return path if self.cell is None else f"{path}:cell {self.cell}"


@dataclass
class Migration:
    """A file after its migration, whatever its kind. No piece: nothing to change."""

    encode: Callable[[], bytes]  # the new file content (may raise UnicodeEncodeError)
    pieces: list[Piece] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    skipped: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    _mappers: dict[int, Callable[[int], int]] = field(default_factory=dict, repr=False)

    @classmethod
    def python(cls, source: PythonSource, outcome: Outcome) -> Migration:
        code = outcome.code
        pieces = [Piece(None, source.text, code)] if code != source.text else []
        return cls(lambda: source.encode(code), pieces, outcome.changes, outcome.notes, outcome.secrets,
                   outcome.skipped, outcome.timings)

    def moved(self, note: Note) -> Note:
        """The note with its line in the written file (or cell) instead of the one read."""
        from migrate.engine import line_mapper

        for index, piece in enumerate(self.pieces):
            if piece.cell == note.cell:
                if index not in self._mappers:
                    self._mappers[index] = line_mapper(piece.before, piece.after)
                return replace(note, line=self._mappers[index](note.line))
        return note


def migrate_document(kind: str, path: str, data: bytes, settings, links) -> Migration:
    """A notebook (`kind` "notebook") or an env file ("env") through its own migration."""
    if kind == "notebook":
        from migrate.notebooks import migrate_notebook

        return migrate_notebook(path, data, settings, links)
    if kind == "env":
        from migrate.envfiles import migrate_env_file

        return migrate_env_file(path, data, settings)
    raise ValueError(f"unknown kind of file: {kind!r}")
