"""The OpenAI -> Fireworks model map.

The default map ships as ``migrate/data/models.toml``: each OpenAI model id (or family)
has a Fireworks target, a kind (chat, reasoning, completion, embedding, audio) and an
optional note. The same file lists OpenAI families Fireworks has no counterpart for, and
Fireworks ids that were retired or renamed. Fireworks' catalogue changes often; see
https://docs.fireworks.ai/models/overview and ``ModelMap.last_checked``.

Resolution. ``lookup("gpt-4o-mini-2024-07-18")`` finds the longest key that equals the id
or is a prefix of it ending at a ``-``: that is ``gpt-4o-mini``, never ``gpt-4o``, and
``gpt-4o`` never matches ``gpt-4``. In a key, ``*`` stands for a run of digits
(``gpt-5.*`` covers ``gpt-5.2`` and ``gpt-5.2-2025-12-11``). An id in an unsupported family
(``gpt-4o-realtime-preview``) only resolves through a key in that family, which in practice
means one the user added. Fireworks ids (``accounts/...``) and any id with a ``/`` are
never mapped, so running the tool twice changes nothing.

Precedence. ``--model OPENAI=FIREWORKS`` flags beat ``[tool.fw-migrate.models]`` in
pyproject.toml, which beats the default map; a later flag beats an earlier one. A user
value is a string or an inline table ``{target = "...", kind = "...", note = "...",
base_url = "..."}`` (only ``target`` is required). Targets are expanded like LiteLLM does:
a bare slug ``kimi-k2p5`` becomes ``accounts/fireworks/models/kimi-k2p5``,
``fireworks/<id>`` becomes ``accounts/fireworks/models/<id>``, ``routers/<id>`` becomes
``accounts/fireworks/routers/<id>``; ``accounts/...`` ids and HF-style ``org/name`` ids
are kept. A user entry with no ``kind`` takes the kind of the default entry its key
resolves to (otherwise a guess from the name); it keeps the default note only when the
target is unchanged.
"""

from __future__ import annotations

import collections.abc
import functools
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Iterable, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "HF_STYLE_EMBEDDING_IDS",
    "KINDS",
    "Mapping",
    "ModelMap",
    "ModelMapError",
    "Retirement",
    "claude_lookup",
    "format_table",
]

KINDS = ("chat", "reasoning", "completion", "embedding", "audio")
SOURCES = ("default", "pyproject", "flag")
FIREWORKS_MODELS = "accounts/fireworks/models/"
FIREWORKS_ROUTERS = "accounts/fireworks/routers/"
# Embedding models Fireworks serves under their Hugging Face names ([FW-DOC] embeddings guide).
HF_STYLE_EMBEDDING_IDS = frozenset(
    {
        "nomic-ai/nomic-embed-text-v1.5",
        "nomic-ai/nomic-embed-text-v1",
        "WhereIsAI/UAE-Large-V1",
        "thenlper/gte-large",
        "thenlper/gte-base",
    }
)

_PYPROJECT = "[tool.fw-migrate.models]"
_ENTRY_FIELDS = ("target", "kind", "note", "base_url")
_SEG = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
# Shapes of OpenAI model ids. Lower case only, whole string only, so prose never matches.
_OPENAI_SHAPE = re.compile(
    rf"""
    (?: (?:chat)?gpt-{_SEG}
      | o[1-9](?:-{_SEG})?
      | text-embedding-{_SEG}
      | (?:(?:text|code)-)?(?:davinci|babbage)(?:-{_SEG})?
      | (?:text|code)-(?:curie|ada)(?:-{_SEG})?
      | whisper-[0-9][a-z0-9]*(?:[._-][a-z0-9]+)*
    )""",
    re.VERBOSE,
)


class ModelMapError(ValueError):
    """A bad model-map value; the message is one line naming the key and the cause."""


@dataclass(frozen=True)
class Mapping:
    """One map entry: the OpenAI key it was written for and where it points."""

    openai_id: str  # the key as written; may be a family key such as "gpt-5.*"
    target: str  # full Fireworks id, or an HF-style embedding id
    kind: str  # one of KINDS: what the OpenAI model is
    note: str | None = None
    base_url: str | None = None  # set when the target is served outside the main base URL
    source: str = "default"  # one of SOURCES


@dataclass(frozen=True)
class Retirement:
    fireworks_id: str
    replacement: str | None = None
    retired_on: date | None = None
    note: str | None = None


