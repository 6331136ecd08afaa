"""The GitHub Action (action.yml): its structure, its flags, and its steps run here for real.

A small runner plays the part of GitHub's: it fills in `${{ inputs.* }}`, evaluates each
step's `if:`, runs `run:` steps with bash as GitHub does (`bash --noprofile --norc -eo
pipefail`), with GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_PATH and RUNNER_TEMP set, and
records `uses:` steps instead of running them. The install step runs offline against wheels
repacked from this environment; the check steps use this environment's fw-migrate.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import command

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
GOOD = "from openai import OpenAI\n\nclient = OpenAI()\n"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def steps() -> list[dict]:
    return action()["runs"]["steps"]


def step_named(word: str) -> dict:
    return next(s for s in steps() if word.lower() in s.get("name", "").lower())


def help_text() -> str:
    return CliRunner().invoke(command, ["--help"]).output


# --- structure -----------------------------------------------------------------------------

def test_is_a_composite_action_with_the_three_inputs():
    spec = action()
    assert spec["name"] and spec["description"]
    assert spec["runs"]["using"] == "composite"
    inputs = spec["inputs"]
    assert inputs["paths"]["default"] == "."
    assert inputs["args"]["default"] == ""
    assert inputs["sarif"]["default"] == "false"
    for name, spec_input in inputs.items():
        assert spec_input.get("description"), f"input {name} has no description"
    assert spec["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"


def test_installs_from_the_action_path_and_checks_last():
    install = steps()[0]
    assert '"$GITHUB_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    last = steps()[-1]
    assert last["id"] == "check" and "if" not in last  # the check always runs, and decides the outcome
    assert re.search(r"fw-migrate --check --output-format github\b", last["run"])


def test_sarif_is_written_then_uploaded_only_when_asked():
    write, upload = step_named("write sarif"), step_named("upload sarif")
    assert steps().index(write) < steps().index(upload) < len(steps()) - 1  # uploaded even if the check fails
    for step in (write, upload):
        assert step["if"].replace(" ", "") == "inputs.sarif=='true'"
    assert re.search(r"fw-migrate --check --output-format sarif .*> fw-migrate\.sarif", write["run"])
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@v")
    assert upload["with"]["sarif_file"] == "fw-migrate.sarif"


def test_run_steps_name_their_shell_and_take_inputs_only_through_env():
    for step in steps():
        if "run" in step:
            assert step.get("shell") == "bash", f"{step['name']}: composite steps must name their shell"
            # `${{ }}` pasted into a script is a script-injection hole: inputs come in through env.
            assert not EXPRESSION.search(step["run"]), f"{step['name']}: expression inside the script"


def test_every_flag_the_action_uses_exists():
    text = help_text()
    used = set()
    for step in steps():
        for line in step.get("run", "").splitlines():
            if line.strip().startswith("fw-migrate "):
                used |= set(re.findall(r"(?<!\S)(--[a-z][a-z-]*)", line))
    assert {"--check", "--output-format"} <= used
    if "--output-format" not in text:
        pytest.skip("fw-migrate has no --output-format flag yet")
    for flag in used:
        assert re.search(rf"(?<![\w-]){re.escape(flag)}\b", text), f"{flag} is not a fw-migrate flag"
    formats = re.search(r"--output-format\s+\[([^\]]+)\]", text)
    assert formats and {"github", "sarif"} <= set(formats.group(1).split("|"))


# --- the steps, run -------------------------------------------------------------------------

def evaluate(expression: str, inputs: dict[str, str]) -> str:
    if expression.startswith("inputs."):
        return inputs[expression[len("inputs."):]]
    raise AssertionError(f"the test runner does not know ${{{{ {expression} }}}}")


def condition(expression: str, inputs: dict[str, str]) -> bool:
    match = re.fullmatch(r"inputs\.([\w-]+)\s*==\s*'([^']*)'", expression.strip())
    assert match, f"the test runner does not know `if: {expression}`"
    return inputs[match.group(1)] == match.group(2)


def run_action(workspace: Path, given: dict[str, str], runner_temp: Path, *, only: str | None = None,
               skip_install: bool = True, env_extra: dict[str, str] | None = None):
    """Run the action's steps in `workspace`: (steps run, uses-steps seen, outputs, log, exit)."""
    inputs = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    inputs.update(given)
    github_output, github_path = runner_temp / "output", runner_temp / "path"
    github_output.write_text("")
    github_path.write_text("")
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GITHUB_", "VIRTUAL_ENV"))},
        "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_OUTPUT": str(github_output), "GITHUB_PATH": str(github_path),
        "RUNNER_TEMP": str(runner_temp), "GITHUB_WORKSPACE": str(workspace), "NO_COLOR": "1",
        # this environment's fw-migrate stands for the installed one
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        **(env_extra or {}),
    }
    ran, uses, log, status = [], [], [], 0
    for index, step in enumerate(steps()):
        if only is not None and only.lower() not in step.get("name", "").lower():
            continue
        if skip_install and index == 0 and only is None:
            continue
        if "if" in step and not condition(step["if"], inputs):
            continue
        if "uses" in step:
            uses.append((step["uses"], {k: EXPRESSION.sub(lambda m: evaluate(m.group(1), inputs), str(v))
                                        for k, v in step.get("with", {}).items()}))
            continue
        env = {**base_env, **{k: EXPRESSION.sub(lambda m: evaluate(m.group(1), inputs), str(v))
                              for k, v in step.get("env", {}).items()}}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=300)
        ran.append(step["name"])
        log.append(proc.stdout + proc.stderr)
        status = proc.returncode
        if status != 0:
            break  # later steps are skipped, as on GitHub
    outputs = dict(line.split("=", 1) for line in github_output.read_text().splitlines() if "=" in line)
    return ran, uses, outputs, "\n".join(log), status


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(GOOD)
    (root / "docs").mkdir()
    (root / "docs" / "notes.py").write_text("print('nothing to migrate')\n")
    return root


