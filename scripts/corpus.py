#!/usr/bin/env python3
"""Corpus harness: run fw-migrate on a copy of real code and check that it never corrupts a file.

    python scripts/corpus.py FOLDER [FOLDER ...] [--jobs N] [--force] [--inject] [--keep] [--select RULES]

Each FOLDER is copied to a temporary folder (the original is never touched); fw-migrate runs
on the copy in write mode (in-process, through `migrate.runner`, with the CLI's discovery and
settings), then again, then `fw-migrate --check` runs as a subprocess. For every file it checks:

- no crash: no internal error, and no error for a file whose original `ast` accepts
  (files that do not parse on this Python, such as Python 2 code or deliberately broken
  test data, are counted as input errors: reported in one line and left alone, as designed;
  valid Python that LibCST's own parser rejects, checked here independently, is counted
  apart as a LibCST limit);
- the output of every changed file parses, with LibCST and with `ast` of this Python (for a
  notebook: it is still a JSON notebook, and every code cell that parsed still parses);
- a second run changes nothing;
- every file with nothing to do, every file of other kinds, is byte-identical, and no file
  appears or disappears (no temporary file left behind);
- `fw-migrate --check` after the write exits 0 (2 when the tree holds input errors, which
  are then its only errors) and lists no file as changed.

`--inject` appends a small OpenAI client (a function importing it, a construction, a streaming
call reading usage) to every Python file of the copy before the run, so the rules rewrite code
in every kind of module and add `import os` after docstrings, `__future__` imports, coding
cookies, in CRLF files.

`--force` bypasses the byte prefilter and the engine's text triggers, so every Python file
goes through decoding, the `ast` parse, the facts walk and every rule's triage: a stress test
for code that mentions nothing the rules look for (the standard library, say).

Prints one table row per folder and every failure as `path: check: detail`; exits 1 when any
check failed, 2 on a usage error. Run on demand, not in every CI run.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, installed or not

COPY_IGNORE = shutil.ignore_patterns(".git", "__pycache__", "*.pyc")  # bulky, and never fw-migrate's business


@dataclass
class Failure:
    path: str
    check: str
    detail: str


@dataclass
class Figures:
    name: str
    files: int = 0  # every regular file in the copy
    python: int = 0  # files fw-migrate takes (Python, notebooks, env files)
    statuses: Counter = field(default_factory=Counter)  # first run: prefiltered/unchanged/changed/...
    notes: int = 0
    input_errors: int = 0  # the original does not parse with this Python's `ast`
    libcst_limits: int = 0  # valid Python that LibCST's parser itself rejects
    crashes: int = 0
    unparsable: int = 0
    second_run: int = 0
    untouched_modified: int = 0
    check_exit: int | None = None
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    input_error_lines: list[str] = field(default_factory=list)  # reported and left alone, as designed

    def fail(self, path: str, check: str, detail: str) -> None:
        self.failures.append(Failure(path, check, " ".join(detail.split())[:300]))


def tree_state(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every regular file (links are recorded by target, not read)."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                state[rel] = "link:" + os.readlink(path)
            elif not os.path.isfile(path):
                state[rel] = "special"  # a pipe or socket: never opened
            else:
                with open(path, "rb") as handle:
                    state[rel] = hashlib.sha256(handle.read()).hexdigest()
    return state


def parses_with_ast(data: bytes) -> str | None:
    """None when this Python's `ast` accepts the bytes (cookie and BOM honoured), else why not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


def parses_with_libcst(data: bytes) -> str | None:
    import libcst

    try:
        libcst.parse_module(data)
    except Exception as exc:  # ParserSyntaxError and anything LibCST chokes on
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def notebook_cells(data: bytes) -> list[str] | None:
    """The code cells' sources of a notebook, or None when it is not a JSON notebook."""
    try:
        notebook = json.loads(data)
        cells = notebook["cells"]
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in cells if c.get("cell_type") == "code"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def as_python(data: bytes) -> tuple[bytes, dict[int, str]]:
    """A Jupytext percent script with its IPython lines masked as fw-migrate masks them (and
    those lines), or the data as it is; fw-migrate migrates such scripts (`# %%` cells)."""
    from migrate.notebooks import PERCENT_RE, mask_cell

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data, {}
    if not PERCENT_RE.search(text) or parses_with_ast(data) is None:
        return data, {}
    masked = mask_cell(text, script=True)
    return masked.body.encode("utf-8"), masked.originals


