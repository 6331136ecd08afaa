"""Swap the OpenAI model ids your requests name for Fireworks ones, through the model map.

A request is a call ending in `.chat.completions.create/parse/stream`, `.completions.create`,
`.embeddings.create`, `.responses.create/parse/stream` or
`.audio.transcriptions/translations.create` (also under `beta.`, `with_raw_response.`, and
instructor's `create_with_completion`), on any client (`client`, `self.client`, a parameter,
`openai` itself), sync or async. Its `model=` is rewritten where it is a string literal, and
so are the literals that flow into it within the file: constants, class attributes,
dataclass and pydantic fields, `self.model = ...`, default parameter values and keyword
arguments to your own functions and classes, `"model"` entries of a dict passed as
`**params`, `os.environ.get("MODEL", "gpt-4o")` defaults, argparse defaults, lists looped
over. A module- or class-level constant that another file of the same run hands to a
request (`model=settings.CHAT_MODEL`, `model=CHAT_MODEL`) is rewritten too.

Before:
    MODEL = os.getenv("CHAT_MODEL", 'gpt-4o-mini-2024-07-18')
    client.chat.completions.create(model=MODEL, messages=messages)
After:
    MODEL = os.getenv("CHAT_MODEL", 'accounts/fireworks/models/gpt-oss-120b')
    client.chat.completions.create(model=MODEL, messages=messages)

Dated snapshots resolve to their family (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`); your
quote style is kept. See the map with `fw-migrate --list-models`; override it in
pyproject.toml (`[tool.fw-migrate.models]` `"gpt-4o" = "accounts/fireworks/models/x"`) or
with `--model gpt-4o=accounts/fireworks/models/x`.

Notes:
- FW301: what the new model changes for the caller (reasoning, image input), once a model.
- FW302: an unknown `gpt-*` / `o*` id: left, with how to add it to the map.
- FW303: a model Fireworks has no counterpart for (speech, realtime, web search...): left;
  an error in a request, a note on each other occurrence.
- FW304: an embedding model: re-embed stored vectors (the size may differ; `dimensions=`).
- FW305: a speech-to-text model: it is served on a separate audio URL, so a second client.
- FW306: a retired Fireworks id, with its replacement.
- FW307: an OpenAI id anywhere else in a file that uses openai (a price table, a list of
  choices, `ChatOpenAI(model=...)`, an Agents SDK `Agent(model=...)`): left, noted once an id.
- FW309: the model is read from an environment variable: set it to a Fireworks id there.
- FW310: `model == "gpt-4o"` / `model.startswith("o")` on a rewritten name is now false.

Never rewritten: docstrings, comments, prompts, log messages, f-strings, concatenated
strings, Fireworks ids (`accounts/...`) and `org/name` ids, names the file cannot trace to
a literal, positional arguments, `model=` of calls on other SDKs (a file that imports
anthropic, groq, ... and not openai). `tiktoken.encoding_for_model` is the tiktoken_models
rule's; images, speech and moderation calls are the unsupported_surfaces rule's.
Docs: https://docs.fireworks.ai/models/overview and
https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

from collections import Counter

from migrate.model_map import Mapping
from migrate.rules._base import Rule
from migrate.rules._calls import model_map
from migrate.rules._lazy import cst
from migrate.rules._model_flow import (
    FIREWORKS_IDS,
    REQUESTS,
    Role,
    analyse,
    notable,
    top_level_strings,
)
from migrate.rules._names import string_value


class ModelNamesRule(Rule):
    TRIGGER = (r"(?i:openai)|[\"'](?:gpt-|chatgpt-|o[1-9][-\"']|text-embedding-|text-davinci|davinci|babbage|whisper-|dall-e|tts-"
               r"|accounts/fireworks/)|\.(?:completions|embeddings|responses|transcriptions|translations)\.(?:create|parse|stream)\b")

    @classmethod
    def triage(cls, facts, settings) -> bool:
        """A file that uses openai or makes requests, and names a model or reads one from the
        environment; or one that sets a module/class constant to a model id (for other files)."""
        models = model_map(settings)
        named = any(notable(value, models) for value in facts.strings)
        requests = facts.imports.imports_module("openai") or any(".".join(p[-2:]) in facts.method_calls for p in REQUESTS)
        if requests:  # your own map's keys need not look like OpenAI ids, nor reach facts.strings
            return named or bool(settings.models or settings.model_flags) or any("MODEL" in v.upper() for v in facts.env_reads)
        return named and any(notable(value, models) for value in top_level_strings(facts.tree))

    def __init__(self, ctx):
        super().__init__(ctx)
        self.models = model_map(self.settings)
        self.plan = analyse(ctx.facts, self.models, ctx.links.model_feeds)
        self.values = {value for _, value in self.plan.roles}
        self._interest = self.plan.lines  # only statements on these lines are visited
        self.seen: Counter = Counter()
        self.explained: set[str] = set()  # map entries whose note was given
        self.mentioned: set[str] = set()
        self.parts: set[int] = set()  # pieces of "implicitly" "concatenated" strings: never a model

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self.parts.update(id(part) for part in (node.left, node.right) if isinstance(part, cst.SimpleString))

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.BaseExpression:
        value = string_value(original)
        if value is None or value not in self.values or id(original) in self.parts:
            return updated
        if value in self.plan.uniform:  # no need to know where it is (positions cost a code generation)
            role = self.plan.uniform[value]
        else:
            line = self._lines(original)[0]
            index = self.seen[line, value]
            self.seen[line, value] += 1
            found = self.plan.roles.get((line, value), ())
            role = found[index] if index < len(found) else None
        if role is None or (role.kind == "mention" and value in self.mentioned and not self.models.unsupported(value)):
            return updated
        if not self.allowed(original):
            return updated
        if role.kind == "envvar":
            self.note(original, "FW309", "info", f"the model is read from {value}: wherever it is set (.env files, "
                      "deployment settings), set it to a Fireworks model id")
        elif role.kind == "compare":
            self.note(original, "FW310", "warning", f"{role.detail} now holds a Fireworks model id, so comparing it with "
                      f"{value!r} no longer matches: compare with the Fireworks id, or branch on a setting of your own")
        elif self.retired(original, value):
            pass
        elif role.kind == "mention":
            self.mention(original, value)
        elif mapping := self.request(original, value, role):
            self.changed(original, f"model {value!r} -> {mapping.target!r}")
            return updated.with_changes(value=f"{updated.prefix}{updated.quote}{mapping.target}{updated.quote}")
        return updated

    def retired(self, node: cst.SimpleString, value: str) -> bool:
        """True for any Fireworks or `org/name` id (never rewritten), with a note when retired."""
        gone = self.models.retired(value) if value.startswith(FIREWORKS_IDS) else None
        if gone is not None:
            when = f" on {gone.retired_on}" if gone.retired_on else ""
            instead = f": use {gone.replacement!r}" if gone.replacement else ""
            self.note(node, "FW306", "error", f"Fireworks retired {value!r}{when}{instead}. {gone.note or ''}".strip())
        return "/" in value

    def mention(self, node: cst.SimpleString, value: str) -> None:
        """A model id outside any request: a note for each unsupported one, one per other id."""
        feature = self.models.unsupported(value)
        if feature is not None:
            self.note(node, "FW303", "info", f"{value!r} names an OpenAI model Fireworks has no counterpart for "
                      f"({feature}): left as is")
        if feature is not None or value in self.mentioned:
            return
        self.mentioned.add(value)
        more = self.plan.mentions[value] - 1
        where = f" ({more} more in this file)" if more > 0 else ""
        mapping = self.models.lookup(value)
        if mapping is not None:
            self.note(node, "FW307", "info", f"{value!r} names an OpenAI model outside a request's model={where}: left "
                      f"as is; if it stands for your requests' model (a table key, a list of choices, a setting of "
                      f"another SDK), its Fireworks counterpart is {mapping.target!r}")

    def request(self, node: cst.SimpleString, value: str, role: Role) -> Mapping | None:
        """Notes about the model of a request; the mapping when it is to be rewritten."""
        feature = self.models.unsupported(value)
        if feature is not None:
            self.note(node, "FW303", "error", f"{value!r} has no Fireworks counterpart ({feature}): left as is; keep "
                      f"this call on an OpenAI client, or map it yourself (--model {value}=<fireworks-id>) if you have one")
            return None
        mapping = self.models.lookup(value)
        if mapping is None:
            if self.models.looks_like_openai_model(value):
                self.note(node, "FW302", "warning", f"unknown OpenAI model {value!r}: left as is; map it in pyproject.toml "
                          f"([tool.fw-migrate.models] \"{value}\" = \"accounts/fireworks/models/<model>\") or with "
                          f"--model {value}=accounts/fireworks/models/<model>")
            return None
        if mapping.kind == "embedding":
            advice = mapping.note if mapping.note and "re-embed" in mapping.note.lower() else (
                "Re-embed stored data: vectors from different models are not comparable, and the size may differ. "
                + (mapping.note or "")).strip()
            if role.detail:
                advice += f" {role.detail} passes dimensions=: check the new model accepts that size and that it matches your index."
            self.note(node, "FW304", "warning", f"embeddings {value!r} -> {mapping.target!r}: {advice}")
        elif mapping.kind == "audio" and mapping.base_url:
            advice = mapping.note if mapping.note and mapping.base_url in mapping.note else (
                f"Call it on a second client with base_url={mapping.base_url!r}. {mapping.note or ''}".strip())
            self.note(node, "FW305", "warning", f"speech-to-text {value!r} -> {mapping.target!r} is served at "
                      f"{mapping.base_url}, not at the main Fireworks URL. {advice}")
        elif mapping.note and mapping.openai_id not in self.explained:
            self.explained.add(mapping.openai_id)
            self.note(node, "FW301", "info", f"{value!r} -> {mapping.target!r}: {mapping.note}")
        return mapping


RULE = ModelNamesRule
