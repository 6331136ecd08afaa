"""migrate.codegen: the file's own text for untouched top-level statements, LibCST for the rest."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from migrate.codegen import OriginalText, SpliceMismatch, carry_clean
from migrate.engine import migrate_text
from migrate.rules._base import align_statements
from migrate.settings import Settings

SOURCES = {
    "plain": "import os\n\nx = 1\n\n\ndef f():\n    return x\n",
    "header and footer comments": "#!/usr/bin/env python\n# header\n\nimport os\nx = 1\n# trailing\n\n# footer\n",
    "docstring and semicolons": '"""Doc."""\nimport os; import sys\nx = 1; y = 2\n',
    "decorators with comments between": "import functools\n\n\n# above\n@functools.cache\n# between\n@staticmethod\ndef f():\n    pass\n    # indented trailing\n# dedented trailing\nx = 1\n",
    "crlf": "import os\r\n\r\nx = 1\r\nif x:\r\n    y = 2\r\n",
    "continuations and strings": 'x = (1,\n     2)\ns = """a\nb\n"""\nt = 1 + \\\n    2\n',
    "form feed": "import os\n\x0c\nx = 1\n",
}


def _parse(text: str):
    module = cst.parse_module(text)
    spans: dict = {}
    align_statements(module.body, ast.parse(text).body, spans)
    return module, spans


class Renamer(cst.CSTTransformer):
    """x -> renamed_x everywhere (changes exactly the statements that mention x)."""

    def leave_Name(self, original, updated):
        return updated.with_changes(value="renamed_x") if updated.value == "x" else updated


@pytest.mark.parametrize("text", SOURCES.values(), ids=SOURCES.keys())
def test_splice_equals_libcst_codegen(text):
    module, spans = _parse(text)
    original = OriginalText.of(module, text, spans)
    assert original is not None
    assert original.code(module, original.start()) == text == module.code  # nothing changed
    changed = module.visit(Renamer())
    # clean: the statements that do not mention x (compared by code, as a rule's no-change would say)
    clean = {id(new): id(old) for old, new in zip(module.body, changed.body)
             if module.code_for_node(old) == changed.code_for_node(new)}
    spliced = original.code(changed, clean)
    assert spliced == changed.code
    assert "renamed_x" in spliced or "x" not in text


def test_statement_pieces_cut_along_libcst_boundaries():
    text = SOURCES["decorators with comments between"]
    module, spans = _parse(text)
    pieces = [OriginalText.of(module, text, spans).pieces[id(stmt)] for stmt in module.body]
    assert pieces == [module.code_for_node(stmt) for stmt in module.body]
    assert pieces[1].startswith("\n\n# above\n@functools.cache") and pieces[1].endswith("    # indented trailing\n")
    assert pieces[2] == "# dedented trailing\nx = 1\n"  # a comment at column 0 goes with the next statement


@pytest.mark.parametrize("text", ["import os\nx = 1", "import os\rx = 1\ry = 2\r"], ids=["no final newline", "lone cr"])
def test_files_libcst_sees_without_a_final_newline_fall_back_to_full_codegen(text):
    module, spans = _parse(text)
    assert not module.has_trailing_newline  # (LibCST's view of a file of lone CRs, too)
    assert OriginalText.of(module, text, spans) is None


def test_a_statement_without_a_span_falls_back():
    text = "import os\nx = 1\n"
    module, spans = _parse(text)
    del spans[id(module.body[1])]
    assert OriginalText.of(module, text, spans) is None


def test_carry_clean_follows_untouched_and_unchanged_statements_only():
    text = "a = 1\nb = 2\nc = 3\n"
    module, spans = _parse(text)
    original = OriginalText.of(module, text, spans)
    first, second, third = module.body
    rebuilt_second = second.deep_clone()  # a pass visited it and recorded nothing
    replaced_third = cst.parse_statement("c = 4\n")  # a pass changed it
    new_body = [first, rebuilt_second, replaced_third]
    clean = carry_clean(original.start(), new_body, {id(rebuilt_second): (rebuilt_second, id(second))})
    assert clean == {id(first): id(first), id(rebuilt_second): id(second)}
    assert original.code(module.with_changes(body=new_body), clean) == "a = 1\nb = 2\nc = 4\n"
    # an `unchanged` entry for another object with a recycled id is not trusted
    assert id(replaced_third) not in carry_clean(original.start(), new_body, {id(replaced_third): (object(), id(third))})


def test_the_check_catches_a_changed_statement_taken_as_unchanged():
    text = "a = 1\nb = 2\n"
    module, spans = _parse(text)
    original = OriginalText.of(module, text, spans)
    changed = module.with_changes(body=[module.body[0], cst.parse_statement("b = 3\n")])
    wrong = {id(changed.body[0]): id(module.body[0]), id(changed.body[1]): id(module.body[1])}
    with pytest.raises(SpliceMismatch):
        original.code(changed, wrong)


def test_statements_no_rule_touched_keep_bytes_libcst_would_drop():
    """LibCST regenerates `except OSError :` without the space; untouched statements keep it."""
    text = (
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\n"
        "def read(path):\n    try:\n        return open(path).read()\n    except OSError :\n        return None\n"
    )
    assert cst.parse_module(text).code != text  # the LibCST behaviour this guards against
    outcome = migrate_text(text, "app.py", Settings())
    assert outcome.changes
    assert "client = OpenAI(\n" in outcome.code or "base_url" in outcome.code
    assert outcome.code.endswith("    except OSError :\n        return None\n")
