"""Point module-level OpenAI configuration and OPENAI_* environment reads at Fireworks.

`openai.api_key = ...`, `openai.base_url = ...` (the module client of SDK 1.x and later) and
`openai.api_base = ...` (SDK 0.x) get the same treatment as the client's arguments:

Before:
    openai.api_key = os.getenv("OPENAI_API_KEY")
    openai.organization = "org-123"
After:
    openai.api_key = os.environ["FIREWORKS_API_KEY"]
    openai.base_url = "https://api.fireworks.ai/inference/v1"

- A key read of OPENAI_API_KEY becomes a read of FIREWORKS_API_KEY that fails fast; a
  hard-coded key becomes the environment read and is reported (masked).
- OpenAI's URL, or a read of OPENAI_BASE_URL / OPENAI_API_BASE, becomes the Fireworks URL;
  when the file sets the key but no URL, the URL line is added after the key line
  (`openai.api_base` in files written for the 0.x SDK, `openai.base_url` otherwise).
  A URL pointing anywhere else is left, with a note.
- `openai.organization = ...` / `openai.project = ...` are removed, with a note.
- Reads of OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_API_BASE elsewhere (a settings module,
  a helper) are rewritten when, in the same file, the name they are stored in feeds a client's
  `api_key=`/`base_url=` or the module configuration; otherwise they are reported, since
  only you know where the value goes.

Not rewritten: files that call the module client (`openai.chat.completions.create(...)`)
without configuring it get a note: set `openai.base_url`/`openai.api_key` where you configure
openai, or export OPENAI_BASE_URL and a Fireworks key in OPENAI_API_KEY.
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

from migrate.results import mask
from migrate.rules._base import Rule
from migrate.rules._config_values import FireworksValues
from migrate.rules._lazy import cst
from migrate.rules._names import (
    CLIENT_CLASSES,
    OPENAI_KEY_VARS,
    OPENAI_URL_VARS,
    dotted,
    env_read,
    make_string,
    qualname,
    quote_of,
    renamed_env_read,
    string_value,
    url_kind,
)
from migrate.settings import FIREWORKS_BASE_URL

KEY_ATTRS = frozenset({"openai.api_key"})
URL_ATTRS = frozenset({"openai.base_url", "openai.api_base"})
HEADER_ATTRS = frozenset({"openai.organization", "openai.project"})
CONFIG_ATTRS = KEY_ATTRS | URL_ATTRS | HEADER_ATTRS
MODULE_CLIENT_PARTS = frozenset({"chat", "completions", "embeddings", "responses", "audio", "models"})
V0_RESOURCES = frozenset({"ChatCompletion", "Completion", "Embedding", "Edit", "Moderation", "Audio", "Image"})
WATCHED_VARS = OPENAI_KEY_VARS | OPENAI_URL_VARS


def uses_module_client(called: set[str]) -> bool:
    return any(q.startswith("openai.") and q.split(".")[1] in MODULE_CLIENT_PARTS | V0_RESOURCES for q in called)


def uses_v0(called: set[str]) -> bool:
    return any(q.startswith("openai.") and q.split(".")[1] in V0_RESOURCES for q in called)


class ModuleConfigRule(FireworksValues, Rule):
    # env reads and writes, module configuration, module-client calls, client constructions and
    # `api_key=`/`base_url=` values (what a client is handed decides which env reads to rewrite)
    TRIGGER = r"OPENAI_(?:API_KEY|BASE_URL|API_BASE)|\b(?:api_key|base_url)\s*=|\b(?:Async)?(?:OpenAI|Client)\s*\(|\.(?:api_key|api_base|base_url|organization|project)\s*=|\.(?:chat|completions|embeddings|responses|audio|models|ChatCompletion|Completion|Embedding|Edit|Moderation|Image|Audio)\."
    @classmethod
    def triage(cls, facts, settings) -> bool:
        return (
            not facts.assigned_attrs.isdisjoint(CONFIG_ATTRS)
            or not facts.env_reads.isdisjoint(WATCHED_VARS)
            or uses_module_client(facts.called)
        )

    @classmethod
    def lines(cls, facts) -> set[int]:
        return facts.lines_of(facts.assign_lines, CONFIG_ATTRS) | facts.lines_of(facts.env_lines, WATCHED_VARS) | facts.lines_of(facts.call_lines, CLIENT_CLASSES)

    def __init__(self, ctx):
        super().__init__(ctx)
        facts = ctx.facts
        self.sets_url = not facts.assigned_attrs.isdisjoint(URL_ATTRS)
        self.sets_key = not facts.assigned_attrs.isdisjoint(KEY_ATTRS)
        self.url_attr = "api_base" if uses_v0(facts.called) or "openai.api_base" in facts.assigned_attrs else "base_url"
        self.fed: set[str] = set()
        self.block_sizes: list[int] = []
        self.client_depth = 0
        self.handled: set[int] = set()  # ids of env-read nodes already dealt with

    def visit_Module(self, node: cst.Module) -> None:
        self.fed = self.ctx.facts.fed_names | self.ctx.links.feeds
        self.block_sizes.append(len(node.body))
        if uses_module_client(self.ctx.facts.called) and not (self.sets_key or self.sets_url):
            first = node.body[0] if node.body else node
            self.note(first, "FW205", "warning", "this file calls the module-level openai client but does not configure it: "
                      f"set openai.{self.url_attr} = {self.settings.base_url!r} and openai.api_key = "
                      f"os.environ[{self.settings.api_key_env!r}] where you configure openai (or export OPENAI_BASE_URL "
                      "and a Fireworks key in OPENAI_API_KEY)")

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.block_sizes.append(len(node.body))

    def leave_IndentedBlock(self, original, updated):
        self.block_sizes.pop()
        return updated

    def visit_Call(self, node: cst.Call) -> None:
        if qualname(node.func, self.imports) in CLIENT_CLASSES:
            self.client_depth += 1  # reads inside a client construction belong to the client rule

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if qualname(original.func, self.imports) in CLIENT_CLASSES:
            self.client_depth -= 1
            return updated
        return self._env_read_note(original, updated)

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        return self._env_read_note(original, updated)

    # --- module configuration statements -------------------------------------------------------

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        """Mark the reads this statement will rewrite, before their own leave_ would note them."""
        if len(node.body) != 1 or not isinstance(node.body[0], (cst.Assign, cst.AnnAssign)):
            return
        stmt = node.body[0]
        written = self._env_write(stmt)
        if written is not None:
            self.handled.add(id(written.name_node))  # a write, handled by leave_SimpleStatementLine
            return
        if stmt.value is None:
            return
        read = env_read(stmt.value, self.imports)
        if read is None:
            return
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        names = {(dotted(t) or "").rsplit(".", 1)[-1] for t in targets}
        if any(qualname(t, self.imports) in KEY_ATTRS | URL_ATTRS for t in targets) or not names.isdisjoint(self.fed):
            self.handled.add(id(read.name_node))

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Assign):
            return self._env_assignments(original, updated)
        assign = updated.body[0]
        if len(assign.targets) != 1:
            return updated
        written = self._env_write(original.body[0])
        if written is not None:
            return self._rename_env_write(original, updated, written)
        target = assign.targets[0].target
        attr = qualname(target, self.imports)
        if attr not in CONFIG_ATTRS:
            return self._env_assignments(original, updated)
        if not self.allowed(original):
            return updated
        if attr in HEADER_ATTRS:
            return self._remove_header(original, updated, dotted(target) or attr)
        if attr in KEY_ATTRS:
            new_value = self._key_value(original, assign.value)
            result = updated if new_value is None else updated.with_changes(body=[assign.with_changes(value=new_value)])
            if new_value is not None:
                self.changed(original, f"{dotted(target)} reads {self.settings.api_key_env}")
            if not self.sets_url and isinstance(target, cst.Attribute):
                self.sets_url = True
                url_target = target.with_changes(attr=cst.Name(self.url_attr))
                line = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(url_target)], self.fireworks_url('"'))])
                self.changed(original, f"{dotted(url_target)} set to Fireworks")
                return cst.FlattenSentinel([result, line])
            return result
        new_value = self._url(original, assign.value)
        if new_value is None:
            return updated
        self.changed(original, f"{dotted(target)} now Fireworks")
        return updated.with_changes(body=[assign.with_changes(value=new_value)])

    def _remove_header(self, original, updated, name: str):
        if self.block_sizes and self.block_sizes[-1] <= 1:
            self.note(original, "FW204", "info", f"{name} only sends an OpenAI header: remove this line")
            return updated
        self.note(original, "FW204", "info", f"removed {name}: it only sends an OpenAI header that Fireworks does not use")
        self.changed(original, f"{name} removed")
        return cst.RemoveFromParent()

    def _key_value(self, node, value: cst.BaseExpression) -> cst.BaseExpression | None:
        read = env_read(value, self.imports)
        if read is not None:
            return self.migrated_key_read(node, value, read, "FW207")
        literal = string_value(value)
        if literal is not None:
            return self.replaced_literal_key(node, value, literal, "FW203")  # type: ignore[arg-type]
        return None

    def _url(self, node, value: cst.BaseExpression) -> cst.BaseExpression | None:
        read = env_read(value, self.imports)
        if read is not None:
            return self.fireworks_url(quote_of(read.name_node)) if read.var in OPENAI_URL_VARS else None
        url = string_value(value)
        if url is None:
            return None
        kind = url_kind(url, self.settings.base_url)
        if kind == "openai":
            return self.fireworks_url(quote_of(value))  # type: ignore[arg-type]
        if kind == "fireworks-malformed":
            self.note(node, "FW202", "info", f"base URL {url!r} normalised to {FIREWORKS_BASE_URL!r}")
            return make_string(FIREWORKS_BASE_URL, quote_of(value))  # type: ignore[arg-type]
        if kind == "other":
            self.note(node, "FW201", "warning", f"the module client points to {url!r}, not OpenAI: left as is")
        return None

    # --- os.environ["OPENAI_API_KEY"] = ... (notebooks set the key this way) -----------------------

    def _env_write(self, stmt):
        """The env read shape of `os.environ["OPENAI_API_KEY"] = ...`, else None."""
        if not isinstance(stmt, cst.Assign) or len(stmt.targets) != 1:
            return None
        read = env_read(stmt.targets[0].target, self.imports)
        return read if read is not None and read.var in OPENAI_KEY_VARS else None

    def _rename_env_write(self, original, updated, written):
        """The clients this file builds read FIREWORKS_API_KEY now: set that variable instead."""
        target = self.settings.api_key_env
        feeds_client = self.ctx.facts.calls_any(CLIENT_CLASSES) or uses_module_client(self.ctx.facts.called)
        if not self.allowed(original):
            return updated
        if not feeds_client:
            self.note(original, "FW208", "info", f"sets {written.var}: if an OpenAI client reads it, set {target} "
                      "instead (the migrated clients read that one)")
            return updated
        value = string_value(updated.body[0].value)
        if value is not None and len(value) >= 8:
            self.secret(value)
            self.note(original, "FW203", "warning", f"hard-coded API key {mask(value)} set in the environment: an OpenAI "
                      f"key does not work on Fireworks; read a Fireworks key (getpass, a secrets manager) into {target}")
        self.changed(original, f"sets {target} instead of {written.var} (the clients read it now)")
        return updated.deep_replace(updated.body[0].targets[0].target, renamed_env_read(
            updated.body[0].targets[0].target, env_read(updated.body[0].targets[0].target, self.imports), target))

    # --- OPENAI_* reads elsewhere ----------------------------------------------------------------

    def _env_assignments(self, original, updated):
        """`NAME = os.getenv("OPENAI_API_KEY")` where NAME feeds a client: rewrite the read."""
        if len(updated.body) != 1 or not isinstance(updated.body[0], (cst.Assign, cst.AnnAssign)):
            return updated
        stmt = updated.body[0]
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        names = {(dotted(t) or "").rsplit(".", 1)[-1] for t in targets}
        read = env_read(stmt.value, self.imports) if stmt.value is not None else None
        if read is None or read.var not in WATCHED_VARS or names.isdisjoint(self.fed) or not self.allowed(original):
            return updated
        if read.var in OPENAI_KEY_VARS:
            new_value = self.migrated_key_read(original, stmt.value, read, "FW207", names)
            what = f"reads {self.settings.api_key_env}"
        else:
            new_value = self.fireworks_url(quote_of(read.name_node))
            what = "is the Fireworks URL"
        if new_value is None:
            return updated
        self.changed(original, f"{', '.join(sorted(names))} (it configures an OpenAI client) {what} instead of {read.var}")
        return updated.with_changes(body=[stmt.with_changes(value=new_value)])

    def _env_read_note(self, original, updated):
        if self.client_depth:
            return updated
        read = env_read(original, self.imports)
        if read is None or read.var not in WATCHED_VARS or id(read.name_node) in self.handled:
            return updated
        wanted = self.settings.api_key_env if read.var in OPENAI_KEY_VARS else f"the Fireworks URL ({self.settings.base_url})"
        self.note(original, "FW206", "info", f"reads {read.var}: if this value configures an OpenAI client or openai, "
                  f"use {wanted} instead (fw-migrate cannot see where it goes from here)")
        return updated


RULE = ModuleConfigRule
