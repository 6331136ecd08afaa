"""The data the engine, the runner and the report pass along: plain, picklable, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

SEVERITIES = ("error", "warning", "info")  # error: will fail on Fireworks


@dataclass(frozen=True)
class Change:
    rule: str
    line: int
    message: str
    cell: int | None = None  # notebooks: the 1-based cell number; `line` is then within the cell


@dataclass(frozen=True)
class Note:
    rule: str
    code: str
    line: int
    col: int
    severity: str
    message: str
    cell: int | None = None  # notebooks: the 1-based cell number; `line` is then within the cell

    def moved(self, line: int) -> Note:
        return replace(self, line=line)


@dataclass
class Outcome:
    """What the engine made of one file's text. `code` is the new text (same if unchanged)."""

    code: str
    changes: list[Change] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)  # literals to mask in every output
    skipped: str | None = None  # why the engine did not look (skip-file comment)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per engine phase

    @property
    def rules_applied(self) -> list[str]:
        return sorted({change.rule for change in self.changes})


@dataclass
class FileResult:
    """One file after the runner: never an exception, always one of these."""

    path: str
    status: str  # "unchanged" | "changed" | "prefiltered" | "skipped" | "error"
    changes: list[Change] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    diff: str = ""
    error: str = ""
    written: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase


def mask(secret: str) -> str:
    """All but a short prefix hidden: enough to recognise a key, never enough to use it."""
    keep = 5 if len(secret) >= 16 else 2
    return secret[:keep] + "*" * 6
