"""`fw-migrate verify`: do the Fireworks models the code names exist for this account?

Collects every Fireworks model id that the Python files, notebooks and `.env` files under
PATHS name (string literals and env values: `accounts/<account>/models/<name>` and the
other `accounts/...` ids, LiteLLM's `fireworks_ai/accounts/...`, and the map's targets
that have no `accounts/` form such as `nomic-ai/nomic-embed-text-v1.5`), with file:line,
then asks the account:

- by default one `GET {base_url}/models` with the key in FIREWORKS_API_KEY (setting
  `api-key-env`): each id is `listed` or `missing`;
- `--probe`: one chat request with `max_tokens=1` per distinct chat model: `answered` (any
  answer but 404; a 400 still means the model is there) or `missing` (404). Embedding
  models are still checked against the list; speech-to-text models served at their own
  base URL are not checked.

Exit codes: 0 every model found, 1 a model is missing or could not be confirmed (HTTP 429
or 5xx on a probe), 2 the key is not set, the server refused it, or the server could not be
reached (one line). The key is never printed.

Fireworks does not document `GET /inference/v1/models` (it works and returns an OpenAI-style
list, but third parties saw it omit serverless models and answer 500): a `missing` from the
list is worth a `--probe` before you change the code.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import socket
import tokenize
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import click

EXIT_OK, EXIT_MISSING, EXIT_ERROR = 0, 1, 2
ID_RE = re.compile(r"(?:fireworks_ai/)?(accounts/[A-Za-z0-9_.-]+/(?:models|routers|deployedModels)/[A-Za-z0-9_.:@-]+"
                   r"(?:#accounts/[A-Za-z0-9_.-]+/deployments/[A-Za-z0-9_.-]+)?)")
ENV_LINE_RE = re.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=\s*(.*?)\s*$")
QUOTED_RE = re.compile(r"""(['"])(.*?)(?<!\\)\1""")


class VerifyError(Exception):
    """The check cannot run (no key, key refused, server unreachable): one line, exit 2."""


@dataclass(frozen=True, order=True)
class Use:
    path: str
    line: int
    cell: int | None = None

    def __str__(self) -> str:
        from migrate.quoting import quote_path

        return f"{quote_path(self.path)}:cell {self.cell}:{self.line}" if self.cell is not None else f"{quote_path(self.path)}:{self.line}"


@dataclass
class Found:
    uses: dict[str, list[Use]] = field(default_factory=dict)  # model id -> where
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    scanned: int = 0

    def add(self, model: str, use: Use) -> None:
        self.uses.setdefault(model, []).append(use)


def model_ids(value: str, known: frozenset[str]) -> str | None:
    """The Fireworks model id a string literal or env value is, or None."""
    value = value.strip()
    match = ID_RE.fullmatch(value)
    if match:
        return match.group(1)
    return value if value in known else None


def _python_strings(text: str):
    """(line, value) of each string literal; a file tokenize rejects falls back to quoted runs."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING:
                try:
                    value = ast.literal_eval(token.string)
                except (ValueError, SyntaxError):
                    continue
                if isinstance(value, str):
                    yield token.start[0], value
            elif token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        for number, line in enumerate(text.splitlines(), start=1):
            for match in QUOTED_RE.finditer(line):
                yield number, match.group(2)


def _env_values(text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        match = ENV_LINE_RE.match(line)
        if match:
            value = match.group(1)
            quoted = QUOTED_RE.match(value)
            yield number, quoted.group(2) if quoted else value.split(" #", 1)[0]


def collect(paths: list[str], settings, known: frozenset[str]) -> Found:
    from migrate.files import discover, kind_of

    found = Found()
    discovery = discover(paths, settings.exclude, settings.respect_gitignore, env_files=settings.env_files)
    found.errors.extend(discovery.errors)
    for path in discovery.files:
        kind = kind_of(path)
        try:
            data = Path(path).read_bytes()
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0] if kind == "python" else "utf-8-sig"
            text = data.decode(encoding)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            found.errors.append((path, f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
            continue
        found.scanned += 1
        if kind == "env":
            pieces = [(None, _env_values(text))]
        elif kind == "notebook":
            try:
                cells = json.loads(text).get("cells", [])
            except (ValueError, AttributeError) as exc:
                found.errors.append((path, f"not a notebook: {exc}"))
                continue
            pieces = [(number, _python_strings("".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", ""))))
                      for number, c in enumerate(cells, start=1) if isinstance(c, dict) and c.get("cell_type") == "code"]
        else:
            pieces = [(None, _python_strings(text))]
        for cell, strings in pieces:
            for line, value in strings:
                model = model_ids(value, known)
                if model:
                    found.add(model, Use(path, line, cell))
    return found


@dataclass(frozen=True)
class Answer:
    status: int
    body: object
    message: str


class Client:
    """The few HTTP calls `verify` makes, with the key in a header and never in a message."""

    def __init__(self, base_url: str, key: str, timeout: float) -> None:
        self.base_url, self.key, self.timeout = base_url.rstrip("/"), key, timeout

    def call(self, method: str, path: str, payload: dict | None = None) -> Answer:
        from migrate import __version__

        url = self.base_url + path
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.key}", "Accept": "application/json", "User-Agent": f"fw-migrate/{__version__}",
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _answer(response.status, response.read())
        except urllib.error.HTTPError as exc:
            answer = _answer(exc.code, exc.read())
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise VerifyError(f"cannot reach {url}: {self.hide(str(reason))}") from None
        if answer.status in (401, 403):
            raise VerifyError(f"{method} {url} answered HTTP {answer.status}: the key in the environment was refused"
                              + (f" ({self.hide(answer.message)})" if answer.message else ""))
        return answer

    def hide(self, text: str) -> str:
        from migrate.report import hide_secrets

        return hide_secrets(text, {self.key} if self.key else set())


def _answer(status: int, raw: bytes) -> Answer:
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    message = ""
    if isinstance(body, dict):  # {"error": {"message": ...}} (OpenAI's shape) or the flat {"message": ...}
        error = body.get("error", body)
        message = str(error.get("message", "") if isinstance(error, dict) else error or "")
    elif raw:
        message = raw[:200].decode("utf-8", "replace")
    return Answer(status, body, " ".join(message.split()))


@dataclass(frozen=True)
class Row:
    model: str
    kind: str  # chat | embedding | audio
    status: str  # listed | answered | missing | unconfirmed | not checked
    detail: str
    uses: tuple[Use, ...]

    @property
    def ok(self) -> bool:
        return self.status in ("listed", "answered", "not checked")


def kinds(model_map) -> tuple[dict[str, str], dict[str, str]]:
    """Each map target's kind (chat, embedding, audio) and, for audio, its own base URL."""
    kind, served = {}, {}
    for entry in model_map.entries():
        kind[entry.target] = entry.kind if entry.kind in ("embedding", "audio") else "chat"
        if entry.base_url:
            served[entry.target] = entry.base_url
    return kind, served


def guess_kind(model: str, known: dict[str, str]) -> str:
    if model in known:
        return known[model]
    name = model.rsplit("/", 1)[-1]
    return "embedding" if "embed" in name else "audio" if name.startswith(("whisper", "fireworks-asr")) else "chat"


def check(found: Found, client: Client, probe: bool, model_map) -> tuple[list[Row], list[str]]:
    known, served = kinds(model_map)
    rows, warnings = [], []
    models = sorted(found.uses)
    kind = {m: guess_kind(m, known) for m in models}
    listed: set[str] | None = None
    needs_list = [m for m in models if m not in served and (not probe or kind[m] != "chat")]
    if needs_list:
        answer = client.call("GET", "/models")
        if answer.status != 200 or not isinstance(answer.body, dict) or not isinstance(answer.body.get("data"), list):
            hint = "" if probe else "; --probe asks each chat model instead"
            raise VerifyError(f"GET {client.base_url}/models answered HTTP {answer.status}"
                              + (f": {client.hide(answer.message)}" if answer.message else "") + hint)
        listed = {item.get("id") for item in answer.body["data"] if isinstance(item, dict)}
        if answer.body.get("has_more"):
            warnings.append("the model list says it has more pages: a model on a later page shows as missing "
                            "(--probe asks the chat models themselves)")
    for model in models:
        uses = tuple(sorted(set(found.uses[model])))
        if model in served:
            rows.append(Row(model, kind[model], "not checked", f"served at {served[model]}", uses))
        elif probe and kind[model] == "chat":
            answer = client.call("POST", "/chat/completions", {
                "model": model, "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 1})
            detail = f"HTTP {answer.status}" + (f": {client.hide(answer.message)}" if answer.message else "")
            status = ("missing" if answer.status == 404 else "unconfirmed" if answer.status == 429 or answer.status >= 500
                      else "answered")
            rows.append(Row(model, kind[model], status, "" if answer.status == 200 else detail, uses))
        else:
            present = model in (listed or set())
            rows.append(Row(model, kind[model], "listed" if present else "missing", "" if present else "not in GET /models", uses))
    return rows, warnings


def table(rows: list[Row]) -> list[str]:
    header = ("model", "kind", "status", "where used")
    cells = [(r.model, r.kind, r.status + (f" ({r.detail})" if r.detail else ""), ", ".join(map(str, r.uses))) for r in rows]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(3)]
    return [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in [header, *cells]]


def _fail(message: str) -> int:
    click.echo(f"fw-migrate verify: error: {message}", err=True)
    return EXIT_ERROR


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--probe", is_flag=True, help="Send one max_tokens=1 chat request per distinct chat model instead of reading the model list.")
@click.option("--base-url", metavar="URL", help="The Fireworks base URL to ask [the configured base-url].")
@click.option("--api-key-env", metavar="NAME", help="The environment variable that holds the Fireworks key [FIREWORKS_API_KEY].")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", help="text (a table) or json.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files and folders matching this gitignore-style pattern.")
@click.option("--no-gitignore", is_flag=True, default=None, help="Also read files .gitignore leaves out (a local .env often is).")
@click.option("--config", type=click.Path(dir_okay=False), help="Read [tool.fw-migrate] from this file.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=20.0, show_default=True, help="Seconds to wait for each answer.")
def verify_cli(paths, probe, base_url, api_key_env, output_format, exclude, no_gitignore, config, timeout) -> None:
    """Check that the Fireworks models the code and .env files under PATHS name exist for your account.

    Reads every model id with file:line, then asks the server once (GET /models) or, with
    --probe, once per chat model. Exit codes: 0 all found, 1 a model is missing or could
    not be confirmed, 2 the key is not set or was refused, or the server cannot be reached.
    A folder named `verify` is migrated with `fw-migrate ./verify`.
    """
    from migrate.cli import _model_map, build_settings
    from migrate.settings import SettingsError

    paths = paths or (".",)
    try:
        settings = build_settings(paths, config, {"exclude": exclude, "base-url": base_url, "api-key-env": api_key_env,
                                                  "respect-gitignore": False if no_gitignore else None})
        model_map = _model_map(settings)
    except SettingsError as exc:
        raise click.exceptions.Exit(_fail(str(exc)))
    found = collect(list(paths), settings, frozenset(t for t in kinds(model_map)[0] if not t.startswith("accounts/")))
    for path, why in found.errors:
        click.echo(f"{path}: error: {why}", err=True)
    if not found.uses:
        _emit(output_format, [], [], found, "no Fireworks model id found")
        raise click.exceptions.Exit(EXIT_ERROR if found.errors else EXIT_OK)
    key = os.environ.get(settings.api_key_env, "").strip()
    if not key:
        raise click.exceptions.Exit(_fail(f"{settings.api_key_env} is not set: export your Fireworks API key to check "
                                          "the models against your account"))
    try:
        rows, warnings = check(found, Client(settings.base_url, key, timeout), probe, model_map)
    except VerifyError as exc:
        raise click.exceptions.Exit(_fail(str(exc)))
    missing = sum(not r.ok for r in rows)
    summary = (f"{len(rows)} model{'s' if len(rows) != 1 else ''} in {found.scanned} file{'s' if found.scanned != 1 else ''}: "
               + (f"{missing} missing or unconfirmed" if missing else "all found"))
    _emit(output_format, rows, warnings, found, summary)
    raise click.exceptions.Exit(EXIT_ERROR if found.errors else EXIT_MISSING if missing else EXIT_OK)


def _emit(output_format: str, rows: list[Row], warnings: list[str], found: Found, summary: str) -> None:
    if output_format == "json":
        document = {"version": 1, "tool": "fw-migrate verify", "models": [
            {"model": r.model, "kind": r.kind, "status": r.status, "detail": r.detail,
             "uses": [{"path": u.path, "line": u.line, **({"cell": u.cell} if u.cell is not None else {})} for u in r.uses]}
            for r in rows], "summary": summary}
        click.echo(json.dumps(document))
        return
    for line in table(rows) if rows else ():
        click.echo(line)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(summary)
