"""Shared test helpers: run the engine on text with settings given as pyproject-style keys."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst

from migrate.engine import migrate_text
from migrate.facts import Links
from migrate.results import Outcome
from migrate.settings import Settings, from_mapping

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS_PREFIX = "# fixture-settings:"


def settings_for(text: str, **extra) -> Settings:
    """Settings from a first line `# fixture-settings: key=value, key=value` plus `extra`."""
    values: dict = {}
    first = text.splitlines()[0] if text else ""
    if first.startswith(SETTINGS_PREFIX):
        for pair in first[len(SETTINGS_PREFIX):].split(","):
            key, _, value = pair.strip().partition("=")
            values[key.strip()] = value.strip()
    values.update(extra)
    return from_mapping(values, "fixture")


def migrate(text: str, path: str = "fixture.py", links: Links = Links(), **settings) -> Outcome:
    return migrate_text(text, path, settings_for(text, **settings), links)


def render(outcome: Outcome) -> str:
    """The snapshot form: the new code, then one trailer line per change and note."""
    lines = [outcome.code.rstrip("\n"), "", "# ---- fw-migrate report ----"]
    for change in outcome.changes:
        lines.append(f"# change: {change.line}: {change.rule}: {change.message}")
    for note in outcome.notes:
        lines.append(f"# note: {note.line}:{note.col}: {note.rule}: {note.severity}: {note.message} [{note.code}]")
    if outcome.skipped:
        lines.append(f"# skipped: {outcome.skipped}")
    return "\n".join(lines) + "\n"


def assert_valid_and_stable(before: str, outcome: Outcome, path: str = "fixture.py", **settings) -> None:
    """Output parses (LibCST and ast) and a second run finds nothing to change."""
    libcst.parse_module(outcome.code)
    ast.parse(outcome.code)
    again = migrate(outcome.code, path, **settings)
    assert again.code == outcome.code, "second run changed the code again"
    assert again.changes == []
