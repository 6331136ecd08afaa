"""fw-migrate verify: the model ids the code names, checked against a fake Fireworks on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakeserver import FakeFireworks
from migrate.verify import verify_cli

KEY = "fw-test-key"
KIMI = "accounts/fireworks/models/kimi-k2p5"
OSS = "accounts/fireworks/models/gpt-oss-120b"
NOMIC = "nomic-ai/nomic-embed-text-v1.5"
TUNED = "accounts/acme/models/tuned-7b"


@pytest.fixture
def code(tmp_path: Path) -> Path:
    """Migrated-looking code: literals, an .env file, a notebook, LiteLLM's prefix, and look-alikes."""
    (tmp_path / "app.py").write_text(
        "from openai import OpenAI\n"
        f'MODEL = "{KIMI}"\n'
        f"# {OSS} in a comment is not a use\n"
        f'url = "https://api.fireworks.ai/inference/v1/{TUNED}"  # not an id, a URL\n'
        f'reply = client.chat.completions.create(model="{OSS}", messages=[])\n'
        f'vectors = client.embeddings.create(model="{NOMIC}", input="x")\n'
        f'name = f"accounts/fireworks/models/{{size}}"  # built at run time: not checkable\n')
    (tmp_path / "router.py").write_text(f'import litellm\nlitellm.completion(model="fireworks_ai/{KIMI}")\n')
    (tmp_path / ".env").write_text(f"# CHAT_MODEL={OSS}\nCHAT_MODEL='{TUNED}'\nexport OTHER=plain\n")
    notebook = {"cells": [{"cell_type": "markdown", "source": [f"uses {OSS}"]},
                          {"cell_type": "code", "source": ["%pip install openai\n", f'm = "{KIMI}"\n']}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    return tmp_path


def run(*args, key: str | None = KEY, cwd: Path | None = None):
    env = {"FIREWORKS_API_KEY": key} if key is not None else {"FIREWORKS_API_KEY": ""}
    old = os.getcwd()
    os.chdir(cwd or old)
    try:
        return CliRunner().invoke(verify_cli, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_collects_every_use_with_file_and_line(code):
    with FakeFireworks(models=[KIMI, OSS, NOMIC, TUNED]) as server:
        result = run("--base-url", server.base_url, "--output-format", "json", cwd=code)
    document = json.loads(result.stdout)
    uses = {m["model"]: [(u["path"], u["line"], u.get("cell")) for u in m["uses"]] for m in document["models"]}
    assert uses == {
        KIMI: [("app.py", 2, None), ("nb.ipynb", 2, 2), ("router.py", 2, None)],
        OSS: [("app.py", 5, None)],
        NOMIC: [("app.py", 6, None)],
        TUNED: [(".env", 2, None)],
    }
    assert {m["model"]: m["kind"] for m in document["models"]}[NOMIC] == "embedding"
    assert result.exit_code == 0


def test_list_check_one_request_listed_and_missing(code):
    with FakeFireworks(models=[KIMI, NOMIC]) as server:
        result = run("--base-url", server.base_url, str(code))
        requests = server.requests.snapshot()
    assert result.exit_code == 1
    assert [(r.method, r.path, r.bearer) for r in requests] == [("GET", "/inference/v1/models", KEY)]
    table = result.stdout.splitlines()
    assert table[0].split() == ["model", "kind", "status", "where", "used"]
    by_model = {line.split()[0]: line for line in table[1:-1]}
    assert "listed" in by_model[KIMI] and "listed" in by_model[NOMIC]
    assert "missing (not in GET /models)" in by_model[OSS] and by_model[OSS].endswith("app.py:5")
    assert "missing" in by_model[TUNED] and by_model[TUNED].endswith(".env:2")
    assert "nb.ipynb:cell 2:2" in by_model[KIMI]
    assert table[-1] == "4 models in 4 files: 2 missing or unconfirmed"
    assert KEY not in result.output


@pytest.mark.parametrize("shape", ["wrapped", "flat"])
def test_probe_one_chat_request_per_chat_model(code, shape):
    with FakeFireworks(models=[KIMI, NOMIC], error_shape=shape) as server:
        result = run("--probe", "--base-url", server.base_url, str(code))
        requests = server.requests.snapshot()
    chats = [r.body for r in requests if r.path.endswith("/chat/completions")]
    assert sorted(body["model"] for body in chats) == sorted([KIMI, OSS, TUNED])  # one each, KIMI used 3 times
    assert all(body["max_tokens"] == 1 for body in chats)
    assert [r.path for r in requests if r.method == "GET"] == ["/inference/v1/models"]  # the embedding model
    by_model = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    assert " answered " in by_model[KIMI]
    assert "missing (HTTP 404: Model not found, inaccessible, and/or not deployed)" in by_model[OSS]
    assert "listed" in by_model[NOMIC]
    assert result.exit_code == 1


def test_probe_without_embedding_models_needs_no_list(tmp_path):
    (tmp_path / "a.py").write_text(f'm = "{KIMI}"\n')
    with FakeFireworks(models=[KIMI], models_list_status=500) as server:
        result = run("--probe", "--base-url", server.base_url, str(tmp_path))
        assert [r.method for r in server.requests] == ["POST"]
    assert result.exit_code == 0 and result.stdout.splitlines()[-1] == "1 model in 1 file: all found"


def test_all_found_exits_0(code):
    with FakeFireworks(models=[KIMI, OSS, NOMIC, TUNED]) as server:
        assert run("--base-url", server.base_url, str(code)).exit_code == 0


def test_key_not_set_is_exit_2_in_one_line(code):
    with FakeFireworks() as server:
        result = run("--base-url", server.base_url, str(code), key=None)
        assert len(server.requests) == 0
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["fw-migrate verify: error: FIREWORKS_API_KEY is not set: export your "
                                          "Fireworks API key to check the models against your account"]


def test_refused_key_is_exit_2_and_never_printed(code):
    with FakeFireworks(api_key="the-right-key") as server:
        result = run("--base-url", server.base_url, str(code), key="fw_WRONGKEY0123456789abcdefgh")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "HTTP 401" in result.stderr and "refused" in result.stderr
    assert "fw_WRONGKEY0123456789abcdefgh" not in result.output


def test_unreachable_server_is_exit_2_in_one_line(code):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("--base-url", f"http://127.0.0.1:{port}/inference/v1", "--timeout", "5", str(code))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fw-migrate verify: error: cannot reach http://127.0.0.1:{port}/inference/v1/models")
    assert len(result.stderr.splitlines()) == 1


def test_list_that_fails_is_exit_2_with_a_hint(code):
    with FakeFireworks(models=[KIMI], models_list_status=500) as server:
        result = run("--base-url", server.base_url, str(code))
    assert result.exit_code == 2
    assert "answered HTTP 500" in result.stderr and "--probe asks each chat model instead" in result.stderr


def test_no_model_ids_needs_no_key_and_no_server(tmp_path):
    (tmp_path / "a.py").write_text('model = "gpt-4o"\n')  # not migrated yet: nothing of Fireworks' to check
    result = run("--base-url", "http://127.0.0.1:9/inference/v1", str(tmp_path), key=None)
    assert result.exit_code == 0 and "no Fireworks model id found" in result.stdout


def test_api_key_env_and_config_base_url(code):
    with FakeFireworks(api_key="k2", models=[KIMI, OSS, NOMIC, TUNED]) as server:
        (code / "pyproject.toml").write_text(f'[tool.fw-migrate]\nbase-url = "{server.base_url}"\napi-key-env = "MY_FW"\n')
        env = {"MY_FW": "k2", "FIREWORKS_API_KEY": ""}
        result = CliRunner().invoke(verify_cli, [str(code)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_the_installed_script_dispatches_verify_and_keeps_a_folder_named_verify(tmp_path):
    script = shutil.which("fw-migrate", path=os.path.dirname(sys.executable))
    assert script
    folder = tmp_path / "verify"
    folder.mkdir()
    (folder / "app.py").write_text("from openai import OpenAI\nclient = OpenAI()\n")
    env = {**os.environ, "FIREWORKS_API_KEY": KEY}
    with FakeFireworks(models=[KIMI]) as server:
        (folder / "models.py").write_text(f'M = "{KIMI}"\n')
        checked = subprocess.run([script, "verify", "--base-url", server.base_url, "verify"], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "verify/models.py:1" in checked.stdout
    assert "to migrate the folder named verify, run fw-migrate ./verify" in checked.stderr
    migrated = subprocess.run([script, "--check", "./verify"], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=60)
    assert migrated.returncode == 1 and "would change" in migrated.stdout  # ./verify is a folder to migrate
    helped = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert "fw-migrate verify [PATHS]" in helped.stdout


def test_readme_example_is_what_verify_prints(tmp_path):
    from migrate.cli import command

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ fw-migrate verify --probe examples/", 1)[1].split("\n", 1)[1].split("```", 1)[0]
    shutil.copytree(root / "examples", tmp_path / "examples")
    (tmp_path / "examples" / ".env").write_text("CHAT_MODEL=gpt-4o\n")
    assert CliRunner().invoke(command, ["--no-cache", "-q", str(tmp_path / "examples")]).exit_code == 0
    served = [KIMI, NOMIC, "accounts/fireworks/models/llama-v3p1-8b-instruct"]
    with FakeFireworks(models=served) as server:
        result = run("--probe", "--base-url", server.base_url, "examples/", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout == block


def test_a_gitignored_env_file_is_read_with_no_gitignore(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text(".env\n")
    (tmp_path / ".env").write_text(f"MODEL={TUNED}\n")
    with FakeFireworks(models=[TUNED]) as server:
        assert "no Fireworks model id found" in run("--base-url", server.base_url, str(tmp_path)).stdout
        result = run("--no-gitignore", "--base-url", server.base_url, str(tmp_path))
    assert result.exit_code == 0 and ".env:1" in result.stdout
