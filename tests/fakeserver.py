"""A local fake of Fireworks AI's OpenAI-compatible inference API, for end-to-end tests.

The server binds to 127.0.0.1 on an ephemeral port, runs in a background thread, and is
started and stopped by the tests themselves. It uses only the standard library.

Usage::

    with FakeFireworks(api_key="fw-test-key") as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="fw-test-key")
        client.chat.completions.create(model="accounts/fireworks/models/x", messages=[...])
        assert server.requests[-1].path == "/inference/v1/chat/completions"

or, in a test module / conftest::

    from fakeserver import fake_fireworks  # noqa: F401  (pytest fixture)

    def test_something(fake_fireworks):
        fake_fireworks.usage_shape = "empty_choices_chunk"
        ...

Endpoints (all under ``/inference/v1``):

- ``POST /chat/completions``: non-streaming and SSE streaming (``stream: true``).
- ``POST /completions``: same, with ``text`` in the choices.
- ``POST /embeddings``: one deterministic vector of ``embedding_dim`` floats per input
  (``dimensions`` in the request overrides it); honours ``encoding_format="base64"``.
- ``GET /models``: an OpenAI-style list, ``{"object": "list", "data": [{"id", "object":
  "model", "owned_by", "created"}]}``, of ``server.listed_models`` (default: the ids of an
  explicit ``models`` spec; none for the default or a callable spec). Fireworks answers this
  undocumented endpoint with such a list; third parties saw it answer 500, which
  ``server.models_list_status`` imitates.
- anything else: 404 with an OpenAI-style error body.

Streaming usage shapes (``server.usage_shape``):

- ``"finish_chunk"`` (default; Fireworks' documented behaviour): ``usage`` rides on the last
  chunk, the one whose choice carries ``finish_reason``. Other chunks have no ``usage`` key.
- ``"empty_choices_chunk"``: after the finish chunk, one more chunk with ``"choices": []``
  and the ``usage`` (OpenAI's ``include_usage`` shape), sent whether or not it was asked
  for. Other chunks carry ``"usage": null``.
- ``"only_when_requested"``: the empty-choices usage chunk is sent only if the request had
  ``stream_options.include_usage`` true; otherwise no chunk carries usage.
- ``"none"``: no usage in the stream at all (Fireworks sometimes drops it).

Error bodies: the 404 for an unknown model copies the error Fireworks was observed to send
(message "Model not found, inaccessible, and/or not deployed", ``"param": "model"``,
``"code": "NOT_FOUND"``, ``"type": "error"``), wrapped as ``{"error": {...}}`` by default.
Fireworks' docs do not show the body; one public report prints the same fields without the
``error`` wrapper, so ``server.error_shape = "flat"`` sends them at the top level
(UNCONFIRMED which one the wire carries). The 401 and 400 bodies follow the same shape but
their wording is invented.

Every request (including rejected ones) is recorded in ``server.requests``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import re
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Iterator, Optional, Union
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "API_PREFIX",
    "DEFAULT_API_KEY",
    "DEFAULT_MODEL_PREFIX",
    "DEFAULT_REPLY",
    "USAGE_SHAPES",
    "FakeFireworks",
    "RecordedRequest",
    "RequestLog",
    "fake_fireworks",
    "make_fake_fireworks",
]

API_PREFIX = "/inference/v1"
DEFAULT_API_KEY = "fw-test-key"
DEFAULT_MODEL_PREFIX = "accounts/fireworks/models/"
DEFAULT_REPLY = "Hello from Fireworks"
DEFAULT_EMBEDDING_DIM = 8
USAGE_SHAPES = ("finish_chunk", "empty_choices_chunk", "only_when_requested", "none")

# Top-level request keys the real Fireworks endpoints accept (OpenAI-named ones plus
# Fireworks-only ones, per the Fireworks SDK schema; `stream_options` is accepted on the
# wire). Anything else is still accepted by this fake (unless strict_params=True), but is
# listed in RecordedRequest.unknown_params so tests can assert on it.
_COMMON_GENERATION_PARAMS = frozenset(
    {
        "model", "stream", "stream_options", "temperature", "top_p", "max_tokens",
        "max_completion_tokens", "n", "stop", "presence_penalty", "frequency_penalty",
        "logit_bias", "logprobs", "top_logprobs", "seed", "user", "metadata",
        "response_format", "reasoning_effort", "prediction", "service_tier",
        # Fireworks-only
        "context_length_exceeded_behavior", "prompt_truncate_len", "top_k", "min_p",
        "typical_p", "repetition_penalty", "mirostat_lr", "mirostat_target", "echo",
        "echo_last", "ignore_eos", "raw_output", "return_token_ids",
        "perf_metrics_in_response", "speculation", "prompt_cache_isolation_key",
        "prompt_cache_max_len",
    }
)
KNOWN_PARAMS: dict[str, frozenset[str]] = {
    f"{API_PREFIX}/chat/completions": _COMMON_GENERATION_PARAMS
    | {"messages", "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call"},
    f"{API_PREFIX}/completions": _COMMON_GENERATION_PARAMS | {"prompt", "images", "best_of", "suffix"},
    f"{API_PREFIX}/embeddings": frozenset(
        {"model", "input", "dimensions", "encoding_format", "user", "prompt_template", "normalize"}
    ),
}

ModelsSpec = Union[None, str, Iterable[str], Callable[[str], bool]]


# --------------------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    """One request as it arrived at the fake server."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # header names lower-cased
    raw_body: bytes = field(repr=False)
    body: Any  # parsed JSON, or None if the body was empty / not JSON
    unknown_params: frozenset[str] = frozenset()
    status: Optional[int] = None  # HTTP status the fake answered with
    timestamp: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        return self.body

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name.lower(), default)

    @property
    def bearer(self) -> Optional[str]:
        """The token of an ``Authorization: Bearer <token>`` header, else None."""
        auth = self.headers.get("authorization")
        if not auth:
            return None
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip()


