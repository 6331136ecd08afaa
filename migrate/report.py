"""Rendering: changes, notes, diffs and the summary (text, json, sarif, github), and the exit code.

Lines are `path:line: rule: what changed` for changes and
`path:line:col: rule: severity: message [CODE]` for notes. `--diff` sends the diff to
standard output and the report to standard error, so `fw-migrate --diff > fix.patch` gives
a clean patch. Colour only on a terminal, never with `--no-color` or NO_COLOR.
Every secret a rule found is masked in every line printed, the diff included.

Machine formats stream: each file's result is written as it arrives (the JSON and SARIF
documents are framed by hand around the stream), so memory does not grow with the tree.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from migrate.results import SEVERITIES, Change, FileResult, Note, mask

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "markdown")
FAIL_ON = ("change", "error", "warning", "info")  # notes at or above this severity fail too

SEVERITY_COLOR = {"error": "bright_red", "warning": "yellow", "info": "bright_blue"}
# Read on dark and light backgrounds: plain red is dark on dark themes, cyan fades on white.
DIFF_COLORS = {"removed": "bright_red", "added": "green", "hunk": "magenta"}
# A run is small when its report by file (changes and notes) fits in this many lines: then
# those lines are printed; a larger run prints only the statistics unless --verbose.
SMALL_RUN_LINES = 40


def _style(text: str, color: bool, **styles) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)


def where(path: str, finding) -> str:
    """`path:line`, or `path:cell N:line` for a notebook cell."""
    cell = getattr(finding, "cell", None)
    return f"{path}:cell {cell}:{finding.line}" if cell is not None else f"{path}:{finding.line}"


# Key-shaped strings are masked even when no rule registered them (a key in a line next to
# one a rule changed shows up in the diff's context): OpenAI (sk-, sk-proj-), Fireworks (fw_).
KEY_SHAPED = re.compile(r"\b(?:sk-(?:proj-|svcacct-|admin-)?|fw_)[A-Za-z0-9_\-]{16,}")


def hide_secrets(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, mask(secret))
    return KEY_SHAPED.sub(lambda match: mask(match.group()), text)


@dataclass
class Reporter:
    mode: str  # "write" | "diff" | "check"
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    color: bool = False
    quiet: bool = False
    verbose: bool = False
    fail_on: str = "change"
    counts: Counter = field(default_factory=Counter)
    severities: Counter = field(default_factory=Counter)
    errors: int = 0
    found: Counter = field(default_factory=Counter)  # (rule, "change" or severity, code) -> count
    hidden: int = 0  # per-file lines not shown (a large run without --verbose)
    _held: list | None = field(default_factory=list)  # per-file lines held back while the run is small

    @property
    def report_stream(self) -> TextIO:
        return self.err if self.mode == "diff" else self.out

    def error(self, path: str, message: str) -> None:
        """A one-line error naming the file; always shown, always on standard error."""
        self.errors += 1
        print(f"{path}: error: {message}", file=self.err)

    def skipped(self, path: str, why: str) -> None:
        if self.verbose:
            print(f"{path}: skipped: {why}", file=self.err)

    def _counted(self, result: FileResult) -> bool:
        """Count the file; False (after reporting the error) when it could not be migrated."""
        self.counts["scanned"] += 1
        self.counts[result.status] += 1
        if result.status == "error":
            self.error(result.path, result.error)
            return False
        return True

    def _emit(self, line: str, stream: TextIO) -> None:
        """A per-file line: printed at once with --verbose, else held while the run is small."""
        if self.verbose:
            print(line, file=stream)
        elif self._held is not None:
            self._held.append((line, stream))
            if len(self._held) > SMALL_RUN_LINES:
                self.hidden, self._held = len(self._held), None
        else:
            self.hidden += 1

    def file(self, result: FileResult) -> None:
        if not self._counted(result):
            return
        if result.status in ("prefiltered", "skipped", "unchanged") and self.verbose:
            why = {"prefiltered": "nothing to migrate (prefilter)", "unchanged": "nothing to change"}.get(
                result.status, result.error
            )
            print(f"{result.path}: {why}", file=self.err)
        if result.diff:
            self._diff(hide_secrets(result.diff, result.secrets))
        stream = self.report_stream
        if result.status == "changed":
            for change in result.changes:
                self.found[(change.rule, "change", "")] += 1
            if not self.quiet:
                verb = {"write": "changed", "diff": "would change", "check": "would change"}[self.mode]
                self._emit(_style(f"{result.path}: {verb}", self.color, bold=True), stream)
                for change in result.changes:
                    self._emit(f"{where(result.path, change)}: {change.rule}: {hide_secrets(change.message, result.secrets)}",
                               stream)
        for note in result.notes:
            self.severities[note.severity] += 1
            self.found[(note.rule, note.severity, note.code)] += 1
            if self.quiet:
                continue
            severity = _style(note.severity, self.color, fg=SEVERITY_COLOR.get(note.severity))
            message = hide_secrets(note.message, result.secrets)
            self._emit(f"{where(result.path, note)}:{note.col}: {note.rule}: {severity}: {message} [{note.code}]", stream)

    def _diff(self, diff: str) -> None:
        for line in diff.splitlines():
            if self.color:
                if line.startswith(("+++", "---")):
                    line = _style(line, True, bold=True)
                elif line.startswith("@@"):
                    line = _style(line, True, fg=DIFF_COLORS["hunk"])
                elif line.startswith("+"):
                    line = _style(line, True, fg=DIFF_COLORS["added"])
                elif line.startswith("-"):
                    line = _style(line, True, fg=DIFF_COLORS["removed"])
            print(line, file=self.out)

    def statistics(self) -> list[str]:
        """Counts by rule, then kind (change, error, warning, info) and code, like `ruff --statistics`."""
        from migrate import rules

        order, kinds = {name: index for index, name in enumerate(rules.ALL_RULES)}, ("change", *SEVERITIES)
        rows = sorted(self.found.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0][0],
                                                            kinds.index(item[0][1]), item[0][2]))
        count_width = max((len(str(count)) for count in self.found.values()), default=0)
        rule_width = max((len(rule) for rule, _, _ in self.found), default=0)
        return [f"{count:>{count_width}}  {rule:<{rule_width}}  "
                f"{_style(kind, self.color and kind in SEVERITY_COLOR, fg=SEVERITY_COLOR.get(kind))}{' ' * (7 - len(kind))}  {code}".rstrip()
                for (rule, kind, code), count in rows]

    def summary(self) -> str:
        c = self.counts
        verb = "changed" if self.mode == "write" else "would change"
        parts = [
            f"{c['scanned']} file{'s' if c['scanned'] != 1 else ''} scanned",
            f"{c['prefiltered']} skipped by the prefilter",
            f"{c['changed']} {verb}",
            f"{self.errors} error{'s' if self.errors != 1 else ''}",
        ]
        notes = ", ".join(f"{self.severities[s]} {s}" for s in SEVERITIES if self.severities[s])
        return "; ".join(parts) + (f"; notes: {notes}" if notes else "; no notes")

    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        if self.mode in ("diff", "check") and self.counts["changed"]:
            return EXIT_CHANGES
        if self.fail_on != "change":
            failing = SEVERITIES[: SEVERITIES.index(self.fail_on) + 1]
            if any(self.severities[s] for s in failing):
                return EXIT_CHANGES
        return EXIT_CLEAN

    def finish(self) -> int:
        if not self.quiet:
            stream = self.report_stream
            for line, held in self._held or ():
                print(line, file=held)
            stats = self.statistics()
            if stats and (self._held or (self.verbose and self.found)):
                print("", file=stream)
            for line in stats:
                print(line, file=stream)
            if self.hidden:
                print(f"({self.hidden} lines by file not shown: more than {SMALL_RUN_LINES}; --verbose shows them)",
                      file=stream)
            print(self.summary(), file=stream)
        return self.exit_code()


def _cell(finding) -> dict:
    return {"cell": finding.cell} if getattr(finding, "cell", None) is not None else {}


def _file_record(result: FileResult) -> dict:
    secrets = result.secrets
    record: dict = {"path": result.path, "status": result.status}
    if result.error:
        record["error"] = result.error
    record["changes"] = [
        {"rule": c.rule, "line": c.line, **_cell(c), "message": hide_secrets(c.message, secrets)} for c in result.changes
    ]
    record["notes"] = [
        {"rule": n.rule, "code": n.code, "line": n.line, "column": n.col, **_cell(n), "severity": n.severity,
         "message": hide_secrets(n.message, secrets)}
        for n in result.notes
    ]
    if result.diff:
        record["diff"] = hide_secrets(result.diff, secrets)
    return record


@dataclass
class AnnotatingReporter(Reporter):
    """A reporter of findings one by one (SARIF results, GitHub annotations): a pending change
    (in --diff/--check) through `pending`, a note through `noted`, secrets already masked."""

    def pending(self, path: str, change: Change, message: str) -> None:
        raise NotImplementedError

    def noted(self, path: str, note: Note, message: str) -> None:
        raise NotImplementedError

    def file(self, result: FileResult) -> None:
        if not self._counted(result):
            return
        if result.status == "changed" and self.mode != "write":
            for change in result.changes:
                self.pending(result.path, change, hide_secrets(change.message, result.secrets))
        for note in result.notes:
            self.severities[note.severity] += 1
            self.noted(result.path, note, hide_secrets(note.message, result.secrets))


@dataclass
class JsonReporter(Reporter):
    """One JSON document: {"version": 1, "mode", "files": [...], "summary": {...}}.

    Files with nothing to report (prefiltered, unchanged without notes) are left out.
    """

    _started: bool = False

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self.out.write('{"version": 1, "tool": "fw-migrate", "mode": %s, "files": [' % json.dumps(self.mode))
            self._first = True

    def _emit(self, record: dict) -> None:
        self._start()
        self.out.write(("\n  " if self._first else ",\n  ") + json.dumps(record))
        self._first = False

    def error(self, path: str, message: str) -> None:
        self.errors += 1
        self._emit({"path": path, "status": "error", "error": message, "changes": [], "notes": []})

    def file(self, result: FileResult) -> None:
        self.counts["scanned"] += 1
        self.counts[result.status] += 1
        for note in result.notes:
            self.severities[note.severity] += 1
        if result.status == "error":
            self.errors += 1
        if result.status in ("changed", "error") or result.notes:
            self._emit(_file_record(result))

    def finish(self) -> int:
        self._start()
        code = self.exit_code()
        summary = {
            "scanned": self.counts["scanned"], "prefiltered": self.counts["prefiltered"],
            "changed": self.counts["changed"], "errors": self.errors,
            "notes": {s: self.severities[s] for s in SEVERITIES}, "exit_code": code,
        }
        self.out.write('\n], "summary": %s}\n' % json.dumps(summary))
        return code


def _in_cell(finding, message: str) -> str:
    """Formats without a cell field name the cell in the message (lines count within it)."""
    cell = getattr(finding, "cell", None)
    return f"cell {cell}, line {finding.line}: {message}" if cell is not None else message


SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


@dataclass
class SarifReporter(AnnotatingReporter):
    """SARIF 2.1.0 for code-scanning upload: every note, and every pending change, a result."""

    _started: bool = False
    _rules: dict = field(default_factory=dict)

    def _emit(self, result: dict) -> None:
        if not self._started:
            self._started = True
            self.out.write('{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", '
                           '"runs": [{"results": [')
            self._first = True
        self.out.write(("\n" if self._first else ",\n") + json.dumps(result))
        self._first = False

    def _result(self, rule_id: str, rule: str, level: str, message: str, path: str, line: int, col: int) -> None:
        self._rules.setdefault(rule_id, rule)
        region = {"startLine": max(line, 1)}
        if col:
            region["startColumn"] = col
        self._emit({
            "ruleId": rule_id, "level": level, "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": path.replace("\\", "/")}, "region": region}}],
        })

    def error(self, path: str, message: str) -> None:
        self.errors += 1
        print(f"{path}: error: {message}", file=self.err)

    def pending(self, path: str, change: Change, message: str) -> None:
        self._result(change.rule, change.rule, "warning", _in_cell(change, f"fw-migrate would change this: {message}"),
                     path, change.line, 0)

    def noted(self, path: str, note: Note, message: str) -> None:
        self._result(note.code, note.rule, SARIF_LEVEL.get(note.severity, "note"), _in_cell(note, message), path,
                     note.line, note.col)

    def finish(self) -> int:
        from migrate import __version__, rules

        if not self._started:
            self._started = True
            self.out.write('{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", '
                           '"runs": [{"results": [')
        descriptors = [
            {"id": rule_id, "name": rule, "shortDescription": {"text": rules.summary(rule) or rule},
             "helpUri": "https://docs.fireworks.ai/tools-sdks/openai-compatibility"}
            for rule_id, rule in sorted(self._rules.items())
        ]
        tool = {"driver": {"name": "fw-migrate", "version": __version__, "informationUri":
                           "https://docs.fireworks.ai/tools-sdks/openai-compatibility", "rules": descriptors}}
        self.out.write('\n], "tool": %s}]}\n' % json.dumps(tool))
        return self.exit_code()


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


@dataclass
class GithubReporter(AnnotatingReporter):
    """GitHub workflow commands: one annotation a note or pending change, then the summary."""

    def _annotate(self, level: str, path: str, line: int, col: int, title: str, message: str) -> None:
        props = f"file={_gh_escape(path, True)},line={max(line, 1)}" + (f",col={col}" if col else "")
        print(f"::{level} {props},title={_gh_escape(title, True)}::{_gh_escape(message)}", file=self.out)

    def error(self, path: str, message: str) -> None:
        self.errors += 1
        print(f"::error file={_gh_escape(path, True)},title=fw-migrate::{_gh_escape(message)}", file=self.out)

    def pending(self, path: str, change: Change, message: str) -> None:
        self._annotate("warning", path, change.line, 0, f"fw-migrate {change.rule}", f"would change: {message}")

    def noted(self, path: str, note: Note, message: str) -> None:
        self._annotate(GITHUB_LEVEL.get(note.severity, "notice"), path, note.line, note.col, f"fw-migrate {note.code}",
                       _in_cell(note, message))

    def finish(self) -> int:
        print(self.summary(), file=self.err)
        return self.exit_code()


def make_reporter(output_format: str, mode: str, **options) -> Reporter:
    if output_format == "markdown":
        from migrate.markdown import MarkdownReporter

        return MarkdownReporter(mode, **options)
    options.pop("root", None), options.pop("link_base", None)
    cls = {"text": Reporter, "json": JsonReporter, "sarif": SarifReporter, "github": GithubReporter}[output_format]
    return cls(mode, **options)
