"""The result cache, --timings, --stdin-filename and Ctrl-C."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import cli
from migrate.cli import command

CLIENT = "from openai import OpenAI\n\nclient = OpenAI()\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the cache lives next to the config, else in the current folder
    (tmp_path / "src").mkdir()
    for index in range(3):
        (tmp_path / "src" / f"m{index}.py").write_text(CLIENT)
    (tmp_path / "src" / "done.py").write_text("import openai  # nothing to do\n")
    return tmp_path


def invoke(*args, input=None):
    return CliRunner().invoke(command, list(args), input=input, catch_exceptions=False)


def cached_count(output: str) -> int:
    line = next(line for line in output.splitlines() if "files from cache" in line)
    return int(line.split()[-1])


def test_second_check_is_answered_from_the_cache(tree):
    first = invoke("--check", "--timings", "src")
    second = invoke("--check", "--timings", "src")
    assert cached_count(first.stderr) == 0
    assert cached_count(second.stderr) == 4
    assert first.exit_code == second.exit_code == 1
    assert first.stdout == second.stdout  # same report, notes and all
    assert (tree / ".fw-migrate-cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_cache_follows_content_and_settings(tree):
    invoke("--check", "src")
    (tree / "src" / "m0.py").write_text(CLIENT + "# edited\n")
    assert cached_count(invoke("--check", "--timings", "src").stderr) == 3
    other = invoke("--check", "--timings", "--api-key-env", "OTHER_KEY", "src")
    assert cached_count(other.stderr) == 0
    assert 'api_key reads OTHER_KEY' in other.stdout


def test_no_cache_bypasses_it(tree):
    invoke("--check", "src")
    result = invoke("--check", "--no-cache", "--timings", "src")
    assert cached_count(result.stderr) == 0


def test_damaged_cache_is_ignored(tree):
    invoke("--check", "src")
    for path in (tree / ".fw-migrate-cache").rglob("*.json"):
        path.write_text("{not json")
    result = invoke("--check", "--timings", "src")
    assert result.exit_code == 1 and cached_count(result.stderr) == 0


def test_cache_never_holds_source_or_keys(tree):
    key = "sk-proj-CACHEDKEY0123456789abcdefghij"
    (tree / "src" / "k.py").write_text(f'from openai import OpenAI\nc = OpenAI(api_key="{key}")\n')
    invoke("--check", "src")
    stored = "".join(p.read_text() for p in (tree / ".fw-migrate-cache").rglob("*.json"))
    assert "CACHEDKEY" not in stored and "OpenAI()" not in stored
    assert json.loads(stored)  # one valid JSON file


def test_write_mode_uses_cache_only_for_unchanged_files(tree):
    invoke("--check", "src")
    invoke("src")  # writes the three clients
    assert "base_url=" in (tree / "src" / "m0.py").read_text()
    assert invoke("--check", "src").exit_code == 0


def test_timings_name_every_phase(tree):
    result = invoke("--check", "--no-cache", "--timings", "src")
    for phase in ("discovery", "read+prefilter", "ast triage", "libcst parse+rules", "total (wall)"):
        assert phase in result.stderr


def test_stdin_filename_filters_code():
    result = invoke("--stdin-filename", "app.py", input=CLIENT)
    assert result.exit_code == 0
    assert 'base_url="https://api.fireworks.ai/inference/v1"' in result.stdout
    assert "app.py:3: client:" in result.stderr
    check = invoke("--stdin-filename", "app.py", "--check", input=CLIENT)
    assert check.exit_code == 1 and check.stdout == ""
    diff = invoke("--stdin-filename", "app.py", "--diff", input=CLIENT)
    assert diff.stdout.startswith("--- a/app.py\n+++ b/app.py\n")


def test_stdin_filename_passes_broken_code_through():
    broken = "from openai import OpenAI\nclient = OpenAI(\n"
    result = invoke("--stdin-filename", "x.py", input=broken)
    assert result.exit_code == 2
    assert result.stdout == broken
    assert "x.py: error: cannot parse" in result.stderr


def test_ctrl_c_exits_130_and_leaves_no_half_file(tree, monkeypatch):
    calls = []

    def interrupt_after_first(self, result):
        calls.append(result.path)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.make_reporter("text", "write").__class__, "file", interrupt_after_first)
    result = invoke("--jobs", "1", "src")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    for path in (tree / "src").iterdir():
        text = path.read_text()
        assert text in (CLIENT, "import openai  # nothing to do\n") or "api_key=os.environ" in text
    assert not [p for p in (tree / "src").iterdir() if p.name.startswith(".")]  # no temp files


def test_no_progress_bar_when_piped(tree):
    result = invoke("--check", "src")
    assert "migrating" not in result.output
    assert cli._progress_wanted(cli.RunOptions(), cli.Settings(), 10_000) is False  # stderr is not a tty here
