"""Env files: `.env`, `.env.example`, `.env.sample` and any `.env.*`, edited line by line.

Before:
    # keys
    export OPENAI_API_KEY="sk-proj-..."        # a real key
    OPENAI_BASE_URL=https://api.openai.com/v1
    OPENAI_MODEL='gpt-4o-mini'
After:
    # keys
    export FIREWORKS_API_KEY=""                # a real key
    OPENAI_BASE_URL=https://api.fireworks.ai/inference/v1
    OPENAI_MODEL='accounts/fireworks/models/...'

- `OPENAI_API_KEY` becomes `FIREWORKS_API_KEY` (setting `api-key-env`), the name the
  migrated code reads. A value that looks like a real key is blanked, with a security note
  (the key is masked in every output): an OpenAI key does not work on Fireworks, and a key
  does not belong in the tree; revoke it. Placeholders (`sk-...`, `your-openai-key-here`)
  and references (`${SECRET}`) stay; `$OPENAI_API_KEY` / `${OPENAI_API_KEY}` in other values
  are renamed with it. Code that still reads OPENAI_API_KEY gets a note on the renamed line.
- `OPENAI_BASE_URL` / `OPENAI_API_BASE` set to OpenAI's URL (or empty) become the Fireworks
  URL (setting `base-url`); a URL pointing anywhere else is left, with a note.
- Keys whose name says model (`MODEL`, `OPENAI_MODEL`, `*_MODEL`, `*_MODEL_NAME`,
  `*_MODEL_ID`) follow the model map, like `model=` arguments in code.
- Comments, blank lines, ordering, quoting, spacing around `=` and `export ` prefixes stay;
  multi-line quoted values are read whole and never edited.

Not rewritten: a file that already sets FIREWORKS_API_KEY keeps its OPENAI_API_KEY line (a
note says so); keys in comments and under other names are reported, not removed.
`# fw-migrate: ignore` at the end of a line leaves that line alone; `# fw-migrate: skip-file`
leaves the file. The key and URL parts follow the `client` rule, the model part the
`model_names` rule (`--select`/`--ignore`); `env-files = false` turns env files off.
Docs: https://docs.fireworks.ai/tools-sdks/openai-compatibility
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from migrate.results import Change, Note, Outcome, mask
from migrate.settings import Settings
from migrate.sources import Migration, Piece

OPENAI_KEY_VAR = "OPENAI_API_KEY"
OPENAI_URL_VARS = ("OPENAI_BASE_URL", "OPENAI_API_BASE")
OPENAI_ONLY_VARS = ("OPENAI_ORG_ID", "OPENAI_ORGANIZATION", "OPENAI_ORG", "OPENAI_PROJECT", "OPENAI_PROJECT_ID")
MODEL_KEY_RE = re.compile(r"(?:^|_)MODEL(?:_NAME|_ID)?$", re.IGNORECASE)
MODEL_VALUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")

ASSIGN_RE = re.compile(r"(?P<head>[ \t]*(?:export[ \t]+)?)(?P<key>[A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*")
SKIP_FILE_RE = re.compile(r"#\s*fw-migrate:\s*skip-file\b")
SUPPRESS_RE = re.compile(r"#\s*fw-migrate:\s*ignore(?:\[([^\]]*)\])?")  # as in rules/_base.py

# Shapes of real keys. OpenAI: sk-, sk-proj-, sk-svcacct-, sk-admin- and a long random tail.
_OPENAI_KEY_RE = re.compile(r"\bsk-(?:[A-Za-z]+-)?[A-Za-z0-9_-]{20,}")
_FIREWORKS_KEY_RE = re.compile(r"fw_[A-Za-z0-9]{20,}")
_PLACEHOLDER_RE = re.compile(r"your|here|xxxx|example|placeholder|dummy|fake|change|replace|insert|sample|\.\.\.|[<>{}*]",
                             re.IGNORECASE)
_REFERENCE_RE = re.compile(r"\$(?:\{OPENAI_API_KEY\}|OPENAI_API_KEY\b)")


def real_looking_key(value: str) -> bool:
    """A long random token (an OpenAI `sk-...` key, say), not a placeholder or a reference."""
    value = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,}", value) or _PLACEHOLDER_RE.search(value):
        return False
    body = value.split("-", 2)[-1] if value.startswith("sk-") else value
    return (len(body) >= 20 and len(set(body)) >= 10 and any(c.isdigit() for c in body)
            and any(c.isalpha() for c in body))


def _openai_word_to_fireworks(text: str) -> str:
    """`<your-openai-key>` -> `<your-fireworks-key>`, keeping the case of each spelling."""
    swap = {"OPENAI": "FIREWORKS", "openai": "fireworks", "OpenAI": "Fireworks", "Openai": "Fireworks"}
    return re.sub(r"(?i)openai", lambda m: swap.get(m.group(0), "fireworks"), text)


@dataclass
class Assignment:
    line: int  # 1-based line of the key
    col: int  # 1-based column of the key
    key: str
    key_span: tuple[int, int]  # offsets in the text
    value: str  # the value as written between its quotes (escapes not decoded)
    value_span: tuple[int, int]
    quote: str  # "", "'", '"' or "`"
    suppressed: frozenset[str] | None | bool = False  # False: no comment; None: every rule


def parse(text: str) -> tuple[list[Assignment], list[tuple[int, str]]]:
    """The assignments of an env file and its comment lines ((line, text) each).

    Values: `'...'`, `"..."` (may run over several lines; a backslash escapes the next
    character) or bare (up to ` #` or the end of the line). A line that is neither an
    assignment nor a comment is ignored, as dotenv readers do.
    """
    assignments: list[Assignment] = []
    comments: list[tuple[int, str]] = []
    pos, line = 0, 1
    size = len(text)
    while pos < size:
        end = text.find("\n", pos)
        end = size if end < 0 else end
        line_end = end - 1 if end > pos and text[end - 1] == "\r" else end
        match = ASSIGN_RE.match(text, pos, line_end)
        if match is None:
            stripped = text[pos:line_end].lstrip()
            if stripped.startswith("#"):
                comments.append((line, stripped))
            pos, line = end + 1, line + 1
            continue
        start = match.end()
        quote = text[start] if start < line_end and text[start] in "\"'`" else ""
        closing = _closing_quote(text, start + 1, quote) if quote else -1
        if quote and closing >= 0:
            value_span = (start + 1, closing)
            after = closing + 1
            stop = text.find("\n", after)
            stop = size if stop < 0 else stop
            rest_end = stop - 1 if stop > after and text[stop - 1] == "\r" else stop
            rest = text[after:rest_end]
        else:
            quote = ""
            rest_full = text[start:line_end]
            comment = re.search(r"(?:^|[ \t])#", rest_full)
            value_text = rest_full[: comment.start()] if comment else rest_full
            value_span = (start, start + len(value_text.rstrip()))
            rest, stop = rest_full[len(value_text):], end
        suppress: frozenset[str] | None | bool = False
        found = SUPPRESS_RE.search(rest)
        if found:
            listed = found.group(1)
            suppress = None if listed is None else frozenset(p.strip() for p in listed.split(",") if p.strip())
        key_start = match.start("key")
        assignments.append(Assignment(
            line, key_start - pos + 1, match.group("key"), (key_start, match.end("key")),
            text[value_span[0]:value_span[1]], value_span, quote, suppress,
        ))
        line += text.count("\n", pos, stop)
        pos, line = stop + 1, line + 1
    return assignments, comments


def _closing_quote(text: str, index: int, quote: str) -> int:
    while index < len(text):
        char = text[index]
        if char == "\\" and quote != "`":
            index += 2
            continue
        if char == quote:
            return index
        index += 1
    return -1


@dataclass
class EnvEditor:
    """Decides what becomes of each assignment; collects changes, notes and secrets.

    Used for env files and for `%env NAME=VALUE` lines in notebooks (`cell` set).
    """

    settings: Settings
    defined: set[str]  # every key the file (or notebook) sets
    cell: int | None = None
    changes: list[Change] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rename_key = (
            self.settings.rule_enabled("client")
            and OPENAI_KEY_VAR in self.defined
            and self.settings.api_key_env not in self.defined
        )

    def allowed(self, suppressed, rule: str, code: str | None = None) -> bool:
        if suppressed is False:
            return True
        return not (suppressed is None or rule in suppressed or (code is not None and code in suppressed))

    def note(self, line: int, col: int, rule: str, code: str, severity: str, message: str, suppressed=False) -> None:
        if self.allowed(suppressed, rule, code):
            self.notes.append(Note(rule, code, line, col, severity, message, self.cell))

    def change(self, line: int, rule: str, message: str) -> None:
        self.changes.append(Change(rule, line, message, self.cell))

    def edit(self, line: int, col: int, key: str, value: str, quote: str, suppressed=False) -> tuple[str, str]:
        """The new (key, value) of one assignment; the same pair when nothing changes."""
        client = self.settings.rule_enabled("client") and self.allowed(suppressed, "client")
        models = self.settings.rule_enabled("model_names") and self.allowed(suppressed, "model_names")
        if key == OPENAI_KEY_VAR and client:
            return self._api_key(line, col, value, suppressed)
        if key in OPENAI_URL_VARS and client:
            return key, self._base_url(line, col, key, value, suppressed)
        if key in OPENAI_ONLY_VARS and client:
            self.note(line, col, "client", "FW912", "info",
                      f"{key} only matters to OpenAI (an organization or project header); Fireworks does not use it",
                      suppressed)
        elif MODEL_KEY_RE.search(key) and models:
            value = self._model(line, col, key, value, suppressed)
        elif client and quote != "'" and self.rename_key and _REFERENCE_RE.search(value):
            new_value = _REFERENCE_RE.sub(lambda m: m.group(0).replace(OPENAI_KEY_VAR, self.settings.api_key_env), value)
            self.change(line, "client", f"{key}: reference to {OPENAI_KEY_VAR} now {self.settings.api_key_env}")
            return key, new_value
        if client and key != OPENAI_KEY_VAR:
            self._stray_key(line, col, key, value, suppressed)
        return key, value

    # --- the parts -------------------------------------------------------------------------

    def _api_key(self, line: int, col: int, value: str, suppressed) -> tuple[str, str]:
        target = self.settings.api_key_env
        real = real_looking_key(value)
        if real:
            self.secrets.add(value.strip())
        if not self.rename_key:
            self.note(line, col, "client", "FW905", "info",
                      f"{OPENAI_KEY_VAR} left as is: {target} is set here too, and code that reads "
                      f"{OPENAI_KEY_VAR} may still call OpenAI", suppressed)
            if real:
                self.note(line, col, "client", "FW903", "warning",
                          f"an API key ({mask(value.strip())}) sits in this file: keys do not belong in the tree; "
                          "move it to your secret store and revoke it if it was ever committed", suppressed)
            return OPENAI_KEY_VAR, value
        what = [f"{OPENAI_KEY_VAR} renamed to {target}"]
        if real and _FIREWORKS_KEY_RE.fullmatch(value.strip()):
            self.note(line, col, "client", "FW903", "warning",
                      f"an API key ({mask(value.strip())}) sits in this file: keys do not belong in the tree; "
                      "move it to your secret store and revoke it if it was ever committed", suppressed)
        elif real:
            self.note(line, col, "client", "FW902", "warning",
                      f"OpenAI API key {mask(value.strip())} removed: it does not work on Fireworks and does not belong "
                      "in the tree; revoke it at https://platform.openai.com/api-keys and set your Fireworks key "
                      f"in {target} outside the repository", suppressed)
            value = ""
            what.append("the OpenAI key removed")
        elif re.search(r"(?i)openai", value) and not value.startswith("$"):
            value = _openai_word_to_fireworks(value)  # a placeholder such as <your-openai-key>
        self.change(line, "client", ", ".join(what))
        self.note(line, col, "client", "FW904", "info",
                  f"code or tools that read {OPENAI_KEY_VAR} (os.environ, LangChain, LiteLLM, the OpenAI SDK "
                  f"without api_key=) no longer find it: read {target} there", suppressed)
        return target, value

    def _base_url(self, line: int, col: int, key: str, value: str, suppressed) -> str:
        from migrate.rules._names import url_kind

        fireworks = self.settings.base_url
        if key == "OPENAI_API_BASE" and "OPENAI_BASE_URL" not in self.defined:
            self.note(line, col, "client", "FW907", "info",
                      "the openai package 1.x and later reads OPENAI_BASE_URL, not OPENAI_API_BASE: only code that "
                      "passes this value as base_url= (or openai 0.x, LangChain) uses it", suppressed)
        if not value.strip():
            self.change(line, "client", f"{key} set to the Fireworks URL")
            return fireworks
        kind = url_kind(value, fireworks)
        if kind in ("openai", "fireworks-malformed"):
            self.change(line, "client", f"{key} now the Fireworks URL")
            return fireworks
        if kind == "other":
            self.note(line, col, "client", "FW906", "warning",
                      f"{key} points at {value.strip()}: left as is; the key for it belongs to that endpoint, "
                      f"not to Fireworks ({fireworks})", suppressed)
        return value

    def _model(self, line: int, col: int, key: str, value: str, suppressed) -> str:
        model = value.strip()
        if not MODEL_VALUE_RE.fullmatch(model):
            return value
        model_map = _model_map(self.settings)
        if model_map.is_fireworks_id(model):
            retired = model_map.retired(model)
            if retired is not None:
                instead = f"; use {retired.replacement}" if retired.replacement else ""
                self.note(line, col, "model_names", "FW911", "warning",
                          f"{key}: {model} is retired on Fireworks{instead}" + (f" ({retired.note})" if retired.note else ""),
                          suppressed)
            return value
        entry = model_map.lookup(model)
        if entry is not None and entry.target != model:
            self.change(line, "model_names", f"{key}: {model} -> {entry.target}")
            if entry.note:
                severity = "warning" if entry.kind in ("embedding", "audio") or entry.base_url else "info"
                self.note(line, col, "model_names", "FW908", severity, f"{key}: {entry.note}", suppressed)
            return value.replace(model, entry.target)
        feature = model_map.unsupported(model)
        if feature:
            self.note(line, col, "model_names", "FW909", "warning",
                      f"{key}: {model} has no Fireworks counterpart ({feature}); left as is", suppressed)
        elif model_map.looks_like_openai_model(model):
            self.note(line, col, "model_names", "FW910", "info",
                      f"{key}: {model} is not in the model map; add it under [tool.fw-migrate.models] "
                      f"or pass --model {model}=<fireworks model>", suppressed)
        return value

    def _stray_key(self, line: int, col: int, key: str, value: str, suppressed) -> None:
        """A real-looking OpenAI key under another name (OPENAI_KEY, LLM_API_KEY, ...)."""
        token = value.strip()
        if token.startswith("sk-") and real_looking_key(token):
            self.secrets.add(token)
            self.note(line, col, "client", "FW903", "warning",
                      f"{key} holds what looks like an OpenAI key ({mask(token)}): it does not work on Fireworks "
                      "and does not belong in the tree; left as is, revoke it", suppressed)

    def comment(self, line: int, text: str) -> None:
        for match in _OPENAI_KEY_RE.finditer(text):
            token = match.group(0)
            if real_looking_key(token) and self.settings.rule_enabled("client"):
                self.secrets.add(token)
                self.note(line, 1, "client", "FW903", "warning",
                          f"a comment holds what looks like an OpenAI key ({mask(token)}): left as is; "
                          "remove it and revoke the key")


_MAPS: dict[str, object] = {}


def _model_map(settings: Settings):
    from migrate.model_map import ModelMap

    key = repr((settings.models, settings.model_flags))
    if key not in _MAPS:
        _MAPS[key] = ModelMap.load(dict(settings.models), settings.model_flags)
    return _MAPS[key]


def migrate_env_text(text: str, settings: Settings) -> Outcome:
    """The env file's text migrated: pure, line based; every byte not edited stays."""
    if SKIP_FILE_RE.search(text):
        return Outcome(text, skipped="skip-file comment")
    assignments, comments = parse(text)
    editor = EnvEditor(settings, {a.key for a in assignments})
    edits: list[tuple[tuple[int, int], str]] = []
    for item in assignments:
        key, value = editor.edit(item.line, item.col, item.key, item.value, item.quote, item.suppressed)
        if key != item.key:
            edits.append((item.key_span, key))
        if value != item.value:
            edits.append((item.value_span, value))
    for line, comment in comments:
        editor.comment(line, comment)
    code = text
    for (start, end), replacement in sorted(edits, reverse=True):
        code = code[:start] + replacement + code[end:]
    notes = sorted(editor.notes, key=lambda n: (n.line, n.col, n.code))
    return Outcome(code, sorted(editor.changes, key=lambda c: c.line), notes, editor.secrets)


def migrate_env_file(path: str, data: bytes, settings: Settings) -> Migration:
    if not settings.env_files:
        return Migration(lambda: data, skipped="env files are off (env-files = false)")
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[len(codecs.BOM_UTF8) if bom else 0:].decode("utf-8")
    except UnicodeDecodeError:
        return Migration(lambda: data, skipped="not a UTF-8 text file")
    if "\x00" in text:
        return Migration(lambda: data, skipped="not a text file")
    outcome = migrate_env_text(text, settings)
    code = outcome.code
    pieces = [Piece(None, text, code)] if code != text else []
    return Migration(lambda: (codecs.BOM_UTF8 if bom else b"") + code.encode("utf-8"), pieces, outcome.changes,
                     outcome.notes, outcome.secrets, outcome.skipped)