def unreadable(kind: str, data: bytes) -> str | None:
    """Why the input is not valid for its kind (fw-migrate may then refuse it), or None."""
    if kind == "python":
        return parses_with_ast(as_python(data)[0])
    if kind == "notebook":
        return None if notebook_cells(data) is not None else "not a JSON notebook"
    return None  # env files: any text is valid


def output_problems(kind: str, before: bytes, after: bytes) -> list[str]:
    """Why a changed file's new content is broken: Python must parse, notebooks stay notebooks."""
    if kind == "python":
        code, ipython = as_python(after)
        problems = [p for p in (parses_with_libcst(code), parses_with_ast(code)) if p]
        if ipython != as_python(before)[1]:
            problems.append("the IPython lines of a percent script changed")
        return problems
    if kind == "notebook":
        old, new = notebook_cells(before), notebook_cells(after)
        if new is None:
            return ["the notebook is no longer a JSON notebook"]
        if old is None or len(old) != len(new):
            return ["the notebook's code cells changed in number"]
        return [f"code cell {i + 1}: {parses_with_ast(b.encode())}" for i, (a, b) in enumerate(zip(old, new, strict=True))
                if a != b and parses_with_ast(a.encode()) is None and parses_with_ast(b.encode()) is not None]
    return []


def force_every_file() -> None:
    """Send every file past the prefilter and the engine's text triggers (see --force)."""
    from migrate import engine, runner

    runner.PREFILTER = lambda data: True
    class Everything:  # every selected rule is triggered everywhere; every statement is walked
        def __init__(self, selected):
            self.selected, self.walk = frozenset(selected), None

        def matching(self, text):
            return self.selected

    engine.triggers = Everything  # worker processes are forked after this


PROBE = """

def _fw_probe():
    from openai import OpenAI
    client = OpenAI(organization="org-1")
    for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True):
        print(chunk.usage)
"""


def inject(path: str) -> None:
    """Append PROBE in the file's own newline style."""
    data = Path(path).read_bytes()
    newline = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
    probe = PROBE.encode().replace(b"\n", newline)
    if data and not data.endswith((b"\n", b"\r")):
        probe = newline + probe
    Path(path).write_bytes(data + probe)