class RequestLog:
    """A thread-safe, append-only list of RecordedRequest (indexing returns snapshots)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def for_path(self, suffix: str) -> list[RecordedRequest]:
        """Requests whose path ends with ``suffix`` (e.g. ``"/chat/completions"``)."""
        return [r for r in self.snapshot() if r.path.endswith(suffix)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index):  # int or slice
        with self._lock:
            return self._items[index]

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.snapshot())

    def __bool__(self) -> bool:
        return len(self) > 0

    def __repr__(self) -> str:
        return f"RequestLog({self.snapshot()!r})"


# --------------------------------------------------------------------------- server


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, *, code: str, param: Optional[str] = None,
                 type_: str = "error", flat: bool = False) -> None:
        super().__init__(message)
        self.status = status
        error = {"message": message, "param": param, "code": code, "type": type_}
        self.body = error if flat else {"error": error}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, fake: "FakeFireworks") -> None:
        self.fake = fake
        self._conn_lock = threading.Lock()
        self._conns: dict[threading.Thread, socket.socket] = {}
        super().__init__(addr, handler)

    def process_request(self, request, client_address):  # track handler threads
        t = threading.Thread(target=self._run_one, args=(request, client_address), daemon=True,
                             name="fakefireworks-conn")
        with self._conn_lock:
            self._conns[t] = request
        t.start()

    def _run_one(self, request, client_address) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._conn_lock:
                self._conns.pop(threading.current_thread(), None)

    def close_connections(self, timeout: float) -> None:
        with self._conn_lock:
            items = list(self._conns.items())
        for _, sock in items:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for t, _ in items:
            t.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request, client_address):  # keep test output quiet
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeFireworks/1.0"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - silence stderr logging
        pass

    # All methods go through one dispatcher.
    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until blank line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        raw = self._read_body()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        known = KNOWN_PARAMS.get(split.path)
        unknown = frozenset(body) - known if (known is not None and isinstance(body, dict)) else frozenset()
        record = RecordedRequest(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw_body=raw,
            body=body,
            unknown_params=unknown,
        )
        self._record = record
        self._started_response = False
        fake.requests.append(record)
        try:
            fake._handle(self, record)
        except _HTTPError as err:
            self._send_json(err.status, err.body)
        except Exception as err:  # a bug in the fake: answer 500 rather than hang the client
            if self._started_response:
                self.close_connection = True
                return
            self._send_json(500, {"error": {"message": f"fake server error: {err!r}",
                                            "type": "error", "param": None, "code": "INTERNAL"}})

    # -- response helpers

    def _send_json(self, status: int, obj: Any) -> int:
        data = json.dumps(obj).encode("utf-8")
        self._record.status = status  # set before the client can see the response
        self._started_response = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True
        return status

    def _send_sse(self, events: Iterable[Any]) -> int:
        self._record.status = 200
        self._started_response = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for event in events:
                payload = event if isinstance(event, str) else json.dumps(event)
                data = f"data: {payload}\n\n".encode("utf-8")
                self.wfile.write(f"{len(data):X}\r\n".encode("ascii") + data + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # client went away mid-stream
        return 200


def _default_model_check(model: str) -> bool:
    return model.startswith(DEFAULT_MODEL_PREFIX) and len(model) > len(DEFAULT_MODEL_PREFIX)


def _split_reply(text: str) -> list[str]:
    pieces = re.findall(r"\s*\S+", text)
    if pieces:
        pieces[-1] += text[len("".join(pieces)):]  # keep trailing whitespace
        return pieces
    return [text]


def _count_words(value: Any) -> int:
    """Rough, deterministic 'token' count: whitespace-separated words in all strings."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(_count_words(v) for k, v in value.items() if k not in ("role", "type"))
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return len(value)  # token ids
        return sum(_count_words(v) for v in value)
    return 0


