"""Rendering: changes, notes, diffs and the summary as text, and the exit code.

Lines are `path:line: rule: what changed` for changes and
`path:line:col: rule: severity: message [CODE]` for notes. `--diff` sends the diff to
standard output and the report to standard error, so `fw-migrate --diff > fix.patch` gives
a clean patch. Colour only on a terminal, never with `--no-color` or NO_COLOR.
Every secret a rule found is masked in every line printed, the diff included.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from migrate.results import SEVERITIES, FileResult, mask

EXIT_CLEAN, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2

SEVERITY_COLOR = {"error": "red", "warning": "yellow", "info": "blue"}


def _style(text: str, color: bool, **styles) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)


def hide_secrets(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, mask(secret))
    return text


@dataclass
class Reporter:
    mode: str  # "write" | "diff" | "check"
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    color: bool = False
    quiet: bool = False
    verbose: bool = False
    counts: Counter = field(default_factory=Counter)
    severities: Counter = field(default_factory=Counter)
    errors: int = 0

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

    def file(self, result: FileResult) -> None:
        self.counts["scanned"] += 1
        self.counts[result.status] += 1
        if result.status == "error":
            self.error(result.path, result.error)
            return
        if result.status in ("prefiltered", "skipped", "unchanged") and self.verbose:
            why = {"prefiltered": "nothing to migrate (prefilter)", "unchanged": "nothing to change"}.get(
                result.status, result.error
            )
            print(f"{result.path}: {why}", file=self.err)
        if result.diff:
            self._diff(hide_secrets(result.diff, result.secrets))
        stream = self.report_stream
        if result.status == "changed" and not self.quiet:
            verb = {"write": "changed", "diff": "would change", "check": "would change"}[self.mode]
            print(_style(f"{result.path}: {verb}", self.color, bold=True), file=stream)
            for change in result.changes:
                print(f"{result.path}:{change.line}: {change.rule}: {hide_secrets(change.message, result.secrets)}", file=stream)
        for note in result.notes:
            self.severities[note.severity] += 1
            if self.quiet:
                continue
            severity = _style(note.severity, self.color, fg=SEVERITY_COLOR.get(note.severity))
            message = hide_secrets(note.message, result.secrets)
            print(f"{result.path}:{note.line}:{note.col}: {note.rule}: {severity}: {message} [{note.code}]", file=stream)

    def _diff(self, diff: str) -> None:
        for line in diff.splitlines():
            if self.color:
                if line.startswith(("+++", "---")):
                    line = _style(line, True, bold=True)
                elif line.startswith("@@"):
                    line = _style(line, True, fg="cyan")
                elif line.startswith("+"):
                    line = _style(line, True, fg="green")
                elif line.startswith("-"):
                    line = _style(line, True, fg="red")
            print(line, file=self.out)

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

    def finish(self) -> int:
        if not self.quiet:
            print(self.summary(), file=self.report_stream)
        if self.errors:
            return EXIT_ERROR
        if self.mode in ("diff", "check") and self.counts["changed"]:
            return EXIT_CHANGES
        return EXIT_CLEAN
