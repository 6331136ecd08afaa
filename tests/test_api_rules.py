"""The API-difference fixes, run: migrated code against the local fake Fireworks server.

The snapshots show what the rules write; these tests show that what they write works with
the real `openai` SDK: the request Fireworks receives, and the response the code gets back.
"""

from __future__ import annotations

import asyncio

import pytest
from fakeserver import FakeFireworks
from helpers import migrate

from migrate.settings import SettingsError, from_mapping

MODEL = "accounts/fireworks/models/gpt-oss-20b"


def run(code: str, base_url: str) -> dict:
    namespace: dict = {"BASE_URL": base_url}
    exec(compile(code, "migrated.py", "exec"), namespace)  # noqa: S102 - running the migrated code is the test
    if "main" in namespace:
        namespace["result"] = asyncio.run(namespace["main"]())
    return namespace


@pytest.fixture
def server():
    with FakeFireworks(strict_params=True) as fake:
        yield fake


REQUEST_PARAMS = f'''
from openai import OpenAI

client = OpenAI(base_url=BASE_URL, api_key="fw-test-key")
result = client.chat.completions.create(
    model="{MODEL}",
    messages=[{{"role": "developer", "content": "Be brief."}}, {{"role": "user", "content": "hi"}}],
    top_k=40,
    prompt_cache_key="user-1",
    service_tier="flex",
    max_tokens=100,
    max_completion_tokens=100,
    logprobs=True,
    top_logprobs=10,
    tools=None,
)
'''


def test_request_params_make_a_failing_call_succeed(server):
    with pytest.raises(TypeError, match="top_k"):  # the OpenAI SDK rejects Fireworks-only keywords
        run(REQUEST_PARAMS, server.base_url)
    outcome = migrate(REQUEST_PARAMS, select=["request_params"])
    run(outcome.code, server.base_url)
    body = server.requests.for_path("/chat/completions")[-1].json
    assert body["top_k"] == 40
    assert body["prompt_cache_isolation_key"] == "user-1"
    assert body["messages"][0]["role"] == "system"
    assert body["top_logprobs"] == 5
    assert body["max_tokens"] == 100
    assert not {"service_tier", "max_completion_tokens", "prompt_cache_key", "tools"} & body.keys()


def test_context_overflow_error_reaches_the_server(server):
    code = f'from openai import OpenAI\nOpenAI(base_url=BASE_URL, api_key="fw-test-key").chat.completions.create(' \
           f'model="{MODEL}", messages=[{{"role": "user", "content": "hi"}}], max_tokens=50)\n'
    run(migrate(code, select=["max_tokens"], context_overflow="error").code, server.base_url)
    assert server.requests.for_path("/chat/completions")[-1].json["context_length_exceeded_behavior"] == "error"


LARGE = f'''
from openai import OpenAI

client = OpenAI(base_url=BASE_URL, api_key="fw-test-key")


def ask():
    response = client.chat.completions.create(model="{MODEL}", messages=[{{"role": "user", "content": "hi"}}], max_tokens=8000)
    return response


result = ask()
'''

ASYNC_LARGE = f'''
from openai import AsyncOpenAI

client = AsyncOpenAI(base_url=BASE_URL, api_key="fw-test-key")


async def main():
    return await client.chat.completions.create(model="{MODEL}", messages=[{{"role": "user", "content": "hi"}}], max_tokens=8000)
'''


def summary(response) -> tuple:
    choice = response.choices[0]
    return (response.object, choice.message.role, choice.message.content, choice.finish_reason,
            response.usage.prompt_tokens, response.usage.completion_tokens, response.usage.total_tokens)


@pytest.mark.parametrize("shape", ["finish_chunk", "empty_choices_chunk", "only_when_requested"])
@pytest.mark.parametrize("source", [LARGE, ASYNC_LARGE], ids=["sync", "async"])
def test_streamed_rewrite_returns_the_same_response(server, shape, source):
    server.usage_shape = shape
    expected = summary(run(source, server.base_url)["result"])  # the fake, unlike Fireworks, answers it
    assert server.requests.for_path("/chat/completions")[-1].json.get("stream") is None
    outcome = migrate(source, select=["max_tokens"], fix_large_max_tokens="stream", context_overflow="truncate")
    assert "ChatCompletionStreamState" in outcome.code
    got = summary(run(outcome.code, server.base_url)["result"])
    assert server.requests.for_path("/chat/completions")[-1].json["stream"] is True
    assert got == expected


def test_cap_keeps_the_call_non_streaming(server):
    outcome = migrate(LARGE, select=["max_tokens"], fix_large_max_tokens="cap")
    run(outcome.code, server.base_url)
    body = server.requests.for_path("/chat/completions")[-1].json
    assert body["max_tokens"] == 4096 and "stream" not in body


@pytest.mark.parametrize("key, value", [("context-overflow", "fail"), ("fix-large-max-tokens", "yes"), ("stream-options", "drop")])
def test_setting_values_are_checked(key, value):
    with pytest.raises(SettingsError, match=key):
        from_mapping({key: value}, "pyproject.toml")


def test_truth_tested_names_cover_the_usual_tests_of_a_missing_value():
    import ast

    from migrate.facts import Facts, ImportMap

    source = (
        "if a: pass\nif not b: pass\nwhile c is None: pass\nx = d or 'default'\nassert e\n"
        "y = 1 if self.f else 2\nz = [1 for q in r if g != '']\nok = bool(h)\nif i == 3: pass\nj = k + 1\n"
    )
    facts = Facts(ImportMap({}), ast.parse(source))
    assert facts.truth_tested() == frozenset("abcdefgh")  # not i (== 3), not k (arithmetic)


STREAM = f'''
from openai import OpenAI

client = OpenAI(base_url=BASE_URL, api_key="fw-test-key")
text = ""
for chunk in client.chat.completions.create(model="{MODEL}", messages=[{{"role": "user", "content": "hi"}}], stream=True):
    text += chunk.choices[0].delta.content or ""
'''


@pytest.mark.parametrize("shape, usage_kept", [
    ("finish_chunk", True),  # Fireworks' documented shape
    ("empty_choices_chunk", True),  # sent unasked: the guard skips it, the usage is kept
    ("only_when_requested", False),  # the price of leaving stream_options out
])
def test_stream_options_leave_still_streams_and_keeps_the_usage_sent(shape, usage_kept):
    with FakeFireworks(usage_shape=shape) as server:
        outcome = migrate(STREAM, select=["stream_usage"], stream_options="leave")
        assert "stream_options" not in outcome.code
        namespace = run(outcome.code, server.base_url)
        body = server.requests.for_path("/chat/completions")[-1].json
    assert "stream_options" not in body
    assert namespace["text"]  # the loop ran to the end, whatever the chunk shapes
    assert (namespace["_fw_usage"] is not None) is usage_kept
