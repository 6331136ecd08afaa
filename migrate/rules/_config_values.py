"""The Fireworks values the configuration rules write, and how an API key is migrated.

Shared by every rule that sets a base URL or an API key (the client constructor, module
configuration, ...), so a key is migrated the same way wherever it is configured.
"""

from __future__ import annotations

from migrate.results import mask
from migrate.rules._lazy import cst
from migrate.rules._names import (
    OPENAI_KEY_VARS,
    EnvRead,
    make_string,
    quote_of,
    renamed_env_read,
    strict_env_read,
)
from migrate.settings import BASE_URL_ENV


class FireworksValues:
    """A mixin for Rule subclasses: `self.settings`, `self.note`, `self.need_import`, `self.secret`."""

    def fireworks_url(self, quote: str) -> cst.BaseExpression:
        """The base URL as configured: a literal, or `os.environ.get("FIREWORKS_BASE_URL", url)`."""
        url = make_string(self.settings.base_url, quote)
        if self.settings.base_url_style != "env":
            return url
        self.need_import("os")
        return cst.parse_expression(f"os.environ.get({quote}{BASE_URL_ENV}{quote}, {url.value})")

    def fireworks_key(self, read: EnvRead | None, quote: str) -> cst.BaseExpression:
        """`os.environ["FIREWORKS_API_KEY"]` (the user's own `environ` spelling when there is one)."""
        expr, needs_os = strict_env_read(read, self.settings.api_key_env, quote)
        if needs_os:
            self.need_import("os")
        return expr

    def migrated_key_read(self, node, value: cst.BaseExpression, read: EnvRead, code: str,
                          names: frozenset[str] | set[str] = frozenset()) -> cst.BaseExpression | None:
        """A read of OPENAI_API_KEY as a read of the Fireworks key; None for other variables.

        `names`: what the read is assigned to. A soft read (`os.getenv`, `environ.get`) whose
        name the file tests for being set (`if api_key:`, `api_key or ...`) keeps its soft
        form: the program has a path for a missing key (a mock mode, a clear message) that a
        strict read would turn into a KeyError.
        """
        target = self.settings.api_key_env
        if read.var not in OPENAI_KEY_VARS:
            return None
        if self.settings.api_key_read == "soft":
            return renamed_env_read(value, read, target)
        tested = sorted(set(names) & self.ctx.facts.truth_tested()) if read.form == "call" else []
        if tested:
            self.note(node, code, "info", f"kept a soft read of {target}: the file tests {tested[0]} for being unset "
                      "and has its own path for a missing key")
            return renamed_env_read(value, read, target)
        if read.default is not None:
            self.note(node, code, "info", f"the default of the {read.var} read was dropped: {target} must be set "
                      "(a missing key should fail here, not reach Fireworks as OpenAI's)")
        return self.fireworks_key(read, quote_of(read.name_node))

    def replaced_literal_key(self, node, value: cst.SimpleString, literal: str, code: str) -> cst.BaseExpression:
        """A hard-coded key becomes the environment read; the key is reported masked, never shown."""
        shown = mask(literal) if len(literal) >= 8 else repr(literal)
        if len(literal) >= 8:
            self.secret(literal)
        self.note(node, code, "warning", f"hard-coded API key {shown} replaced by os.environ[{self.settings.api_key_env!r}]: "
                  "keys do not belong in code; revoke it if it was real and set the variable instead")
        return self.fireworks_key(None, quote_of(value))
