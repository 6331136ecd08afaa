"""Jupyter notebooks (.ipynb): the Python code cells go through the rules; every other byte stays.

How a notebook is migrated:

1. The JSON is read with positions (`read_notebook`): the standard `json` decoder reads each
   value, and the offsets of every cell's `"source"` value in the file are kept.
2. Each Python code cell is masked (`mask_cell`): IPython lines (`%pip install openai`,
   `!ls`, `obj?`, `?obj`, `x = !cmd`, the `%%time` line, and automagic such as
   `pip install x` where the cell does not parse without masking it) become `pass`
   placeholders at the same indentation, so line numbers do not move; lines inside strings
   and brackets are never taken for IPython. Top-level `await` and `async for` need no mask
   (both parsers accept them). Cells in other languages (`%%bash`, `%%sql`, ...; a
   `languageId` in the cell's metadata) and notebooks in other languages are left alone. A
   cell that still does not parse is left as is, with a note naming it; the others go on.
3. The cells that run in the notebook's namespace are joined into one module with a marker
   statement between cells, and the engine migrates that module once: `from openai import
   OpenAI` in cell 1 is what `OpenAI()` in cell 5 means, and an import a rule needs is added
   once, after the imports of the first cell that starts with imports. A `%%writefile x.py`
   cell is a module of its own. The result is cut at the markers, the placeholders get
   their IPython lines back byte for byte, and `%env NAME=VALUE` lines are migrated like env
   files (see `migrate.envfiles`). A `# fw-migrate: skip-file` in any cell skips the notebook.
4. Only the `"source"` values of changed cells are rewritten, in the file's own style: a list
   of lines keeps the raw JSON of every unchanged line and its indentation and separators, a
   single string stays a single string, and non-ASCII is escaped only if the file escapes it
   (a pure-ASCII file). Everything else (outputs, metadata, key order, indent, newlines, the
   final newline) is the original text, so `git diff` shows the changed lines only.

Findings name the cell: `Change.cell` / `Note.cell` is the 1-based position of the cell
among all cells of the notebook, markdown included, and the line is counted within the cell.
"""

from __future__ import annotations

import ast
import codecs
import difflib
import json
import re
from dataclasses import dataclass, replace
from json.decoder import scanstring
from typing import Any

from migrate.engine import SKIP_FILE_RE, EngineError, migrate_text, parse_error
from migrate.facts import Links
from migrate.results import Change, Note, Outcome
from migrate.settings import Settings
from migrate.sources import Migration, Piece, SourceError

PYTHON_NAMES = frozenset({"python", "python2", "python3", "ipython", "ipython2", "ipython3"})
# Cell magics whose body is Python: the magic line is masked and the body migrated.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun"})
FILE_CELL_MAGICS = frozenset({"writefile", "file"})  # Python only when the file is a .py

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # Python's newlines, not str.splitlines'

_ESCAPE_RE = re.compile(r"[ \t]*[%!?/,;]")  # a logical line that starts with an IPython escape
_HELP_RE = re.compile(r"[ \t]*\?{0,2}[A-Za-z_*][\w.*]*(?:\[[^\]]*\]|\(\))*\?{1,2}[ \t]*")  # obj?, obj.attr??
_MAGIC_ASSIGN_RE = re.compile(r"[ \t]*[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*[%!]")
# Magics and shell aliases IPython runs without `%` (automagic): `pip install x`, `cd data`.
# Masked only on a line where the cell does not parse otherwise.
_AUTOMAGIC_RE = re.compile(
    r"[ \t]*(?:pip3?|conda|mamba|cd|ls|pwd|env|load_ext|matplotlib|autoreload|time|timeit|who|whos|run|"
    r"reset|history|cat|mkdir|rm|cp|mv|less|man|clear)(?:[ \t]+\S.*)?"
)
_ENV_MAGIC_RE = re.compile(
    r"(?P<head>[ \t]*%(?:env|set_env)[ \t]+)(?P<key>[A-Za-z_]\w*)(?P<sep>[ \t]*=[ \t]*|[ \t]+)(?P<value>.*?)[ \t]*"
)
_MASK = "pass  # <fw-migrate mask {}>"
_MASK_COMMENT = "# <fw-migrate mask {}>"  # at the top level of a script: `from __future__` may follow
_MASK_RE = re.compile(r"[ \t]*(?:pass  )?# <fw-migrate mask (\d+)>")
PERCENT_RE = re.compile(r"^# %%", re.MULTILINE)  # a Jupytext "percent" script's cell marker
_CELL = "pass  # <fw-migrate cell {}>"
_CELL_RE = re.compile(r"pass  # <fw-migrate cell (\d+)>")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, cut where Python's tokenizer cuts (\\n, \\r\\n, \\r)."""
    return _LINE_RE.findall(text)