@dataclass(frozen=True, eq=False)
class ModelMap:
    """An immutable, merged model map. Build it with ``ModelMap.load``."""

    _entries: collections.abc.Mapping[str, Mapping] = field(repr=False)
    _unsupported: tuple[tuple[str, tuple[str, ...]], ...] = field(repr=False)
    _retired: collections.abc.Mapping[str, Retirement] = field(repr=False)
    last_checked: date
    _literal: collections.abc.Mapping[str, Mapping] = field(init=False, repr=False)
    _wildcards: tuple[tuple[re.Pattern[str], Mapping], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        literal = {k: m for k, m in self._entries.items() if "*" not in k}
        wildcards = tuple(
            (re.compile(re.escape(k).replace(r"\*", r"[0-9]+") + r"(?=-|$)"), m)
            for k, m in sorted(self._entries.items())
            if "*" in k
        )
        object.__setattr__(self, "_entries", MappingProxyType(dict(self._entries)))
        object.__setattr__(self, "_literal", MappingProxyType(literal))
        object.__setattr__(self, "_wildcards", wildcards)

    # -- building --------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        pyproject_models: dict[str, Any] | Iterable[tuple[str, Any]] | None = None,
        flags: Sequence[str] = (),
    ) -> ModelMap:
        """The default map overridden by pyproject entries, then by ``--model`` flags.

        ``pyproject_models`` is the ``[tool.fw-migrate.models]`` table (a dict, or its
        ``(key, value)`` pairs). Raises ``ModelMapError`` on a bad key or value.
        """
        base = _default_map()
        if isinstance(flags, str):
            raise TypeError("flags must be a sequence of 'OPENAI=FIREWORKS' strings, not a str")
        if not pyproject_models and not flags:
            return base
        entries = dict(base._entries)
        for key, value in _pyproject_items(pyproject_models):
            label = f"{_PYPROJECT} '{key}'"
            entry = _user_entry(base, label, key, value, "pyproject")
            entries[entry.openai_id] = entry
        for raw in flags:
            label = f"--model '{raw}'"
            if not isinstance(raw, str) or "=" not in raw:
                raise ModelMapError(f"{label}: expected OPENAI=FIREWORKS")
            key, _, value = raw.partition("=")
            entry = _user_entry(base, label, key.strip(), value.strip(), "flag")
            entries[entry.openai_id] = entry
        return cls(entries, base._unsupported, base._retired, base.last_checked)

    # -- queries ---------------------------------------------------------------------------

    def lookup(self, openai_id: str) -> Mapping | None:
        """The entry for an OpenAI model id, resolving snapshots; None if unmapped."""
        if not isinstance(openai_id, str) or not openai_id or "/" in openai_id:
            return None
        blocked = self._feature(openai_id) is not None
        best: tuple[tuple[int, int], Mapping] | None = None
        for rank, entry in self._candidates(openai_id):
            if blocked and self._feature(entry.openai_id) is None:
                continue
            if best is None or rank > best[0]:
                best = (rank, entry)
        return best[1] if best else None

    def unsupported(self, openai_id: str) -> str | None:
        """The OpenAI feature Fireworks lacks for this id (e.g. "realtime API"), or None."""
        if not isinstance(openai_id, str) or "/" in openai_id:
            return None
        feature = self._feature(openai_id)
        if feature is None or self.lookup(openai_id) is not None:
            return None
        return feature

    def retired(self, fireworks_id: str) -> Retirement | None:
        """Whether a Fireworks id (full, ``fireworks/x``, ``routers/x`` or bare) was retired."""
        try:
            full = _expand_target(fireworks_id)
        except ValueError:
            return None
        return self._retired.get(full)

    @staticmethod
    def is_fireworks_id(s: str) -> bool:
        """A full Fireworks resource id (models or routers): never mapped or prefixed again."""
        return isinstance(s, str) and s.startswith("accounts/")

    def looks_like_openai_model(self, s: str) -> bool:
        """True for an OpenAI-shaped id the map does not know (so the user can add it)."""
        if not isinstance(s, str) or not _OPENAI_SHAPE.fullmatch(s):
            return False
        return self.lookup(s) is None and self.unsupported(s) is None

    def entries(self) -> tuple[Mapping, ...]:
        """Every effective entry, sorted by OpenAI key; ``Mapping.source`` says where from."""
        return tuple(self._entries[k] for k in sorted(self._entries))

    def __repr__(self) -> str:
        return f"ModelMap({len(self._entries)} entries, last_checked={self.last_checked})"

    # -- internals -------------------------------------------------------------------------

    def _candidates(self, openai_id: str) -> Iterable[tuple[tuple[int, int], Mapping]]:
        """Matching entries ranked by (characters matched, literal beats wildcard)."""
        prefix = openai_id
        while prefix:
            entry = self._literal.get(prefix)
            if entry is not None:
                yield (len(prefix), 1), entry
            cut = prefix.rfind("-")
            prefix = prefix[:cut] if cut > 0 else ""
        for pattern, entry in self._wildcards:
            m = pattern.match(openai_id)
            if m:
                yield (m.end(), 0), entry

    def _feature(self, openai_id: str) -> str | None:
        for feature, patterns in self._unsupported:
            if any(fnmatchcase(openai_id, p) for p in patterns):
                return feature
        return None


