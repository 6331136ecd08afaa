"""Notebooks: cells through the rules, IPython syntax kept byte for byte, JSON layout kept.

Fixtures in tests/fixtures/notebooks/ are written in the styles of different notebook
writers (Jupyter's nbformat: indent 1, sorted keys, raw UTF-8, final newline; Colab:
indent 2, its own key order, non-ASCII escaped, no final newline; VS Code on Windows:
CRLF; one-line JSON with whole-string sources). Each has two snapshots: the migrated
notebook, byte for byte (`<case>.expected.ipynb`), and what the user reads
(`<case>.expected.txt`: the diff of each changed cell, then changes and notes).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from helpers import FIXTURES

from migrate.files import discover, kind_of
from migrate.notebooks import (
    mask_cell,
    migrate_notebook,
    read_notebook,
    split_lines,
    unmask,
)
from migrate.report import hide_secrets
from migrate.runner import Job, process, run, unified_diff
from migrate.settings import Settings, from_mapping

NOTEBOOKS = FIXTURES / "notebooks"
CASES = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.endswith(".expected.ipynb"))
FAKE_KEY = "sk-proj-Q7fLx2Rb9TzK4mWp8NcV1yHd6JsG3eAu5"


def migrate(data: bytes, settings: Settings | None = None, path: str = "nb.ipynb"):
    return migrate_notebook(path, data, settings or Settings())


def render(path: str, migration) -> str:
    out = [hide_secrets(unified_diff(p.label(path), p.before, p.after), migration.secrets) for p in migration.pieces]
    out.append("# ---- fw-migrate report ----\n")
    for c in migration.changes:
        out.append(f"# change: cell {c.cell}:{c.line}: {c.rule}: {c.message}\n")
    for n in migration.notes:
        out.append(f"# note: cell {n.cell}:{n.line}:{n.col}: {n.rule}: {n.severity}: {n.message} [{n.code}]\n")
    if migration.skipped:
        out.append(f"# skipped: {migration.skipped}\n")
    return "".join(out)


# --- independent checks on the JSON text (not through migrate.notebooks' own reader) ---------


def raw_cells(text: str) -> tuple[str, list[str], str]:
    """(text before the cells, each cell's raw JSON, text after) found with json's raw_decode."""
    decoder = json.JSONDecoder()
    start = text.index('"cells"')
    index = text.index("[", start) + 1
    cells = []

    def skip(i: int) -> int:
        while text[i] in " \t\r\n":
            i += 1
        return i

    index = skip(index)
    while text[index] != "]":
        _, end = decoder.raw_decode(text, index)
        cells.append(text[index:end])
        index = skip(end)
        if text[index] == ",":
            index = skip(index + 1)
    return text[:start], cells, text[index:]


def check_only_sources_changed(before: str, after: str, changed: set[int]) -> None:
    """Valid JSON; cells not in `changed` (1-based) byte-identical; outside the cells identical;
    in changed cells only "source" differs; and for list sources with a layout, the JSON diff
    has exactly the lines of the source diff."""
    old, new = json.loads(before), json.loads(after)
    head_a, cells_a, tail_a = raw_cells(before)
    head_b, cells_b, tail_b = raw_cells(after)
    assert (head_a, tail_a) == (head_b, tail_b)
    assert len(cells_a) == len(cells_b)
    json_lines = 0
    source_lines = 0
    for number, (a, b) in enumerate(zip(cells_a, cells_b), start=1):
        if number not in changed:
            assert a == b, f"cell {number} changed"
            continue
        ca, cb = old["cells"][number - 1], new["cells"][number - 1]
        assert {k: v for k, v in ca.items() if k != "source"} == {k: v for k, v in cb.items() if k != "source"}
        assert type(ca["source"]) is type(cb["source"])
        if isinstance(ca["source"], list) and "\n" in a:
            sa, sb = "".join(ca["source"]), "".join(cb["source"])
            # as in the diff of a .py file: a last line that gains its newline counts as changed
            source_lines += sum(1 for line in difflib.ndiff(sa.splitlines(True), sb.splitlines(True)) if line[:1] in "+-")
            json_lines += sum(1 for line in difflib.ndiff(a.splitlines(), b.splitlines()) if line[:1] in "+-")
    assert json_lines == source_lines, "the JSON diff is larger than the changed source lines"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_fixture(case: Path, snapshot):
    data = case.read_bytes()
    migration = migrate(data, path=case.name)
    after = migration.encode()
    snapshot.snapshot_dir = NOTEBOOKS
    snapshot.assert_match(after, f"{case.stem}.expected.ipynb")
    snapshot.assert_match(render(case.name, migration), f"{case.stem}.expected.txt")
    assert migration.pieces, "every fixture has something to migrate"
    check_only_sources_changed(data.decode("utf-8"), after.decode("utf-8"), {p.cell for p in migration.pieces})
    # the file's own conventions
    assert after.endswith(b"\n") == data.endswith(b"\n")
    assert after.count(b"\r\n") == after.count(b"\n") if b"\r\n" in data else b"\r\n" not in after
    assert after.isascii() == data.isascii()
    again = migrate(after, path=case.name)
    assert not again.pieces and not again.changes, "a second run changed the notebook again"


def test_jupyterlab_fixture_keeps_ipython_lines_and_other_languages():
    data = (NOTEBOOKS / "jupyterlab.ipynb").read_bytes()
    before = {c.number: c.text for c in read_notebook(data.decode()).cells}
    after = {c.number: c.text for c in read_notebook(migrate(data).encode().decode()).cells}
    assert after[2].startswith("%pip install -q openai python-dotenv\n!echo $HOME\n")  # %pip install openai stays
    assert "client.chat.completions.create?\nresp = await client.chat.completions.create(" in after[4]
    assert "async for chunk in stream:\n    print(chunk)" in after[5]
    assert after[6] == before[6]  # %%bash, although it names OPENAI_API_KEY and api.openai.com
    assert after[7].startswith("%%time\n") and "gpt-4o-mini" not in after[7]
    assert after[9] == before[9]  # does not parse: left as is
    assert after[10] == before[10]  # a raw cell
    assert after[11] == before[11]  # prompt lines starting with ! and % inside a string, !cmd in a loop, obj??
    assert after[3].splitlines()[0] == "%env FIREWORKS_API_KEY="


def test_unparsable_cell_is_named_and_the_others_go_on():
    migration = migrate((NOTEBOOKS / "jupyterlab.ipynb").read_bytes())
    skipped = [n for n in migration.notes if n.code == "FW901"]
    assert [(n.cell, n.line, n.severity) for n in skipped] == [(9, 1, "warning")]
    assert "cell 9" in skipped[0].message
    assert {p.cell for p in migration.pieces} >= {2, 3, 4, 5, 7}


def test_findings_name_cells_and_lines_within_them():
    migration = migrate((NOTEBOOKS / "jupyterlab.ipynb").read_bytes())
    constructed = next(c for c in migration.changes if c.rule == "client" and "OpenAI(...)" in c.message)
    assert (constructed.cell, constructed.line) == (4, 1)
    key = next(n for n in migration.notes if n.code == "FW902")
    assert (key.cell, key.line, key.col) == (3, 1, 6)
    assert FAKE_KEY in migration.secrets and FAKE_KEY not in key.message


def test_imports_resolve_across_cells_and_a_needed_import_joins_the_import_cell():
    nb = notebook([
        ("markdown", "# Intro"),
        ("code", 'PROMPT = """Say hi"""'),
        ("code", "from openai import OpenAI\nimport json"),
        ("code", "client = OpenAI()"),
    ])
    migration = migrate(nb)
    cells = {c.number: c.text for c in read_notebook(migration.encode().decode()).cells}
    assert cells[2] == 'PROMPT = """Say hi"""'
    assert cells[3] == "from openai import OpenAI\nimport json\nimport os"
    assert cells[4].startswith('client = OpenAI(base_url="https://api.fireworks.ai/inference/v1"')


def test_writefile_cell_is_its_own_module():
    nb = notebook([
        ("code", "import os\nfrom openai import OpenAI"),
        ("code", "%%writefile app.py\nfrom openai import OpenAI\nclient = OpenAI()\n"),
        ("code", "%%writefile notes.txt\nclient = OpenAI()\n"),
    ])
    cells = {c.number: c.text for c in read_notebook(migrate(nb).encode().decode()).cells}
    assert cells[1] == "import os\nfrom openai import OpenAI"  # the notebook's `import os` does not serve app.py
    assert cells[2].startswith("%%writefile app.py\nfrom openai import OpenAI\nimport os\nclient = OpenAI(base_url=")
    assert cells[3] == "%%writefile notes.txt\nclient = OpenAI()\n"


@pytest.mark.parametrize(
    "source",
    [
        "%pip install openai\nimport openai",
        "!pip install -q openai==1.50 \\\n    tiktoken\nimport openai",
        "files = !ls\nout = %sx echo hi\nx = 1",
        "?openai.OpenAI\nopenai.OpenAI??\nopenai.chat.completions.create?",
        "%%capture\n!pip install openai",
        "for name in names:\n    !echo {name}\n    %time f(name)\n",
        "  %matplotlib inline\nx = 1",
        "/print 1 2\n;print a b\n,print c\nx = 2",
        "%env OPENAI_API_KEY=sk-xyz\r\nx = 1\r\n",
    ],
)
def test_masking_gives_python_and_restores_every_byte(source):
    masked = mask_cell(source)
    compile(masked.body, "cell", "exec")  # plain Python now
    assert len(split_lines(masked.prefix + masked.body)) == len(split_lines(source))
    assert unmask(masked.body, masked, {}) == source


@pytest.mark.parametrize(
    "source",
    [
        'prompt = """\n!important: be brief\n%d items\nwhy?\n"""',
        "value = (a\n       % b)",
        "text = 'x' \\\n    '!y'",
        "x = 1  # what?",
        "await client.models.list()\nasync for m in client.models.list():\n    print(m)",
        "async with client.chat.completions.stream(model='m', messages=[]) as s:\n    pass",
    ],
)
def test_python_is_never_masked(source):
    masked = mask_cell(source)
    assert masked.originals == {}
    assert masked.body == source


def test_top_level_await_cell_is_migrated():
    nb = notebook([("code", 'from openai import AsyncOpenAI\nclient = AsyncOpenAI()\nr = await client.chat.completions.create(model="m", messages=[])')])
    migration = migrate(nb)
    text = read_notebook(migration.encode().decode()).cells[0].text
    assert "AsyncOpenAI(base_url=" in text and "r = await client.chat.completions.create(" in text


def test_other_languages_and_old_formats_are_left_alone():
    r_notebook = notebook([("code", "library(openai)\nclient <- OpenAI()")], language="R")
    assert migrate(r_notebook).skipped == "a R notebook, not Python"
    v3 = json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                     "worksheets": [{"cells": [{"cell_type": "code", "input": "import openai"}]}]}).encode()
    assert migrate(v3).skipped.startswith("nbformat 3 notebook")
    sql = notebook([("code", "SELECT openai FROM t")], cell_metadata={"vscode": {"languageId": "sql"}})
    assert not migrate(sql).pieces and not migrate(sql).notes


def test_skip_file_comment_in_any_cell_skips_the_notebook():
    nb = notebook([("code", "# fw-migrate: skip-file"), ("code", "from openai import OpenAI\nclient = OpenAI()")])
    assert migrate(nb).skipped == "skip-file comment"


def test_suppression_comment_in_a_cell():
    nb = notebook([("code", "from openai import OpenAI\nclient = OpenAI()  # fw-migrate: ignore")])
    assert not migrate(nb).pieces


def test_broken_json_is_an_error_result(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(b'{"cells": [{"cell_type": "code", "source": "import openai"}')
    result = process(str(path), path.read_bytes(), Job(Settings(), "write"))
    assert result.status == "error" and result.error.startswith("not a valid notebook:")
    assert path.read_bytes() == b'{"cells": [{"cell_type": "code", "source": "import openai"}'


def test_runner_writes_notebook_and_names_cells(tmp_path):
    path = tmp_path / "nb.ipynb"
    data = (NOTEBOOKS / "colab.ipynb").read_bytes()
    path.write_bytes(data)
    diff = next(iter(run([str(path)], Job(Settings(), "diff"))))
    assert diff.status == "changed" and path.read_bytes() == data
    headers = [line for line in diff.diff.splitlines() if line.startswith(("---", "+++"))]
    assert headers == [f"--- a/{str(path).lstrip('/')}:cell 2", f"+++ b/{str(path).lstrip('/')}:cell 2"]
    assert '"cells"' not in diff.diff  # the cell's source, not the JSON
    written = next(iter(run([str(path)], Job(Settings(), "write"))))
    assert written.written and path.read_bytes() == (NOTEBOOKS / "colab.expected.ipynb").read_bytes()
    note = next(n for n in written.notes if n.code == "FW106")
    cell_lines = read_notebook(path.read_text("utf-8")).cells[note.cell - 1].text.splitlines()
    assert note.cell == 2 and "openai.OpenAI(" in cell_lines[note.line - 1]  # moved down by `import os`
    assert note.line == 5


def test_discovery_and_prefilter_take_notebooks(tmp_path):
    (tmp_path / "a.ipynb").write_bytes((NOTEBOOKS / "colab.ipynb").read_bytes())
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_bytes(b"{}")
    (tmp_path / "plain.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    found = discover([str(tmp_path)])
    assert sorted(Path(f).name for f in found.files) == ["a.ipynb", "plain.ipynb"]
    assert kind_of("x/a.ipynb") == "notebook"
    statuses = {Path(r.path).name: r.status for r in run(found.files, Job(Settings(), "check"))}
    assert statuses == {"a.ipynb": "changed", "plain.ipynb": "prefiltered"}


def test_ignore_setting_drops_notebook_notes():
    settings = from_mapping({"ignore": ["FW901"]}, "test")
    result = process("nb.ipynb", (NOTEBOOKS / "jupyterlab.ipynb").read_bytes(), Job(settings, "check"))
    assert result.status == "changed" and not any(n.code == "FW901" for n in result.notes)


# --- building small notebooks ----------------------------------------------------------------


def notebook(cells, language: str = "python", cell_metadata: dict | None = None) -> bytes:
    nb = {
        "cells": [
            {"cell_type": kind, "metadata": dict(cell_metadata or {}), "source": src.splitlines(keepends=True),
             **({"execution_count": None, "outputs": []} if kind == "code" else {})}
            for kind, src in cells
        ],
        "metadata": {"kernelspec": {"language": language, "name": language.lower()}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


# --- Jupytext percent scripts -----------------------------------------------------------------

PERCENT = (
    "# %%\n"
    "%load_ext autoreload\n"
    "%autoreload 2\n"
    "from __future__ import annotations\n"
    "\n"
    "import os\n"
    "from openai import OpenAI\n"
    "\n"
    "# %%\n"
    "!pip install openai\n"
    "client = OpenAI(api_key=os.getenv(\"OPENAI_API_KEY\"))\n"
    "if client:\n"
    "    %time client.models.list()\n"
)


def test_percent_script_with_ipython_lines_is_migrated_and_keeps_them(tmp_path):
    path = tmp_path / "explore.py"
    path.write_text(PERCENT)
    result = process(str(path), path.read_bytes(), Job(Settings(), "write"))
    assert result.status == "changed", result.error
    new = path.read_text()
    expected = PERCENT.replace('OpenAI(api_key=os.getenv("OPENAI_API_KEY"))',
                               'OpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])')
    assert new == expected  # every IPython line back, byte for byte, `from __future__` still after them
    assert [change.line for change in result.changes] == [11]
    again = process(str(path), path.read_bytes(), Job(Settings(), "check"))
    assert again.status == "unchanged"


def test_plain_script_with_ipython_lines_is_still_unparsable(tmp_path):
    """Without `# %%` markers a `%magic` line is a syntax error like any other."""
    path = tmp_path / "broken.py"
    path.write_text(PERCENT.replace("# %%\n", ""))
    result = process(str(path), path.read_bytes(), Job(Settings(), "check"))
    assert result.status == "error" and result.error.startswith("cannot parse")


def test_percent_script_that_does_not_parse_even_masked_is_reported(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(PERCENT + "def broken(:\n")
    result = process(str(path), path.read_bytes(), Job(Settings(), "check"))
    assert result.status == "error" and "cannot parse" in result.error and "line 14" in result.error
