"""The engine's text tests agree between RE2 (the fast path) and Python's `re` (the fallback).

Every rule fixture, before and after migration, is asked both questions (which rule triggers
occur, and on which lines the walk filter matches) by both engines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate import engine, rules
from migrate.settings import Settings
from migrate.textscan import LineFinder, TriggerSet

FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures").glob("*/*.py"))
ALL = tuple(rules.ALL_RULES)
PATTERNS = [rules.load(name).TRIGGER for name in ALL]


def test_every_rule_trigger_compiles_for_re2():
    assert all(PATTERNS)
    assert TriggerSet(PATTERNS, engine="re2").engine == "re2"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_triggers_and_walk_lines_agree_with_re(path):
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    fast, slow = TriggerSet(PATTERNS, engine="re2"), TriggerSet(PATTERNS, engine="re")
    assert fast.matching(text) == slow.matching(text)
    walk = engine.triggers(ALL).walk
    assert LineFinder(walk.pattern, engine="re2").lines(text) == LineFinder(walk.pattern, engine="re").lines(text)


def test_lines_count_crlf_cr_and_non_ascii_text_like_python():
    text = "é = 1\r\nimport openai\rx = 'ü'\nclient = openai.OpenAI()\n"
    for kind in ("re2", "re"):
        assert LineFinder(r"\bimport\b|OpenAI\(", engine=kind).lines(text) == [2, 4]


def test_matching_names_the_rules_whose_trigger_occurs():
    selection = engine.triggers(ALL)
    found = selection.matching("from openai import OpenAI\nclient = OpenAI()\nr = client.chat.completions.create(max_tokens=5)\n")
    assert {"client", "max_tokens", "api_notes"} <= found
    assert "tiktoken_models" not in found and "litellm" not in found
    assert selection.matching("print('hello')\n") == frozenset()


def test_the_engine_skips_files_no_trigger_matches_without_parsing():
    # a syntax error would be reported if the file were parsed
    outcome = engine.migrate_text("def broken(:\n    print('no api here')\n", "x.py", Settings())
    assert outcome.code.startswith("def broken(") and not outcome.changes
