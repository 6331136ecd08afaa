"""The pre-commit hooks: their definitions, and a run of pre-commit itself on a throwaway repository.

pre-commit installs a hook into a new virtual environment with pip. Tests never reach the
internet, so the run is made offline: the packages fw-migrate needs are repacked as wheels
from this environment's own installed copies (`wheelhouse`), pip is pointed at them alone
(PIP_NO_INDEX, PIP_FIND_LINKS), and the project builds with the setuptools that virtualenv
seeds into the hook's environment (no build isolation). The hook repository is a fresh git repository holding a copy
of this checkout's package, so uncommitted work is what gets tested.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
GOOD = "from openai import OpenAI\n\nclient = OpenAI()\n"
PROJECT_FILES = ("pyproject.toml", "README.md", "migrate")  # what `pip install <repo>` needs

yaml = pytest.importorskip("yaml")


def hooks() -> dict[str, dict]:
    loaded = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, list), "a hooks file is a list of hooks"
    return {hook["id"]: hook for hook in loaded}


# --- the hook definitions, without pre-commit -------------------------------------------------

REQUIRED = {"id", "name", "entry", "language"}
KNOWN = REQUIRED | {
    "alias", "files", "exclude", "types", "types_or", "exclude_types", "additional_dependencies", "args",
    "always_run", "fail_fast", "pass_filenames", "description", "language_version", "log_file",
    "minimum_pre_commit_version", "require_serial", "stages", "verbose",
}


def test_two_hooks_check_by_default_and_fix_as_the_second():
    found = hooks()
    assert list(found) == ["fw-migrate-check", "fw-migrate"]  # the first listed is the one to reach for
    for hook in found.values():
        assert REQUIRED <= set(hook), f"{hook['id']}: missing {REQUIRED - set(hook)}"
        assert set(hook) <= KNOWN, f"{hook['id']}: unknown keys {set(hook) - KNOWN}"
        assert hook["language"] == "python"
        assert hook.get("pass_filenames", True) is True
    check_args = found["fw-migrate-check"]["entry"].split()
    fix_args = found["fw-migrate"]["entry"].split()
    assert check_args[0] == fix_args[0] == "fw-migrate"
    assert "--check" in check_args  # writes nothing
    assert not {"--check", "--diff"} & set(fix_args)  # rewrites in place


def test_hook_entries_use_real_flags():
    from click.testing import CliRunner

    from migrate.cli import command

    help_text = CliRunner().invoke(command, ["--help"]).output
    for hook in hooks().values():
        for flag in (arg for arg in hook["entry"].split()[1:] if arg.startswith("-")):
            assert re.search(rf"(?<![\w-]){re.escape(flag)}\b", help_text), f"{hook['id']}: {flag} is not a flag"


CANDIDATES = {
    "app.py": True, "pkg/types.pyi": True, "nb/analysis.ipynb": True, ".env": True, "deploy/.env.example": True,
    ".env.local": True, "README.md": False, "setup.cfg": False, "app.pyc": False, "script.py.bak": False,
    "venv.environment": False, "notes.txt": False, "my.env": False,
}


@pytest.mark.parametrize("path", sorted(CANDIDATES))
def test_hook_files_match_the_kinds_fw_migrate_migrates(path):
    """The `files` pattern takes exactly the files fw-migrate's discovery takes."""
    from migrate.files import kind_of

    for hook in hooks().values():
        pattern = re.compile(hook.get("files", ""))
        types = set(hook.get("types", [])) | set(hook.get("types_or", []))
        assert types <= {"text", "file"}, "file kinds are chosen by the pattern, not by identify's tags"
        matched = bool(pattern.search(path))
        assert matched == CANDIDATES[path], f"{hook['id']}: {path} {'taken' if matched else 'left out'}"
        assert matched == (kind_of(path) is not None), f"{hook['id']}: {path} disagrees with migrate.files.kind_of"


# --- pre-commit itself -----------------------------------------------------------------------

def _wheel_tag(dist: metadata.Distribution) -> str:
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines() if line.startswith("Tag:")]
    if not tags:
        raise ValueError(f"{dist.metadata['Name']}: no wheel tag recorded")
    parts = [t.split("-") for t in tags]
    return "-".join(".".join(sorted({p[i] for p in parts})) for i in range(3))


def repack(dist: metadata.Distribution, folder: Path) -> Path:
    """A wheel rebuilt from an installed distribution's files (as listed in its RECORD)."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    version = dist.version
    info = f"{name}-{version}.dist-info"
    target = folder / f"{name}-{version}-{_wheel_tag(dist)}.whl"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for entry in dist.files or ():
            parts = entry.parts
            if parts[0] == ".." or "__pycache__" in parts or entry.suffix == ".pyc":
                continue  # scripts are made again from entry_points.txt; caches are not shipped
            if parts[0].endswith(".dist-info"):
                if parts[1:] in (("RECORD",), ("INSTALLER",), ("REQUESTED",), ("direct_url.json",)):
                    continue
                arcname = "/".join((info, *parts[1:]))  # licenses/ and the like included
            else:
                arcname = entry.as_posix()
            data = Path(dist.locate_file(entry)).read_bytes()
            wheel.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([arcname, f"sha256={digest}", len(data)])
        writer.writerow([f"{info}/RECORD", "", ""])
        wheel.writestr(f"{info}/RECORD", record.getvalue())
    return target


def requirement_closure(name: str) -> list[metadata.Distribution]:
    """`name` and everything it needs on this Python, as installed here."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    todo = [name]
    while todo:
        key = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if key in seen:
            continue
        dist = metadata.distribution(key)
        seen[key] = dist
        for line in dist.requires or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    try:
        for dist in requirement_closure("fw-migrate"):
            if dist.metadata["Name"].lower() != "fw-migrate":
                repack(dist, folder)
    except (metadata.PackageNotFoundError, ValueError, OSError, ImportError) as exc:
        pytest.skip(f"cannot repack the installed dependencies as wheels: {exc}")
    return folder


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def git_repo(path: Path) -> Path:
    path.mkdir()
    git("init", "-q", cwd=path)
    git("config", "user.email", "tests@example.invalid", cwd=path)
    git("config", "user.name", "tests", cwd=path)
    git("config", "commit.gpgsign", "false", cwd=path)
    return path