# --- reading the JSON with positions ---------------------------------------------------------


@dataclass
class Cell:
    number: int  # 1-based position among all cells
    cell_type: str
    metadata: dict
    source: Any  # list of str, or str, as stored
    span: tuple[int, int] | None  # offsets of the "source" value in the file's text

    @property
    def text(self) -> str:
        return "".join(self.source) if isinstance(self.source, list) else str(self.source or "")


@dataclass
class Notebook:
    text: str
    members: dict[str, Any]  # top-level key -> value (cells excluded)
    cells: list[Cell]


def _skip(text: str, index: int) -> int:
    return _WS.match(text, index).end()  # type: ignore[union-attr]


def _object(text: str, index: int, special: dict | None = None) -> tuple[dict[str, tuple[Any, int, int]], int]:
    """The members of the JSON object at `index`: key -> (value, start, end); and its end."""
    if text[index] != "{":
        raise ValueError(f"expected an object at offset {index}")
    members: dict[str, tuple[Any, int, int]] = {}
    index = _skip(text, index + 1)
    if text[index] == "}":
        return members, index + 1
    while True:
        if text[index] != '"':
            raise ValueError(f"expected a key at offset {index}")
        key, index = scanstring(text, index + 1)
        index = _skip(text, index)
        if text[index] != ":":
            raise ValueError(f"expected ':' at offset {index}")
        start = _skip(text, index + 1)
        if special and key in special:
            value, end = special[key](text, start)
        else:
            value, end = _DECODER.raw_decode(text, start)
        members[key] = (value, start, end)
        index = _skip(text, end)
        if text[index] == ",":
            index = _skip(text, index + 1)
        elif text[index] == "}":
            return members, index + 1
        else:
            raise ValueError(f"expected ',' or '}}' at offset {index}")


def _cells(text: str, index: int) -> tuple[list[dict], int]:
    if text[index] != "[":
        raise ValueError("'cells' is not a list")
    cells: list[dict] = []
    index = _skip(text, index + 1)
    if text[index] == "]":
        return cells, index + 1
    while True:
        members, index = _object(text, index)
        cells.append(members)
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
        elif text[index] == "]":
            return cells, index + 1
        else:
            raise ValueError(f"expected ',' or ']' at offset {index}")


def read_notebook(text: str) -> Notebook:
    """The notebook's cells with the offsets of their sources; SourceError if it is not one."""
    try:
        members, end = _object(text, _skip(text, 0), {"cells": _cells})
        if text[end:].strip(" \t\r\n"):
            raise ValueError(f"extra data at offset {end}")
    except (ValueError, IndexError) as exc:
        raise SourceError(f"not a valid notebook: {exc}") from None
    cells = []
    raw_cells = members.pop("cells", ([], 0, 0))[0]
    for number, raw in enumerate(raw_cells, start=1):
        metadata = raw["metadata"][0] if "metadata" in raw else {}
        source = raw.get("source")
        # a source we could not write back in kind (not text, not a list of text) is not touched
        valid = source is not None and (
            isinstance(source[0], str) or (isinstance(source[0], list) and all(isinstance(s, str) for s in source[0]))
        )
        cells.append(Cell(
            number,
            str(raw["cell_type"][0]) if "cell_type" in raw else "",
            metadata if isinstance(metadata, dict) else {},
            source[0] if valid else None,  # type: ignore[index]
            (source[1], source[2]) if valid else None,  # type: ignore[index]
        ))
    return Notebook(text, {key: value[0] for key, value in members.items()}, cells)