class FakeFireworks:
    """A fake Fireworks OpenAI-compatible server on 127.0.0.1:<ephemeral port>.

    Args:
        api_key: the only key accepted in ``Authorization: Bearer <key>``.
        models: which model ids are served. ``None`` (default): any id starting with
            ``accounts/fireworks/models/``; a string or iterable of strings: exactly those
            ids; a callable ``(model_id) -> bool``.
        usage_shape: initial streaming usage shape (see module docstring / USAGE_SHAPES).
        reply: text every completion returns; streamed as word-sized deltas.
        embedding_dim: vector length for embeddings when the request has no ``dimensions``.
        strict_params: if True, unknown top-level parameters get Fireworks' 400
            ``Extra inputs are not permitted`` instead of being accepted.
        honor_base64: if False, embeddings ignore ``encoding_format="base64"`` and return
            float lists (as some OpenAI-compatible servers do).
        listed_models: the ids ``GET /models`` lists (default: an explicit ``models`` spec).
        models_list_status: the status ``GET /models`` answers (500: an error body, no list).
        error_shape: ``"wrapped"`` (``{"error": {...}}``) or ``"flat"`` for the unknown-model 404.

    Attributes (all may be changed while the server runs): ``api_key``, ``usage_shape``,
    ``reply``, ``embedding_dim``, ``strict_params``, ``honor_base64``, ``models``,
    ``listed_models``, ``models_list_status``, ``error_shape``.
    Read-only after start: ``host``, ``port``, ``url`` (``http://127.0.0.1:PORT``),
    ``base_url`` (``url + "/inference/v1"``). ``requests`` is a RequestLog.
    """

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        models: ModelsSpec = None,
        *,
        usage_shape: str = "finish_chunk",
        reply: str = DEFAULT_REPLY,
        embedding_dim: int = DEFAULT_EMBEDDING_DIM,
        strict_params: bool = False,
        honor_base64: bool = True,
        listed_models: Optional[Iterable[str]] = None,
        models_list_status: int = 200,
        error_shape: str = "wrapped",
    ) -> None:
        self.api_key = api_key
        self.listed_models = listed_models
        self.models_list_status = models_list_status
        self.error_shape = error_shape
        self.models = models
        self.usage_shape = usage_shape
        self.reply = reply
        self.embedding_dim = embedding_dim
        self.strict_params = strict_params
        self.honor_base64 = honor_base64
        self.requests = RequestLog()
        self.host = "127.0.0.1"
        self.port: Optional[int] = None
        self._httpd: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    # -- configuration

    @property
    def usage_shape(self) -> str:
        return self._usage_shape

    @usage_shape.setter
    def usage_shape(self, value: str) -> None:
        if value not in USAGE_SHAPES:
            raise ValueError(f"usage_shape must be one of {USAGE_SHAPES}, got {value!r}")
        self._usage_shape = value

    def accepts_model(self, model: str) -> bool:
        spec = self.models
        if spec is None:
            return _default_model_check(model)
        if callable(spec):
            return bool(spec(model))
        if isinstance(spec, str):
            return model == spec
        return model in set(spec)

    @property
    def reply_pieces(self) -> list[str]:
        """The deltas a stream sends for one choice (joined, they equal ``reply``)."""
        return _split_reply(self.reply)

    # -- lifecycle

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeFireworks is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> "FakeFireworks":
        if self._httpd is not None:
            raise RuntimeError("FakeFireworks already started")
        httpd = _Server((self.host, 0), _Handler, self)
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True,
            name=f"fakefireworks-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()  # stops serve_forever
        httpd.server_close()  # closes the listening socket
        httpd.close_connections(timeout)  # unblock and join handler threads
        if thread is not None:
            thread.join(timeout)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> "FakeFireworks":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (runs in handler threads)

    def _handle(self, h: _Handler, rec: RecordedRequest) -> int:
        routes = {
            f"{API_PREFIX}/chat/completions": self._chat,
            f"{API_PREFIX}/completions": self._completions,
            f"{API_PREFIX}/embeddings": self._embeddings,
        }
        if rec.path == f"{API_PREFIX}/models" and rec.method == "GET":
            return self._list_models(h, rec)
        route = routes.get(rec.path)
        if route is None or rec.method != "POST":
            raise _HTTPError(
                404, f"Unknown request URL: {rec.method} {rec.path}. Please check the URL for typos.",
                code="unknown_url", type_="invalid_request_error",
            )
        if rec.bearer != self.api_key:
            raise _HTTPError(
                401, "The API key you provided is invalid.", code="UNAUTHORIZED",
            )
        body = rec.body
        if not isinstance(body, dict):
            raise _HTTPError(400, "Request body must be a JSON object.", code="BAD_REQUEST")
        if self.strict_params and rec.unknown_params:
            name = sorted(rec.unknown_params)[0]
            raise _HTTPError(
                400, f"Extra inputs are not permitted, field: '{name}'", code="BAD_REQUEST", param=name,
            )
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise _HTTPError(400, "Field 'model' is required.", code="BAD_REQUEST", param="model")
        if not self.accepts_model(model):
            raise _HTTPError(
                404, "Model not found, inaccessible, and/or not deployed", code="NOT_FOUND", param="model",
                flat=self.error_shape == "flat",
            )
        return route(h, body, model)

    def listed(self) -> list[str]:
        """The ids ``GET /models`` lists."""
        if self.listed_models is not None:
            return list(self.listed_models)
        spec = self.models
        if isinstance(spec, str):
            return [spec]
        if spec is None or callable(spec):
            return []
        return list(spec)

    def _list_models(self, h: _Handler, rec: RecordedRequest) -> int:
        if rec.bearer != self.api_key:
            raise _HTTPError(401, "The API key you provided is invalid.", code="UNAUTHORIZED")
        if self.models_list_status != 200:
            raise _HTTPError(self.models_list_status, "Internal server error", code="INTERNAL")
        created = int(time.time())
        data = [{"id": m, "object": "model", "owned_by": m.split("/")[1] if m.startswith("accounts/") else "fireworks",
                 "created": created} for m in self.listed()]
        return h._send_json(200, {"object": "list", "data": data})

    def _usage(self, prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    def _plan(self, body: dict) -> tuple[list[str], str, int]:
        """(pieces per choice, finish_reason, n) after max_tokens truncation."""
        pieces = self.reply_pieces
        finish = "stop"
        limit = body.get("max_tokens", body.get("max_completion_tokens"))
        if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit < len(pieces):
            pieces, finish = pieces[:limit], "length"
        n = body.get("n", 1)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise _HTTPError(400, "'n' must be a positive integer.", code="BAD_REQUEST", param="n")
        return pieces, finish, n

    def _chat(self, h: _Handler, body: dict, model: str) -> int:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _HTTPError(400, "Field 'messages' must be a non-empty list.", code="BAD_REQUEST",
                             param="messages")
        return self._generate(h, body, model, chat=True, prompt_tokens=max(1, _count_words(messages)))

    def _completions(self, h: _Handler, body: dict, model: str) -> int:
        if "prompt" not in body:
            raise _HTTPError(400, "Field 'prompt' is required.", code="BAD_REQUEST", param="prompt")
        return self._generate(h, body, model, chat=False, prompt_tokens=max(1, _count_words(body["prompt"])))

    def _generate(self, h: _Handler, body: dict, model: str, *, chat: bool, prompt_tokens: int) -> int:
        pieces, finish, n = self._plan(body)
        usage = self._usage(prompt_tokens, len(pieces) * n)
        created = int(time.time())
        cid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]

        if not body.get("stream"):
            text = "".join(pieces)
            if chat:
                choices = [
                    {"index": i, "message": {"role": "assistant", "content": text},
                     "finish_reason": finish, "logprobs": None}
                    for i in range(n)
                ]
                obj = "chat.completion"
            else:
                choices = [
                    {"index": i, "text": text, "finish_reason": finish, "logprobs": None}
                    for i in range(n)
                ]
                obj = "text_completion"
            return h._send_json(200, {
                "id": cid, "object": obj, "created": created, "model": model,
                "choices": choices, "usage": usage,
            })

        shape = self.usage_shape
        stream_options = body.get("stream_options")
        requested = isinstance(stream_options, dict) and stream_options.get("include_usage") is True
        usage_on_finish = shape == "finish_chunk"
        extra_usage_chunk = shape == "empty_choices_chunk" or (shape == "only_when_requested" and requested)
        obj = "chat.completion.chunk" if chat else "text_completion"

        def chunk(choices: list, usage: Any = ...) -> dict:
            c: dict[str, Any] = {"id": cid, "object": obj, "created": created, "model": model, "choices": choices}
            if usage is not ...:
                c["usage"] = usage
            elif extra_usage_chunk:
                c["usage"] = None  # OpenAI sends explicit nulls when include_usage is on
            return c

        def choice(i: int, piece: Optional[str], first: bool, finish_reason: Optional[str]) -> dict:
            if chat:
                delta: dict[str, Any] = {}
                if first:
                    delta["role"] = "assistant"
                if piece is not None:
                    delta["content"] = piece
                return {"index": i, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
            return {"index": i, "text": piece or "", "finish_reason": finish_reason, "logprobs": None}

        def events() -> Iterator[Any]:
            for k, piece in enumerate(pieces):
                for i in range(n):
                    yield chunk([choice(i, piece, k == 0, None)])
            for i in range(n):
                last = i == n - 1
                if usage_on_finish and last:
                    yield chunk([choice(i, None, False, finish)], usage=usage)
                else:
                    yield chunk([choice(i, None, False, finish)])
            if extra_usage_chunk:
                yield chunk([], usage=usage)
            yield "[DONE]"

        return h._send_sse(events())

    def _embeddings(self, h: _Handler, body: dict, model: str) -> int:
        inp = body.get("input")
        if isinstance(inp, str):
            inputs: list[Any] = [inp]
        elif isinstance(inp, list) and inp and all(isinstance(x, int) and not isinstance(x, bool) for x in inp):
            inputs = [inp]  # a single list of token ids
        elif isinstance(inp, list) and inp:
            inputs = inp
        else:
            raise _HTTPError(400, "Field 'input' must be a non-empty string or list.", code="BAD_REQUEST",
                             param="input")
        dim = body.get("dimensions", self.embedding_dim)
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
            raise _HTTPError(400, "'dimensions' must be a positive integer.", code="BAD_REQUEST",
                             param="dimensions")
        as_base64 = self.honor_base64 and body.get("encoding_format") == "base64"
        data = []
        for i, item in enumerate(inputs):
            vec = embedding_vector(item, dim)
            emb: Any = base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode("ascii") if as_base64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        prompt_tokens = max(1, _count_words(inputs))
        return h._send_json(200, {
            "object": "list", "model": model, "data": data,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        })


def embedding_vector(item: Any, dim: int) -> list[float]:
    """The deterministic unit vector the fake returns for one embeddings input."""
    seed = json.dumps(item, sort_keys=True).encode("utf-8")
    raw: list[float] = []
    counter = 0
    while len(raw) < dim:
        digest = hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        raw.extend((b - 127.5) / 127.5 for b in digest)
        counter += 1
    raw = raw[:dim]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    # round-trip through float32 so float and base64 encodings give identical values
    return [struct.unpack("<f", struct.pack("<f", x / norm))[0] for x in raw]


# --------------------------------------------------------------------------- pytest glue

try:
    import pytest
except ImportError:  # pragma: no cover - the module is usable without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def fake_fireworks() -> Iterator[FakeFireworks]:
        """A running FakeFireworks with default settings (key ``fw-test-key``)."""
        with FakeFireworks() as server:
            yield server

    @pytest.fixture
    def make_fake_fireworks() -> Iterator[Callable[..., FakeFireworks]]:
        """Factory fixture: ``make_fake_fireworks(**kwargs)`` starts a FakeFireworks with
        those constructor arguments; all servers are stopped at teardown."""
        servers: list[FakeFireworks] = []

        def make(**kwargs: Any) -> FakeFireworks:
            server = FakeFireworks(**kwargs).start()
            servers.append(server)
            return server

        yield make
        for server in servers:
            server.stop()