def test_check_annotates_and_fails_when_code_needs_migrating(workspace, tmp_path):
    ran, uses, outputs, log, status = run_action(workspace, {"paths": "src docs"}, tmp_path)
    assert ran == ["Check"] and uses == []  # no SARIF unless asked
    assert status == 1 and outputs["exit-code"] == "1"
    assert re.search(r"^::warning file=src/app\.py,line=3,title=fw-migrate client::would change", log, re.M), log
    assert not (workspace / "fw-migrate.sarif").exists()
    assert (workspace / "src" / "app.py").read_text() == GOOD  # --check writes nothing


def test_args_reach_fw_migrate(workspace, tmp_path):
    (workspace / "src" / "app.py").write_text('from openai import OpenAI\n\nclient = OpenAI(organization="org-1")\n')
    _, _, outputs, log, status = run_action(workspace, {"paths": "src", "args": "--select client --fail-on info"}, tmp_path)
    assert status == 1 and outputs["exit-code"] == "1"
    assert "title=fw-migrate client" in log
    _, _, outputs, log, status = run_action(workspace, {"paths": "src", "args": "--select module_config"}, tmp_path)
    assert status == 0 and outputs["exit-code"] == "0", log  # the client rule was not selected


def test_sarif_is_written_and_handed_to_the_upload(workspace, tmp_path):
    ran, uses, outputs, log, status = run_action(workspace, {"paths": "src", "sarif": "true"}, tmp_path)
    assert ran == ["Write SARIF", "Check"]
    assert uses == [("github/codeql-action/upload-sarif@v3", {"sarif_file": "fw-migrate.sarif", "category": "fw-migrate"})]
    sarif = json.loads((workspace / "fw-migrate.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py" for r in results)
    assert status == 1 and outputs["exit-code"] == "1"


def test_clean_code_passes(workspace, tmp_path):
    (workspace / "src" / "app.py").write_text("print('already on Fireworks')\n")
    ran, _, outputs, log, status = run_action(workspace, {"sarif": "true"}, tmp_path)
    assert status == 0 and outputs["exit-code"] == "0", log
    assert json.loads((workspace / "fw-migrate.sarif").read_text())["runs"][0]["results"] == []


def test_errors_fail_the_check_but_not_the_sarif_step(workspace, tmp_path):
    (workspace / "src" / "broken.py").write_text("import openai\nclient = openai.OpenAI(\n")
    ran, uses, outputs, log, status = run_action(workspace, {"paths": "src", "sarif": "true"}, tmp_path)
    assert ran == ["Write SARIF", "Check"] and len(uses) == 1
    assert "::warning title=fw-migrate::some files could not be checked (exit 2)" in log
    assert re.search(r"^::error file=src/broken\.py,title=fw-migrate::cannot parse", log, re.M), log
    assert status == 2 and outputs["exit-code"] == "2"


def test_install_step_installs_fw_migrate_from_the_action_path(tmp_path):
    """The first step, offline: a virtual environment, the package from the action's folder."""
    from test_precommit import repack, requirement_closure

    action_path = tmp_path / "action"
    action_path.mkdir()
    for name in ("pyproject.toml", "README.md", "migrate", "action.yml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, action_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, action_path / name)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for dist in requirement_closure("fw-migrate"):
        if dist.metadata["Name"].lower() != "fw-migrate":
            repack(dist, wheels)
    links = [str(wheels)]
    try:
        import virtualenv

        links.append(str(Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"))  # setuptools
    except ImportError:
        pass
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {"GITHUB_ACTION_PATH": str(action_path), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": " ".join(links)}
    ran, _, _, log, status = run_action(tmp_path, {"python": sys.executable}, temp, only="install",
                                        skip_install=False, env_extra=env)
    if status != 0 and "No matching distribution found for" in log:
        missing = re.search(r"No matching distribution found for (\S+)", log).group(1)
        pytest.skip(f"the build needs {missing}, which is not installed here to be used offline")
    assert ran == ["Install fw-migrate"] and status == 0, log
    added = (temp / "path").read_text().split()
    assert len(added) == 1 and Path(added[0]).parent == temp / "fw-migrate-venv"
    script = Path(added[0]) / "fw-migrate"
    assert script.exists(), "no fw-migrate script where GITHUB_PATH points"
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and "fw-migrate" in version.stdout, version.stderr
