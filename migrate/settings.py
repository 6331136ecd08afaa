"""Settings: one frozen object built from `[tool.fw-migrate]` and the command line.

Flags win over the pyproject table; the table wins over the defaults. Every key and value
is checked here, so a typo is a one-line error naming the key instead of a silent default.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FIREWORKS_BASE_URL = "https://api.fireworks.ai/inference/v1"
DEFAULT_API_KEY_ENV = "FIREWORKS_API_KEY"
BASE_URL_ENV = "FIREWORKS_BASE_URL"
TABLE = "fw-migrate"


class SettingsError(Exception):
    """Bad configuration: the message is one line that names the key or flag."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    base_url: str = FIREWORKS_BASE_URL
    api_key_env: str = DEFAULT_API_KEY_ENV
    # "literal": base_url="https://..."; "env": os.environ.get("FIREWORKS_BASE_URL", "https://...")
    base_url_style: str = "literal"
    # "strict": os.environ["FIREWORKS_API_KEY"] (fails fast); "soft": keep the user's read form
    api_key_read: str = "strict"
    # max_tokens past the context window: "note" each call, "error" asks Fireworks to fail like
    # OpenAI (extra_body context_length_exceeded_behavior), "truncate" accepts its lowering
    # streamed requests whose usage a loop keeps: "add" stream_options={"include_usage": True}
    # (Fireworks' typed schema does not list it; LangChain sends it), or "leave" the call as it is
    stream_options: str = "add"
    context_overflow: str = "note"
    # non-streaming max_tokens > 4096: "off" (note), "stream" (streamed and accumulated), "cap"
    fix_large_max_tokens: str = "off"
    # LangChain / LlamaIndex: keep the OpenAI classes pointed at Fireworks (False) or switch to the
    # Fireworks integration packages (langchain-fireworks, llama-index-llms-fireworks)
    framework_native: bool = False
    respect_gitignore: bool = True
    # .env, .env.example, .env.* files: rename OPENAI_API_KEY, set the base URL, map model ids
    env_files: bool = True
    jobs: int | None = None
    output_format: str = "text"
    fail_on: str = "change"  # also fail on notes of this severity or worse
    # Raw `[tool.fw-migrate.models]` entries and `--model` flags; the model map is built from them.
    models: tuple[tuple[str, Any], ...] = ()
    model_flags: tuple[str, ...] = ()
    config_file: Path | None = field(default=None, compare=False)

    def rule_enabled(self, name: str) -> bool:
        if self.select is not None and name not in self.select:
            return False
        return name not in self.ignore

    def fingerprint(self) -> str:
        """A stable text of everything that changes what the rules do (for caches)."""
        data = dataclasses.asdict(self)
        data.pop("config_file", None)
        for presentation in ("jobs", "output_format", "fail_on"):
            data.pop(presentation, None)
        return repr(sorted(data.items()))


# key -> (dataclass field, validator). Validators return the converted value or raise ValueError.
def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _choice(*choices: str):
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(repr(c) for c in choices)}")
        return value

    return check


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError("expected an http(s) URL")
    return value.rstrip("/")


def _env_name(value: Any) -> str:
    if not isinstance(value, str) or not value.isidentifier():
        raise ValueError("expected an environment variable name")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _flag(value: Any) -> bool:
    """true/false, also as text (fixture settings and flags pass strings)."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return _bool(value)


def _jobs(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


def _models(value: Any) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, dict):
        raise ValueError("expected a table of OPENAI-MODEL = FIREWORKS-MODEL")
    return tuple(value.items())


KEYS: dict[str, tuple[str, Any]] = {
    "select": ("select", _str_list),
    "ignore": ("ignore", _str_list),
    "exclude": ("exclude", _str_list),
    "base-url": ("base_url", _url),
    "api-key-env": ("api_key_env", _env_name),
    "base-url-style": ("base_url_style", _choice("literal", "env")),
    "api-key-read": ("api_key_read", _choice("strict", "soft")),
    "stream-options": ("stream_options", _choice("add", "leave")),
    "context-overflow": ("context_overflow", _choice("note", "error", "truncate")),
    "fix-large-max-tokens": ("fix_large_max_tokens", _choice("off", "stream", "cap")),
    "framework-native": ("framework_native", _flag),
    "respect-gitignore": ("respect_gitignore", _bool),
    "env-files": ("env_files", _bool),
    "jobs": ("jobs", _jobs),
    "models": ("models", _models),
    "model-flags": ("model_flags", _str_list),  # command line only (--model)
    "output-format": ("output_format", _choice("text", "json", "sarif", "github", "markdown")),
    "fail-on": ("fail_on", _choice("change", "error", "warning", "info")),
}


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.fw-migrate] table."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return candidate
    return None


def _has_table(path: Path) -> bool:
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    # A cheap look before a parse: most pyproject files on the way up are not ours.
    if b"fw-migrate" not in raw:
        return False
    return TABLE in _load_toml(path).get("tool", {})


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read configuration: {exc}") from None


def read_table(path: Path) -> dict[str, Any]:
    table = _load_toml(path).get("tool", {}).get(TABLE, {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.{TABLE}] must be a table")
    return table


def from_mapping(values: Mapping[str, Any], origin: str, base: Settings | None = None) -> Settings:
    """Settings from a `[tool.fw-migrate]`-shaped mapping; `origin` names it in errors."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        canonical = key.replace("_", "-")
        if canonical not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise SettingsError(f"{origin}: unknown key {key!r} (known keys: {known})")
        attr, convert = KEYS[canonical]
        try:
            changes[attr] = convert(value)
        except ValueError as exc:
            raise SettingsError(f"{origin}: {key!r}: {exc}, got {value!r}") from None
    return dataclasses.replace(base or Settings(), **changes)


def load(start: Path, config_file: Path | None = None) -> Settings:
    """Settings from the given config file or the nearest pyproject.toml with our table."""
    path = config_file or find_pyproject(start)
    if path is None:
        return Settings()
    if config_file is not None and not config_file.is_file():
        raise SettingsError(f"{config_file}: configuration file not found")
    origin = f"{path}: [tool.{TABLE}]"
    settings = from_mapping(read_table(path), origin)
    return dataclasses.replace(settings, config_file=path)
