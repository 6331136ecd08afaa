"""Tests for tests/fakeserver.py, driven through the real openai SDK."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest

try:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from fakeserver import (  # noqa: F401  (fixtures are used by name)
        DEFAULT_REPLY,
        FakeFireworks,
        embedding_vector,
        fake_fireworks,
        make_fake_fireworks,
    )
except ImportError:  # if tests/ becomes a package
    from tests.fakeserver import (  # noqa: F401
        DEFAULT_REPLY,
        FakeFireworks,
        embedding_vector,
        fake_fireworks,
        make_fake_fireworks,
    )

KEY = "fw-test-key"
MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
EMBED_MODEL = "accounts/fireworks/models/qwen3-embedding-8b"
MESSAGES = [{"role": "user", "content": "Say hello to the tests"}]  # 5 words -> prompt_tokens 5
PIECES = ["Hello", " from", " Fireworks"]


def client(server: FakeFireworks, api_key: str = KEY, strict: bool = True) -> openai.OpenAI:
    # strict validation makes the SDK reject responses that miss required fields
    return openai.OpenAI(
        base_url=server.base_url, api_key=api_key, max_retries=0, timeout=5,
        _strict_response_validation=strict,
    )


def aclient(server: FakeFireworks, api_key: str = KEY) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=server.base_url, api_key=api_key, max_retries=0, timeout=5,
        _strict_response_validation=True,
    )


def naive_stream_text(stream) -> str:
    """The common unguarded loop that breaks on an empty-choices usage chunk."""
    text = ""
    for chunk in stream:
        text += chunk.choices[0].delta.content or ""
    return text


# ---------------------------------------------------------------- chat, non-streaming


def test_chat_non_stream_returns_reply_and_usage(fake_fireworks):
    resp = client(fake_fireworks).chat.completions.create(model=MODEL, messages=MESSAGES)
    assert resp.object == "chat.completion"
    assert resp.id.startswith("chatcmpl-")
    assert resp.model == MODEL
    assert isinstance(resp.created, int)
    assert len(resp.choices) == 1
    choice = resp.choices[0]
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content == DEFAULT_REPLY == "Hello from Fireworks"
    assert choice.finish_reason == "stop"
    assert resp.usage is not None
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.total_tokens) == (5, 3, 8)


def test_chat_reply_is_configurable_and_max_tokens_truncates(fake_fireworks):
    fake_fireworks.reply = "one two three four"
    c = client(fake_fireworks)
    full = c.chat.completions.create(model=MODEL, messages=MESSAGES, n=2)
    assert [ch.message.content for ch in full.choices] == ["one two three four"] * 2
    assert [ch.index for ch in full.choices] == [0, 1]
    assert full.usage.completion_tokens == 8
    cut = c.chat.completions.create(model=MODEL, messages=MESSAGES, max_tokens=2)
    assert cut.choices[0].message.content == "one two"
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage.completion_tokens == 2


# ---------------------------------------------------------------- chat, streaming shapes


@pytest.mark.parametrize(
    "shape, crashes",
    [("finish_chunk", False), ("empty_choices_chunk", True), ("only_when_requested", False)],
)
def test_naive_stream_loop_crashes_only_on_empty_choices_chunk(make_fake_fireworks, shape, crashes):
    server = make_fake_fireworks(usage_shape=shape)
    stream = client(server).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    if crashes:
        with pytest.raises(IndexError):
            naive_stream_text(stream)
    else:
        assert naive_stream_text(stream) == DEFAULT_REPLY


def _collect(server: FakeFireworks, **kwargs):
    stream = client(server).chat.completions.create(model=MODEL, messages=MESSAGES, stream=True, **kwargs)
    return list(stream)


def _assert_content_chunks(chunks):
    with_choices = [c for c in chunks if c.choices]
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert with_choices[0].choices[0].delta.role == "assistant"
    assert all(c.choices[0].delta.role is None for c in with_choices[1:])
    assert [c.choices[0].delta.content for c in with_choices[:-1]] == PIECES
    assert "".join(c.choices[0].delta.content or "" for c in with_choices) == DEFAULT_REPLY
    assert [c.choices[0].finish_reason for c in with_choices] == [None, None, None, "stop"]


def test_stream_usage_on_finish_chunk(fake_fireworks):
    fake_fireworks.usage_shape = "finish_chunk"
    chunks = _collect(fake_fireworks)
    _assert_content_chunks(chunks)
    assert all(c.choices for c in chunks)  # no empty-choices chunk
    assert [c.usage is not None for c in chunks] == [False, False, False, True]
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (5, 3, 8)


def test_stream_usage_on_extra_empty_choices_chunk(fake_fireworks):
    fake_fireworks.usage_shape = "empty_choices_chunk"
    chunks = _collect(fake_fireworks)  # no stream_options: sent anyway in this shape
    _assert_content_chunks(chunks)
    assert len(chunks) == 5
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 8
    assert chunks[-2].choices[0].finish_reason == "stop" and chunks[-2].usage is None
    assert all(c.usage is None for c in chunks[:-1])


def test_stream_usage_only_when_requested(fake_fireworks):
    fake_fireworks.usage_shape = "only_when_requested"
    plain = _collect(fake_fireworks)
    _assert_content_chunks(plain)
    assert len(plain) == 4
    assert all(c.usage is None for c in plain)

    asked = _collect(fake_fireworks, stream_options={"include_usage": True})
    _assert_content_chunks(asked)
    assert len(asked) == 5
    assert asked[-1].choices == [] and asked[-1].usage.completion_tokens == 3
    # once usage is requested this shape has the empty-choices chunk, so the naive loop breaks
    stream = client(fake_fireworks).chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    with pytest.raises(IndexError):
        naive_stream_text(stream)


def test_stream_wire_format_is_sse_with_done(fake_fireworks):
    fake_fireworks.usage_shape = "empty_choices_chunk"
    req = urllib.request.Request(
        fake_fireworks.base_url + "/chat/completions",
        data=json.dumps({"model": MODEL, "messages": MESSAGES, "stream": True}).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        raw = resp.read().decode()
    events = raw.split("\n\n")
    assert events[-1] == ""
    assert all(e.startswith("data: ") for e in events[:-1])
    assert events[-2] == "data: [DONE]"
    last = json.loads(events[-3][len("data: "):])
    assert last["choices"] == [] and set(last["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def test_usage_shape_rejects_unknown_value(fake_fireworks):
    with pytest.raises(ValueError):
        fake_fireworks.usage_shape = "somewhere"
    assert fake_fireworks.usage_shape == "finish_chunk"


# ---------------------------------------------------------------- async client


def test_async_client_chat_and_stream_shapes(fake_fireworks):
    async def run():
        c = aclient(fake_fireworks)
        resp = await c.chat.completions.create(model=MODEL, messages=MESSAGES)
        fake_fireworks.usage_shape = "finish_chunk"
        text, usage_chunks = "", []
        async for chunk in await c.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            text += chunk.choices[0].delta.content or ""
            if chunk.usage is not None:
                usage_chunks.append(chunk)
        fake_fireworks.usage_shape = "empty_choices_chunk"
        crashed = False
        try:
            async for chunk in await c.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
                chunk.choices[0].delta.content
        except IndexError:
            crashed = True
        await c.close()
        return resp, text, usage_chunks, crashed

    resp, text, usage_chunks, crashed = asyncio.run(run())
    assert resp.choices[0].message.content == DEFAULT_REPLY
    assert text == DEFAULT_REPLY
    assert len(usage_chunks) == 1 and usage_chunks[0].choices[0].finish_reason == "stop"
    assert crashed
    assert len(fake_fireworks.requests) == 3
    assert all(r.header("x-stainless-async", "false") != "false" for r in fake_fireworks.requests)


# ---------------------------------------------------------------- legacy completions


def test_completions_plain_and_streaming(fake_fireworks):
    c = client(fake_fireworks)
    resp = c.completions.create(model=MODEL, prompt="Once upon a time")
    assert resp.object == "text_completion"
    assert resp.choices[0].text == DEFAULT_REPLY
    assert resp.choices[0].finish_reason == "stop"
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (4, 3)

    # the SDK's Completion type declares finish_reason non-null, which strict validation
    # applies to stream chunks too (real servers also send null there), so go non-strict
    c = client(fake_fireworks, strict=False)
    fake_fireworks.usage_shape = "finish_chunk"
    chunks = list(c.completions.create(model=MODEL, prompt="Once upon a time", stream=True))
    assert "".join(ch.choices[0].text for ch in chunks) == DEFAULT_REPLY
    assert [ch.usage is not None for ch in chunks] == [False, False, False, True]
    assert chunks[-1].choices[0].finish_reason == "stop"

    fake_fireworks.usage_shape = "empty_choices_chunk"
    chunks = list(c.completions.create(model=MODEL, prompt="Once upon a time", stream=True))
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 7
    with pytest.raises(IndexError):
        for ch in c.completions.create(model=MODEL, prompt="x", stream=True):
            ch.choices[0].text


# ---------------------------------------------------------------- errors


def test_wrong_key_is_authentication_error(fake_fireworks):
    with pytest.raises(openai.AuthenticationError) as info:
        client(fake_fireworks, api_key="sk-openai-key").chat.completions.create(model=MODEL, messages=MESSAGES)
    assert info.value.status_code == 401
    assert info.value.code == "UNAUTHORIZED"
    rec = fake_fireworks.requests[-1]
    assert rec.status == 401 and rec.bearer == "sk-openai-key"
    # the right key on the same server works
    assert client(fake_fireworks).chat.completions.create(model=MODEL, messages=MESSAGES).choices


def test_unknown_model_is_not_found(fake_fireworks):
    c = client(fake_fireworks)
    for bad in ("gpt-4o", "accounts/fireworks/models/"):
        with pytest.raises(openai.NotFoundError) as info:
            c.chat.completions.create(model=bad, messages=MESSAGES)
        assert info.value.code == "NOT_FOUND"
        assert info.value.param == "model"
        assert "Model not found" in info.value.message
    with pytest.raises(openai.NotFoundError):
        c.embeddings.create(model="text-embedding-3-small", input="x")
    assert [r.status for r in fake_fireworks.requests] == [404, 404, 404]


def test_explicit_model_list(make_fake_fireworks):
    server = make_fake_fireworks(models={"nomic-ai/nomic-embed-text-v1.5", MODEL})
    c = client(server, strict=False)
    assert len(c.embeddings.create(model="nomic-ai/nomic-embed-text-v1.5", input="x").data) == 1
    assert c.chat.completions.create(model=MODEL, messages=MESSAGES).choices
    with pytest.raises(openai.NotFoundError):
        c.chat.completions.create(model="accounts/fireworks/models/other", messages=MESSAGES)


def test_unknown_path_is_openai_style_404(fake_fireworks):
    with pytest.raises(openai.NotFoundError) as info:
        client(fake_fireworks).files.list()
    assert info.value.code == "unknown_url"
    req = urllib.request.Request(fake_fireworks.url + "/v1/chat/completions", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as http_info:
        urllib.request.urlopen(req, timeout=5)
    assert http_info.value.code == 404
    body = json.loads(http_info.value.read())
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert [r.path for r in fake_fireworks.requests] == ["/inference/v1/files", "/v1/chat/completions"]


def test_models_list_names_the_served_ids(make_fake_fireworks):
    server = make_fake_fireworks(models=[MODEL, "nomic-ai/nomic-embed-text-v1.5"])
    listed = client(server).models.list()
    assert sorted(m.id for m in listed.data) == sorted([MODEL, "nomic-ai/nomic-embed-text-v1.5"])
    assert {m.owned_by for m in listed.data} == {"fireworks"}
    server.listed_models = ["accounts/acme/models/tuned"]  # the list and the served set can differ
    assert [m.id for m in client(server).models.list().data] == ["accounts/acme/models/tuned"]
    assert client(make_fake_fireworks()).models.list().data == []  # a callable/default spec lists nothing


def test_models_list_failures(make_fake_fireworks):
    server = make_fake_fireworks(models=[MODEL], models_list_status=500)
    with pytest.raises(openai.InternalServerError):
        client(server, strict=False).models.list()
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=server.base_url, api_key="wrong", max_retries=0).models.list()


@pytest.mark.parametrize("shape", ["wrapped", "flat"])
def test_unknown_model_404_shapes(make_fake_fireworks, shape):
    server = make_fake_fireworks(models=[MODEL], error_shape=shape)
    body = json.dumps({"model": "accounts/fireworks/models/gone", "messages": MESSAGES}).encode()
    req = urllib.request.Request(server.base_url + "/chat/completions", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 404
    document = json.loads(info.value.read())
    error = document["error"] if shape == "wrapped" else document
    assert error == {"message": "Model not found, inaccessible, and/or not deployed", "param": "model",
                     "code": "NOT_FOUND", "type": "error"}


def test_strict_params_rejects_unknown_fields(make_fake_fireworks):
    server = make_fake_fireworks(strict_params=True)
    with pytest.raises(openai.BadRequestError) as info:
        client(server).chat.completions.create(model=MODEL, messages=MESSAGES, prompt_cache_key="k")
    assert "Extra inputs are not permitted, field: 'prompt_cache_key'" in info.value.message
    assert client(server).chat.completions.create(model=MODEL, messages=MESSAGES, extra_body={"top_k": 5}).choices


# ---------------------------------------------------------------- embeddings


def test_embeddings_count_and_dimension(fake_fireworks):
    c = client(fake_fireworks, strict=False)  # the SDK's strict mode rejects base64 strings itself
    inputs = ["first text", "second", "third one here"]
    default = c.embeddings.create(model=EMBED_MODEL, input=inputs)  # SDK asks for base64
    assert fake_fireworks.requests[-1].body["encoding_format"] == "base64"
    as_float = c.embeddings.create(model=EMBED_MODEL, input=inputs, encoding_format="float")
    for resp in (default, as_float):
        assert resp.object == "list" and resp.model == EMBED_MODEL
        assert [d.index for d in resp.data] == [0, 1, 2]
        assert all(len(d.embedding) == fake_fireworks.embedding_dim == 8 for d in resp.data)
        assert (resp.usage.prompt_tokens, resp.usage.total_tokens) == (6, 6)
    assert [d.embedding for d in default.data] == [d.embedding for d in as_float.data]
    assert default.data[0].embedding == embedding_vector("first text", 8)
    assert default.data[0].embedding != default.data[1].embedding

    single = c.embeddings.create(model=EMBED_MODEL, input="just one", dimensions=3, encoding_format="float")
    assert len(single.data) == 1 and len(single.data[0].embedding) == 3


# ---------------------------------------------------------------- request recording


def test_requests_are_recorded(fake_fireworks):
    c = client(fake_fireworks)
    c.chat.completions.create(model=MODEL, messages=MESSAGES, temperature=0.2)
    list(c.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True},
        extra_body={"top_k": 40, "vendor_thing": 1}, extra_headers={"X-Trace": "abc"},
    ))
    reqs = list(fake_fireworks.requests)
    assert len(fake_fireworks.requests) == 2
    first, second = reqs
    assert (first.method, first.path) == ("POST", "/inference/v1/chat/completions")
    assert first.bearer == KEY and first.header("Authorization") == f"Bearer {KEY}"
    assert first.body == {"model": MODEL, "messages": MESSAGES, "temperature": 0.2}
    assert "stream" not in first.body
    assert second.body["stream"] is True
    assert second.body["stream_options"] == {"include_usage": True}
    assert second.body["top_k"] == 40
    assert second.unknown_params == {"vendor_thing"}  # top_k is a known Fireworks param
    assert second.header("x-trace") == "abc"
    assert fake_fireworks.requests.for_path("/chat/completions") == reqs
    fake_fireworks.requests.clear()
    assert len(fake_fireworks.requests) == 0


def test_concurrent_requests_are_all_recorded(fake_fireworks):
    errors = []

    def worker(i):
        try:
            client(fake_fireworks).chat.completions.create(model=MODEL, messages=[{"role": "user", "content": str(i)}])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not errors
    assert sorted(r.body["messages"][0]["content"] for r in fake_fireworks.requests) == [str(i) for i in range(8)]


# ---------------------------------------------------------------- lifecycle


def _fake_threads():
    return [t for t in threading.enumerate() if t.name.startswith("fakefireworks")]


def test_server_starts_on_ephemeral_port_and_stops_cleanly():
    before = _fake_threads()
    server = FakeFireworks(api_key="k2")
    with server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/inference/v1"
        assert server.port not in (0, 80, 443)
        c = client(server, api_key="k2")
        # leave one stream half-read, as a crashed test might
        stream = c.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
        next(iter(stream))
        port = server.port
    start = time.monotonic()
    server.stop()  # idempotent
    assert time.monotonic() - start < 1
    stream.close()
    assert not server.running
    assert _fake_threads() == before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_two_servers_are_independent(make_fake_fireworks):
    a = make_fake_fireworks(api_key="key-a")
    b = make_fake_fireworks(api_key="key-b", reply="Other")
    assert a.port != b.port
    assert client(b, api_key="key-b").chat.completions.create(model=MODEL, messages=MESSAGES).choices[0].message.content == "Other"
    with pytest.raises(openai.AuthenticationError):
        client(a, api_key="key-b").chat.completions.create(model=MODEL, messages=MESSAGES)
    assert len(a.requests) == 1 and len(b.requests) == 1