def fw_migrate_command() -> list[str]:
    script = Path(sys.executable).with_name("fw-migrate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "migrate"]


def commit_of(folder: Path) -> str | None:
    """The checked-out commit when the folder is a git work tree (for the record), else None."""
    if not (folder / ".git").exists() or shutil.which("git") is None:
        return None
    proc = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def run_corpus(folder: Path, workdir: Path, jobs: int, select: str | None, forced: bool = False,
               injecting: bool = False) -> Figures:
    from migrate.cli import build_settings
    from migrate.files import discover, kind_of
    from migrate.runner import Job, run

    started = time.perf_counter()
    figures = Figures(folder.name)
    copy = workdir / folder.name
    shutil.copytree(folder, copy, symlinks=True, ignore=COPY_IGNORE)
    copy = copy.resolve()
    if injecting:
        for path in discover([str(copy)]).files:
            if kind_of(path) == "python":
                inject(path)
    before = tree_state(copy)
    figures.files = sum(1 for value in before.values() if not value.startswith(("link:", "special")))

    flags = {"select": tuple(s.strip() for s in select.split(",")) if select else None}
    settings = build_settings((str(copy),), None, flags)
    options = {"env_files": settings.env_files} if hasattr(settings, "env_files") else {}  # as the CLI does
    found = discover([str(copy)], settings.exclude, settings.respect_gitignore, **options)
    files = [os.path.abspath(p) for p in found.files]
    figures.python = len(files)
    originals = {path: Path(path).read_bytes() for path in files}

    def rel(path: str) -> str:
        return os.path.relpath(path, copy)

    # First run: write mode, the way the CLI does it.
    first: dict[str, object] = {}
    try:
        for result in run(files, Job(settings, "write"), jobs):
            first[os.path.abspath(result.path)] = result
    except BaseException as exc:  # the runner must never raise: the whole run is one crash
        if isinstance(exc, KeyboardInterrupt):
            raise
        figures.crashes += 1
        figures.fail(str(folder), "crash", "".join(traceback.format_exception_only(exc)))
        figures.seconds = time.perf_counter() - started
        return figures

    input_errors: set[str] = set()
    crashed: set[str] = set()  # reported once, not again by the later checks
    after_first: dict[str, bytes] = {}
    for path in files:
        result = first.get(path)
        data = Path(path).read_bytes() if os.path.exists(path) else None
        after_first[path] = data
        if result is None:
            figures.crashes += 1
            figures.fail(rel(path), "crash", "no result for this file")
            continue
        figures.statuses[result.status] += 1
        figures.notes += len(result.notes)
        if not path.startswith(str(copy) + os.sep):
            figures.fail(rel(path), "outside", "a file outside the copy was processed")
        if result.status == "error":
            if result.error.startswith("internal error"):
                figures.crashes += 1
                crashed.add(path)
                figures.fail(rel(path), "crash", result.error)
            elif unreadable(kind_of(path), originals[path]) is None:
                if kind_of(path) != "python" or parses_with_libcst(originals[path]) is None:
                    figures.crashes += 1
                    crashed.add(path)
                    figures.fail(rel(path), "valid input rejected", result.error)
                else:  # valid Python that LibCST's own parser rejects: reported, left alone
                    figures.libcst_limits += 1
                    input_errors.add(path)
                    figures.input_error_lines.append(f"{rel(path)}: {result.error} (LibCST's parser limit)")
            else:
                figures.input_errors += 1
                input_errors.add(path)
                figures.input_error_lines.append(f"{rel(path)}: {result.error}")
        if data is None:
            figures.fail(rel(path), "lost", "the file is gone after the run")
            continue
        if result.status == "changed":
            if not result.written:
                figures.fail(rel(path), "not written", "changed but not written in write mode")
            problems = output_problems(kind_of(path), originals[path], data)
            if problems:
                figures.unparsable += 1
                figures.fail(rel(path), "unparsable output", "; ".join(problems))
        elif data != originals[path]:
            figures.untouched_modified += 1
            figures.fail(rel(path), "nothing-to-do file modified", f"status {result.status}")

    # Every other file of the tree is byte-identical; nothing appeared, nothing vanished.
    changed = {rel(p) for p, r in first.items() if getattr(r, "status", "") == "changed"}
    discovered = {rel(p) for p in files}
    after = tree_state(copy)
    for name in sorted(set(before) | set(after)):
        if name in changed:
            continue
        if name not in after:
            figures.fail(name, "lost", "the file is gone after the run")
        elif name not in before:
            figures.fail(name, "stray file", "a file appeared during the run")
        elif before[name] != after[name] and name not in discovered:
            figures.untouched_modified += 1
            figures.fail(name, "nothing-to-do file modified", "not a file fw-migrate should touch")

    # Second run: nothing left to do.
    for result in run(files, Job(settings, "write"), jobs):
        path = os.path.abspath(result.path)
        if result.status == "changed":
            figures.second_run += 1
            what = "; ".join(f"{c.line}: {c.message}" for c in result.changes[:3])
            figures.fail(rel(path), "second run changed", what or "the bytes changed")
        elif result.status == "error" and path not in input_errors | crashed:
            figures.fail(rel(path), "second run error", result.error)
        if os.path.exists(path) and Path(path).read_bytes() != after_first.get(path):
            if result.status != "changed":
                figures.fail(rel(path), "second run modified", f"status {result.status}")

    # `fw-migrate --check` on the migrated copy, through the real command line.
    settled = tree_state(copy)
    proc = subprocess.run(
        [*fw_migrate_command(), "--check", "--output-format", "json", "--no-color", "--no-cache", "--jobs", str(jobs),
         *(["--select", select] if select else []), str(copy)],
        capture_output=True, text=True, cwd=workdir,
    )
    figures.check_exit = proc.returncode
    if "Traceback" in proc.stderr:
        figures.crashes += 1
        figures.fail(str(folder), "check crashed", proc.stderr.strip().splitlines()[-1])
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        figures.fail(str(folder), "check output", f"not JSON: {exc}")
        report = {"files": []}
    check_errors = set()
    for record in report["files"]:
        path = os.path.abspath(os.path.join(workdir, record["path"]))
        if record["status"] == "changed":
            what = "; ".join(c["message"] for c in record["changes"][:3])
            figures.fail(rel(path), "check after write", f"would change: {what}")
        elif record["status"] == "error":
            check_errors.add(path)
            if path not in input_errors | crashed:
                figures.fail(rel(path), "check after write", record.get("error", "error"))
    if not forced and check_errors != input_errors | crashed:
        for path in sorted((input_errors | crashed) - check_errors):
            figures.fail(rel(path), "check after write", "the first run's error is not reported by --check")
    # With --force the first run parsed files the real prefilter lets --check skip: fewer errors.
    expected_exit = 2 if check_errors else 0  # the errors themselves were judged above
    if proc.returncode != expected_exit:
        figures.fail(str(folder), "check after write",
                     f"exit {proc.returncode}, expected {expected_exit}: {proc.stderr.strip()[-200:]}")
    if tree_state(copy) != settled:
        figures.fail(str(folder), "check wrote", "--check changed the tree")
    figures.seconds = time.perf_counter() - started
    return figures


COLUMNS = (
    ("corpus", lambda f: f.name),
    ("files", lambda f: f.files),
    ("files taken", lambda f: f.python),
    ("prefiltered", lambda f: f.statuses["prefiltered"]),
    ("analysed", lambda f: f.python - f.statuses["prefiltered"]),
    ("changed", lambda f: f.statuses["changed"]),
    ("notes", lambda f: f.notes),
    ("input errors", lambda f: f.input_errors),
    ("LibCST limits", lambda f: f.libcst_limits),
    ("crashes", lambda f: f.crashes),
    ("unparsable outputs", lambda f: f.unparsable),
    ("second-run changes", lambda f: f.second_run),
    ("untouched files modified", lambda f: f.untouched_modified),
    ("--check exit", lambda f: "-" if f.check_exit is None else f.check_exit),
    ("failed checks", lambda f: len(f.failures)),
    ("seconds", lambda f: f"{f.seconds:.1f}"),
)


def table(rows: list[Figures]) -> str:
    cells = [[name for name, _ in COLUMNS]] + [[str(get(f)) for _, get in COLUMNS] for f in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]

    def line(row: list[str]) -> str:
        padded = (c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def main(argv: list[str] | None = None) -> int:
    os.environ["FW_MIGRATE_CHECK_SPLICE"] = "1"  # every spliced rewrite is compared with LibCST's Module.code
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="folders of real code (copied; never modified)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes [CPUs]")
    parser.add_argument("--select", metavar="RULES", help="comma-separated rules to run [all]")
    parser.add_argument("--force", action="store_true", help="bypass the prefilter and text triggers: every file is parsed")
    parser.add_argument("--inject", action="store_true", help="append an OpenAI client to every Python file of the copy first")
    parser.add_argument("--keep", action="store_true", help="keep the migrated copies and print where they are")
    parser.add_argument("--max-failures", type=int, default=50, help="failures listed per corpus [50]")
    args = parser.parse_args(argv)
    for folder in args.folders:
        if not folder.is_dir():
            parser.error(f"not a folder: {folder}")
    names = [f.resolve().name for f in args.folders]
    if len(set(names)) != len(names):
        parser.error("two folders share a name; the table could not tell them apart")
    if args.force:
        force_every_file()
    rows = []
    for folder in args.folders:
        workdir = Path(tempfile.mkdtemp(prefix="fw-corpus-"))
        try:
            figures = run_corpus(folder.resolve(), workdir, args.jobs, args.select, args.force, args.inject)
        finally:
            if args.keep:
                print(f"{folder}: migrated copy kept in {workdir}", file=sys.stderr)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        rows.append(figures)
        commit = commit_of(folder)
        print(f"{folder}{f' at {commit}' if commit else ''}: {len(figures.failures)} failed checks in "
              f"{figures.seconds:.1f} s", file=sys.stderr, flush=True)
    print(table(rows))
    for figures in rows:
        for line in figures.input_error_lines[: args.max_failures]:
            print(f"{figures.name}/{line} (reported, left alone)")
        for failure in figures.failures[: args.max_failures]:
            print(f"{figures.name}/{failure.path}: {failure.check}: {failure.detail}")
        if len(figures.failures) > args.max_failures:
            print(f"{figures.name}: ... and {len(figures.failures) - args.max_failures} more")
    return 1 if any(f.failures for f in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