def notebook_language(notebook: Notebook) -> str | None:
    """The notebook's language as its metadata names it (None: not said, taken as Python)."""
    metadata = notebook.members.get("metadata")
    if not isinstance(metadata, dict):
        return None
    for table, key in (("language_info", "name"), ("kernelspec", "language")):
        value = metadata.get(table, {}).get(key) if isinstance(metadata.get(table), dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def cell_language(cell: Cell) -> str | None:
    """A language set on the cell itself (VS Code, polyglot notebooks), if any."""
    for table, key in (("vscode", "languageId"), ("polyglot_notebook", "kernelName"), ("dotnet_interactive", "language")):
        value = cell.metadata.get(table)
        if isinstance(value, dict) and isinstance(value.get(key), str):
            return value[key]
    return None


# --- IPython masking -------------------------------------------------------------------------


@dataclass
class Masked:
    """A cell's source as the engine sees it."""

    prefix: str  # leading IPython and blank lines, cut off (an import added goes after them)
    prefix_lines: int
    body: str  # the rest, with placeholders for IPython lines
    originals: dict[int, str]  # mask id -> the line it stands for, without its newline
    mask_lines: dict[int, int]  # mask id -> its 1-based line in the cell


def _advance(line: str, depth: int, string: str | None) -> tuple[int, str | None, bool]:
    """Bracket depth, open string delimiter and backslash continuation after one line."""
    text = line.rstrip("\r\n")
    index, size, continued = 0, len(text), False
    while index < size:
        char = text[index]
        if string is not None:
            if char == "\\":
                index += 2
                continue
            if text.startswith(string, index):
                index += len(string)
                string = None
                continue
            index += 1
            continue
        if char == "#":
            break
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char in "\"'":
            string = char * 3 if text.startswith(char * 3, index) else char
            index += len(string)
            continue
        elif char == "\\" and index == size - 1:
            continued = True
        index += 1
    if string in ("'", '"') and not text.endswith("\\"):
        string = None  # an unclosed one-line string is a syntax error; do not let it spread
    return depth, string, continued


def cell_magic(source: str) -> tuple[str, str] | None:
    """(name, arguments) of a `%%magic` first line, or None."""
    stripped = source.lstrip(" \t\r\n")
    if not stripped.startswith("%%"):
        return None
    first = split_lines(stripped)[0].rstrip("\r\n")
    name, _, args = first[2:].partition(" ")
    return name.strip(), args.strip()


def python_cell_magic(name: str, args: str) -> bool:
    if name in PYTHON_CELL_MAGICS:
        return True
    if name in FILE_CELL_MAGICS:
        words = [w for w in args.split() if not w.startswith("-")]
        return bool(words) and words[-1].endswith(".py")
    return False


def mask_cell(source: str, first_id: int = 0, also: frozenset[int] = frozenset(), script: bool = False) -> Masked:
    """Placeholders for the IPython lines of a cell whose cell magic (if any) runs Python.

    `also`: 0-based indices of more lines to mask when they start a logical line (automagic
    lines such as `pip install x`, found because the cell did not parse without it).
    `script`: a whole Jupytext script: unindented lines become comments, not `pass`, and
    nothing is cut off the top.
    """
    lines = split_lines(source)
    masked: dict[int, int] = {}  # line index -> mask id
    originals: dict[int, str] = {}
    indents: dict[int, str] = {}
    next_id = first_id
    depth, string, continued = 0, None, False
    index = 0
    magic_done = cell_magic(source) is None
    while index < len(lines):
        line = lines[index]
        content = line.rstrip("\r\n")
        at_start = depth == 0 and string is None and not continued
        if not magic_done and content.strip():
            is_ipython = True  # the %%magic line
            magic_done = True
        else:
            is_ipython = at_start and bool(
                _ESCAPE_RE.match(content) or _HELP_RE.fullmatch(content) or _MAGIC_ASSIGN_RE.match(content)
                or (index in also and _AUTOMAGIC_RE.match(content))
            )
        if is_ipython:
            indent = content[: len(content) - len(content.lstrip(" \t"))]
            while True:
                masked[index] = next_id
                originals[next_id] = lines[index].rstrip("\r\n")
                indents[next_id] = indent
                next_id += 1
                if not lines[index].rstrip("\r\n").endswith("\\") or index + 1 >= len(lines):
                    break
                index += 1  # a magic continued on the next line
            index += 1
            continue
        depth, string, continued = _advance(line, depth, string)
        index += 1
    # Leading IPython and blank lines are cut off: an import a rule adds then goes below them.
    cut = 0
    while not script and cut < len(lines) and (cut in masked or not lines[cut].strip()):
        cut += 1
    out = []
    for number, line in enumerate(lines[cut:], start=cut):
        if number in masked:
            mask_id = masked[number]
            ending = line[len(line.rstrip("\r\n")):]
            form = _MASK_COMMENT if script and not indents[mask_id] else _MASK
            out.append(indents[mask_id] + form.format(mask_id) + ending)
        else:
            out.append(line)
    return Masked("".join(lines[:cut]), cut, "".join(out), originals, {m: i + 1 for i, m in masked.items()})


def unmask(body: str, masked: Masked, replacements: dict[int, str]) -> str:
    """The engine's output for a cell with its IPython lines back; ValueError if one is lost."""
    out, seen = [], set()
    for line in split_lines(body):
        content = line.rstrip("\r\n")
        match = _MASK_RE.fullmatch(content)
        if match and int(match.group(1)) in masked.originals:
            mask_id = int(match.group(1))
            seen.add(mask_id)
            out.append(replacements.get(mask_id, masked.originals[mask_id]) + line[len(content):])
        else:
            out.append(line)
    if seen != {m for m, n in masked.mask_lines.items() if n > masked.prefix_lines}:
        raise ValueError("an IPython line was lost")
    prefix = "".join(
        replacements.get(_mask_at(masked, number), line.rstrip("\r\n")) + line[len(line.rstrip("\r\n")):]
        for number, line in enumerate(split_lines(masked.prefix), start=1)
    )
    return prefix + "".join(out)


def _mask_at(masked: Masked, line: int) -> int:
    for mask_id, number in masked.mask_lines.items():
        if number == line:
            return mask_id
    return -1


# --- writing a cell's source back in the file's style -----------------------------------------


def _array_layout(text: str, start: int) -> tuple[list[str], list[str], str]:
    """The string array at `start`: the raw JSON of each item, the text before each item
    (after '[' for the first, from the previous item's end through the comma for the
    others) and the text before ']'."""
    index = _skip(text, start + 1)
    items: list[str] = []
    leads = [text[start + 1:index]]
    if text[index] == "]":
        return items, leads, ""
    while True:
        _, end = scanstring(text, index + 1)
        items.append(text[index:end])
        after = _skip(text, end)
        if text[after] != ",":
            return items, leads, text[end:after]
        index = _skip(text, after + 1)
        leads.append(text[end:index])


def jupyter_lines(text: str) -> list[str]:
    """A source as Jupyter stores it: lines cut after each \\n, the last without one."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def source_json(notebook_text: str, cell: Cell, new: str, ensure_ascii: bool) -> str:
    """The new JSON text of the cell's "source" value, in the style of the old one.

    Unchanged lines keep their raw JSON and the whitespace before them (even when one line
    was indented differently by hand); new lines take the layout most lines have.
    """
    if not isinstance(cell.source, list):
        return json.dumps(new, ensure_ascii=ensure_ascii)
    assert cell.span is not None
    raw_items, leads, closing = _array_layout(notebook_text, cell.span[0])
    if not raw_items:  # was empty: no layout to copy
        return json.dumps(jupyter_lines(new), ensure_ascii=ensure_ascii)
    separators = leads[1:]
    common = max(set(separators), key=separators.count) if separators else "," + leads[0]
    old = [str(item) for item in cell.source]
    new_lines = jupyter_lines(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset, line in enumerate(new_lines[j1:j2]):
            old_index = i1 + offset if i1 + offset < i2 else None
            raw = raw_items[old_index] if tag == "equal" and old_index is not None else json.dumps(line, ensure_ascii=ensure_ascii)
            if not out:
                lead = leads[0]
            elif old_index is not None and old_index > 0:
                lead = leads[old_index]
            else:
                lead = common
            out.append(lead + raw)
    if not out:
        return "[]"
    return "[" + "".join(out) + closing + "]"


# --- the migration -----------------------------------------------------------------------------


@dataclass
class _Segment:
    cell: Cell
    masked: Masked
    start: int  # first line of its body in the joined module
    lines: int
    added_newline: bool
    imports_first: bool = False  # the cell's code starts with an import


def _where(segments: list[_Segment], line: int) -> tuple[int | None, int]:
    for segment in segments:
        if segment.start <= line < segment.start + max(segment.lines, 1):
            return segment.cell.number, line - segment.start + 1 + segment.masked.prefix_lines
    return None, line


def migrate_notebook(path: str, data: bytes, settings: Settings, links: Links | None = None) -> Migration:
    links = links if links is not None else Links()
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[len(codecs.BOM_UTF8) if bom else 0:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot decode as utf-8: byte {exc.start} {exc.reason}") from None
    notebook = read_notebook(text)
    skipped = _not_ours(notebook)
    if skipped:
        return Migration(lambda: data, skipped=skipped)
    notes: list[Note] = []
    shared: list[_Segment] = []  # cells that run in the notebook's namespace
    separate: list[_Segment] = []  # `%%writefile x.py` cells: modules of their own
    env_cells: list[tuple[Cell, Masked]] = []
    next_id = 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or cell.span is None:
            continue
        source = cell.text
        language = cell_language(cell)
        if language is not None and language.lower() not in PYTHON_NAMES:
            continue
        magic = cell_magic(source)
        if magic is not None and not python_cell_magic(*magic):
            continue  # %%bash, %%html, %%sql, ...: not Python
        parsed = _parse_cell(source, next_id)
        masked = parsed[0]
        next_id += len(source) + 1  # more than the lines of the cell: ids never repeat
        if isinstance(parsed[1], Exception):
            notes.append(_unparsable(cell, masked, parsed[1]))
            continue
        tree = parsed[1]
        env_cells.append((cell, masked))
        code = [stmt for stmt in tree.body if not _is_placeholder(stmt, masked)]
        if code:
            segment = _Segment(cell, masked, 0, 0, False, isinstance(code[0], (ast.Import, ast.ImportFrom)))
            (separate if magic is not None and magic[0] in FILE_CELL_MAGICS else shared).append(segment)
    if any(SKIP_FILE_RE.search(masked.body) for _, masked in env_cells):
        return Migration(lambda: data, skipped="skip-file comment")
    # An import a rule needs goes after the imports of the first cell that starts with some
    # (usually the setup cell), not above a first cell of prompts or prose: that cell leads.
    head = next((index for index, segment in enumerate(shared) if segment.imports_first), 0)
    shared[:0] = [shared.pop(head)] if shared else []

    env = _env_lines(env_cells, settings)
    new_sources: dict[int, str] = {}
    changes: list[Change] = [*env.changes]
    notes.extend(env.notes)
    secrets = set(env.secrets)
    timings: dict[str, float] = {}
    for group in ([shared] if shared else []) + [[segment] for segment in separate]:
        outcome = migrate_text(_join(group), path, settings, links)
        if outcome.skipped:
            return Migration(lambda: data, skipped=outcome.skipped)
        for segment, body in zip(group, _split(outcome.code, group)):
            try:
                new_sources[segment.cell.number] = unmask(body, segment.masked, env.replacements)
            except ValueError as exc:
                raise SourceError(f"internal error: cell {segment.cell.number}: {exc}; left unchanged") from None
        for change in outcome.changes:
            cell_number, line = _where(group, change.line)
            changes.append(replace(change, cell=cell_number, line=line))
        for note in outcome.notes:
            cell_number, line = _where(group, note.line)
            notes.append(replace(note, cell=cell_number, line=line))
        secrets |= outcome.secrets
        for phase, seconds in outcome.timings.items():
            timings[phase] = timings.get(phase, 0.0) + seconds
    for cell, masked in env_cells:  # cells with no Python statement but a %env line to migrate
        if cell.number not in new_sources and any(m in env.replacements for m in masked.originals):
            new_sources[cell.number] = unmask(masked.body, masked, env.replacements)

    by_number = {cell.number: cell for cell in notebook.cells}
    pieces = [Piece(n, by_number[n].text, new) for n, new in sorted(new_sources.items()) if new != by_number[n].text]
    new_text = _write_sources(text, [(by_number[p.cell], p.after) for p in pieces])  # type: ignore[index]
    return Migration(
        lambda: (codecs.BOM_UTF8 if bom else b"") + new_text.encode("utf-8"),
        pieces,
        sorted(changes, key=lambda c: (c.cell or 0, c.line)),
        sorted(notes, key=lambda n: (n.cell or 0, n.line, n.col, n.code)),
        secrets,
        timings=timings,
    )


def _write_sources(text: str, edits: list[tuple[Cell, str]]) -> str:
    """The notebook's text with new sources for some cells; every other byte as it was."""
    if not edits:
        return text
    ensure_ascii = text.isascii()  # a file with no raw non-ASCII character escapes it
    out, done = [], 0
    for cell, new in sorted(edits, key=lambda edit: edit[0].span[0]):  # type: ignore[index]
        start, end = cell.span  # type: ignore[misc]
        out += [text[done:start], source_json(text, cell, new, ensure_ascii)]
        done = end
    out.append(text[done:])
    new_text = "".join(out)
    json.loads(new_text)  # never write a notebook Jupyter cannot open
    return new_text


def _parse_cell(source: str, first_id: int, script: bool = False) -> tuple[Masked, ast.Module | Exception]:
    """The masked cell and its tree, or the error of the last try.

    A line that breaks the parse and reads like automagic (`pip install x`) is masked too,
    and the parse tried again: such lines are never valid Python, so nothing valid is lost.
    """
    lines = split_lines(source)
    also: set[int] = set()
    while True:
        masked = mask_cell(source, first_id, frozenset(also), script)
        try:
            return masked, ast.parse(masked.body)
        except (SyntaxError, ValueError) as exc:
            index = (getattr(exc, "lineno", None) or 0) - 1 + masked.prefix_lines
            if (not isinstance(exc, SyntaxError) or index in also or not 0 <= index < len(lines)
                    or not _AUTOMAGIC_RE.fullmatch(lines[index].rstrip("\r\n"))):
                return masked, exc
            also.add(index)


def migrate_percent_script(text: str, path: str, settings: Settings, links: Links | None = None) -> Outcome | None:
    """A Jupytext "percent" script (`# %%` cells) that holds IPython lines (`%load_ext`,
    `!pip install`): migrated as a notebook's cells are, with those lines masked and put back
    byte for byte. None when the text is no such script; EngineError naming the first error
    that is not an IPython line when it does not parse even masked.
    """
    if not PERCENT_RE.search(text):
        return None
    masked, tree = _parse_cell(text, 0, script=True)
    if not masked.originals:
        return None
    if isinstance(tree, SyntaxError):
        raise EngineError(parse_error(tree))
    if isinstance(tree, Exception):
        raise EngineError(f"cannot parse: {tree}")
    outcome = migrate_text(masked.body, path, settings, links or Links())
    if outcome.code == masked.body:
        return replace(outcome, code=text)
    try:
        code = unmask(outcome.code, masked, {})
    except ValueError as exc:
        raise EngineError(f"internal error: {exc}; left unchanged") from None
    return replace(outcome, code=code)


def _unparsable(cell: Cell, masked: Masked, exc: Exception) -> Note:
    line = getattr(exc, "lineno", None) or 0
    reason = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    where = f" at line {line + masked.prefix_lines}" if line else ""
    return Note("notebook", "FW901", line + masked.prefix_lines if line else 1, 1, "warning",
                f"cell {cell.number} does not parse as Python or IPython ({reason}{where}): left as is", cell.number)


def _not_ours(notebook: Notebook) -> str | None:
    version = notebook.members.get("nbformat")
    if version != 4:
        return f"nbformat {version} notebook: only version 4 notebooks are migrated"
    language = notebook_language(notebook)
    if language is not None and language.lower() not in PYTHON_NAMES:
        return f"a {language} notebook, not Python"
    return None


def _is_placeholder(stmt: ast.stmt, masked: Masked) -> bool:
    return isinstance(stmt, ast.Pass) and (stmt.lineno + masked.prefix_lines) in masked.mask_lines.values()


def _join(segments: list[_Segment]) -> str:
    parts: list[str] = []
    line = 1
    for segment in segments:
        if parts:
            parts.append(_CELL.format(segment.cell.number) + "\n")
            line += 1
        body = segment.masked.body
        if not body.endswith(("\n", "\r")):
            body += "\n"
            segment.added_newline = True
        segment.start, segment.lines = line, len(split_lines(body))
        parts.append(body)
        line += segment.lines
    return "".join(parts)


def _split(code: str, segments: list[_Segment]) -> list[str]:
    bodies: list[list[str]] = [[]]
    expected = [s.cell.number for s in segments[1:]]
    for line in split_lines(code):
        match = _CELL_RE.fullmatch(line.rstrip("\r\n"))
        if match:
            if not expected or int(match.group(1)) != expected[0]:
                raise SourceError("internal error: notebook cells out of order after the migration; left unchanged")
            expected.pop(0)
            bodies.append([])
        else:
            bodies[-1].append(line)
    if expected or len(bodies) != len(segments):
        raise SourceError("internal error: a notebook cell boundary was lost in the migration; left unchanged")
    out = []
    for segment, lines in zip(segments, bodies):
        body = "".join(lines)
        if segment.added_newline:
            if not body.endswith("\n"):
                raise SourceError(f"internal error: cell {segment.cell.number} lost its end; left unchanged")
            body = body[:-1]
        out.append(body)
    return out


@dataclass
class _EnvResult:
    replacements: dict[int, str]
    changes: list[Change]
    notes: list[Note]
    secrets: set[str]


def _env_lines(cells: list[tuple[Cell, Masked]], settings: Settings) -> _EnvResult:
    """`%env NAME=VALUE` lines migrated like an env file's; keys in shell lines reported."""
    from migrate.envfiles import _OPENAI_KEY_RE, EnvEditor, real_looking_key

    found = []
    for cell, masked in cells:
        for mask_id, original in masked.originals.items():
            match = _ENV_MAGIC_RE.fullmatch(original)
            found.append((cell, masked, mask_id, original, match))
    defined = {m.group("key") for *_, m in found if m}
    result = _EnvResult({}, [], [], set())
    for cell, masked, mask_id, original, match in found:
        line = masked.mask_lines[mask_id]
        editor = EnvEditor(settings, defined, cell=cell.number)
        if match:
            key, value = editor.edit(line, match.start("key") + 1, match.group("key"), match.group("value"), "")
            if (key, value) != (match.group("key"), match.group("value")):
                result.replacements[mask_id] = (original[: match.start("key")] + key + match.group("sep") + value
                                                + original[match.end("value"):])
        elif settings.rule_enabled("client"):
            for token in _OPENAI_KEY_RE.findall(original):
                if real_looking_key(token):
                    editor.secrets.add(token)
                    editor.note(line, 1, "client", "FW903", "warning",
                                "this IPython line holds what looks like an OpenAI key: left as is; "
                                "remove it from the notebook and revoke the key")
        result.changes.extend(editor.changes)
        result.notes.extend(editor.notes)
        result.secrets |= editor.secrets
    return result