def format_table(model_map: ModelMap) -> list[tuple[str, str, str]]:
    """Rows of (OpenAI id, Fireworks id, source) for ``--list-models``, sorted."""
    return sorted((m.openai_id, m.target, m.source) for m in model_map.entries())


def claude_table(model_map: ModelMap) -> tuple[list[tuple[str, str, str]], date]:
    """Rows of the shipped Claude map that no user entry overrides (user entries for Claude
    ids are in ``format_table``), and the date it was last checked."""
    claude = _claude_map()
    rows = [(m.openai_id, m.target, m.source) for m in claude.entries()
            if (model_map.lookup(m.openai_id) or m).source == "default"]
    return sorted(rows), claude.last_checked


# -- the default map -----------------------------------------------------------------------


@functools.cache
def _default_map() -> ModelMap:
    text = (files(__package__ or "migrate") / "data" / "models.toml").read_text("utf-8")
    return _parse_default(tomllib.loads(text))


@functools.cache
def _claude_map() -> ModelMap:
    text = (files(__package__ or "migrate") / "data" / "claude_models.toml").read_text("utf-8")
    return _parse_default(tomllib.loads(text))


def claude_lookup(claude_id: str, model_map: ModelMap | None = None) -> Mapping | None:
    """The Fireworks entry for an Anthropic model id (``data/claude_models.toml``, same format
    and resolution as the OpenAI map). A user entry for a Claude id (``--model
    claude-sonnet-4=...`` or pyproject) lands in ``model_map`` and wins."""
    if model_map is not None:
        user = model_map.lookup(claude_id)
        if user is not None and user.source != "default":
            return user
    return _claude_map().lookup(claude_id)


def _parse_default(data: dict[str, Any]) -> ModelMap:
    where = "models.toml"
    _only(where, data, ("meta", "models", "unsupported", "retired"))
    meta = data.get("meta", {})
    checked = meta.get("last_checked")
    if not isinstance(checked, date) or isinstance(checked, datetime):
        raise ModelMapError(f"{where} [meta]: last_checked must be a date (YYYY-MM-DD)")

    entries: dict[str, Mapping] = {}
    for key, raw in data.get("models", {}).items():
        label = f"{where} [models.'{key}']"
        if not isinstance(raw, dict):
            raise ModelMapError(f"{label}: must be a table")
        _only(label, raw, _ENTRY_FIELDS)
        target, kind = raw.get("target"), raw.get("kind")
        if not isinstance(target, str) or not (
            target.startswith("accounts/") or target in HF_STYLE_EMBEDDING_IDS
        ):
            raise ModelMapError(f"{label}: target must be a full Fireworks id")
        if kind not in KINDS:
            raise ModelMapError(f"{label}: kind must be one of {', '.join(KINDS)}")
        entries[key] = Mapping(
            key, target, kind, _opt_str(label, raw, "note"), _opt_str(label, raw, "base_url")
        )

    unsupported = []
    for i, raw in enumerate(data.get("unsupported", [])):
        label = f"{where} [[unsupported]] #{i + 1}"
        feature, patterns = raw.get("feature"), raw.get("patterns")
        _only(label, raw, ("feature", "patterns"))
        if not isinstance(feature, str) or not feature:
            raise ModelMapError(f"{label}: feature must be a string")
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            raise ModelMapError(f"{label}: patterns must be a list of strings")
        unsupported.append((feature, tuple(patterns)))

    retired = {}
    for key, raw in data.get("retired", {}).items():
        label = f"{where} [retired.'{key}']"
        if not key.startswith("accounts/"):
            raise ModelMapError(f"{label}: key must be a full Fireworks id")
        _only(label, raw, ("replacement", "retired_on", "note"))
        when = raw.get("retired_on")
        if when is not None and (not isinstance(when, date) or isinstance(when, datetime)):
            raise ModelMapError(f"{label}: retired_on must be a date (YYYY-MM-DD)")
        retired[key] = Retirement(
            key, _opt_str(label, raw, "replacement"), when, _opt_str(label, raw, "note")
        )

    return ModelMap(entries, tuple(unsupported), MappingProxyType(retired), checked)


def _only(label: str, table: dict[str, Any], allowed: Sequence[str]) -> None:
    for name in table:
        if name not in allowed:
            raise ModelMapError(f"{label}: unknown field '{name}' (expected {', '.join(allowed)})")


