"""The command line: modes, exit codes, configuration, listing, and the installed script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import command

CLIENT = 'from openai import OpenAI\n\nclient = OpenAI()\n'
MIGRATED = (
    "from openai import OpenAI\nimport os\n\n"
    'client = OpenAI(base_url="https://api.fireworks.ai/inference/v1", api_key=os.environ["FIREWORKS_API_KEY"])\n'
)


def run(*args, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(command, list(args), catch_exceptions=False)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(command, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(CLIENT)
    (tmp_path / "other.py").write_text("print('nothing to see')\n")
    return tmp_path


def snapshot_tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_write_mode_rewrites_and_reports(project):
    result = run(str(project))
    assert result.exit_code == 0
    assert (project / "app.py").read_text() == MIGRATED
    assert "app.py: changed" in result.output
    assert "app.py:3: client: OpenAI(...): base_url set to Fireworks" in result.output
    assert "1 changed" in result.output


def test_second_run_has_nothing_to_do(project):
    run(str(project))
    before = snapshot_tree(project)
    result = run("--check", str(project))
    assert result.exit_code == 0
    assert "0 would change" in result.output
    assert snapshot_tree(project) == before


def test_diff_writes_nothing_and_exits_1(project):
    before = snapshot_tree(project)
    result = run("--diff", "--no-color", str(project))
    assert result.exit_code == 1
    assert snapshot_tree(project) == before
    assert "-client = OpenAI()" in result.stdout
    assert '+client = OpenAI(base_url="https://api.fireworks.ai/inference/v1"' in result.stdout
    assert "\x1b[" not in result.stdout  # plain when piped
    # the report goes to stderr so the diff on stdout stays a clean patch
    assert "would change" in result.stderr and "would change" not in result.stdout


def test_diff_output_applies_as_a_patch(project, tmp_path_factory):
    result = run("--diff", str(project.name), cwd=project.parent)
    copy = tmp_path_factory.mktemp("copy")
    shutil.copytree(project, copy / project.name)
    patch = subprocess.run(["patch", "-p1", "-d", str(copy)], input=result.stdout, text=True, capture_output=True)
    if patch.returncode != 0 and "not found" in patch.stderr:
        pytest.skip("no patch program")
    assert patch.returncode == 0, patch.stderr
    assert (copy / project.name / "app.py").read_text() == MIGRATED


def test_check_lists_files_and_exits_1(project):
    before = snapshot_tree(project)
    result = run("--check", str(project))
    assert result.exit_code == 1
    assert snapshot_tree(project) == before
    assert "app.py: would change" in result.output
    assert "other.py" not in result.output


def test_check_clean_tree_exits_0(tmp_path):
    (tmp_path / "a.py").write_text("import openai  # only an import\n")
    assert run("--check", str(tmp_path)).exit_code == 0


def test_unparsable_file_is_exit_2_after_the_others(project):
    (project / "broken.py").write_text("from openai import OpenAI\nclient = OpenAI(\ndef f(:\n")
    result = run(str(project))
    assert result.exit_code == 2
    assert "broken.py: error: cannot parse" in result.stderr
    assert "Traceback" not in result.output
    assert (project / "app.py").read_text() == MIGRATED  # the others were still migrated


def test_missing_path_is_exit_2(project):
    result = run("--check", str(project / "nope"), str(project))
    assert result.exit_code == 2
    assert "nope: error: no such file or folder" in result.stderr


def test_select_and_ignore(project):
    (project / "config.py").write_text('import openai\nopenai.api_key = "sk-abcdefghijklmnopqrstuvwxyz"\n')
    result = run("--check", "--select", "module_config", str(project))
    assert "config.py: would change" in result.output and "app.py" not in result.output
    result = run("--check", "--ignore", "client", str(project))
    assert "app.py" not in result.output
    result = run("--check", "--ignore", "FW203", str(project))
    assert "FW203" not in result.output and "config.py: would change" in result.output


def test_unknown_rule_is_a_clear_error(project):
    result = run("--select", "clients", str(project))
    assert result.exit_code == 2
    assert "unknown rule 'clients'" in result.stderr
    assert (project / "app.py").read_text() == CLIENT


def test_pyproject_configuration_and_flags_win(project):
    (project / "pyproject.toml").write_text('[tool.fw-migrate]\napi-key-env = "FW_KEY"\nbase-url = "https://gw.example.com/v1"\n')
    run(str(project))
    text = (project / "app.py").read_text()
    assert 'os.environ["FW_KEY"]' in text and 'base_url="https://gw.example.com/v1"' in text
    (project / "app.py").write_text(CLIENT)
    run("--api-key-env", "OTHER_KEY", str(project))
    assert 'os.environ["OTHER_KEY"]' in (project / "app.py").read_text()


@pytest.mark.parametrize(
    "table, message",
    [
        ("colour = 1", "unknown key 'colour'"),
        ('base-url-style = "fancy"', "'base-url-style': expected one of 'literal', 'env'"),
        ("jobs = 0", "'jobs': expected a whole number"),
        ('select = ["nope"]', "unknown rule 'nope'"),
    ],
)
def test_bad_configuration_names_the_key(project, table, message):
    (project / "pyproject.toml").write_text(f"[tool.fw-migrate]\n{table}\n")
    result = run("--check", str(project))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "pyproject.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_invalid_toml_is_a_one_line_error(project):
    (project / "pyproject.toml").write_text("[tool.fw-migrate\nselect = \n")
    result = run("--check", str(project))
    assert result.exit_code == 2
    assert "cannot read configuration" in result.stderr and "Traceback" not in result.output


def test_list_rules_and_explain():
    result = run("--list-rules")
    assert result.exit_code == 0
    assert "client" in result.output and "module_config" in result.output
    explain = run("--explain", "client")
    assert explain.exit_code == 0 and "base_url" in explain.output and "Before:" in explain.output
    bad = run("--explain", "nope")
    assert bad.exit_code == 2 and "unknown rule 'nope'" in bad.stderr


def test_quiet_prints_only_errors(project):
    result = run("--check", "--quiet", str(project))
    assert result.exit_code == 1
    assert result.output == ""


def test_secret_is_masked_in_diff_and_report(tmp_path):
    key = "sk-proj-TOPSECRET0123456789abcdefghij"
    (tmp_path / "k.py").write_text(f'from openai import OpenAI\nclient = OpenAI(api_key="{key}")\n')
    for mode in ("--diff", "--check", None):
        result = run(*([mode] if mode else []), str(tmp_path))
        assert key not in result.output
        assert "TOPSECRET" not in result.output
    assert key not in (tmp_path / "k.py").read_text()


def test_jobs_parallel_matches_serial(tmp_path):
    for index in range(12):
        (tmp_path / f"m{index}.py").write_text(CLIENT.replace("client", f"client{index}"))
    serial = run("--diff", "--jobs", "1", str(tmp_path))
    parallel = run("--diff", "--jobs", "2", str(tmp_path))
    assert serial.stdout == parallel.stdout and serial.exit_code == parallel.exit_code == 1


def test_model_flag_is_validated(project):
    result = run("--model", "gpt-4o", "--check", str(project))
    assert result.exit_code == 2 and "--model 'gpt-4o'" in result.stderr


def test_installed_script_runs(project):
    script = shutil.which("fw-migrate", path=os.path.dirname(sys.executable))
    assert script, "fw-migrate script not installed next to the interpreter"
    proc = subprocess.run([script, "--check", str(project)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "app.py: would change" in proc.stdout
    module = subprocess.run([sys.executable, "-m", "migrate", "--version"], capture_output=True, text=True)
    assert module.returncode == 0 and "fw-migrate" in module.stdout


STREAM = (
    "from openai import OpenAI\n\nclient = OpenAI()\n"
    "for chunk in client.chat.completions.create(model='m', messages=[], stream=True):\n"
    "    print(chunk.choices[0].delta.content)\n"
)


@pytest.mark.parametrize("flags, config, added", [
    ((), "", True),
    (("--stream-options", "leave"), "", False),
    ((), '[tool.fw-migrate]\nstream-options = "leave"\n', False),
    (("--stream-options", "add"), '[tool.fw-migrate]\nstream-options = "leave"\n', True),  # the flag wins
])
def test_stream_options_setting_and_flag(tmp_path, flags, config, added):
    (tmp_path / "app.py").write_text(STREAM)
    if config:
        (tmp_path / "pyproject.toml").write_text(config)
    result = run("--diff", *flags, "app.py", cwd=tmp_path)
    assert result.exit_code == 1
    assert ("stream_options={" in result.stdout) is added
    assert "if not chunk.choices:" in result.stdout  # the loop is made safe either way


def test_list_models_shows_the_claude_map_and_user_overrides_of_it(tmp_path):
    result = run("--list-models", cwd=tmp_path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("# Claude ids"))
    claude = {line.split()[0]: line.split()[1] for line in lines[header + 1:]}
    assert claude["claude-opus"] == "accounts/fireworks/models/kimi-k2p5"
    assert all(key.startswith("claude") for key in claude)
    overridden = run("--list-models", "--model", "claude-opus=accounts/me/models/x", cwd=tmp_path).stdout.splitlines()
    rows = [line.split() for line in overridden if line.startswith("claude-opus ")]
    assert rows == [["claude-opus", "accounts/me/models/x", "(flag)"]]  # once, as the user set it
