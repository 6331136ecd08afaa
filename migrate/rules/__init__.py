"""The rules, in the order they run: each sees the tree the previous one left.

Rule modules import LibCST, so they are loaded only when a file needs them; this module
itself stays light (the CLI lists rule names and validates --select without loading them).
"""

from __future__ import annotations

import importlib
from functools import cache

ALL_RULES: tuple[str, ...] = (
    "client",
    # framework rules that rewrite key reads run before module_config, which notes OPENAI_* reads
    "openai_v0",
    "anthropic_sdk",
    "langchain",
    "llama_index",
    "litellm",
    "module_config",
    "azure",  # after module_config: it completes the Azure blocks module_config has seen
    "agents_sdk",  # after client: it looks for the Fireworks URL the client rule wrote
    "instructor",
    "model_names",
    "stream_usage",
    "request_params",
    "max_tokens",
    "tiktoken_models",
    "unsupported_surfaces",
    "api_notes",
    "reasoning",
    "error_codes",
)


@cache
def load(name: str):
    """The Rule class of rule `name`."""
    module = importlib.import_module(f"migrate.rules.{name}")
    return module.RULE


def docstring(name: str) -> str:
    import inspect

    return inspect.cleandoc(importlib.import_module(f"migrate.rules.{name}").__doc__ or "")


def summary(name: str) -> str:
    return docstring(name).splitlines()[0] if docstring(name) else ""
