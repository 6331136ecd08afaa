"""--output-format markdown: the pull-request description, on the bundled examples and on hostile input."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import __version__
from migrate.cli import command
from migrate.markdown import code, fenced, text

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).parent / "fixtures" / "report"
KEY = "sk-proj-PLANTEDKEY0123456789abcdefghij"


def invoke(*args):
    return CliRunner().invoke(command, ["--no-cache", *args], catch_exceptions=False)


def stable(document: str) -> str:
    return document.replace(f"fw-migrate {__version__} ", "fw-migrate VERSION ")


@pytest.mark.parametrize("mode", ["--check", "--diff"])
def test_bundled_examples(snapshot, monkeypatch, mode):
    monkeypatch.chdir(REPO)
    result = invoke(mode, "--output-format", "markdown", "examples")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    snapshot.snapshot_dir = SNAPSHOTS
    snapshot.assert_match(stable(result.stdout), f"examples{mode.replace('--', '.')}.md")


def test_diff_is_appended_only_with_diff(monkeypatch):
    monkeypatch.chdir(REPO)
    checked = invoke("--check", "--output-format", "markdown", "examples").stdout
    diffed = invoke("--diff", "--output-format", "markdown", "examples").stdout
    assert "## Diff" not in checked and "\n## Diff\n\n```diff\n--- a/examples/app.py\n" in diffed
    assert diffed.replace("fw-migrate --diff", "fw-migrate --check").startswith(checked.split("<sub>")[0])


@pytest.fixture
def tree(tmp_path):
    """A repository with a gateway client, a planted key, a broken file, a skipped file, a hostile name."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    src = root / "src"
    src.mkdir()
    (src / "app.py").write_text(
        "import openai\nfrom openai import OpenAI\n\n"
        f'client = OpenAI(api_key="{KEY}")\n'
        'gateway = OpenAI(base_url="http://localhost:8000/v1")\n'
        'reply = client.chat.completions.create(model="gpt-4o", messages=[], n=12)\n'
        'moderated = client.moderations.create(input="x")\n')
    (src / "broken.py").write_text("from openai import OpenAI\nclient = OpenAI(\n")
    (src / "legacy.py").write_text("# fw-migrate: skip-file\nfrom openai import OpenAI\nclient = OpenAI()\n")
    (src / "we|ird `name` [x].py").write_text("from openai import OpenAI\nc = OpenAI()\n")
    (src / "quiet.py").write_text("print('no OpenAI here')\n")
    (src / "plain.py").write_text("print(1)\n")
    (src / "new\nline\x1b[31m.py").write_text("from openai import OpenAI\nc = OpenAI()\n")
    return root


def test_left_alone_todo_and_escaping(tree, snapshot, monkeypatch):
    monkeypatch.chdir(tree.parent)  # links are relative to the repository root, not to the current folder
    result = invoke("--check", "--output-format", "markdown", "repo/src")
    assert result.exit_code == 2  # the broken file
    document = result.stdout
    assert KEY not in document and r"sk-pr\*\*\*\*\*\*" in document
    assert "\x1b" not in document
    assert "src/broken.py" in result.stderr  # errors are also one line on stderr
    snapshot.snapshot_dir = SNAPSHOTS
    snapshot.assert_match(stable(document), "hostile-tree.check.md")


def test_link_base_prefixes_links(tree, monkeypatch):
    monkeypatch.chdir(tree / "src")
    result = invoke("--check", "--output-format", "markdown", "--link-base", "https://github.com/o/r/blob/main/", ".")
    assert "](https://github.com/o/r/blob/main/src/app.py#L4)" in result.stdout
    assert "](https://github.com/o/r/blob/main/src/we%7Cird%20%60name%60%20%5Bx%5D.py#L2)" in result.stdout


def test_order_does_not_depend_on_workers(tree, monkeypatch):
    monkeypatch.chdir(tree)
    for index in range(30):  # enough files for a process pool
        (tree / "src" / f"m{index:02}.py").write_text('from openai import OpenAI\nc = OpenAI(organization="o")\n')
    one = invoke("--check", "--output-format", "markdown", "-j", "1", "src").stdout
    two = invoke("--check", "--output-format", "markdown", "-j", "2", "src").stdout
    assert one == two
    clients = one.split("### Clients")[1].split("\n## ")[0]
    paths = re.findall(r"^- \[(src/m\d\d\.py):2\]", clients, re.M)
    assert paths == sorted(paths) and len(paths) == 30


def test_nothing_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain.py").write_text("print(1)\n")
    result = invoke("--check", "--output-format", "markdown", ".")
    assert result.exit_code == 0
    assert "Nothing: no file needs a change." in result.stdout
    assert "Nothing: no note of severity error or warning." in result.stdout


@pytest.mark.parametrize("raw, shown", [
    ("a_b *c* [d](e) <script>", r"a_b \*c\* \[d\](e) &lt;script>"),
    ("_start and end_", r"\_start and end\_"),
    ("uses `x | y` here", r"uses `x | y` here"),
    ("line\nbreak\x1b[31m", r"line break\\x1b\[31m"),
    ("a ~~b~~ & c", r"a \~\~b\~\~ &amp; c"),
])
def test_text_escapes(raw, shown):
    assert text(raw) == shown


def test_code_and_fences_hold_backticks():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    body = "+x = '''\n```\n'''\n"
    block = fenced(body, "diff")
    assert block.startswith("````diff\n") and block.endswith("\n````")


def test_every_error_or_warning_code_has_an_action():
    from migrate.actions import GROUPS, group_of

    source = "\n".join(p.read_text() for p in (REPO / "migrate").rglob("*.py"))
    codes = set(re.findall(r'"(FW\d{3})",\s*(?:"(?:error|warning)"|"error" if)', source))
    codes |= set(re.findall(r'"(FW\d{3})",\s*\(', source))  # table-driven codes (unsupported_surfaces)
    codes |= set(re.findall(r'\("(FW\d{3})", "FW\d{3}"\)', source))  # (literal key replaced: warning, read: info)
    codes |= set(re.findall(r'replaced_literal_key\([^)]*"(FW\d{3})"\)', source))
    assert codes, "the pattern found no codes"
    unmapped = sorted(c for c in codes if group_of(c) == "review")
    assert unmapped == [], f"add these codes to a group in migrate/actions.py: {unmapped}"
    listed = [c for _, _, group in GROUPS for c in group]
    assert len(listed) == len(set(listed)), "a code is in two groups"


def test_readme_excerpt_is_the_snapshot():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    excerpt = readme.split("```markdown\n", 1)[1].split("```", 1)[0]
    snapshot = (SNAPSHOTS / "examples.check.md").read_text(encoding="utf-8")
    for line in excerpt.splitlines():
        assert line.split("...")[0] in snapshot, line
