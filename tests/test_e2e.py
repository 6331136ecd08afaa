"""End to end: migrate `examples/` with the CLI, then run it with the real openai SDK against a
local fake Fireworks server (tests/fakeserver.py, on 127.0.0.1) in each streaming usage shape.

The migrated app must reach Fireworks' paths with the key from FIREWORKS_API_KEY (OPENAI_API_KEY
holds another key and OPENAI_BASE_URL points at a closed port, so no fallback can pass), ask
for usage on its streams, survive a final chunk without choices and keep the usage. The same
app unmigrated, pointed at the server through OPENAI_BASE_URL / OPENAI_API_KEY, must fail in
exactly the ways the stream_usage rule fixes: the tests show the rule matters.

The streaming functions' usage is read from their locals as they return (`sys.settrace` in a
driver script), so the examples need no test hooks. Nothing leaves 127.0.0.1: proxy variables
are removed from the child environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import rules
from migrate.cli import command
from migrate.model_map import ModelMap

try:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from fakeserver import API_PREFIX, DEFAULT_REPLY, FakeFireworks
except ImportError:  # if tests/ becomes a package
    from tests.fakeserver import API_PREFIX, DEFAULT_REPLY, FakeFireworks

EXAMPLES = Path(__file__).parent.parent / "examples"
SHAPES = ("finish_chunk", "empty_choices_chunk", "only_when_requested")
FIREWORKS_KEY = "fw-e2e-key"
OPENAI_KEY = "sk-openai-key-that-must-not-reach-fireworks"
CLOSED_PORT_URL = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there
STREAMING_FUNCTIONS = ("stream_answer", "stream_reply")  # examples/app.py, examples/async_app.py
# The OpenAI model ids the examples send, by endpoint.
ORIGINAL_MODELS = {
    "/chat/completions": {"gpt-4o-mini", "gpt-4o"},
    "/completions": {"gpt-3.5-turbo-instruct"},
    "/embeddings": {"text-embedding-3-small"},
}
FIREWORKS_PREFIX = "accounts/fireworks/models/"

DRIVER = r'''
"""Run examples/app.py and async_app.py as __main__ once per entry of a plan (a JSON file:
label, app folder, environment changes); record how the streaming functions ended."""
import json, os, runpy, sys

import openai  # noqa: F401  (imported before tracing starts: the tracer only looks at calls)

plan_path, out_path, watched = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
results = {}

for entry in json.load(open(plan_path, encoding="utf-8")):
    app_dir, streams, errors = entry["dir"], {}, {}

    def on_return(frame, event, arg):
        # a coroutine "returns" at each suspension too; the last one wins
        if event == "return":
            kept = {k: v for k, v in frame.f_locals.items() if k.startswith("_fw_usage")}
            streams[frame.f_code.co_name] = {
                "returned": arg,
                "usage": {k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in kept.items()},
            }
        return on_return

    def on_call(frame, event, arg):
        code = frame.f_code
        if code.co_name in watched and code.co_filename.startswith(app_dir):
            return on_return
        return None

    for name, value in entry["env"].items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    sys.path.insert(0, app_dir)
    sys.modules.pop("settings", None)
    for script in ("app.py", "async_app.py"):
        sys.settrace(on_call)
        try:
            runpy.run_path(os.path.join(app_dir, script), run_name="__main__")
        except Exception as exc:  # recorded: the unmigrated app is expected to crash in one shape
            errors[script] = f"{type(exc).__name__}: {exc}"
        finally:
            sys.settrace(None)
    sys.path.remove(app_dir)
    results[entry["label"]] = {"errors": errors, "streams": streams}
with open(out_path, "w", encoding="utf-8") as out:
    json.dump(results, out, default=repr)
'''


def child_env(**extra: str) -> dict[str, str]:
    """The environment without proxies or any OpenAI / Fireworks settings, plus `extra`."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.upper().endswith("_PROXY") and not k.startswith(("OPENAI_", "FIREWORKS_")) and k != "CHAT_MODEL"
    }
    env.update(NO_PROXY="127.0.0.1,localhost", PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8", **extra)
    return env


@dataclass
class Run:
    """One run of the examples against one fake server."""

    errors: dict[str, str]  # script -> "IndexError: ..."
    streams: dict[str, dict]  # streaming function -> {"returned": ..., "usage": {variable: usage}}
    requests: list  # what the server received


def migrate_copy(target: Path, base_url: str) -> None:
    flags = ["--base-url", base_url, "--jobs", "1", "--no-color", "--no-cache"]  # no cache folder in the cwd
    done = CliRunner().invoke(command, [*flags, str(target)])
    assert done.exit_code == 0, done.output
    again = CliRunner().invoke(command, [*flags, "--check", str(target)])
    assert again.exit_code == 0, "a second run would change the migrated examples:\n" + again.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[tuple[str, str], Run]:
    """(state, shape) -> Run, for state "migrated" and "original", in every usage shape.

    Every run has its own server; one driver process goes through all six (one interpreter
    start and one `import openai` instead of six keeps the suite fast).
    """
    root = tmp_path_factory.mktemp("e2e")
    (root / "driver.py").write_text(DRIVER, encoding="utf-8")
    shutil.copytree(EXAMPLES, root / "original", ignore=shutil.ignore_patterns("__pycache__"))
    migrated_env = {"FIREWORKS_API_KEY": FIREWORKS_KEY, "OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": CLOSED_PORT_URL}
    with contextlib.ExitStack() as stack:
        servers = {
            (state, shape): stack.enter_context(FakeFireworks(FIREWORKS_KEY, models=lambda model: True, usage_shape=shape))
            for state in ("migrated", "original") for shape in SHAPES
        }
        plan = []
        for shape in SHAPES:
            copy = root / f"migrated-{shape}"
            shutil.copytree(root / "original", copy)
            migrate_copy(copy, servers["migrated", shape].base_url)
            plan.append({"label": f"migrated/{shape}", "dir": str(copy), "env": migrated_env})
            unmigrated_env = {"FIREWORKS_API_KEY": None, "OPENAI_API_KEY": FIREWORKS_KEY,
                              "OPENAI_BASE_URL": servers["original", shape].base_url}
            plan.append({"label": f"original/{shape}", "dir": str(root / "original"), "env": unmigrated_env})
        (root / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        args = [sys.executable, str(root / "driver.py"), str(root / "plan.json"), str(root / "result.json"),
                ",".join(STREAMING_FUNCTIONS)]
        done = subprocess.run(args, check=False, capture_output=True, text=True, timeout=60, env=child_env())
        assert done.returncode == 0, done.stdout + done.stderr
        results = json.loads((root / "result.json").read_text(encoding="utf-8"))
        return {
            (state, shape): Run(result["errors"], result["streams"], servers[state, shape].requests.snapshot())
            for (state, shape), result in ((tuple(label.split("/")), result) for label, result in results.items())
        }


def fireworks_model_for(openai_id: str) -> str | None:
    found = ModelMap.load().lookup(openai_id)
    return found.target if found else None


def endpoint(path: str) -> str:
    assert path.startswith(API_PREFIX), f"{path} is not under Fireworks' {API_PREFIX}"
    return path[len(API_PREFIX):]


def streams_of(requests) -> list:
    return [r for r in requests if isinstance(r.body, dict) and r.body.get("stream")]


def assert_usage(kept: dict, function: str) -> None:
    assert len(kept) == 1, f"{function} should keep the usage in exactly one variable, has {sorted(kept)}"
    usage = next(iter(kept.values()))
    assert usage is not None, f"{function} lost the usage"
    assert usage["completion_tokens"] == len(DEFAULT_REPLY.split())
    assert usage["prompt_tokens"] > 0 and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@pytest.mark.parametrize("shape", SHAPES)
def test_migrated_examples_work_on_fireworks(runs, shape):
    run = runs["migrated", shape]
    assert run.errors == {}
    for function in STREAMING_FUNCTIONS:
        assert run.streams[function]["returned"] == DEFAULT_REPLY, f"{function} did not return the whole reply"
        assert_usage(run.streams[function]["usage"], function)

    requests = run.requests
    assert {endpoint(r.path) for r in requests} == set(ORIGINAL_MODELS)
    assert {r.status for r in requests} == {200}
    assert {r.bearer for r in requests} == {FIREWORKS_KEY}, "every request must carry the key from FIREWORKS_API_KEY"
    assert not any(r.unknown_params for r in requests), [sorted(r.unknown_params) for r in requests]
    streamed = streams_of(requests)
    assert len(streamed) == len(STREAMING_FUNCTIONS)
    assert all(r.body.get("stream_options") == {"include_usage": True} for r in streamed)
    assert not any("stream_options" in r.body for r in requests if r not in streamed)
    for r in requests:
        # The original OpenAI id until the model_names rule exists; a Fireworks id must be the
        # mapped one (test_migrated_examples_send_fireworks_model_ids then requires it).
        originals = ORIGINAL_MODELS[endpoint(r.path)]
        mapped = {fireworks_model_for(m) for m in originals}
        assert r.body["model"] in originals | mapped
        if r.body["model"].startswith(FIREWORKS_PREFIX):
            assert r.body["model"] in mapped


@pytest.mark.skipif("model_names" not in rules.ALL_RULES, reason="the model_names rule is not in ALL_RULES yet: "
                    "the migrated examples still send OpenAI model ids")
def test_migrated_examples_send_fireworks_model_ids(runs):
    requests = runs["migrated", "finish_chunk"].requests
    assert requests
    for r in requests:
        mapped = {fireworks_model_for(m) for m in ORIGINAL_MODELS[endpoint(r.path)]}
        assert r.body["model"] in mapped, f"{r.path}: {r.body['model']!r} is not a mapped Fireworks model"


def test_unmigrated_loops_crash_on_a_chunk_without_choices(runs):
    run = runs["original", "empty_choices_chunk"]
    assert run.errors.keys() == {"app.py", "async_app.py"}
    assert all(error.startswith("IndexError") for error in run.errors.values()), run.errors
    assert {r.bearer for r in run.requests} == {FIREWORKS_KEY}  # it did reach the server


def test_unmigrated_streams_get_no_usage_from_models_that_wait_to_be_asked(runs):
    run = runs["original", "only_when_requested"]
    assert run.errors == {}
    streamed = streams_of(run.requests)
    assert len(streamed) == len(STREAMING_FUNCTIONS)
    # no stream_options: a server in this shape sends no usage at all (see test_fakeserver.py)
    assert not any("stream_options" in r.body for r in streamed)
    assert all(run.streams[f]["usage"] == {} for f in STREAMING_FUNCTIONS)


def test_unmigrated_loops_drop_the_usage_fireworks_sends(runs):
    # Fireworks' documented shape: the loops run, but nothing keeps the usage on the finish chunk.
    run = runs["original", "finish_chunk"]
    assert run.errors == {}
    for function in STREAMING_FUNCTIONS:
        assert run.streams[function]["returned"] == DEFAULT_REPLY
        assert run.streams[function]["usage"] == {}