def _opt_str(label: str, table: dict[str, Any], name: str) -> str | None:
    value = table.get(name)
    if value is not None and not isinstance(value, str):
        raise ModelMapError(f"{label}: {name} must be a string")
    return value or None


# -- user entries --------------------------------------------------------------------------


def _pyproject_items(models: Any) -> Iterable[tuple[str, Any]]:
    if models is None:
        return ()
    if isinstance(models, collections.abc.Mapping):
        return models.items()
    if isinstance(models, (list, tuple)) and all(
        isinstance(p, tuple) and len(p) == 2 for p in models
    ):
        return models
    raise ModelMapError(f"{_PYPROJECT}: must be a table of OPENAI-MODEL = FIREWORKS-MODEL")


def _user_entry(base: ModelMap, label: str, key: Any, value: Any, source: str) -> Mapping:
    _check_key(label, key)
    if isinstance(value, str):
        fields: dict[str, Any] = {"target": value}
    elif isinstance(value, collections.abc.Mapping):
        fields = dict(value)
        _only(label, fields, _ENTRY_FIELDS)
        if not isinstance(fields.get("target"), str):
            raise ModelMapError(f"{label}: the table needs a string 'target'")
    else:
        raise ModelMapError(f"{label}: value must be a string or a table with 'target'")
    try:
        target = _expand_target(fields["target"])
    except ValueError as exc:
        raise ModelMapError(f"{label}: {exc}") from None
    _check_not_swapped(base, label, fields["target"].strip(), target)

    kind = fields.get("kind")
    if kind is not None and kind not in KINDS:
        raise ModelMapError(f"{label}: kind must be one of {', '.join(KINDS)}")
    note, base_url = _opt_str(label, fields, "note"), _opt_str(label, fields, "base_url")
    default = base.lookup(key)
    if kind is None:
        kind = default.kind if default else _guess_kind(key)
    if default is not None and default.target == target:
        note = note or default.note
        base_url = base_url or default.base_url
    return Mapping(key, target, kind, note, base_url, source)


def _check_key(label: str, key: Any) -> None:
    if not isinstance(key, str) or not key:
        raise ModelMapError(f"{label}: OpenAI model name is empty")
    if key.startswith("accounts/"):
        raise ModelMapError(f"{label}: the key is a Fireworks id; expected an OpenAI model name")
    if "/" in key:
        raise ModelMapError(f"{label}: an OpenAI model name has no '/'")
    if any(c.isspace() for c in key):
        raise ModelMapError(f"{label}: the OpenAI model name contains whitespace")


def _check_not_swapped(base: ModelMap, label: str, written: str, target: str) -> None:
    """Reject a bare OpenAI name as a target (``gpt-4o=gpt-4o-mini``): likely a mistake."""
    if "/" in written:
        return
    known = base.lookup(written)
    if (known is not None and known.target != target) or base.unsupported(written):
        raise ModelMapError(
            f"{label}: '{written}' is an OpenAI model, not a Fireworks one "
            "(expected OPENAI=FIREWORKS)"
        )


def _expand_target(value: str) -> str:
    """A full Fireworks id for a user-written target; ValueError says what is wrong."""
    if not isinstance(value, str):
        raise ValueError("the Fireworks model must be a string")
    v = value.strip()
    if not v:
        raise ValueError("the Fireworks model is empty")
    if any(c.isspace() for c in v):
        raise ValueError(f"the Fireworks model '{v}' contains whitespace")
    parts = v.split("/")
    if not all(parts):
        raise ValueError(f"'{v}' has an empty path segment")
    if v.startswith("accounts/"):
        if len(parts) < 4:
            raise ValueError(f"'{v}' is not a full id (accounts/<account>/models/<model>)")
        return v
    if len(parts) == 2 and parts[0] == "fireworks":
        return FIREWORKS_MODELS + parts[1]
    if len(parts) == 2 and parts[0] == "routers":
        return FIREWORKS_ROUTERS + parts[1]
    if len(parts) == 2:
        return v  # HF-style org/name, e.g. nomic-ai/nomic-embed-text-v1.5
    if len(parts) == 1:
        return FIREWORKS_MODELS + v
    raise ValueError(f"'{v}' is neither a model slug nor a full id (accounts/<account>/...)")


def _guess_kind(key: str) -> str:
    if key.startswith("text-embedding") or "embed" in key:
        return "embedding"
    if key.startswith("whisper") or "transcribe" in key:
        return "audio"
    if re.match(r"o[1-9](?:-|$)", key):
        return "reasoning"
    if "instruct" in key or re.search(r"(?:^|-)(?:davinci|babbage|curie|ada)(?:-|$)", key):
        return "completion"
    return "chat"