def commit_all(repo: Path) -> str:
    git("add", "-A", cwd=repo)
    git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


@pytest.fixture(scope="module")
def precommit(tmp_path_factory, wheelhouse):
    """Run pre-commit offline: (run(project, *args) -> CompletedProcess, hook repository, rev)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    base = tmp_path_factory.mktemp("precommit")
    hook_repo = git_repo(base / "hook-repo")
    for name in (*PROJECT_FILES, ".pre-commit-hooks.yaml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, hook_repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, hook_repo / name)
    rev = commit_all(hook_repo)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PRE_COMMIT", "GIT_"))},
        "PRE_COMMIT_HOME": str(base / "cache"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_NO_BUILD_ISOLATION": "0",  # pip reads this one inverted: "0" turns build isolation off
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_OVERRIDE_APP_DATA": str(base / "virtualenv-data"),
    }

    def run(project: Path, *args: str) -> subprocess.CompletedProcess:
        color = ["--color", "never"] if args[0] == "run" else []
        return subprocess.run([sys.executable, "-m", "pre_commit", *args, *color], cwd=project, env=env,
                              capture_output=True, text=True, timeout=600)

    run.env = env  # type: ignore[attr-defined]
    return run, hook_repo, rev


def project_with(tmp_path: Path, hook_repo: Path, rev: str, hook_id: str) -> Path:
    project = git_repo(tmp_path / "project")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: {hook_id}\n"
    )
    (project / "app.py").write_text(GOOD)
    (project / "notes.md").write_text("from openai import OpenAI  # not Python: never touched\n")
    commit_all(project)
    return project


def skip_if_offline_install_failed(result: subprocess.CompletedProcess) -> None:
    """pre-commit reports a failed environment install as an unexpected error: skip, saying why."""
    text = result.stdout + result.stderr
    if "An unexpected error has occurred" in text:
        why = next((line for line in text.splitlines() if "ERROR" in line or "error:" in line), text.strip()[-300:])
        pytest.skip(f"pre-commit could not install the hook offline here: {why.strip()[:300]}")


def test_check_hook_fails_on_openai_code_and_writes_nothing(precommit, tmp_path):
    run, hook_repo, rev = precommit
    project = project_with(tmp_path, hook_repo, rev, "fw-migrate-check")
    result = run(project, "run", "--all-files")
    skip_if_offline_install_failed(result)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fw-migrate (check)" in result.stdout and "Failed" in result.stdout
    assert "app.py: would change" in result.stdout
    assert "notes.md" not in result.stdout
    assert (project / "app.py").read_text() == GOOD
    assert git("status", "--porcelain", cwd=project) == ""


def test_fix_hook_rewrites_then_check_hook_passes(precommit, tmp_path):
    run, hook_repo, rev = precommit
    project = project_with(tmp_path, hook_repo, rev, "fw-migrate")
    result = run(project, "run", "--all-files")
    skip_if_offline_install_failed(result)
    assert result.returncode == 1, result.stdout + result.stderr  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in result.stdout
    migrated = (project / "app.py").read_text()
    assert "https://api.fireworks.ai/inference/v1" in migrated and 'os.environ["FIREWORKS_API_KEY"]' in migrated
    assert (project / "notes.md").read_text().startswith("from openai import OpenAI")
    commit_all(project)
    again = run(project, "run", "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr
    (project / ".pre-commit-config.yaml").write_text(
        (project / ".pre-commit-config.yaml").read_text().replace("id: fw-migrate", "id: fw-migrate-check")
    )
    commit_all(project)
    checked = run(project, "run", "--all-files")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "fw-migrate (check)" in checked.stdout and "Passed" in checked.stdout


def test_hooks_see_only_staged_files_on_commit(precommit, tmp_path):
    """Installed as a git hook, the check stops a commit that brings in OpenAI code."""
    run, hook_repo, rev = precommit
    project = project_with(tmp_path, hook_repo, rev, "fw-migrate-check")
    installed = run(project, "install")
    assert installed.returncode == 0, installed.stderr
    (project / "new.py").write_text(GOOD)
    git("add", "new.py", cwd=project)
    commit = subprocess.run(["git", "commit", "-q", "-m", "add a client"], cwd=project, capture_output=True, text=True,
                            env=run.env)
    skip_if_offline_install_failed(commit)
    assert commit.returncode != 0, "the commit went through"
    assert "new.py: would change" in commit.stdout + commit.stderr
    assert "app.py" not in commit.stdout + commit.stderr  # committed earlier, not staged now
